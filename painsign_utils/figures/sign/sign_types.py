"""Sign types in pictures: the (entropy, crossings) maps, silhouettes, Fig. 5, long recordings.

* :func:`plot_sign_types` — (entropy, crossings) of every video per model, coloured by sign type,
  with centroids and the indeterminate corner; :func:`plot_silhouettes` — silhouette against k.
* :func:`plot_decision_matrix` — Fig. 5: low/high entropy x low/high crossings with the action the
  paper recommends (:data:`ACTIONS`), for a "pain" and a "no pain" prediction, annotated with our
  clusters.
* :func:`plot_long_recording` — a long sign with its 20-s segments coloured by type.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch, Rectangle

from ...registry import display_name
from .. import model_colour

#: Colour of each sign type in every figure.
TYPE_COLOURS = {
    "stable": "#4daf4a",
    "irregular": "#ff7f00",
    "unstable": "#e41a1c",
    "indeterminate": "#984ea3",
}

# Fig. 5 (paper §3 and §4, observations I-IV): what to do for each quadrant and prediction.
# Quadrants are (entropy, crossings) levels; the upper-left one (low entropy, many crossings) is
# the indeterminate sign.
ACTIONS = {
    ("low", "low"): {
        "type": "stable",
        "pain": ("ACT", "prolonged painful state: expression consistent (I)"),
        "nopain": ("NO ACTION", "rest: expression consistently calm"),
    },
    ("high", "low"): {
        "type": "irregular",
        "pain": ("ACT", "pain with occlusions or sudden changes of expression (II)"),
        "nopain": ("CHECK", "fluctuating expression: look at the neonate"),
    },
    ("high", "high"): {
        "type": "unstable",
        "pain": ("SUPERVISE", "highly dynamic: the model cannot predict reliably (III)"),
        "nopain": ("SUPERVISE", "highly dynamic: the model cannot predict reliably (III)"),
    },
    ("low", "high"): {
        "type": "indeterminate",
        "pain": ("SUPERVISE", "hovers at the threshold: prediction uncertain (IV)"),
        "nopain": ("SUPERVISE", "hovers at the threshold: prediction uncertain (IV)"),
    },
}
_ACTION_COLOURS = {
    "ACT": "#f4a6a6",
    "CHECK": "#fde0a6",
    "SUPERVISE": "#fde0a6",
    "NO ACTION": "#bfe3b4",
}


def plot_sign_types(
    features: pd.DataFrame, classifiers: Mapping, models: Sequence[str] | None = None
) -> plt.Figure:
    """(entropy, crossings) per video and model, coloured by sign type, with cluster centroids.

    Parameters
    ----------
    features : DataFrame
        ``model, entropy, crossings, sign_type`` per (model, video).
    classifiers : mapping model → fitted :class:`painsign_utils.clustering.SignTypeClassifier`
    """
    models = list(models or classifiers)
    fig, axes = plt.subplots(
        1, len(models), figsize=(3.8 * len(models), 3.4), sharey=True, squeeze=False
    )
    rng = np.random.default_rng(0)
    for ax, model in zip(axes[0], models, strict=True):
        g = features[features["model"] == model]
        clf = classifiers[model]
        jitter = rng.uniform(-0.15, 0.15, len(g))  # crossings are integers: spread the dots
        for sign_type, colour in TYPE_COLOURS.items():
            sel = (g["sign_type"] == sign_type).to_numpy()
            if sel.any():
                ax.scatter(
                    g["entropy"][sel],
                    g["crossings"][sel] + jitter[sel],
                    s=16,
                    color=colour,
                    alpha=0.8,
                    label=sign_type,
                )
        if (
            "indeterminate" in g.columns
            and g["indeterminate"].dtype == bool
            and g["indeterminate"].any()
        ):
            # protocol authors: the overlay flag, drawn over the three clusters
            sel = g["indeterminate"].to_numpy(bool)
            ax.scatter(
                g["entropy"][sel],
                g["crossings"][sel] + jitter[sel],
                s=60,
                facecolor="none",
                edgecolor=TYPE_COLOURS["indeterminate"],
                lw=1.5,
                zorder=3,
                label="indeterminate (overlay)",
            )
        cent = clf.centroids_
        ax.scatter(
            cent["entropy"],
            cent["crossings"],
            marker="X",
            s=110,
            color="k",
            zorder=4,
            label="centroids",
        )
        if np.isfinite(clf.crossings_cut_):
            top = max(g["crossings"].max(), clf.crossings_cut_) + 1
            ax.add_patch(
                Rectangle(
                    (0, clf.crossings_cut_),
                    clf.entropy_cut_,
                    top - clf.crossings_cut_,
                    color=TYPE_COLOURS["indeterminate"],
                    alpha=0.12,
                    lw=0,
                    label="indeterminate zone",
                )
            )
        ax.set_title(f"{display_name(model)} (k = {clf.k_})")
        ax.set_xlabel("entropy (bits)")
        ax.set_xlim(left=-0.05)
    axes[0, 0].set_ylabel("threshold crossings")
    # One legend for every panel: a type that one model lacks still needs its colour explained.
    seen: dict[str, Any] = {}
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    order = [t for t in TYPE_COLOURS if t in seen] + [k for k in seen if k not in TYPE_COLOURS]
    fig.legend(
        [seen[k] for k in order],
        order,
        fontsize=8,
        loc="lower center",
        ncol=len(order),
        frameon=False,
    )
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def plot_silhouettes(classifiers: Mapping) -> plt.Figure:
    """Silhouette score against k for each model, the chosen k marked."""
    fig, ax = plt.subplots(figsize=(5, 3))
    for model, clf in classifiers.items():
        ks = sorted(clf.silhouettes_)
        ax.plot(
            ks,
            [clf.silhouettes_[k] for k in ks],
            marker="o",
            color=model_colour(model, "k"),
            label=display_name(model),
        )
        if clf.k_ in clf.silhouettes_:
            ax.scatter(
                [clf.k_],
                [clf.silhouettes_[clf.k_]],
                s=120,
                facecolor="none",
                edgecolor=model_colour(model, "k"),
                lw=2,
            )
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel("silhouette score")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _cell_stats(table: pd.DataFrame, sign_type: str) -> str:
    lines = []
    for row in table[table["sign_type"] == sign_type].itertuples():
        lines.append(f"{display_name(row.model)}: H {row.entropy}, X {row.crossings}")
    return "\n".join(lines) if lines else "no video of this type"


def plot_decision_matrix(table: pd.DataFrame) -> plt.Figure:
    """Fig. 5: decision matrices for a "pain" (a) and a "no pain" (b) prediction.

    Rows are low/high threshold crossings (high on top), columns low/high entropy; each cell holds
    the sign type, the action the paper recommends (§3, §4 observations I-IV) and our clusters'
    entropy (H) and crossings (X) as mean ± sd per model, from :func:`clustering.table3`.
    """
    fig, axes = plt.subplots(1, 2, figsize=(13, 6.2))
    for ax, (pred, title) in zip(
        axes, (("pain", "(a) prediction: pain"), ("nopain", "(b) prediction: no pain")), strict=True
    ):
        for (ent, cro), spec in ACTIONS.items():
            x, y = (0 if ent == "low" else 1), (1 if cro == "high" else 0)
            verdict, why = spec[pred]
            ax.add_patch(
                Rectangle((x, y), 1, 1, facecolor=_ACTION_COLOURS[verdict], edgecolor="w", lw=3)
            )
            ax.text(
                x + 0.5,
                y + 0.86,
                spec["type"].upper(),
                ha="center",
                va="center",
                fontsize=10,
                weight="bold",
                color=TYPE_COLOURS[spec["type"]],
            )
            ax.text(
                x + 0.5, y + 0.68, verdict, ha="center", va="center", fontsize=12, weight="bold"
            )
            ax.text(x + 0.5, y + 0.5, textwrap.fill(why, 34), ha="center", va="center", fontsize=8)
            ax.text(
                x + 0.5,
                y + 0.22,
                _cell_stats(table, spec["type"]),
                ha="center",
                va="center",
                fontsize=6.5,
                family="monospace",
            )
        ax.set_xlim(0, 2)
        ax.set_ylim(0, 2)
        ax.set_xticks([0.5, 1.5], ["low entropy", "high entropy"])
        ax.set_yticks([0.5, 1.5], ["few crossings", "many crossings"])
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_title(title)
    handles = [
        Patch(color=_ACTION_COLOURS[k], label=text)
        for k, text in (("ACT", "act"), ("CHECK", "check / supervise"), ("NO ACTION", "no action"))
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def plot_long_recording(
    time: np.ndarray,
    sign: np.ndarray,
    threshold: float,
    segments: pd.DataFrame,
    model: str = "ncnn",
    boundaries: Sequence[float] = (),
) -> plt.Figure:
    """A long sign with each 20-s segment shaded by its sign type (paper §4: last minute, last hour).

    Parameters
    ----------
    boundaries : times (s) where joined recordings meet, drawn as thin vertical lines.
    """
    fig, ax = plt.subplots(figsize=(11, 3))
    for seg in segments.itertuples():
        ax.axvspan(
            seg.start_s, seg.end_s, color=TYPE_COLOURS.get(seg.sign_type, "0.8"), alpha=0.18, lw=0
        )
    ax.plot(time, sign, color=model_colour(model, "k"), lw=1.2)
    ax.axhline(threshold, color=model_colour(model, "k"), ls="--", lw=0.8)
    for b in boundaries:
        ax.axvline(b, color="0.3", lw=0.6, ls=":")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(time[0], time[-1])
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"{display_name(model)} sign")
    present = [t for t in TYPE_COLOURS if (segments["sign_type"] == t).any()]
    ax.legend(
        handles=[Patch(color=TYPE_COLOURS[t], alpha=0.4, label=t) for t in present],
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncol=len(present),
        frameon=False,
        fontsize=8,
    )
    return fig
