"""Measured speed of the monitor pipeline, and what each speed-up costs in accuracy.

Owns the measurement behind ``benchmarks/realtime.py`` and notebook 08's table: frames per second of
classification alone and of the whole pipeline (decode, detect, crop, classify, sign) for a *path* —
a set of choices such as batch size, channels-last layout, int8 linear layers, detector input side,
detecting every k-th frame, classifying every k-th frame — and the agreement of a path's per-frame
probabilities and sign with the exact float32 path at the same input size (max |Δp|, face-found
agreement, Pearson r of the signs). Nothing here claims a speed it did not just measure.
Submodules: :mod:`.paths` (what is compared), :mod:`.timing` (one path timed), :mod:`.benchmark`
(every path, their agreement, the speed-up table, which model keeps up with the camera; a re-run
on the same machine reuses the measurement), :mod:`.live` (the authors' scenarios — one model,
MC-dropout, a fold ensemble — on a live 30-fps stream: frames dropped, capture-to-sign latency).
See docs/design.md.
"""

from .benchmark import (
    FLAT_SIGN_SD,
    agreement,
    benchmark,
    cached_benchmark,
    keeps_up,
    machine_key,
    speedup_table,
)
from .live import SCENARIOS, cached_live_benchmark, live_benchmark, live_session
from .paths import OPTIMIZED, PathSpec, default_paths, naive_path, per_model, spec_table
from .timing import (
    build_classifier,
    classification_fps,
    end_to_end,
    face_crops,
    render_benchmark_video,
    stage_costs,
)

__all__ = [
    "FLAT_SIGN_SD",
    "OPTIMIZED",
    "PathSpec",
    "SCENARIOS",
    "agreement",
    "benchmark",
    "build_classifier",
    "cached_benchmark",
    "cached_live_benchmark",
    "classification_fps",
    "default_paths",
    "end_to_end",
    "face_crops",
    "keeps_up",
    "live_benchmark",
    "live_session",
    "machine_key",
    "naive_path",
    "per_model",
    "render_benchmark_video",
    "spec_table",
    "speedup_table",
    "stage_costs",
]
