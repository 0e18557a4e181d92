"""One row per (model, video): the video score, its prediction and the sign's entropy and crossings.

* :func:`summarize_video` / :func:`summarize_videos` — the video score (``video_score="sign_mean"``:
  the mean of the analysis sign, what the authors' code computed; ``"face_mean"``: the mean
  probability over frames with a face), prediction against the model's threshold, entropy and
  threshold crossings of the analysis sign (``mode="valid"`` under ``protocol: authors``,
  ``"causal"`` under ``causal``).
* :func:`aligned_sign` / :func:`load_signs` — the analysis sign aligned to the frames for plots.
* :func:`inference_speed` and :func:`pick_examples` (one example video per sign type).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from ..sign import pain_sign, shannon_entropy, threshold_crossings, window_for_fps
from .videos import label_to_int


def samples_per_second(times: np.ndarray, fps: float | None = None) -> float:
    """Rate of the analysed samples: from their timestamps (median spacing), else ``fps``."""
    t = np.asarray(times, dtype=float)
    dt = np.diff(t[np.isfinite(t)])
    dt = dt[dt > 0]
    if dt.size:
        return float(1.0 / np.median(dt))
    if fps is None:
        raise DataError("cannot tell the sample rate: fewer than two timestamps and no fps")
    return float(fps)


def aligned_sign(probs: np.ndarray, window: int, mode: str = "causal") -> np.ndarray:
    """The analysis sign placed on the frames, same length as ``probs``.

    ``mode="causal"``: :func:`~painsign_utils.sign.pain_sign` itself (one value per frame).
    ``mode="valid"``: the ``n - window + 1`` samples of the centred filter sit at their centre
    frames: sample ``j`` (the mean of frames ``j .. j + window - 1``) is placed at frame
    ``j + (window - 1) // 2``, and the first ``(window - 1) // 2`` and last ``window // 2`` frames
    are NaN (the filter has no value there). Entropy, crossings and the video score use the
    unpadded sign; the padding only lines the sign up with the frames for plots and frame-level
    comparisons (drop the NaN first).
    """
    return place_sign(pain_sign(probs, int(window), mode=mode), len(probs), window, mode)


def place_sign(sign: np.ndarray, n_frames: int, window: int, mode: str = "causal") -> np.ndarray:
    """A sign computed by :func:`~painsign_utils.sign.pain_sign` (or an edge of
    :func:`~painsign_utils.sign.band`) placed on ``n_frames`` frames as :func:`aligned_sign` does."""
    if mode != "valid":
        return np.asarray(sign, dtype=float)
    left = (int(window) - 1) // 2
    out = np.full(int(n_frames), np.nan)
    out[left : left + len(sign)] = sign
    return out


#: Video scores: ``sign_mean`` (authors: mean of the analysis sign), ``face_mean`` (causal: mean
#: probability over frames with a face).
VIDEO_SCORES: tuple[str, ...] = ("sign_mean", "face_mean")


def summarize_video(
    probs: pd.DataFrame,
    threshold: float,
    window: int | None = None,
    fps: float | None = None,
    seconds: float = 1.0,
    mode: str = "causal",
    video_score: str = "face_mean",
) -> dict:
    """Video-level numbers of one model on one video.

    Parameters
    ----------
    probs : DataFrame
        ``frame, time, prob`` (prob NaN where no face).
    threshold : float
        The model's video threshold.
    window : int, optional
        Moving-average samples; default ``seconds`` of the analysed samples (30 at 30 fps, fewer
        when frames were subsampled), via :func:`window_for_fps`.
    fps : float, optional
        Sample rate to assume when the timestamps cannot tell it (a single sample).
    seconds : float, default 1.0
        Length of the moving average in seconds when ``window`` is not given.
    mode : {"causal", "valid"}
        Sign mode of the analysis sign (:func:`~painsign_utils.sign.pain_sign`): ``"valid"`` is
        the authors' centred filter (``n - window + 1`` samples), ``"causal"`` the trailing one.
    video_score : {"face_mean", "sign_mean"}
        ``"sign_mean"``: the mean of the analysis sign (the authors' code; ``protocol: authors``);
        ``"face_mean"``: the mean probability over frames with a face (``protocol: causal``).

    Returns
    -------
    dict with ``score`` (the video score), ``prediction`` (1 if ``score >= threshold``),
    ``mean_prob`` (mean over frames with a face), ``sign_mean`` (mean of the analysis sign),
    ``entropy`` and ``crossings`` (of the analysis sign), ``face_fraction``, ``n_samples``,
    ``n_sign`` (samples of the analysis sign), ``window``, ``duration_s``, ``sign_mode``,
    ``video_score``.
    """
    if video_score not in VIDEO_SCORES:
        raise ConfigError(
            f"unknown video score {video_score!r}; use one of {', '.join(VIDEO_SCORES)}"
        )
    p = probs["prob"].to_numpy(dtype=float)
    rate = samples_per_second(probs["time"].to_numpy(), fps)
    w = window or window_for_fps(rate, seconds)
    sign = pain_sign(p, w, mode=mode)  # DataError if no frame has a face (or too few for "valid")
    mean_prob = float(np.nanmean(p))
    sign_mean = float(sign.mean())
    score = sign_mean if video_score == "sign_mean" else mean_prob
    return {
        "score": score,
        "prediction": int(score >= threshold),
        "mean_prob": mean_prob,
        "entropy": shannon_entropy(sign),
        "crossings": threshold_crossings(sign, threshold),
        "sign_mean": sign_mean,
        "face_fraction": float(np.mean(~np.isnan(p))),
        "n_samples": int(p.size),
        "n_sign": int(sign.size),
        "window": int(w),
        "duration_s": float(p.size / rate),
        "sign_mode": mode,
        "video_score": video_score,
    }


def summarize_videos(
    runs: pd.DataFrame,
    videos: pd.DataFrame,
    thresholds: Mapping[str, float],
    window: int | None = None,
    seconds: float = 1.0,
    mode: str = "causal",
    video_score: str = "face_mean",
) -> pd.DataFrame:
    """:func:`summarize_video` for every (model, video) of :func:`run_video_inference`.

    Parameters
    ----------
    runs : DataFrame
        ``model, video, probs`` (path of the per-frame CSV).
    videos : DataFrame
        Manifest; its ``path`` stem matches ``runs.video``; ``label`` (and ``scenario``,
        ``subject``, ``truth``, ``fps`` when present) are carried over.
    thresholds : mapping model → video threshold.
    window, seconds, mode, video_score :
        As in :func:`summarize_video`: by default each video's window covers ``seconds`` of its
        own analysed frames; ``mode`` and ``video_score`` come from the protocol.

    Returns
    -------
    DataFrame, one row per (model, video) with a face: ``model, video, label`` (0/1),
    ``threshold`` and the :func:`summarize_video` columns (``sign_mode`` and ``video_score``
    record the protocol's choices). Videos without any face are dropped
    and listed in ``attrs["no_face"]``.
    """
    meta = videos.assign(video=[Path(p).stem for p in videos["path"]]).set_index("video")
    keep = [c for c in ("subject", "label", "scenario", "truth", "fps") if c in meta.columns]
    rows, no_face = [], []
    for run in runs.itertuples():
        probs = pd.read_csv(run.probs)
        if probs["prob"].isna().all():
            no_face.append((run.model, run.video))
            continue
        fps = float(meta.loc[run.video, "fps"]) if "fps" in meta.columns else None
        thr = float(thresholds[run.model])
        s = summarize_video(probs, thr, window, fps, seconds, mode, video_score)
        rows.append(
            {
                "model": run.model,
                "video": run.video,
                **meta.loc[run.video, keep].to_dict(),
                "threshold": thr,
                **s,
            }
        )
    out = pd.DataFrame(rows)
    if not out.empty:
        out["label"] = label_to_int(out["label"])
    out.attrs["no_face"] = no_face
    return out


def inference_speed(runs: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Seconds of video classified per second of computation, per model (freshly computed runs only).

    Returns
    -------
    DataFrame indexed by model: ``videos, video_s, compute_s, realtime_factor`` (> 1: faster
    than the video plays). Empty when every run came from the cache.
    """
    timed = runs.dropna(subset=["seconds"]).merge(
        summary[["model", "video", "duration_s"]], on=["model", "video"]
    )
    out = timed.groupby("model", sort=False).agg(
        videos=("video", "size"), video_s=("duration_s", "sum"), compute_s=("seconds", "sum")
    )
    out["realtime_factor"] = out["video_s"] / out["compute_s"]
    return out


def load_signs(runs: pd.DataFrame, summary: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    """Per-frame ``frame, time, prob, sign`` for every summarized (model, video).

    Uses the window and sign mode recorded in ``summary`` (``window``, ``sign_mode``) so the
    sign is the analysis sign the metrics were computed on, aligned to the frames by
    :func:`aligned_sign`: under ``valid`` the ``n - window + 1`` samples sit at their centre
    frames and the first ``(window - 1) // 2`` and last ``window // 2`` rows of ``sign`` are
    NaN.
    """
    rows = summary.set_index(["model", "video"])
    out = {}
    for run in runs.itertuples():
        key = (run.model, run.video)
        if key not in rows.index:
            continue
        probs = pd.read_csv(run.probs)
        mode = str(rows["sign_mode"][key])
        out[key] = probs.assign(
            sign=aligned_sign(probs["prob"].to_numpy(), int(rows["window"][key]), mode)
        )
    return out


def pick_examples(summary: pd.DataFrame) -> dict[str, str]:
    """One example video per sign type described in the paper (§3), chosen from the features alone.

    Entropy and crossings are z-scored within each model and averaged over models per video.
    ``stable``: lowest entropy + crossings; ``irregular``: highest entropy - crossings (entropy
    without crossings); ``unstable``: highest entropy + crossings; ``indeterminate``: highest
    crossings - entropy. Ties go to the first video.

    Returns
    -------
    dict sign type → video id
    """
    z = summary.copy()
    for col in ("entropy", "crossings"):
        grp = z.groupby("model")[col]
        z[col] = (z[col] - grp.transform("mean")) / grp.transform("std").replace(0, 1).fillna(1)
    per_video = z.groupby("video", sort=False)[["entropy", "crossings"]].mean()
    e, c = per_video["entropy"], per_video["crossings"]
    return {
        "stable": (e + c).idxmin(),
        "irregular": (e - c).idxmax(),
        "unstable": (e + c).idxmax(),
        "indeterminate": (c - e).idxmax(),
    }
