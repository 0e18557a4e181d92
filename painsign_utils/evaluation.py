"""Video-level evaluation and the analyses around the pain sign (paper §2.5, §3, §4).

This module owns:

* :data:`PAPER` — the paper's published numbers we compare against (Table 2 test, Table 3, the
  Youden thresholds, Pearson r between models): an alias of :data:`painsign_utils.paper.PAPER`.
* :func:`run_video_inference` — per-frame probabilities of every test video with each model's best
  checkpoint, through the project's one engine :func:`painsign_utils.inference.video_probabilities`
  (cached per model and video).
* :func:`summarize_video` / :func:`summarize_videos` — one row per (model, video): the video score
  (``video_score="sign_mean"``: the mean of the analysis sign, what the authors' code computed;
  ``"face_mean"``: the mean probability over frames with a face), prediction against the model's
  threshold, entropy and threshold crossings of the analysis sign (``mode="valid"`` under
  ``protocol: authors``, ``"causal"`` under ``causal``).
* :func:`aligned_sign` / :func:`load_signs` — the analysis sign aligned to the frames for plots.
* :func:`video_metrics` and :func:`table2_test` — Table 2 (test) next to the paper.
* :func:`pearson_between_models` — Pearson r between models' signs, per video and mean ± sd.
* What the paper could not measure, with synthetic ground truth: :func:`truth_correlation`
  (sign vs latent intensity), :func:`frame_level_auc`, :func:`scenario_agreement` (adjusted Rand
  index between sign types and generated scenarios, with a permutation test).
* Long recordings (paper §4): :func:`segment_types` and :func:`horizon_summary` classify a long
  sign in 20-s segments and summarise the last minute / last hour.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, roc_auc_score

from .clustering import SIGN_TYPES
from .errors import ConfigError, DataError
from .metrics import METRICS, binary_metrics
from .paper import PAPER, TABLE3, TABLE3_COLUMNS
from .sign import (
    pain_sign,
    shannon_entropy,
    threshold_crossings,
    window_for_fps,
)
from .storage import atomic_path, find_artifact

#: Which sign type each synthetic scenario is meant to produce (painsign_utils.synthetic.SCENARIOS).
SCENARIO_TYPES: dict[str, str] = {
    "stable_rest": "stable",
    "stable_pain": "stable",
    "irregular": "irregular",
    "unstable": "unstable",
    "indeterminate": "indeterminate",
}


def paper_table3() -> pd.DataFrame:
    """The paper's Table 3 as a DataFrame (same column names as :func:`clustering.table3`)."""
    return pd.DataFrame(list(TABLE3), columns=list(TABLE3_COLUMNS))


# -- inference ------------------------------------------------------------------------------------


def label_to_int(labels: Iterable) -> np.ndarray:
    """``"pain"`` → 1, ``"nopain"`` → 0 (ints 0/1 pass through); anything else is a DataError."""
    out = []
    for v in labels:
        if v in ("pain", 1, True):
            out.append(1)
        elif v in ("nopain", "no pain", 0, False):
            out.append(0)
        else:
            raise DataError(f"unknown video label {v!r}; expected 'pain' or 'nopain'")
    return np.array(out, dtype=int)


def run_video_inference(
    videos: pd.DataFrame,
    best_models: pd.DataFrame,
    cache_dir: str | Path,
    resolve: Callable[[str], Path] = Path,
    loader: Callable | None = None,
    engine: Callable | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Per-frame probabilities of every video with every model's best checkpoint, cached per video.

    Parameters
    ----------
    videos : DataFrame
        Video manifest with columns ``path, detections`` (paths), one row per video, and optionally
        ``rotate`` (degrees clockwise the frames were turned before detection; passed to the engine).
    best_models : DataFrame
        ``training/best_models.csv``: ``model, checkpoint, threshold``.
    cache_dir : path
        Probabilities go to ``cache_dir/<model>/<video stem>.csv`` (reused when present).
    resolve : callable
        Maps a manifest path to a file (e.g. joins it with the data folder).
    loader, engine : callable, optional
        Defaults :func:`painsign_utils.models.load_checkpoint` and
        :func:`painsign_utils.inference.video_probabilities` (replaceable in tests).

    Returns
    -------
    DataFrame
        One row per (model, video): ``model, video, probs`` (path of the cached CSV with columns
        ``frame, time, prob``) and ``seconds`` (wall time of the inference; NaN when cached).
    """
    if loader is None:
        from .models import load_checkpoint as loader
    if engine is None:
        from .inference import video_probabilities as engine
    from .video import rotation
    for col in ("path", "detections"):
        if col not in videos.columns:
            raise DataError(f"video manifest lacks the {col!r} column")
    from .models import checkpoint_fingerprint
    from .storage import reset_if_changed

    rows = []
    for best in best_models.itertuples():
        # Probabilities cached with another checkpoint (an earlier training run) are not reused.
        ckpt = find_artifact(best.checkpoint) if resolve is Path else resolve(best.checkpoint)
        stamp = {"checkpoint": checkpoint_fingerprint(ckpt)}
        reset_if_changed(Path(cache_dir) / best.model, stamp, f"{best.model} probabilities")
        model = None  # loaded lazily: a fully cached run never builds the model
        for video in videos.itertuples():
            stem = Path(video.path).stem
            cache = Path(cache_dir) / best.model / f"{stem}.csv"
            # Each video's probabilities carry what they were computed from (the video file and
            # its detections): a replaced video or other detections recompute, the rest is reused.
            rot = rotation(getattr(video, "rotate", 0))
            key = _input_key(resolve(video.path), resolve(video.detections)) + (f"-rot{rot}" if rot else "")
            keyfile = cache.with_suffix(".key")
            if cache.exists() and (not keyfile.exists() or keyfile.read_text() != key):
                print(f"{best.model} probabilities of {stem}: recomputed (the video or its detections changed)")
                cache.unlink()
            elapsed = float("nan")
            if not cache.exists():
                model = model or loader(ckpt)
                dets = pd.read_csv(resolve(video.detections))
                start = time.perf_counter()
                # frames rotated as for the detections (the manifest's ``rotate``, iCOPEvid 90)
                engine(resolve(video.path), model, dets, cache=cache, progress=progress,
                       **({"rotate": rot} if rot else {}))
                elapsed = time.perf_counter() - start
                with atomic_path(keyfile) as tmp:
                    tmp.write_text(key)
            rows.append({"model": best.model, "video": stem, "probs": str(cache),
                         "seconds": elapsed})
    return pd.DataFrame(rows)


def _input_key(video: Path, detections: Path) -> str:
    """Digest of a video file's identity (path, size, mtime) and of its detections' content."""
    from .storage import file_key

    h = hashlib.sha1(json.dumps(file_key(video) if video.exists() else str(video), sort_keys=True).encode())
    h.update(detections.read_bytes() if detections.exists() else b"")
    return h.hexdigest()[:16]


# -- per-video summaries --------------------------------------------------------------------------


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
    sign = pain_sign(probs, int(window), mode=mode)
    if mode != "valid":
        return sign
    left = (int(window) - 1) // 2
    out = np.full(np.asarray(probs).shape[0], np.nan)
    out[left : left + sign.size] = sign
    return out


#: Video scores: ``sign_mean`` (authors: mean of the analysis sign), ``face_mean`` (causal: mean
#: probability over frames with a face).
VIDEO_SCORES: tuple[str, ...] = ("sign_mean", "face_mean")


def summarize_video(
    probs: pd.DataFrame, threshold: float, window: int | None = None, fps: float | None = None,
    seconds: float = 1.0, mode: str = "causal", video_score: str = "face_mean",
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
        raise ConfigError(f"unknown video score {video_score!r}; use one of {', '.join(VIDEO_SCORES)}")
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


def video_scores(summary: pd.DataFrame) -> pd.Series:
    """The video score column of a summary: ``score``, or ``mean_prob`` in tables older than it."""
    return summary["score"] if "score" in summary.columns else summary["mean_prob"]


def summarize_videos(
    runs: pd.DataFrame, videos: pd.DataFrame, thresholds: Mapping[str, float],
    window: int | None = None, seconds: float = 1.0, mode: str = "causal",
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
        rows.append({"model": run.model, "video": run.video, **meta.loc[run.video, keep].to_dict(),
                     "threshold": thr, **s})
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
    timed = runs.dropna(subset=["seconds"]).merge(summary[["model", "video", "duration_s"]],
                                                  on=["model", "video"])
    out = timed.groupby("model", sort=False).agg(
        videos=("video", "size"), video_s=("duration_s", "sum"), compute_s=("seconds", "sum"))
    out["realtime_factor"] = out["video_s"] / out["compute_s"]
    return out


def video_metrics(summary: pd.DataFrame) -> pd.DataFrame:
    """Accuracy, sensitivity, specificity, AUC per model from the video score (:func:`video_scores`).

    Returns
    -------
    DataFrame indexed by model with columns :data:`painsign_utils.metrics.METRICS` and ``n``.
    """
    rows = {}
    for model, g in summary.groupby("model", sort=False):
        m = binary_metrics(g["label"], video_scores(g), float(g["threshold"].iloc[0]))
        rows[model] = {**m, "n": len(g)}
    return pd.DataFrame.from_dict(rows, orient="index")


def table2_test(ours: pd.DataFrame, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Table 2 (test) with our numbers next to the paper's, as percentages.

    Parameters
    ----------
    ours : DataFrame
        :func:`video_metrics` output.
    names : mapping, optional
        Display names of models (e.g. ``figures.MODEL_NAMES``).

    Returns
    -------
    DataFrame, one row per metric; for each model the columns ``<name> (ours)`` and
    ``<name> (paper)`` hold strings like ``"66.7%"``.
    """
    names = names or {}
    table = {}
    for model in ours.index:
        name = names.get(model, model)
        table[f"{name} (ours)"] = [f"{100 * ours.loc[model, m]:.1f}%" for m in METRICS]
        paper = PAPER["table2_test"].get(model)
        table[f"{name} (paper)"] = [f"{100 * paper[m]:.1f}%" if paper else "–" for m in METRICS]
    return pd.DataFrame(table, index=[m.capitalize() if m != "auc" else "AUC" for m in METRICS])


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


# -- between-model agreement ----------------------------------------------------------------------


def cached_runs(cache_dir: str | Path, summary: pd.DataFrame) -> pd.DataFrame:
    """The ``model, video, probs`` table of :func:`run_video_inference` rebuilt from its cache."""
    pairs = summary[["model", "video"]].drop_duplicates()
    paths = [str(Path(cache_dir) / m / f"{v}.csv") for m, v in pairs.itertuples(index=False)]
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise DataError(f"{len(missing)} cached probability files are missing (e.g. {missing[0]}); "
                        "run chapter 3 first")
    return pairs.assign(probs=paths).reset_index(drop=True)


def load_signs(runs: pd.DataFrame, summary: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    """Per-frame ``frame, time, prob, sign`` for every summarized (model, video).

    Uses the window and sign mode recorded in ``summary`` (``window``, ``sign_mode``; causal when
    the column is absent) so the sign is the analysis sign the metrics were computed on, aligned
    to the frames by :func:`aligned_sign`: under ``valid`` the ``n - window + 1`` samples sit at
    their centre frames and the first ``(window - 1) // 2`` and last ``window // 2`` rows of
    ``sign`` are NaN.
    """
    rows = summary.set_index(["model", "video"])
    modes = rows["sign_mode"] if "sign_mode" in rows.columns else None
    out = {}
    for run in runs.itertuples():
        key = (run.model, run.video)
        if key not in rows.index:
            continue
        probs = pd.read_csv(run.probs)
        mode = str(modes[key]) if modes is not None else "causal"
        out[key] = probs.assign(sign=aligned_sign(probs["prob"].to_numpy(), int(rows["window"][key]), mode))
    return out


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson r over the samples where both are finite, NaN when either is constant there."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    if a.size < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def pearson_between_models(signs: Mapping[tuple[str, str], pd.DataFrame]) -> pd.DataFrame:
    """Pearson r between every pair of models' signs on each video (paper §3).

    The signs are :func:`load_signs`' aligned analysis signs; r is taken over the frames where both
    have a value (NaN padding of the ``valid`` sign left out). The summary's sd is ``np.std``
    (ddof 0), as the authors computed it.

    Returns
    -------
    DataFrame with columns ``video, model_a, model_b, r`` (r NaN where a sign is constant).
    """
    by_video: dict[str, dict[str, np.ndarray]] = {}
    for (model, video), df in signs.items():
        by_video.setdefault(video, {})[model] = df["sign"].to_numpy()
    rows = []
    for video, per_model in by_video.items():
        for a, b in itertools.combinations(sorted(per_model), 2):
            x, y = per_model[a], per_model[b]
            n = min(x.size, y.size)
            rows.append({"video": video, "model_a": a, "model_b": b, "r": _pearson(x[:n], y[:n])})
    return pd.DataFrame(rows, columns=["video", "model_a", "model_b", "r"])


def _mean_sd0(values: pd.Series) -> str:
    """``mean ± sd`` with ``np.std`` (ddof 0), as the authors reported Pearson r; NaN left out."""
    v = values.dropna().to_numpy(float)
    return f"{v.mean():.2f} ± {v.std():.2f}" if v.size else "–"


def pearson_summary(pairs: pd.DataFrame, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Mean ± sd (ddof 0, as the authors' ``np.std``) of r over videos per model pair, next to the paper's."""
    names = names or {}
    rows = []
    for (a, b), g in pairs.groupby(["model_a", "model_b"]):
        paper = PAPER["pearson_r"].get((a, b)) or PAPER["pearson_r"].get((b, a))
        rows.append({
            "pair": f"{names.get(a, a)} – {names.get(b, b)}",
            "r (ours)": _mean_sd0(g["r"]),
            "r (paper)": f"{paper[0]:.2f} ± {paper[1]:.2f}" if paper else "–",
            "videos": int(g["r"].notna().sum()),
            "r_mean": float(g["r"].mean()),
        })
    return pd.DataFrame(rows)


def same_type_fraction(summary: pd.DataFrame) -> float:
    """Fraction of videos that every model put in the same sign type (three-way agreement).

    Not the paper's "60 %": that is the *pairwise* rate (:func:`painsign_utils.clustering.pairwise_agreement`);
    in the authors' outputs all three models agree on 44.2 % of the videos.
    """
    wide = summary.pivot_table(index="video", columns="model", values="sign_type", aggfunc="first")
    wide = wide.dropna()
    if wide.empty:
        return float("nan")
    return float((wide.nunique(axis=1) == 1).mean())


# -- synthetic ground truth -----------------------------------------------------------------------


def truth_correlation(
    signs: Mapping[tuple[str, str], pd.DataFrame],
    truths: Mapping[str, pd.DataFrame],
    min_sd: float = 0.05,
    seconds: float = 1.0,
    mode: str = "causal",
) -> pd.DataFrame:
    """Per (model, video): Pearson r between the sign and the latent pain intensity.

    Two references: the raw intensity (``r``), and the intensity passed through the same causal
    one-second moving average as the sign (``r_smoothed``), which removes from the comparison what
    no one-second average can follow (its half-second delay and sub-second wiggles). A video counts
    as ``varying`` when its smoothed intensity has sd >= ``min_sd``: otherwise (calm, steady pain,
    or only sub-second jitter) there is no pattern for the sign to track and r measures noise;
    report medians over varying videos.

    Parameters
    ----------
    signs : mapping (model, video) → DataFrame ``frame, time, sign``
    truths : mapping video → per-frame truth ``frame, intensity``
    min_sd : float
        Smallest sd of the smoothed intensity for a video to count as varying.
    seconds : float
        Moving-average length used for the sign (1 s in the paper).
    mode : {"causal", "valid"}
        Sign mode of the signs; the intensity is smoothed the same way (aligned as in
        :func:`aligned_sign`) and frames where either has no value are left out.

    Returns
    -------
    DataFrame with ``model, video, r, r_smoothed, intensity_sd`` (of the smoothed intensity),
    ``varying``.
    """
    rows = []
    for (model, video), df in signs.items():
        if video not in truths:
            continue
        truth = truths[video].set_index("frame")["intensity"]
        intensity = truth.reindex(df["frame"].to_numpy()).to_numpy(dtype=float)
        ok = np.isfinite(intensity)
        rate = samples_per_second(df["time"].to_numpy())
        w = window_for_fps(rate, seconds)
        if ok.sum() < max(2, w if mode == "valid" else 2):
            continue
        smoothed = aligned_sign(intensity[ok], w, mode)
        sign = df["sign"].to_numpy()[ok]
        keep = np.isfinite(sign) & np.isfinite(smoothed)
        sign, smoothed, raw = sign[keep], smoothed[keep], intensity[ok][keep]
        if sign.size < 2:
            continue
        sd = float(np.std(smoothed))
        rows.append({"model": model, "video": video, "r": _pearson(sign, raw),
                     "r_smoothed": _pearson(sign, smoothed), "intensity_sd": sd,
                     "varying": sd >= min_sd})
    return pd.DataFrame(rows, columns=["model", "video", "r", "r_smoothed", "intensity_sd", "varying"])


def oracle_signs(
    signs: Mapping[tuple[str, str], pd.DataFrame],
    truths: Mapping[str, pd.DataFrame],
    seconds: float = 1.0,
    name: str = "perfect classifier",
    mode: str = "causal",
) -> dict[tuple[str, str], pd.DataFrame]:
    """Signs a perfect classifier would give: probability = latent intensity, same frames and gaps.

    For each video, the frames and the no-face gaps of the first model's table are kept and the
    probability replaced by the true intensity; the sign is then built exactly as for the models.
    Its r with the intensity is the ceiling that the one-second average allows. ``mode`` is the
    sign mode (the ``sign`` column is aligned as in :func:`aligned_sign`).

    Returns
    -------
    dict (name, video) → DataFrame ``frame, time, prob, sign``
    """
    out = {}
    for (_, video), df in signs.items():
        if video not in truths or (name, video) in out:
            continue
        truth = truths[video].set_index("frame")["intensity"]
        intensity = truth.reindex(df["frame"].to_numpy()).to_numpy(dtype=float)
        prob = np.where(np.isnan(df["prob"].to_numpy()), np.nan, intensity)
        if np.isnan(prob).all():
            continue
        w = window_for_fps(samples_per_second(df["time"].to_numpy()), seconds)
        out[(name, video)] = pd.DataFrame({"frame": df["frame"], "time": df["time"], "prob": prob,
                                           "sign": aligned_sign(prob, w, mode)})
    return out


def frame_level_auc(
    signs: Mapping[tuple[str, str], pd.DataFrame],
    truths: Mapping[str, pd.DataFrame],
    summary: pd.DataFrame | None = None,
    pain_cut: float = 0.5,
) -> pd.DataFrame:
    """Frame-level AUC against the per-frame truth (intensity >= ``pain_cut`` is pain).

    Per model, pooled over every analysed frame of every video: ``auc_prob`` scores frames with a
    face by their raw probability; ``auc_sign`` scores every frame where the sign has a value
    (all under ``causal``; not the NaN padding of the ``valid`` sign). With ``summary`` the
    video-level AUC (video score vs the video label) is added for comparison.
    """
    pooled: dict[str, list] = {}
    for (model, video), df in signs.items():
        if video not in truths:
            continue
        truth = truths[video].set_index("frame")["intensity"]
        intensity = truth.reindex(df["frame"].to_numpy()).to_numpy(dtype=float)
        pooled.setdefault(model, []).append((intensity, df["prob"].to_numpy(), df["sign"].to_numpy()))
    rows = []
    for model, parts in pooled.items():
        inten, prob, sign = (np.concatenate(x) for x in zip(*parts, strict=True))
        ok = np.isfinite(inten)
        y = (inten[ok] >= pain_cut).astype(int)
        face = ok & np.isfinite(prob)
        yf = (inten[face] >= pain_cut).astype(int)
        row = {
            "model": model,
            "frames": int(ok.sum()),
            "pain_frames": float(y.mean()) if y.size else float("nan"),
            "auc_prob": float(roc_auc_score(yf, prob[face])) if 0 < yf.sum() < yf.size else float("nan"),
            "auc_sign": _auc(inten, sign, pain_cut),
        }
        if summary is not None:
            g = summary[summary["model"] == model]
            row["auc_video"] = binary_metrics(g["label"], video_scores(g), 0.5)["auc"]
        rows.append(row)
    return pd.DataFrame(rows)


def _auc(intensity: np.ndarray, score: np.ndarray, pain_cut: float) -> float:
    """AUC of ``score`` against ``intensity >= pain_cut`` where both are finite (NaN: one class)."""
    ok = np.isfinite(intensity) & np.isfinite(score)
    y = (intensity[ok] >= pain_cut).astype(int)
    return float(roc_auc_score(y, score[ok])) if 0 < y.sum() < y.size else float("nan")


def scenario_agreement(
    summary: pd.DataFrame, n_perm: int = 2000, seed: int = 0,
    mapping: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """How well sign types recover the generated scenarios, per model.

    ``ari`` is the adjusted Rand index between ``sign_type`` and ``scenario`` (0 = chance, 1 =
    identical partitions; the two stable scenarios count as different here, which caps it below
    1). ``ari_expected`` compares with the type each scenario is meant to produce
    (:data:`SCENARIO_TYPES`). ``p_perm`` is the permutation p-value of ``ari``: the share of
    ``n_perm`` label shufflings with an ARI at least as high (with the +1 correction).
    ``agreement`` is the fraction of videos whose type is the expected one.

    Under ``protocol: authors`` indeterminate is an overlay flag (a boolean ``indeterminate``
    column beside three cluster types). Then a video of a scenario meant to be indeterminate counts
    as recovered when it is flagged, any other video when its cluster type is the expected one;
    the ARIs use the flag as a label (flagged videos form their own group, as under ``causal``).
    Without that column (``causal``) ``sign_type`` is used as it is.
    """
    mapping = dict(mapping or SCENARIO_TYPES)
    rng = np.random.default_rng(seed)
    rows = []
    for model, g in summary.groupby("model", sort=False):
        scen = g["scenario"].astype(str).to_numpy()
        types = g["sign_type"].astype(str).to_numpy()
        expected = np.array([mapping.get(s, s) for s in scen])
        hit = expected == types
        if "indeterminate" in g.columns and g["indeterminate"].dtype == bool:
            flag = g["indeterminate"].to_numpy(bool)
            hit = np.where(expected == "indeterminate", flag, hit)
            types = np.where(flag, "indeterminate", types)
        ari = adjusted_rand_score(scen, types)
        null = np.array([adjusted_rand_score(scen, rng.permutation(types)) for _ in range(n_perm)])
        rows.append({
            "model": model,
            "videos": len(g),
            "ari": float(ari),
            "ari_expected": float(adjusted_rand_score(expected, types)),
            "ari_null_95": float(np.quantile(null, 0.95)),
            "p_perm": float((1 + (null >= ari).sum()) / (1 + n_perm)),
            "agreement": float(hit.mean()),
        })
    return pd.DataFrame(rows)


# -- long recordings ------------------------------------------------------------------------------


def segment_types(
    sign: np.ndarray, threshold: float, rate: float, classify: Callable[[pd.DataFrame], np.ndarray],
    segment_s: float = 20.0, step_s: float | None = None,
) -> pd.DataFrame:
    """Classify a long sign in segments as long as the videos the classifier was fitted on.

    Entropy and crossings grow with the length of the stretch they are computed on, so a
    classifier fitted on 20-s videos is only meaningful on 20-s pieces: the sign is cut into
    segments of ``segment_s`` seconds every ``step_s`` (default: no overlap), counted back from the
    end of the recording.

    Parameters
    ----------
    sign : array, shape (n,)
        The pain sign (already interpolated and smoothed over the whole recording).
    threshold : float
    rate : float
        Samples per second.
    classify : callable
        Maps a DataFrame with ``entropy, crossings`` to sign types (``SignTypeClassifier.predict``).

    Returns
    -------
    DataFrame with ``start_s, end_s, mean, entropy, crossings, sign_type`` per segment.
    """
    sign = np.asarray(sign, dtype=float)
    seg = max(2, int(round(segment_s * rate)))
    step = max(1, int(round((step_s or segment_s) * rate)))
    if sign.size < seg:
        raise DataError(f"recording of {sign.size / rate:.1f} s is shorter than one {segment_s:g}-s segment")
    rows = []
    # Aligned to the end: the newest segment always ends at the last sample, as on a monitor; a
    # remainder shorter than a segment at the very start is left out.
    starts = range(sign.size - seg, -1, -step)[::-1]
    for start in starts:
        piece = sign[start : start + seg]
        rows.append({"start_s": start / rate, "end_s": (start + seg) / rate,
                     "mean": float(piece.mean()), "entropy": shannon_entropy(piece),
                     "crossings": threshold_crossings(piece, threshold)})
    out = pd.DataFrame(rows)
    out["sign_type"] = classify(out[["entropy", "crossings"]])
    return out


def horizon_summary(
    sign: np.ndarray, threshold: float, rate: float, segments: pd.DataFrame,
    horizons: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """What a monitor would show for the last minute, last hour, ... of a recording (paper §4).

    Parameters
    ----------
    sign : array, shape (n,)
    threshold : float
    rate : float
        Samples per second.
    segments : DataFrame
        :func:`segment_types` output for the same sign.
    horizons : mapping name → seconds, default ``{"last minute": 60, "last hour": 3600}``;
        a horizon longer than the recording covers the whole recording (``covered_s`` says how much).

    Returns
    -------
    DataFrame, one row per horizon: ``horizon, covered_s, mean, time_above, crossings_per_min,
    segments, dominant_type`` and the share of each sign type among the segments inside it.
    """
    horizons = horizons or {"last minute": 60.0, "last hour": 3600.0}
    sign = np.asarray(sign, dtype=float)
    end_s = sign.size / rate
    rows = []
    for name, seconds in horizons.items():
        n = min(sign.size, int(round(seconds * rate)))
        piece = sign[-n:]
        inside = segments[segments["start_s"] >= end_s - seconds - 1e-9]
        shares = inside["sign_type"].value_counts(normalize=True)
        rows.append({
            "horizon": name,
            "covered_s": n / rate,
            "mean": float(piece.mean()),
            "time_above": float((piece >= threshold).mean()),
            "crossings_per_min": threshold_crossings(piece, threshold) / (n / rate) * 60,
            "segments": len(inside),
            "dominant_type": shares.index[0] if len(shares) else "–",
            **{f"share_{t}": float(shares.get(t, 0.0)) for t in SIGN_TYPES},
        })
    return pd.DataFrame(rows)


def long_recording(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Join per-frame probability tables end to end into one recording with continuous time.

    Used when the data set has no video longer than 20 s: consecutive videos of one newborn are
    concatenated to stand in for a long bedside recording (the book says so). The sign is then
    computed over the joined series, as a monitor running across the recordings would.
    """
    out, offset_t, offset_f = [], 0.0, 0
    for df in parts:
        t = df["time"].to_numpy(dtype=float)
        f = df["frame"].to_numpy(dtype=int)
        dt = 1.0 / samples_per_second(t)
        df_step = int(np.median(np.diff(f))) if f.size > 1 else 1
        out.append(df.assign(time=t - t[0] + offset_t, frame=f - f[0] + offset_f))
        # the next part starts one sample after this one ends
        offset_t = float(out[-1]["time"].iloc[-1]) + dt
        offset_f = int(out[-1]["frame"].iloc[-1]) + df_step
    if not out:
        raise DataError("no recording to join")
    return pd.concat(out, ignore_index=True)
