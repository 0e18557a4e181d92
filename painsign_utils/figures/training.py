"""Figures of the training chapter: folds, augmentation examples, learning curves, fold metrics."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..augment import PAPER_AUGMENT, AugmentParams, augment_image
from ..registry import display_name, list_models
from . import model_colour, use_style


def plot_folds(images: pd.DataFrame, folds: pd.DataFrame) -> plt.Figure:
    """Images per fold, split by data set and label (stacked bars).

    Parameters
    ----------
    images : DataFrame with ``subject, dataset, label``
    folds : DataFrame with ``subject, fold``
    """
    use_style()
    df = images.merge(folds[["subject", "fold"]], on="subject")
    counts = df.groupby(["fold", "dataset", "label"]).size().unstack([1, 2], fill_value=0)
    fig, ax = plt.subplots(figsize=(7, 3))
    bottom = np.zeros(len(counts))
    cmap = plt.get_cmap("tab20")
    for i, col in enumerate(counts.columns):
        ax.bar(
            counts.index, counts[col], bottom=bottom, color=cmap(i), label=f"{col[0]} · {col[1]}"
        )
        bottom += counts[col].to_numpy()
    n_subj = folds.groupby("fold").size()
    for f, top in zip(counts.index, bottom, strict=True):
        ax.text(f, top + 1, f"{n_subj[f]} subj.", ha="center", fontsize=8)
    ax.set(
        xlabel="fold",
        ylabel="images",
        xticks=list(counts.index),
        title="Leave-some-subjects-out folds",
    )
    ax.legend(fontsize=7, frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left")
    return fig


def plot_augmentations(
    crop: np.ndarray, key: str, n: int = 8, seed: int = 0, params: AugmentParams = PAPER_AUGMENT
) -> plt.Figure:
    """One face crop and ``n`` of its augmentations (App. A)."""
    use_style()
    fig, axes = plt.subplots(1, n + 1, figsize=(1.3 * (n + 1), 1.5))
    for k, ax in enumerate(axes):
        ax.imshow(augment_image(crop, seed, key, k, params))
        ax.set_title("original" if k == 0 else f"#{k}", fontsize=8)
        ax.axis("off")
    return fig


def plot_learning_curves(logs: pd.DataFrame, models: Sequence[str]) -> plt.Figure:
    """Training and validation loss per epoch, one panel per model, one line per fold.

    VGG-Face's fine-tuning epochs (phase 2) are drawn dashed.
    """
    use_style()
    fig, axes = plt.subplots(1, len(models), figsize=(4 * len(models), 3), squeeze=False)
    for ax, name in zip(axes[0], models, strict=True):
        g = logs[logs["model"] == name]
        for _fold, f in g.groupby("fold"):
            for phase, p in f.groupby("phase"):
                ls = "-" if phase == 1 else "--"
                # markers so that a one-epoch phase (a single point) is still visible
                ax.plot(
                    p["epoch"],
                    p["val_loss"],
                    ls,
                    color=model_colour(name),
                    alpha=0.6,
                    lw=1,
                    marker="o",
                    ms=2,
                )
                ax.plot(
                    p["epoch"],
                    p["train_loss"],
                    ls,
                    color="0.6",
                    alpha=0.5,
                    lw=0.8,
                    marker="o",
                    ms=1.5,
                )
        ax.set(title=display_name(name), xlabel="epoch", ylabel="BCE loss")
    axes[0][0].plot([], [], color="0.6", label="training")
    axes[0][0].plot([], [], color="k", label="validation")
    axes[0][0].legend(frameon=False, fontsize=8)
    return fig


def plot_fold_metrics(
    metrics: pd.DataFrame, paper: dict, metric: str = "auc", models: Sequence[str] | None = None
) -> plt.Figure:
    """Per-fold validation ``metric`` of each model (dots), ours vs the paper's mean ± sd (band)."""
    use_style()
    models = list(models or [m for m in list_models() if m in set(metrics["model"])])
    fig, ax = plt.subplots(figsize=(1.6 * len(models) + 1.5, 3))
    rng = np.random.default_rng(0)
    for i, name in enumerate(models):
        v = metrics.loc[metrics["model"] == name, metric].to_numpy()
        ax.scatter(
            i + rng.uniform(-0.12, 0.12, v.size), v, color=model_colour(name), s=18, zorder=3
        )
        ax.hlines(np.nanmean(v), i - 0.25, i + 0.25, color=model_colour(name), lw=2)
        if name in paper:  # the paper reports only its own models
            mu, sd = paper[name][metric]
            ax.fill_between([i - 0.3, i + 0.3], mu - sd, mu + sd, color="0.85", zorder=1)
            ax.hlines(mu, i - 0.3, i + 0.3, color="0.4", lw=1, ls=":")
    ax.set_xticks(range(len(models)), [display_name(m) for m in models])
    ax.set(
        ylabel=f"validation {metric.upper() if metric == 'auc' else metric}",
        ylim=(0, 1.02),
        title="Folds (dots, ours) vs the paper's mean ± sd (grey band)",
    )
    return fig
