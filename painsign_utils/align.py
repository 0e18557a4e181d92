"""Landmark alignment and the average faces of Fig. 6.

This module owns: the 5-point reference template, the similarity transform (rotation, uniform
scale, translation; Umeyama 1991) that maps a face's five landmarks onto it, the warp of a frame
into the reference, and the averaging of aligned faces within 10 % bins of predicted pain
probability, split into frames whose prediction agrees with the video label ("correct") and frames
that do not ("incorrect"). On synthetic data each bin also carries the mean latent pain intensity,
and :func:`intensity_trend` gives the Spearman rank correlation between bin centre and that mean:
the quantitative form of the paper's claim that the probability tracks the expression.

Frame tables (one row a frame) have the columns ``video, label, frame, prob`` and the landmarks
``le_x, le_y, re_x, re_y, no_x, no_y, ml_x, ml_y, mr_x, mr_y`` in frame pixels, optionally
``time`` and ``intensity``; :func:`collect_frames` builds one from the pipeline's CSVs.
:func:`average_faces_by_model` decodes each video once for all models and keeps only running sums,
so its memory does not grow with the number of frames (iCOPEvid has over 72,000).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from .errors import DataError
from .faces import LANDMARK_COLUMNS
from .video import rotation

#: The widely used 112 x 112 five-point face template (ArcFace / InsightFace): left eye, right eye,
#: nose tip, left and right mouth corner. It is a convention, not a measurement.
REFERENCE_112 = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ]
)


def reference_landmarks(size: int = 112, scale: float = 0.8) -> np.ndarray:
    """The 5-point template on a ``size x size`` canvas, shrunk by ``scale`` about the centre.

    ``scale < 1`` leaves room for the forehead, cheeks and chin around the template's tight crop.

    Returns
    -------
    ndarray, shape (5, 2)
    """
    unit = REFERENCE_112 / 112.0
    return ((unit - 0.5) * scale + 0.5) * size


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity transform (no reflection) mapping ``src`` points onto ``dst``.

    Parameters
    ----------
    src, dst : ndarray, shape (K, 2), K >= 2

    Returns
    -------
    ndarray, shape (2, 3)
        ``M`` with ``dst ~= src @ M[:, :2].T + M[:, 2]``, usable by ``cv2.warpAffine``.
    """
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or len(src) < 2:
        raise DataError(f"need matching (K>=2, 2) point sets, got {src.shape} and {dst.shape}")
    if not (np.isfinite(src).all() and np.isfinite(dst).all()):
        raise DataError("landmarks contain NaN: the face was not found in this frame")
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s0, d0 = src - mu_s, dst - mu_d
    var_s = (s0**2).sum() / len(src)
    if var_s <= 0:
        raise DataError("degenerate landmarks: all five points coincide")
    u, sig, vt = np.linalg.svd(d0.T @ s0 / len(src))
    d = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:  # forbid a reflection (Umeyama's correction)
        d[1, 1] = -1
    rot = u @ d @ vt
    scale = (sig * np.diag(d)).sum() / var_s
    return np.hstack([scale * rot, (mu_d - scale * rot @ mu_s)[:, None]])


def align_face(
    rgb: np.ndarray, landmarks: np.ndarray, size: int = 112, scale: float = 0.8
) -> np.ndarray:
    """Warp ``rgb`` so that its five ``landmarks`` (5, 2) land on the reference template.

    Returns
    -------
    ndarray, shape (size, size, 3), uint8
    """
    m = similarity_transform(np.asarray(landmarks).reshape(5, 2), reference_landmarks(size, scale))
    return cv2.warpAffine(
        np.asarray(rgb), m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def probability_bins(prob: np.ndarray, width: float = 0.1) -> np.ndarray:
    """Index of the ``width``-wide probability bin of each value (1.0 joins the top bin)."""
    n = int(round(1.0 / width))
    return np.clip(np.floor(np.asarray(prob, dtype=float) / width), 0, n - 1).astype(int)


def collect_frames(
    videos: pd.DataFrame,
    probs_path: Callable[[pd.Series], str | Path],
    threshold: float | None = None,
) -> pd.DataFrame:
    """One row per analysed frame with a face, joining probabilities, detections and truth.

    Parameters
    ----------
    videos : DataFrame
        Video manifest rows with ``path, label, detections`` and optionally ``truth`` (synthetic
        per-frame truth CSV with ``frame, intensity``).
    probs_path : callable
        Row -> path of that video's per-frame probability CSV (``frame, time, prob``).
    threshold : float, optional
        When given, adds ``pred`` (prob >= threshold -> "pain") and ``correct`` (pred == label).

    Returns
    -------
    DataFrame
        ``video, label, frame, time, prob`` + landmark columns (+ ``intensity``, ``pred``,
        ``correct``); frames without a face or without a probability are dropped.
    """
    parts = []
    for _, v in videos.iterrows():
        probs = pd.read_csv(probs_path(v))
        dets = pd.read_csv(v["detections"])
        missing = ({"frame", "prob"} - set(probs)) | (set(LANDMARK_COLUMNS) - set(dets))
        if missing:
            raise DataError(f"{v['path']}: columns missing from its CSVs: {sorted(missing)}")
        df = probs[[c for c in ("frame", "time", "prob") if c in probs]].merge(
            dets[["frame", *LANDMARK_COLUMNS]], on="frame", how="inner"
        )
        truth = v.get("truth")
        if isinstance(truth, str) and truth and Path(truth).exists():
            df = df.merge(pd.read_csv(truth)[["frame", "intensity"]], on="frame", how="left")
        df.insert(0, "label", v["label"])
        df.insert(0, "video", str(v["path"]))
        if "rotate" in v.index:  # frames turned as for the detections (iCOPEvid: 90)
            df["rotate"] = rotation(v["rotate"])
        parts.append(df.dropna(subset=["prob", *LANDMARK_COLUMNS]))
    if not parts:
        raise DataError("no videos to collect frames from")
    frames = pd.concat(parts, ignore_index=True)
    if threshold is not None:
        frames = mark_correct(frames, threshold)
    return frames


def mark_correct(frames: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Add ``pred`` ("pain" where prob >= threshold) and ``correct`` (pred equals the video label)."""
    out = frames.copy()
    out["pred"] = np.where(out["prob"] >= threshold, "pain", "nopain")
    out["correct"] = out["pred"] == out["label"]
    return out


def _accumulate_faces(
    chosen: Mapping[str, pd.DataFrame], size: int, scale: float
) -> dict[str, dict[tuple[int, bool], np.ndarray]]:
    """Sum of aligned faces per model and (bin, correct) group.

    Each video is decoded once, sequentially, up to its last wanted frame, and each wanted frame is
    aligned once however many models use it; only the sums are kept, so memory does not grow with
    the number of frames.
    """
    from .video import iter_frames

    members: dict[tuple[str, int], list] = defaultdict(list)
    points: dict[tuple[str, int], np.ndarray] = {}
    for model, df in chosen.items():
        lms = df[list(LANDMARK_COLUMNS)].to_numpy()
        keys = zip(df["video"], df["frame"].astype(int), df["bin"], df["correct"], strict=True)
        for (video, frame, b, ok), p in zip(keys, lms, strict=True):
            members[(video, frame)].append((model, (int(b), bool(ok))))
            points[(video, frame)] = p
    sums: dict[str, dict] = {model: {} for model in chosen}
    by_video: dict[str, set[int]] = defaultdict(set)
    for video, frame in members:
        by_video[video].add(frame)
    turns = {
        v: rotation(r)
        for df in chosen.values()
        if "rotate" in df
        for v, r in zip(df["video"], df["rotate"], strict=True)
    }
    for video in sorted(by_video):
        wanted, last, seen = by_video[video], max(by_video[video]), 0
        for index, rgb in iter_frames(video, rotate=turns.get(video, 0)):
            if index in wanted:
                face = align_face(rgb, points[(video, index)], size, scale).astype(np.float64)
                for model, key in members[(video, index)]:
                    acc = sums[model]
                    acc[key] = acc[key] + face if key in acc else face.copy()
                seen += 1
            if index >= last:
                break
        if seen < len(wanted):
            raise DataError(f"{video}: {len(wanted) - seen} listed frames are not in the video")
    return sums


@dataclass
class AverageFaces:
    """Average faces of one model.

    Attributes
    ----------
    table : DataFrame
        One row per (bin, correct): ``bin, lo, hi, centre, correct, n_frames`` (all frames in the
        group), ``n_averaged`` (frames in the mean image), ``mean_prob`` and ``mean_intensity``
        (NaN where no truth).
    images : dict
        ``(bin, correct) -> ndarray (size, size, 3) float32`` in [0, 255]; absent for empty groups.
    width : float
        Bin width.
    """

    table: pd.DataFrame
    images: dict = field(default_factory=dict)
    width: float = 0.1


def sample_groups(
    frames: pd.DataFrame, width: float = 0.1, max_per_group: int | None = None, seed: int = 0
) -> pd.DataFrame:
    """Rows kept for the mean images: at most ``max_per_group`` per (bin, correct), seeded."""
    df = frames.assign(bin=probability_bins(frames["prob"], width))
    if max_per_group is None:
        return df
    # A seeded random key ranked within each group keeps a uniform sample of at most the cap.
    key = np.random.default_rng(seed).random(len(df))
    rank = df.assign(_key=key).groupby(["bin", "correct"])["_key"].rank(method="first")
    return df[rank.to_numpy() <= max_per_group].sort_values(["video", "frame"])


def average_faces_by_model(
    frames: Mapping[str, pd.DataFrame],
    width: float = 0.1,
    max_per_group: int | None = None,
    size: int = 112,
    scale: float = 0.8,
    seed: int = 0,
) -> dict[str, AverageFaces]:
    """Mean aligned face per probability bin, correct and incorrect frames apart, for each model.

    Parameters
    ----------
    frames : mapping model -> DataFrame
        Frame tables with ``correct`` (see :func:`collect_frames`, :func:`mark_correct`).
    width : float
        Probability bin width (the paper's 10 %).
    max_per_group : int, optional
        Cap on the frames averaged per (bin, correct) group (a seeded random sample); the table's
        ``n_frames``, ``mean_prob`` and ``mean_intensity`` still use every frame.
    size, scale : int, float
        Output side and template scale (see :func:`reference_landmarks`).
    seed : int
        Seed of the sampling.

    Returns
    -------
    dict model -> AverageFaces
    """
    chosen = {}
    for model, df in frames.items():
        if "correct" not in df:
            raise DataError(f"{model}: frame table has no 'correct' column; call mark_correct()")
        if df.empty:
            raise DataError(f"{model}: no frames to average")
        chosen[model] = sample_groups(df, width, max_per_group, seed)
    sums = _accumulate_faces(chosen, size, scale)
    return {m: _summarise(frames[m], chosen[m], sums[m], width) for m in frames}


def average_faces(frames: pd.DataFrame, **kwargs) -> AverageFaces:
    """:func:`average_faces_by_model` for one model's frame table."""
    return average_faces_by_model({"model": frames}, **kwargs)["model"]


def _summarise(
    frames: pd.DataFrame, chosen: pd.DataFrame, sums: Mapping, width: float
) -> AverageFaces:
    df = frames.assign(bin=probability_bins(frames["prob"], width))
    if "intensity" not in df:
        df = df.assign(intensity=np.nan)
    rows, images = [], {}
    for b in range(int(round(1.0 / width))):
        for ok in (True, False):
            group = df[(df["bin"] == b) & (df["correct"] == ok)]
            n_avg = int(((chosen["bin"] == b) & (chosen["correct"] == ok)).sum())
            if n_avg:
                images[(b, ok)] = (sums[(b, ok)] / n_avg).astype(np.float32)
            rows.append(
                {
                    "bin": b,
                    "lo": b * width,
                    "hi": (b + 1) * width,
                    "centre": (b + 0.5) * width,
                    "correct": ok,
                    "n_frames": len(group),
                    "n_averaged": n_avg,
                    "mean_prob": group["prob"].mean() if len(group) else np.nan,
                    "mean_intensity": group["intensity"].mean() if len(group) else np.nan,
                }
            )
    return AverageFaces(table=pd.DataFrame(rows), images=images, width=width)


def intensity_by_bin(frames: pd.DataFrame, width: float = 0.1) -> pd.DataFrame:
    """Mean latent intensity of all frames (correct and incorrect together) per probability bin.

    Returns
    -------
    DataFrame
        ``bin, centre, n_frames, mean_prob, mean_intensity, sd_intensity`` for non-empty bins.
    """
    if "intensity" not in frames or frames["intensity"].isna().all():
        raise DataError("frames carry no latent intensity (only synthetic data has it)")
    df = frames.dropna(subset=["intensity"]).assign(bin=probability_bins(frames["prob"], width))
    out = df.groupby("bin").agg(
        n_frames=("prob", "size"),
        mean_prob=("prob", "mean"),
        mean_intensity=("intensity", "mean"),
        sd_intensity=("intensity", "std"),
    )
    out.insert(0, "centre", (out.index + 0.5) * width)
    return out.reset_index()


def _spearman_rows(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    """Spearman's rho of ``a`` and ``b`` along ``axis`` (Pearson r of the ranks), many at once."""
    from scipy.stats import rankdata

    ra = rankdata(a, axis=axis)
    rb = rankdata(b, axis=axis)
    ra = ra - ra.mean(axis=axis, keepdims=True)
    rb = rb - rb.mean(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):  # a constant sample: NaN, as spearmanr
        return (ra * rb).sum(axis) / np.sqrt((ra**2).sum(axis) * (rb**2).sum(axis))


def intensity_trend(frames: pd.DataFrame, width: float = 0.1) -> dict:
    """Spearman rank correlations of probability with latent intensity.

    Returns
    -------
    dict
        ``rho_bins, p_bins`` (bin centre vs the bin's mean intensity, non-empty bins; two-sided
        permutation p-value, exact up to 7 bins),
        ``n_bins``, and ``rho_frames, p_frames`` (frame-level probability vs intensity).
    """
    from scipy.stats import permutation_test, spearmanr

    per_bin = intensity_by_bin(frames, width)
    rho_b, p_b = np.nan, np.nan
    if len(per_bin) >= 3:
        x, y = per_bin["centre"].to_numpy(), per_bin["mean_intensity"].to_numpy()
        rho_b = spearmanr(x, y)[0]
        # A handful of bins: the t approximation says p = 0 for a perfect order of 4 bins, while
        # the exact chance of it is 2/4! = 0.083. Permutations are exact up to 7 bins.
        p_b = permutation_test(
            (x, y),
            _spearman_rows,
            vectorized=True,  # all orders at once: 9,999 calls of spearmanr took 10 s a model
            permutation_type="pairings",
            n_resamples=9999,
            rng=np.random.default_rng(0),
        ).pvalue
    valid = frames.dropna(subset=["intensity", "prob"])
    rho_f, p_f = spearmanr(valid["prob"], valid["intensity"])
    return {
        "rho_bins": float(rho_b),
        "p_bins": float(p_b),
        "n_bins": len(per_bin),
        "rho_frames": float(rho_f),
        "p_frames": float(p_f),
    }
