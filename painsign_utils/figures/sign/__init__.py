"""Figures of the pain sign: sign plots like the paper's Figs 1-4, sign-type maps, Fig. 5's decision matrices.

Submodules: ``traces`` (the sign over time with its frame strip, Figs 1-4; the steps from
probabilities to the sign), ``scores`` (video-level ROC and scores; r with the synthetic truth) and
``sign_types`` (the (entropy, crossings) maps, silhouettes, Fig. 5, long recordings by segment).
"""

from .scores import plot_truth_r, plot_video_scores
from .sign_types import (
    plot_decision_matrix,
    plot_long_recording,
    plot_sign_types,
    plot_silhouettes,
)
from .traces import (
    frame_strip,
    plot_sign,
    plot_sign_steps,
    plot_video_sign,
    strip_frames,
)

__all__ = [
    "frame_strip",
    "plot_decision_matrix",
    "plot_long_recording",
    "plot_sign",
    "plot_sign_steps",
    "plot_sign_types",
    "plot_silhouettes",
    "plot_truth_r",
    "plot_video_scores",
    "plot_video_sign",
    "strip_frames",
]
