"""Video-level pictures: Table 2 (test) as ROC curves and scores; the sign against the synthetic truth."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ...registry import display_name
from .. import model_colour


def plot_video_scores(summary: pd.DataFrame) -> plt.Figure:
    """Table 2 (test) as a picture: video-level ROC curves, and each video's mean probability.

    Left: ROC curve of the mean probability per model, the dot marking the model's threshold.
    Right: every video's score (``score``) by its true label, with each
    model's threshold.

    Parameters
    ----------
    summary : DataFrame
        ``model, label`` (1/0), ``score, threshold`` per (model, video).
    """
    from sklearn.metrics import roc_curve

    fig, (roc, dots) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1, 1.6]})
    rng = np.random.default_rng(0)
    models = list(dict.fromkeys(summary["model"]))
    for i, model in enumerate(models):
        g = summary[summary["model"] == model]
        colour, name = model_colour(model, "k"), display_name(model)
        score = g["score"]
        y, p, t = g["label"].to_numpy(int), score.to_numpy(float), float(g["threshold"].iloc[0])
        if 0 < y.sum() < y.size:
            fpr, tpr, _ = roc_curve(y, p)
            roc.plot(fpr, tpr, color=colour, label=name)
            pred = p >= t
            roc.scatter(
                [np.mean(pred[y == 0])],
                [np.mean(pred[y == 1])],
                color=colour,
                edgecolor="k",
                zorder=3,
            )
        for label in (0, 1):
            v = p[y == label]
            x = label * (len(models) + 1) + i + rng.uniform(-0.25, 0.25, v.size)
            dots.scatter(x, v, s=12, color=colour, alpha=0.7, label=name if label == 0 else None)
            dots.plot(
                [label * (len(models) + 1) + i - 0.4, label * (len(models) + 1) + i + 0.4],
                [t, t],
                color=colour,
                lw=2,
            )
    roc.plot([0, 1], [0, 1], color="0.7", ls=":")
    roc.set_xlabel("1 - specificity")
    roc.set_ylabel("sensitivity")
    roc.set_title("video-level ROC (dot: at the threshold)")
    roc.legend(fontsize=8, loc="lower right")
    centre = (len(models) - 1) / 2
    dots.set_xticks([centre, len(models) + 1 + centre], ["no-pain videos", "pain videos"])
    dots.set_ylim(-0.02, 1.02)
    dots.set_ylabel("mean pain probability of the video")
    dots.set_title("one dot per video; bars: thresholds")
    fig.tight_layout()
    return fig


def plot_truth_r(truth_r: pd.DataFrame) -> plt.Figure:
    """Per-video Pearson r between each model's sign and the latent intensity (synthetic data).

    Parameters
    ----------
    truth_r : DataFrame from :func:`painsign_utils.evaluation.truth_correlation`; only videos
        whose intensity varies are drawn.
    """
    data = truth_r[truth_r["varying"]].dropna(subset=["r"])
    models = list(dict.fromkeys(data["model"]))
    fig, ax = plt.subplots(figsize=(1.6 * len(models) + 1.5, 3))
    rng = np.random.default_rng(0)
    for i, model in enumerate(models):
        r = data.loc[data["model"] == model, "r"].to_numpy()
        ax.boxplot(r, positions=[i], widths=0.5, showfliers=False)
        ax.scatter(
            i + rng.uniform(-0.15, 0.15, r.size),
            r,
            s=10,
            alpha=0.6,
            color=model_colour(model, "0.4"),
        )
    ax.set_xticks(range(len(models)), [display_name(m).replace(" ", "\n") for m in models])
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_ylim(-1.02, 1.02)
    ax.set_ylabel("Pearson r, sign vs intensity")
    fig.tight_layout()
    return fig
