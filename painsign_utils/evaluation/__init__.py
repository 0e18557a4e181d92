"""Video-level evaluation and the analyses around the pain sign (paper §2.5, §3, §4).

Submodules, in pipeline order: ``videos`` (per-frame probabilities of the test videos, cached),
``summary`` (one row per model and video: score, prediction, entropy, crossings), ``tables``
(Table 2 (test) and Table 3 next to the paper's), ``agreement`` (Pearson r between the models'
signs), ``truth`` (what synthetic ground truth can tell: r with the latent intensity, frame-level
AUC, scenario recovery) and ``long`` (long recordings in 20-s segments, last minute / last hour).
See docs/design.md, "Architecture".
"""

from .agreement import pearson_between_models, pearson_r, pearson_summary
from .long import (
    horizon_names,
    horizon_summary,
    pick_recording,
    recording_sign,
    segment_types,
)
from .summary import (
    VIDEO_SCORES,
    aligned_sign,
    inference_speed,
    load_signs,
    pick_examples,
    place_sign,
    samples_per_second,
    summarize_video,
    summarize_videos,
)
from .tables import paper_table3, table2_test, video_metrics
from .truth import (
    SCENARIO_TYPES,
    expected_type_ari,
    frame_level_auc,
    frame_table,
    oracle_signs,
    scenario_agreement,
    truth_correlation,
)
from .videos import cached_runs, run_video_inference

__all__ = [
    "SCENARIO_TYPES",
    "VIDEO_SCORES",
    "aligned_sign",
    "cached_runs",
    "expected_type_ari",
    "frame_level_auc",
    "frame_table",
    "horizon_summary",
    "inference_speed",
    "load_signs",
    "horizon_names",
    "pick_recording",
    "recording_sign",
    "oracle_signs",
    "paper_table3",
    "pearson_between_models",
    "pearson_r",
    "pearson_summary",
    "pick_examples",
    "place_sign",
    "run_video_inference",
    "samples_per_second",
    "scenario_agreement",
    "segment_types",
    "summarize_video",
    "summarize_videos",
    "table2_test",
    "truth_correlation",
    "video_metrics",
]
