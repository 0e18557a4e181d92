"""Figures of the book: one submodule per chapter family, sharing the style set here.

``data`` (gallery, detection statistics), ``training`` (learning curves, Table 2), ``sign``
(pain-sign plots like Figs 1-4, decision matrices of Fig. 5), ``explain`` (Grad-CAM / IG strips,
average faces of Fig. 6), ``monitor`` (the real-time view). Every function returns the Matplotlib
figure and can save it atomically with :func:`save`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from ..registry import DISPLAY_NAMES
from ..storage import atomic_path

#: One colour per model, used in every figure.
MODEL_COLOURS = {"vggface": "#1f77b4", "ncnn": "#d62728", "vit_b16": "#2ca02c"}
#: Display names of the models: the registry's own mapping (:data:`painsign_utils.registry.DISPLAY_NAMES`),
#: not a copy, so a model registered later is named too.
MODEL_NAMES = DISPLAY_NAMES


def use_style() -> None:
    """Book-wide Matplotlib defaults: readable sizes, no top/right spines."""
    plt.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": 130,
            "savefig.bbox": "tight",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
            "axes.titlesize": 11,
        }
    )


def save(fig: plt.Figure, path: str | Path) -> Path:
    """Save ``fig`` atomically (format from the extension) and return the path."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp)
    return Path(path)
