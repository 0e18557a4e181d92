"""Figures of the fairness check (chapter 09): subgroup metrics with their intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..attributes import TONE_ORDER
from ..registry import display_name


def plot_subgroups(table: pd.DataFrame, attribute: str = "skin_tone"):
    """Forest plot of :func:`painsign_utils.fairness.subgroup_table`: each metric per model (rows of points) and group (colours), with intervals."""
    import matplotlib.pyplot as plt

    metrics = [
        ("auc", "auc_lo", "auc_hi", "frame-level AUC"),
        ("video_acc", "acc_lo", "acc_hi", "video accuracy"),
        ("truth_r", "r_lo", "r_hi", "sign-vs-truth r (median)"),
    ]
    t = table[table["attribute"] == attribute]
    models = list(dict.fromkeys(t["model"]))
    groups = [g for g in TONE_ORDER if g in set(t["group"])] + sorted(
        set(t["group"]) - set(TONE_ORDER)
    )
    colours = dict(zip(groups, ["#e0b89a", "#a86f4c", "#4a2e20", "#777777", "#999999"]))
    fig, axes = plt.subplots(1, 3, figsize=(11, 1.0 + 0.7 * max(len(models), 1)), sharey=True)
    for ax, (m, lo, hi, title) in zip(axes, metrics):
        for gi, g in enumerate(groups):
            sub = t[t["group"] == g].set_index("model").reindex(models)
            y = np.arange(len(models)) + (gi - (len(groups) - 1) / 2) * 0.22
            est = sub[m].to_numpy(dtype=float)
            err = np.vstack(
                [est - sub[lo].to_numpy(dtype=float), sub[hi].to_numpy(dtype=float) - est]
            )
            ax.errorbar(
                est,
                y,
                xerr=np.where(np.isfinite(err), err, 0),
                fmt="o",
                color=colours[g],
                label=f"{g} ({int(sub['n'].max())} videos)" if ax is axes[0] else None,
                capsize=2,
                ms=5,
            )
        if m == "auc":
            ax.axvline(0.5, color="grey", ls=":", lw=1)
        ax.set_title(title)
        ax.set_xlim(-0.05 if m != "truth_r" else -1.05, 1.05)
    axes[0].set_yticks(range(len(models)), [display_name(x) for x in models])
    axes[0].invert_yaxis()
    fig.legend(loc="lower center", ncol=len(groups), frameon=False, bbox_to_anchor=(0.5, -0.08))
    fig.tight_layout()
    return fig
