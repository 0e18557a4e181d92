"""The figure of the world ablation: each finding per model with every cause on, each off, all off."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..registry import display_name
from . import model_colour, model_marker

#: The panels: (column of the table or a derived quantity, axis label).
PANELS: tuple[tuple[str, str], ...] = (
    ("auc_change", "AUC: video − validation"),
    ("sensitivity", "sensitivity (videos)"),
    ("specificity", "specificity (videos)"),
    ("accuracy", "accuracy (videos)"),
    ("agreement", "same-type agreement"),
    ("best_k", "silhouette's best k"),
)


def plot_ablation(table: pd.DataFrame) -> plt.Figure:
    """One panel per finding; in each, one line per world (rows of the table, top to bottom) and
    one marker per model; the shaded bands are the worlds with every cause on and all off.

    Parameters
    ----------
    table : DataFrame
        :func:`painsign_utils.evaluation.ablation.domain_ablation`'s table (registry model names:
        the legend shows their display names).
    """
    t = table.assign(auc_change=table["video_auc"] - table["val_auc"])
    rows = list(dict.fromkeys(t["cause"]))
    models = list(dict.fromkeys(t["model"]))
    y = {r: i for i, r in enumerate(rows)}
    fig, axes = plt.subplots(2, 3, figsize=(11, 1.2 + 0.5 * len(rows)), sharey=True)
    offsets = np.linspace(-0.18, 0.18, len(models)) if len(models) > 1 else [0.0]
    for ax, (col, label) in zip(axes.ravel(), PANELS):
        for edge in (0, len(rows) - 1):
            ax.axhspan(edge - 0.5, edge + 0.5, color="0.92", zorder=0)
        for off, model in zip(offsets, models):
            g = t[t["model"] == model]
            ax.plot(
                g[col],
                [y[r] + off for r in g["cause"]],
                linestyle="none",
                marker=model_marker(model),
                color=model_colour(model),
                label=display_name(model),
            )
        if col == "auc_change":
            ax.axvline(0, color="0.5", linewidth=0.8, linestyle=":")
        if col == "best_k":
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(label)
        ax.grid(axis="x", color="0.9")
    axes[0, 0].set_yticks(range(len(rows)), rows)
    axes[0, 0].invert_yaxis()
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(models), frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig
