"""Figures of the methods ledger: each protocol difference's measured effect, and the thresholds."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..registry import display_name
from . import model_colour

#: Quantities drawn in :func:`plot_effects` (rates and correlations on a 0-1 scale).
RATE_QUANTITIES = (
    "video accuracy",
    "video AUC",
    "validation accuracy",
    "validation sensitivity",
    "validation specificity",
    "ARI with scenarios",
    "same type",
    "mean r",
)


def _model_label(model: str) -> str:
    return " / ".join(display_name(m) for m in model.split(" / "))


def plot_effects(paired: pd.DataFrame) -> plt.Figure:
    """One row per measured rate: the authors' variant (filled) and the causal one (open).

    Parameters
    ----------
    paired : DataFrame
        :func:`painsign_utils.ledger.paired_table`; rows whose quantity is not in
        :data:`RATE_QUANTITIES` are left out.
    """
    rows = paired[paired["quantity"].isin(RATE_QUANTITIES)].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8.5, 0.8 + 0.24 * max(len(rows), 1)))
    if rows.empty:
        ax.text(0.5, 0.5, "no rate measured under both protocols", ha="center", va="center")
        ax.set_axis_off()
        return fig
    y = np.arange(len(rows))[::-1]
    colours = [model_colour(m, "0.3") for m in rows["model"]]
    ax.hlines(
        y,
        rows[["authors", "causal"]].min(axis=1),
        rows[["authors", "causal"]].max(axis=1),
        colors=colours,
        lw=1.5,
    )
    # the ring is drawn first and larger, so an unchanged value shows as a dot inside its ring
    ax.scatter(
        rows["causal"],
        y,
        facecolors="white",
        edgecolors=colours,
        s=60,
        zorder=3,
        label="causal protocol",
    )
    ax.scatter(rows["authors"], y, c=colours, s=22, zorder=4, label="authors' protocol")
    labels = [
        f"{e.split(' (')[0]}: {q} · {_model_label(m)}"
        for e, q, m in zip(rows["element"], rows["quantity"], rows["model"], strict=True)
    ]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlim(min(0.0, float(rows[["authors", "causal"]].min().min()) - 0.02), 1.02)
    ax.set_xlabel("value (rate, AUC, ARI or r)")
    ax.grid(axis="x", alpha=0.3)
    handles, names = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1],
        names[::-1],
        loc="lower left",
        fontsize=8,
        frameon=False,
        bbox_to_anchor=(0, 1.0),
        ncol=2,
    )
    fig.tight_layout()
    return fig


def plot_fold_thresholds(numbers: pd.DataFrame, element: str, rules: tuple[str, str]) -> plt.Figure:
    """Per model and fold, θ_k (Youden on the validation fold) and the training-fold θ.

    Parameters
    ----------
    numbers : DataFrame
        :func:`painsign_utils.ledger.effect_numbers`' long table (rows ``θ fold <k>``).
    element : str
        The threshold element's name; ``rules`` its two variants (validation rule first).
    """
    folds = numbers[(numbers["element"] == element) & numbers["quantity"].str.startswith("θ fold ")]
    models = list(folds["model"].drop_duplicates())
    fig, axes = plt.subplots(
        1, max(len(models), 1), figsize=(3.2 * max(len(models), 1), 3.0), sharey=True, squeeze=False
    )
    for ax, model in zip(axes[0], models, strict=False):
        g = folds[folds["model"] == model]
        for rule, marker, fill in zip(rules, ("o", "s"), (True, False), strict=True):
            r = g[g["variant"] == rule]
            k = r["quantity"].str.slice(len("θ fold ")).astype(int)
            colour = model_colour(model, "0.3")
            ax.scatter(
                k,
                r["value"],
                marker=marker,
                s=28,
                label=rule,
                facecolors=colour if fill else "white",
                edgecolors=colour,
            )
            ax.axhline(r["value"].mean(), color=colour, ls="-" if fill else "--", lw=1)
        ax.set_title(display_name(model))
        ax.set_xlabel("fold")
    axes[0][0].set_ylabel("threshold θ")
    axes[0][0].legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return fig
