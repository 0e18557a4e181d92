"""The pain sign over time, like the paper's Figs 1-4.

* :func:`plot_sign` — the models' signs on one time axis, each model's threshold, markers where a
  sign crosses it, a legend with the ground-truth label and each model's mean probability,
  prediction, entropy and crossings, and a strip of frames at 1-s intervals below;
  :func:`plot_video_sign` draws it for one video of the pipeline.
* :func:`frame_strip` — the frames of that strip (face crops), blurred unless faces may be shown
  (:func:`privacy_filter`); :func:`strip_frames` picks them.
* :func:`plot_sign_steps` — from frame probabilities to the sign, step by step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from ...faces import privacy_filter
from ...registry import display_name
from ...sign import crossing_indices
from .. import model_colour, model_marker


def _crossing_points(
    t: np.ndarray, s: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Times and values where a sign crosses ``threshold``, over the samples that have a value
    (the ``valid`` sign aligned to the frames is NaN at both ends)."""
    ok = np.isfinite(s)
    t, s = t[ok], s[ok]
    idx = crossing_indices(s, threshold) if s.size else np.zeros(0, int)
    return t[idx], s[idx]


def strip_frames(times: np.ndarray, every_s: float = 1.0, max_frames: int = 20) -> np.ndarray:
    """Positions (indices into ``times``) of the frames shown under a sign: one per ``every_s``.

    For long recordings the spacing grows so that at most ``max_frames`` are shown.
    """
    t = np.asarray(times, dtype=float)
    span = t[-1] - t[0]
    step = max(every_s, span / max_frames) if span > 0 else every_s
    targets = t[0] + np.arange(0, span + 1e-9, step)[:max_frames]
    return np.unique(np.searchsorted(t, targets).clip(0, t.size - 1))


def frame_strip(
    video_path: str | Path,
    detections: pd.DataFrame,
    every_s: float = 1.0,
    allowed: bool = True,
    size: int = 96,
    max_frames: int = 20,
    rotate: int = 0,
) -> list[tuple[float, np.ndarray, bool]]:
    """Face crops at ``every_s`` intervals, read in one pass over the video (frames turned clockwise
    by ``rotate`` degrees, as for the detections).

    Parameters
    ----------
    video_path : path
    detections : DataFrame
        Per-frame detections (``frame, time, found`` and the box/landmark columns).
    allowed : bool
        Whether faces may be shown; if not, every image is blurred (:func:`privacy_filter`).
    size : int
        Side of each square image in pixels.

    Returns
    -------
    list of ``(time_s, rgb uint8 (size, size, 3), face_found)``; where no face was found the whole
    frame is shown, squeezed to a square.
    """
    import cv2

    from ...faces import crop_face, detection_from_row
    from ...video import iter_frames

    rows = detections.iloc[strip_frames(detections["time"].to_numpy(), every_s, max_frames)]
    wanted = {int(r["frame"]): r for _, r in rows.iterrows()}
    last = max(wanted)
    out = []
    for index, rgb in iter_frames(video_path, rotate=rotate):
        if index in wanted:
            row = wanted[index]
            det = detection_from_row(row)
            img = (
                crop_face(rgb, det, size=size) if det is not None else cv2.resize(rgb, (size, size))
            )
            out.append((float(row["time"]), privacy_filter(img, allowed), det is not None))
        if index >= last:
            break
    return out


def _legend_entry(model: str, s: Mapping) -> str:
    pred = "pain" if s["prediction"] else "no pain"
    score = s["score"]
    return (
        f"{display_name(model)}: score {100 * score:.0f}% → {pred} | "
        f"entropy {s['entropy']:.2f} | crossings {int(s['crossings'])}"
    )


def plot_sign(
    traces: Mapping[str, pd.DataFrame],
    thresholds: Mapping[str, float],
    summaries: Mapping[str, Mapping],
    label: str,
    strip: Sequence[tuple[float, np.ndarray, bool]] | None = None,
    truth: pd.DataFrame | None = None,
    title: str | None = None,
    strip_note: str | None = None,
) -> plt.Figure:
    """A pain-sign figure like the paper's Figs 1-4.

    Parameters
    ----------
    traces : mapping model → DataFrame with ``time`` (s) and ``sign``
    thresholds : mapping model → Youden threshold
    summaries : mapping model → :func:`painsign_utils.evaluation.summarize_video` dict
    label : str
        Ground-truth label of the video (``"pain"`` / ``"nopain"``).
    strip : list of (time, image, face_found), optional
        :func:`frame_strip` output, drawn below the sign.
    truth : DataFrame, optional
        ``time, intensity``: the latent intensity of a synthetic video, drawn in grey.
    strip_note : str, optional
        Text under the strip (e.g. that faces are blurred).

    Returns
    -------
    matplotlib Figure
    """
    n_strip = len(strip) if strip else 0
    # The strip's row is as tall as one square image (about 8.5 in of axes width / n) plus a label.
    strip_h = 8.5 / n_strip * 1.3 if n_strip else 0.0
    fig = plt.figure(figsize=(11, 3.2 + strip_h))
    grid = fig.add_gridspec(
        2 if n_strip else 1,
        max(n_strip, 1),
        height_ratios=[3.2, strip_h] if n_strip else [1],
        hspace=0.06,
        wspace=0.04,
    )
    ax = fig.add_subplot(grid[0, :])
    handles = [
        Line2D([], [], color="none", label=f"Ground truth: {label.replace('nopain', 'no pain')}")
    ]
    for model, df in traces.items():
        colour = model_colour(model, "k")
        t, s = df["time"].to_numpy(), df["sign"].to_numpy()
        ax.plot(t, s, color=colour, lw=1.8)
        ax.axhline(thresholds[model], color=colour, lw=0.8, ls="--", alpha=0.7)
        ax.scatter(
            *_crossing_points(t, s, thresholds[model]),
            color=colour,
            marker=model_marker(model),
            s=36,
            edgecolor="k",
            linewidths=0.6,
            zorder=3,
        )
        handles.append(
            Line2D(
                [],
                [],
                color=colour,
                marker=model_marker(model),
                lw=1.8,
                markeredgecolor="k",
                label=_legend_entry(model, summaries[model]),
            )
        )
    if truth is not None:
        ax.plot(truth["time"], truth["intensity"], color="0.45", lw=1, ls=":")
        handles.append(
            Line2D([], [], color="0.45", ls=":", label="latent pain intensity (synthetic truth)")
        )
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(
        min(df["time"].iloc[0] for df in traces.values()),
        max(df["time"].iloc[-1] for df in traces.values()),
    )
    ax.set_ylabel("pain probability (sign)")
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.01),
        fontsize=8,
        frameon=False,
        ncol=1,
    )
    if title:
        ax.set_title(title, loc="right", fontsize=9)
    if n_strip:
        ax.tick_params(labelbottom=False)
        for j, (t, img, found) in enumerate(strip):
            sub = fig.add_subplot(grid[1, j])
            sub.imshow(img)
            sub.set_xticks([])
            sub.set_yticks([])
            for spine in sub.spines.values():
                spine.set_visible(True)
                spine.set_color("0.6" if found else "r")
            sub.set_xlabel(f"{t:.0f} s", fontsize=7, labelpad=1)
        if strip_note:
            fig.text(0.5, -0.01, strip_note, ha="center", va="top", fontsize=8, style="italic")
    else:
        ax.set_xlabel("time (s)")
    return fig


def plot_video_sign(
    video: str,
    info: Mapping,
    signs: Mapping[tuple[str, str], pd.DataFrame],
    summary: pd.DataFrame,
    faces_allowed: bool,
    every_s: float = 1.0,
    truth: bool = False,
    title: str | None = None,
) -> plt.Figure:
    """:func:`plot_sign` for one video of the pipeline, with its frame strip.

    Parameters
    ----------
    video : str
        Video id (file stem).
    info : mapping
        The video's manifest row: ``path, detections, label`` (and ``truth`` for synthetic data).
    signs : mapping (model, video) → DataFrame ``time, sign`` (:func:`evaluation.load_signs`)
    summary : DataFrame
        ``tables/video_summary.csv``: one row per (model, video) with ``threshold`` and the
        summary numbers of the legend.
    faces_allowed : bool
        False blurs the strip (real data without ``show_faces``) and says so under it.
    truth : bool
        Draw the latent intensity from ``info["truth"]`` (synthetic data).
    """
    rows = summary[summary["video"] == video].set_index("model")
    traces = {m: signs[(m, video)] for m in rows.index if (m, video) in signs}
    from ...video import rotation

    strip = frame_strip(
        info["path"],
        pd.read_csv(info["detections"]),
        every_s,
        faces_allowed,
        rotate=rotation(info.get("rotate")),
    )
    note = None if faces_allowed else "Faces blurred: real data (set show_faces=True to draw them)."
    return plot_sign(
        traces,
        rows["threshold"].to_dict(),
        rows.to_dict("index"),
        str(info["label"]),
        strip=strip,
        truth=pd.read_csv(info["truth"]) if truth else None,
        title=title,
        strip_note=note,
    )


def plot_sign_steps(
    probs: pd.DataFrame, sign: np.ndarray, threshold: float, model: str
) -> plt.Figure:
    """From frame probabilities to the sign: raw probabilities (gaps where no face), the sign, threshold.

    Parameters
    ----------
    probs : DataFrame ``time, prob`` (prob NaN where no face)
    sign : array, shape (n,) — the analysis sign aligned to the frames
        (:func:`painsign_utils.evaluation.aligned_sign`; NaN where the ``valid`` filter has no value)
    """
    from ...sign import interpolate_missing

    colour = model_colour(model, "k")
    t, p = probs["time"].to_numpy(), probs["prob"].to_numpy()
    fig, ax = plt.subplots(figsize=(11, 3))
    gap = np.isnan(p)
    filled = interpolate_missing(p)
    ax.scatter(t[~gap], p[~gap], s=6, color="0.55", label="frame probability")
    if gap.any():
        ax.scatter(
            t[gap], filled[gap], s=10, marker="x", color="0.2", label="no face: interpolated"
        )
    ax.plot(t, sign, color=colour, lw=2, label=f"{display_name(model)} pain sign")
    ax.axhline(threshold, color=colour, ls="--", lw=0.8, label=f"threshold {threshold:.2f}")
    ax.scatter(
        *_crossing_points(t, np.asarray(sign, float), threshold),
        color=colour,
        marker=model_marker(model),
        s=40,
        edgecolor="k",
        zorder=3,
        label="threshold crossing",
    )
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("pain probability")
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=5, frameon=False)
    return fig
