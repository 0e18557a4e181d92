"""Figures of the explainability chapters: sign + Grad-CAM/IG strips (Figs 1-4) and Fig. 6.

- :func:`explanation_strip` -- one model's pain sign over a video with, below it, the frames at
  regular intervals and their Grad-CAM and Integrated-Gradients overlays (red = most important).
- :func:`average_faces_figure` -- the mean aligned face per 10 % probability bin, one row per model
  (one panel of Fig. 6: correct or incorrect frames).
- :func:`intensity_figure` -- mean latent intensity per probability bin (synthetic data only).

Faces of real infants are health data: every function that draws a face takes ``show_faces`` and
blurs the faces beyond recognition when it is False (:func:`privacy_filter`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import cv2
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..faces import privacy_filter
from ..registry import display_name
from . import model_colour


def _image_axis(ax: plt.Axes, img: np.ndarray | None) -> None:
    if img is not None:
        ax.imshow(img)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def explanation_strip(
    time: Sequence[float],
    sign: Sequence[float],
    threshold: float,
    frame_times: Sequence[float],
    crops: Sequence[np.ndarray | None],
    gradcam: Sequence[np.ndarray | None],
    ig: Sequence[np.ndarray | None],
    model: str,
    title: str | None = None,
    probs: Sequence[float] | None = None,
    show_faces: bool = True,
    levels: int = 5,
    display: int = 128,
    ig_mode: str | None = None,
) -> plt.Figure:
    """Pain sign on top, then rows of frames, Grad-CAM overlays and IG overlays (Figs 1-4).

    Parameters
    ----------
    time, sign : sequences of length T
        Seconds and pain-sign values of every analysed frame (NaN where the ``valid`` sign has
        no value).
    threshold : float
        The model's Youden threshold (dashed line).
    frame_times : sequence of length K
        Times of the K frames shown (vertical lines on the sign).
    crops : sequence of K uint8 RGB face crops, None where no face was found
    gradcam, ig : sequences of K raw attribution maps (S, S), None where no face was found
        Post-processed (Carlini et al.) and drawn red -> yellow -> green over the face. A flat
        map (:func:`painsign_utils.explain.flat_maps`; a Grad-CAM with no positive evidence) has
        nothing to draw: its face is dimmed and marked "flat" instead of left plain.
    model : str
        Registry name (colour and display name).
    probs : sequence of length T, optional
        Raw per-frame probabilities, drawn faintly behind the sign.
    show_faces : bool
        False blurs every face *before* the maps are drawn on it (real data without permission to
        show faces): the maps stay readable, the infant does not.
    levels, display : int
        k-means levels of the post-processing; side in pixels of each face.
    ig_mode : {"abs", "clamp"}, optional
        How the signed IG maps become importance before the post-processing
        (:func:`painsign_utils.explain.ig_importance`; the protocol's ``ig_postprocess``). None
        keeps the absolute value. Grad-CAM maps are not affected.

    Returns
    -------
    Figure
    """
    from ..explain import flat_maps, overlay, postprocess_mask

    faces = [
        None if c is None else privacy_filter(cv2.resize(c, (display, display)), show_faces)
        for c in crops
    ]

    def draw(maps: Sequence[np.ndarray | None], mode: str | None = None) -> list[np.ndarray | None]:
        return [
            None
            if f is None or m is None
            else overlay(f, postprocess_mask(m, levels, size=display, ig_mode=mode))
            for f, m in zip(faces, maps, strict=True)
        ]

    def flags(maps: Sequence[np.ndarray | None]) -> list[bool]:
        return [m is not None and bool(flat_maps(np.asarray(m)[None])[0]) for m in maps]

    flat = {"Grad-CAM": flags(gradcam), "IG": flags(ig)}
    frames, gradcam, ig = faces, draw(gradcam), draw(ig, ig_mode)
    k = len(frame_times)
    colour = model_colour(model, "k")
    fig = plt.figure(figsize=(max(8.0, 0.75 * k), 2.3 + 3 * max(0.75, 8.0 / max(k, 1) * 0.75)))
    # Row 1 is an empty spacer that keeps the sign's time axis clear of the images.
    grid = fig.add_gridspec(
        5, max(k, 1), height_ratios=[2.4, 0.45, 1, 1, 1], hspace=0.08, wspace=0.04
    )
    ax = fig.add_subplot(grid[0, :])
    if probs is not None:
        ax.plot(time, probs, color=colour, alpha=0.25, lw=0.8, label="per-frame probability")
    ax.plot(time, sign, color=colour, lw=2, label=f"{display_name(model)} pain sign")
    ax.axhline(threshold, color="0.3", ls="--", lw=1, label=f"threshold {threshold:.1%}")
    for t in frame_times:
        ax.axvline(t, color="0.8", lw=0.6, zorder=0)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(min(time), max(time))
    ax.set_ylabel("P(pain)")
    ax.set_xlabel("time (s)")
    # Legend above the axes: a sign near 1 or 0 would run under it inside.
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=8, ncol=3, frameon=False)
    if title:
        ax.set_title(title, pad=22)
    rows = (("frame", frames), ("Grad-CAM", gradcam), ("IG", ig))
    for r, (label, images) in enumerate(rows, start=2):
        for c in range(k):
            sub = fig.add_subplot(grid[r, c])
            if label in flat and flat[label][c]:
                _image_axis(sub, (0.35 * images[c] + 0.65 * 200).astype(np.uint8))
                sub.text(
                    0.5,
                    0.5,
                    "flat",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="0.15",
                    transform=sub.transAxes,
                )
            else:
                _image_axis(sub, images[c])
            if c == 0:
                sub.set_ylabel(label, fontsize=8)
            if r == 4:
                sub.set_xlabel(f"{frame_times[c]:.0f} s", fontsize=7)
    return fig


def average_faces_figure(
    results: Mapping[str, object],
    correct: bool,
    thresholds: Mapping[str, float] | None = None,
    show_faces: bool = True,
    title: str | None = None,
) -> plt.Figure:
    """One panel of Fig. 6: mean aligned face per probability bin (columns) and model (rows).

    Parameters
    ----------
    results : mapping model -> :class:`painsign_utils.align.AverageFaces`
    correct : bool
        Draw the frames whose prediction agrees with the video label (True) or not (False).
    thresholds : mapping model -> float, optional
        Youden thresholds; the bin holding the threshold gets a dashed frame.
    show_faces : bool
        False blurs the faces (real data without permission).

    Returns
    -------
    Figure
    """
    models = list(results)
    width = next(iter(results.values())).width if models else 0.1
    n_bins = int(round(1.0 / width))
    fig, axes = plt.subplots(
        len(models), n_bins, figsize=(1.1 * n_bins, 1.35 * len(models) + 0.6), squeeze=False
    )
    for r, model in enumerate(models):
        res = results[model]
        table = res.table.set_index(["bin", "correct"])
        for b in range(n_bins):
            ax = axes[r, b]
            img = res.images.get((b, correct))
            _image_axis(ax, None if img is None else privacy_filter(img, show_faces))
            n = int(table.loc[(b, correct), "n_frames"])
            ax.text(0.5, -0.04, f"n={n}", transform=ax.transAxes, ha="center", va="top", fontsize=7)
            if img is None:
                ax.set_facecolor("0.95")
            t = (thresholds or {}).get(model)
            if t is not None and b * width <= t < (b + 1) * width:
                for spine in ax.spines.values():
                    spine.set(visible=True, ls="--", color="0.2")
            if r == 0:
                ax.set_title(f"{b * width:.0%}–{(b + 1) * width:.0%}", fontsize=8)
            if b == 0:
                ax.set_ylabel(display_name(model), fontsize=9)
    which = "correct" if correct else "incorrect"
    fig.suptitle(title or f"Average faces of {which} frames by predicted pain probability")
    fig.subplots_adjust(wspace=0.05, hspace=0.35)
    return fig


def intensity_figure(
    tables: Mapping[str, pd.DataFrame], trends: Mapping[str, dict] | None = None
) -> plt.Figure:
    """Mean latent intensity (± sd) of the frames in each probability bin, one line per model.

    Parameters
    ----------
    tables : mapping model -> :func:`painsign_utils.align.intensity_by_bin` output
    trends : mapping model -> :func:`painsign_utils.align.intensity_trend` output, optional
        Adds the bin-level Spearman rho to the legend.
    """
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for model, t in tables.items():
        label = display_name(model)
        if trends and model in trends:
            rho = trends[model]["rho_bins"]
            label += f" (Spearman ρ = {rho:.2f})" if np.isfinite(rho) else " (ρ undefined)"
        colour = model_colour(model, None)
        ax.errorbar(
            t["centre"],
            t["mean_intensity"],
            yerr=t["sd_intensity"].fillna(0),
            color=colour,
            marker="o",
            capsize=3,
            label=label,
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("predicted pain probability (bin centre)")
    ax.set_ylabel("mean latent pain intensity")
    ax.legend(frameon=False, fontsize=8)
    return fig
