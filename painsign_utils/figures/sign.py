"""Figures of the pain sign: sign plots like the paper's Figs 1-4, sign-type maps, Fig. 5's decision matrices.

* :func:`plot_sign` — the models' signs on one time axis, each model's threshold, markers where a
  sign crosses it, a legend with the ground-truth label and each model's mean probability,
  prediction, entropy and crossings, and a strip of frames at 1-s intervals below.
* :func:`frame_strip` — the frames of that strip (face crops), blurred unless faces may be shown
  (:func:`privacy_filter`).
* :func:`plot_sign_types` — (entropy, crossings) of every video per model, coloured by sign type,
  with centroids and the indeterminate corner.
* :func:`plot_decision_matrix` — Fig. 5: low/high entropy x low/high crossings with the action the
  paper recommends, for a "pain" and a "no pain" prediction, annotated with our clusters.
* :func:`plot_long_recording` — a long sign with its 20-s segments coloured by type.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..faces import privacy_filter
from ..sign import crossing_indices
from . import MODEL_COLOURS, MODEL_NAMES

#: Colour of each sign type in every figure.
TYPE_COLOURS = {"stable": "#4daf4a", "irregular": "#ff7f00", "unstable": "#e41a1c",
                "indeterminate": "#984ea3"}
#: Marker of each model's threshold crossings.
MODEL_MARKERS = {"vggface": "o", "ncnn": "s", "vit_b16": "^"}

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
_ACTION_COLOURS = {"ACT": "#f4a6a6", "CHECK": "#fde0a6", "SUPERVISE": "#fde0a6", "NO ACTION": "#bfe3b4"}


def _crossing_points(t: np.ndarray, s: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
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

    from ..faces import crop_face, detection_from_row
    from ..video import iter_frames

    rows = detections.iloc[strip_frames(detections["time"].to_numpy(), every_s, max_frames)]
    wanted = {int(r["frame"]): r for _, r in rows.iterrows()}
    last = max(wanted)
    out = []
    for index, rgb in iter_frames(video_path, rotate=rotate):
        if index in wanted:
            row = wanted[index]
            det = detection_from_row(row)
            img = crop_face(rgb, det, size=size) if det is not None else cv2.resize(rgb, (size, size))
            out.append((float(row["time"]), privacy_filter(img, allowed), det is not None))
        if index >= last:
            break
    return out


def _legend_entry(model: str, s: Mapping) -> str:
    pred = "pain" if s["prediction"] else "no pain"
    score = s.get("score", s["mean_prob"])
    return (f"{MODEL_NAMES.get(model, model)}: score {100 * score:.0f}% → {pred} | "
            f"entropy {s['entropy']:.2f} | crossings {int(s['crossings'])}")


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
    grid = fig.add_gridspec(2 if n_strip else 1, max(n_strip, 1),
                            height_ratios=[3.2, strip_h] if n_strip else [1], hspace=0.06,
                            wspace=0.04)
    ax = fig.add_subplot(grid[0, :])
    handles = [Line2D([], [], color="none", label=f"Ground truth: {label.replace('nopain', 'no pain')}")]
    for model, df in traces.items():
        colour = MODEL_COLOURS.get(model, "k")
        t, s = df["time"].to_numpy(), df["sign"].to_numpy()
        ax.plot(t, s, color=colour, lw=1.8)
        ax.axhline(thresholds[model], color=colour, lw=0.8, ls="--", alpha=0.7)
        ax.scatter(*_crossing_points(t, s, thresholds[model]), color=colour, marker=MODEL_MARKERS.get(model, "o"), s=36,
                   edgecolor="k", linewidths=0.6, zorder=3)
        handles.append(Line2D([], [], color=colour, marker=MODEL_MARKERS.get(model, "o"), lw=1.8,
                              markeredgecolor="k", label=_legend_entry(model, summaries[model])))
    if truth is not None:
        ax.plot(truth["time"], truth["intensity"], color="0.45", lw=1, ls=":")
        handles.append(Line2D([], [], color="0.45", ls=":", label="latent pain intensity (synthetic truth)"))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(min(df["time"].iloc[0] for df in traces.values()),
                max(df["time"].iloc[-1] for df in traces.values()))
    ax.set_ylabel("pain probability (sign)")
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.01), fontsize=8, frameon=False,
              ncol=1)
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
    from ..video import rotation

    strip = frame_strip(info["path"], pd.read_csv(info["detections"]), every_s, faces_allowed,
                        rotate=rotation(info.get("rotate")))
    note = None if faces_allowed else "Faces blurred: real data (set show_faces=True to draw them)."
    return plot_sign(traces, rows["threshold"].to_dict(), rows.to_dict("index"), str(info["label"]),
                     strip=strip, truth=pd.read_csv(info["truth"]) if truth else None,
                     title=title, strip_note=note)


def plot_video_scores(summary: pd.DataFrame) -> plt.Figure:
    """Table 2 (test) as a picture: video-level ROC curves, and each video's mean probability.

    Left: ROC curve of the mean probability per model, the dot marking the model's threshold.
    Right: every video's score (``score``, else ``mean_prob``) by its true label, with each
    model's threshold.

    Parameters
    ----------
    summary : DataFrame
        ``model, label`` (1/0), ``mean_prob, threshold`` per (model, video).
    """
    from sklearn.metrics import roc_curve

    fig, (roc, dots) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1, 1.6]})
    rng = np.random.default_rng(0)
    models = list(dict.fromkeys(summary["model"]))
    for i, model in enumerate(models):
        g = summary[summary["model"] == model]
        colour, name = MODEL_COLOURS.get(model, "k"), MODEL_NAMES.get(model, model)
        score = g["score"] if "score" in g.columns else g["mean_prob"]
        y, p, t = g["label"].to_numpy(int), score.to_numpy(float), float(g["threshold"].iloc[0])
        if 0 < y.sum() < y.size:
            fpr, tpr, _ = roc_curve(y, p)
            roc.plot(fpr, tpr, color=colour, label=name)
            pred = p >= t
            roc.scatter([np.mean(pred[y == 0])], [np.mean(pred[y == 1])], color=colour, edgecolor="k", zorder=3)
        for label in (0, 1):
            v = p[y == label]
            x = label * (len(models) + 1) + i + rng.uniform(-0.25, 0.25, v.size)
            dots.scatter(x, v, s=12, color=colour, alpha=0.7, label=name if label == 0 else None)
            dots.plot([label * (len(models) + 1) + i - 0.4, label * (len(models) + 1) + i + 0.4], [t, t],
                      color=colour, lw=2)
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


def plot_sign_steps(probs: pd.DataFrame, sign: np.ndarray, threshold: float, model: str) -> plt.Figure:
    """From frame probabilities to the sign: raw probabilities (gaps where no face), the sign, threshold.

    Parameters
    ----------
    probs : DataFrame ``time, prob`` (prob NaN where no face)
    sign : array, shape (n,) — the analysis sign aligned to the frames
        (:func:`painsign_utils.evaluation.aligned_sign`; NaN where the ``valid`` filter has no value)
    """
    from ..sign import interpolate_missing

    colour = MODEL_COLOURS.get(model, "k")
    t, p = probs["time"].to_numpy(), probs["prob"].to_numpy()
    fig, ax = plt.subplots(figsize=(11, 3))
    gap = np.isnan(p)
    filled = interpolate_missing(p)
    ax.scatter(t[~gap], p[~gap], s=6, color="0.55", label="frame probability")
    if gap.any():
        ax.scatter(t[gap], filled[gap], s=10, marker="x", color="0.2", label="no face: interpolated")
    ax.plot(t, sign, color=colour, lw=2, label=f"{MODEL_NAMES.get(model, model)} pain sign")
    ax.axhline(threshold, color=colour, ls="--", lw=0.8, label=f"threshold {threshold:.2f}")
    ax.scatter(*_crossing_points(t, np.asarray(sign, float), threshold), color=colour, marker=MODEL_MARKERS.get(model, "o"), s=40,
               edgecolor="k", zorder=3, label="threshold crossing")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("pain probability")
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=5, frameon=False)
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
        ax.scatter(i + rng.uniform(-0.15, 0.15, r.size), r, s=10, alpha=0.6,
                   color=MODEL_COLOURS.get(model, "0.4"))
    ax.set_xticks(range(len(models)), [MODEL_NAMES.get(m, m).replace(" ", "\n") for m in models])
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_ylim(-1.02, 1.02)
    ax.set_ylabel("Pearson r, sign vs intensity")
    fig.tight_layout()
    return fig


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
    fig, axes = plt.subplots(1, len(models), figsize=(3.8 * len(models), 3.4), sharey=True,
                             squeeze=False)
    rng = np.random.default_rng(0)
    for ax, model in zip(axes[0], models, strict=True):
        g = features[features["model"] == model]
        clf = classifiers[model]
        jitter = rng.uniform(-0.15, 0.15, len(g))  # crossings are integers: spread the dots
        for sign_type, colour in TYPE_COLOURS.items():
            sel = (g["sign_type"] == sign_type).to_numpy()
            if sel.any():
                ax.scatter(g["entropy"][sel], g["crossings"][sel] + jitter[sel], s=16, color=colour,
                           alpha=0.8, label=sign_type)
        if "indeterminate" in g.columns and g["indeterminate"].dtype == bool and g["indeterminate"].any():
            # protocol authors: the overlay flag, drawn over the three clusters
            sel = g["indeterminate"].to_numpy(bool)
            ax.scatter(g["entropy"][sel], g["crossings"][sel] + jitter[sel], s=60, facecolor="none",
                       edgecolor=TYPE_COLOURS["indeterminate"], lw=1.5, zorder=3,
                       label="indeterminate (overlay)")
        cent = clf.centroids_
        ax.scatter(cent["entropy"], cent["crossings"], marker="X", s=110, color="k", zorder=4,
                   label="centroids")
        if np.isfinite(clf.crossings_cut_):
            top = max(g["crossings"].max(), clf.crossings_cut_) + 1
            ax.add_patch(Rectangle((0, clf.crossings_cut_), clf.entropy_cut_, top - clf.crossings_cut_,
                                   color=TYPE_COLOURS["indeterminate"], alpha=0.12, lw=0,
                                   label="indeterminate zone"))
        ax.set_title(f"{MODEL_NAMES.get(model, model)} (k = {clf.k_})")
        ax.set_xlabel("entropy (bits)")
        ax.set_xlim(left=-0.05)
    axes[0, 0].set_ylabel("threshold crossings")
    # One legend for every panel: a type that one model lacks still needs its colour explained.
    seen: dict[str, Any] = {}
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    order = [t for t in TYPE_COLOURS if t in seen] + [k for k in seen if k not in TYPE_COLOURS]
    fig.legend([seen[k] for k in order], order, fontsize=8, loc="lower center", ncol=len(order),
               frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def plot_silhouettes(classifiers: Mapping) -> plt.Figure:
    """Silhouette score against k for each model, the chosen k marked."""
    fig, ax = plt.subplots(figsize=(5, 3))
    for model, clf in classifiers.items():
        ks = sorted(clf.silhouettes_)
        ax.plot(ks, [clf.silhouettes_[k] for k in ks], marker="o", color=MODEL_COLOURS.get(model, "k"),
                label=MODEL_NAMES.get(model, model))
        if clf.k_ in clf.silhouettes_:
            ax.scatter([clf.k_], [clf.silhouettes_[clf.k_]], s=120, facecolor="none",
                       edgecolor=MODEL_COLOURS.get(model, "k"), lw=2)
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel("silhouette score")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _cell_stats(table: pd.DataFrame, sign_type: str) -> str:
    lines = []
    for row in table[table["sign_type"] == sign_type].itertuples():
        lines.append(f"{MODEL_NAMES.get(row.model, row.model)}: H {row.entropy}, X {row.crossings}")
    return "\n".join(lines) if lines else "no video of this type"


def plot_decision_matrix(table: pd.DataFrame) -> plt.Figure:
    """Fig. 5: decision matrices for a "pain" (a) and a "no pain" (b) prediction.

    Rows are low/high threshold crossings (high on top), columns low/high entropy; each cell holds
    the sign type, the action the paper recommends (§3, §4 observations I-IV) and our clusters'
    entropy (H) and crossings (X) as mean ± sd per model, from :func:`clustering.table3`.
    """
    fig, axes = plt.subplots(1, 2, figsize=(13, 6.2))
    for ax, (pred, title) in zip(axes, (("pain", "(a) prediction: pain"),
                                        ("nopain", "(b) prediction: no pain")), strict=True):
        for (ent, cro), spec in ACTIONS.items():
            x, y = (0 if ent == "low" else 1), (1 if cro == "high" else 0)
            verdict, why = spec[pred]
            ax.add_patch(Rectangle((x, y), 1, 1, facecolor=_ACTION_COLOURS[verdict], edgecolor="w", lw=3))
            ax.text(x + 0.5, y + 0.86, spec["type"].upper(), ha="center", va="center", fontsize=10,
                    weight="bold", color=TYPE_COLOURS[spec["type"]])
            ax.text(x + 0.5, y + 0.68, verdict, ha="center", va="center", fontsize=12, weight="bold")
            ax.text(x + 0.5, y + 0.5, textwrap.fill(why, 34), ha="center", va="center", fontsize=8)
            ax.text(x + 0.5, y + 0.22, _cell_stats(table, spec["type"]), ha="center", va="center",
                    fontsize=6.5, family="monospace")
        ax.set_xlim(0, 2)
        ax.set_ylim(0, 2)
        ax.set_xticks([0.5, 1.5], ["low entropy", "high entropy"])
        ax.set_yticks([0.5, 1.5], ["few crossings", "many crossings"])
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_title(title)
    handles = [Patch(color=_ACTION_COLOURS[k], label=text) for k, text in
               (("ACT", "act"), ("CHECK", "check / supervise"), ("NO ACTION", "no action"))]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def plot_long_recording(
    time: np.ndarray, sign: np.ndarray, threshold: float, segments: pd.DataFrame,
    model: str = "ncnn", boundaries: Sequence[float] = (),
) -> plt.Figure:
    """A long sign with each 20-s segment shaded by its sign type (paper §4: last minute, last hour).

    Parameters
    ----------
    boundaries : times (s) where joined recordings meet, drawn as thin vertical lines.
    """
    fig, ax = plt.subplots(figsize=(11, 3))
    for seg in segments.itertuples():
        ax.axvspan(seg.start_s, seg.end_s, color=TYPE_COLOURS.get(seg.sign_type, "0.8"), alpha=0.18, lw=0)
    ax.plot(time, sign, color=MODEL_COLOURS.get(model, "k"), lw=1.2)
    ax.axhline(threshold, color=MODEL_COLOURS.get(model, "k"), ls="--", lw=0.8)
    for b in boundaries:
        ax.axvline(b, color="0.3", lw=0.6, ls=":")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(time[0], time[-1])
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"{MODEL_NAMES.get(model, model)} sign")
    present = [t for t in TYPE_COLOURS if (segments["sign_type"] == t).any()]
    ax.legend(handles=[Patch(color=TYPE_COLOURS[t], alpha=0.4, label=t) for t in present],
              loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(present), frameon=False, fontsize=8)
    return fig
