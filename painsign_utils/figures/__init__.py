"""Figures of the book: one submodule per chapter family, sharing the style set here.

``data`` (gallery, detection statistics), ``training`` (learning curves, Table 2), ``sign``
(pain-sign plots like Figs 1-4, decision matrices of Fig. 5), ``explain`` (Grad-CAM / IG strips,
average faces of Fig. 6), ``monitor`` (the real-time view). Every function returns the Matplotlib
figure and can save it atomically with :func:`save`. Each model's name, colour and marker come
from the registry (:func:`model_colour`, :func:`model_marker`).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from ..registry import get_spec, is_registered
from ..storage import atomic_path


def model_colour(name: str | None, default: str | None = "0.3") -> str | None:
    """The registry's colour of model ``name``; ``default`` for a name it does not hold."""
    return get_spec(name).colour if name and is_registered(name) else default


def model_marker(name: str | None, default: str = "o") -> str:
    """The registry's marker of model ``name``; ``default`` for a name it does not hold."""
    return get_spec(name).marker if name and is_registered(name) else default


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
