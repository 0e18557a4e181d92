"""The ways of running the monitor pipeline that the benchmark compares: :class:`PathSpec`, the
naive, exact and optimized paths of each model (:data:`OPTIMIZED` holds the accuracy-trading choices)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import pandas as pd

from ..registry import get_spec, list_models

#: The optimized path's accuracy-trading choices, chosen on this project's 2-core CPU so that every
#: model keeps up with a 30-fps camera (N-CNN at 200 fps): the detector sees the frame at 400 px
#: (at 320 px RetinaFace loses most 640x480 synthetic faces) on every 10th classified frame, and
#: each model classifies every k-th frame (k = 3: 10 probabilities a second, 10 of the 30 in each
#: 1-s sign window). Notebook 08 and ``benchmarks/realtime.py`` measure what they cost.
OPTIMIZED = {
    "detect_side": 400,
    "detect_every": 10,
    "classify_every": {"ncnn": 3, "vggface": 2, "vit_b16": 2},
    "quantize": ("vit_b16",),
}


@dataclass(frozen=True)
class PathSpec:
    """One way of running the pipeline.

    ``exact`` paths (batching, channels-last) change probabilities only by float rounding; the others
    (``quantize``, ``detect_side`` below the frame size, ``detect_every`` > 1, ``classify_every`` > 1)
    trade accuracy for speed.
    """

    label: str
    input_size: int | None = None
    batch_size: int = 1
    channels_last: bool = False
    quantize: bool = False
    detect_side: int = 640
    detect_every: int = 1
    classify_every: int = 1
    reorder: bool = False
    prefetch: int = 0

    def describe(self) -> str:
        """Short text of the choices, for tables."""
        parts = [f"{self.input_size}px", f"batch {self.batch_size}"]
        if self.channels_last:
            parts.append("channels-last")
        if self.reorder:
            parts.append("pool before activation")
        if self.prefetch:
            parts.append("decode ahead")
        if self.quantize:
            parts.append("int8 linear")
        parts.append(
            f"detect@{self.detect_side}px"
            + (f" every {self.detect_every}" if self.detect_every > 1 else "")
        )
        if self.classify_every > 1:
            parts.append(f"classify every {self.classify_every}")
        return ", ".join(parts)


def per_model(text: str) -> dict[str, int]:
    """Parse ``"ncnn:3,vggface:2"`` (or ``=`` instead of ``:``) into ``{"ncnn": 3, "vggface": 2}``.

    papermill cannot read a parameter string containing ``=``, so notebooks use ``:``.
    """
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.replace("=", ":").partition(":")
        if not sep or not value.strip().isdigit():
            raise ValueError(f"expected model:number, got {part!r} in {text!r}")
        out[key.strip()] = int(value)
    return out


def naive_path(name: str) -> PathSpec:
    """The plain path: paper input size, float32, one frame at a time, full-frame detection."""
    return PathSpec("naive", input_size=get_spec(name).input_size)


def default_paths(
    sizes: dict[str, int],
    models: list[str] | None = None,
    batch_size: int = 15,
    detect_side: int = OPTIMIZED["detect_side"],
    detect_every: int = OPTIMIZED["detect_every"],
    quantize: tuple[str, ...] = OPTIMIZED["quantize"],
    classify_every: dict[str, int] | None = None,
) -> dict[str, list[PathSpec]]:
    """Naive, exact (batched, channels-last) and optimized paths of each model.

    ``sizes`` gives the input size of the exact and optimized paths (the CPU profile's); the naive
    path uses the paper's. ``classify_every`` defaults to ``OPTIMIZED["classify_every"]``; pass
    ``{}`` to classify every frame.
    """
    classify_every = OPTIMIZED["classify_every"] if classify_every is None else classify_every
    out = {}
    for name in models or list_models():
        size = sizes.get(name, get_spec(name).input_size)
        exact = PathSpec(
            "exact",
            input_size=size,
            batch_size=batch_size,
            channels_last=True,
            reorder=True,
            prefetch=2 * batch_size,
        )
        opt = replace(
            exact,
            label="optimized",
            quantize=name in quantize,
            detect_side=detect_side,
            detect_every=detect_every,
            classify_every=classify_every.get(name, 1),
        )
        out[name] = [naive_path(name), exact, opt]
    return out


def spec_table(paths: dict[str, list[PathSpec]]) -> pd.DataFrame:
    """The paths as a table (for the record)."""
    return pd.DataFrame([{"model": m, **asdict(s)} for m, specs in paths.items() for s in specs])
