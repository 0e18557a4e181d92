"""Uncertainty of a pain probability: MC-dropout, fold ensembles, and what the spread is good for.

* :func:`mc_dropout` — the model's own dropout left on at prediction, ``passes`` samples per crop.
  The part of the network before the first active dropout
  (:meth:`~painsign_utils.models.PainModel.stochastic_split`: VGG-Face's and ViT-B/16's frozen
  backbone, N-CNN's three branches) runs once per batch and only the rest is sampled; the result
  equals full passes with the same random stream, at a fraction of the cost.
* :func:`ensemble` — the fold models of one architecture; models that share their frozen part (the
  folds of a head-only model) share its output too.
* :func:`error_auroc`, :func:`risk_coverage`, :func:`reject_band` — does the spread point at the
  wrong frames, and what does abstaining on uncertain frames buy? :func:`frame_scores` — all of
  them for one model's samples.
* :func:`frame_crops` — the face crops of a few frames a second of every test video, to sample.

Every per-frame function takes crops or per-frame arrays, so a monitor can call it frame by frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import roc_auc_score
from torch import nn

from .errors import ConfigError, DataError
from .models import PainModel
from .models.base import active_dropouts
from .runtime import progress as tqdm


def _batches(n: int, size: int) -> list[slice]:
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


@torch.no_grad()
def mc_dropout(
    model: PainModel,
    crops: Sequence[np.ndarray] | np.ndarray,
    passes: int = 10,
    seed: int = 0,
    batch_size: int = 64,
    shortcut: bool = True,
    desc: str | None = None,
) -> np.ndarray:
    """Pain probabilities of ``passes`` stochastic forward passes with dropout on.

    Parameters
    ----------
    model : PainModel
    crops : sequence of uint8 arrays (H, W, 3), or one array (N, H, W, 3)
        Face crops, as :meth:`~painsign_utils.models.PainModel.predict_proba` takes them.
    passes : int
        Samples per crop (the authors used 50).
    seed : int
        Seeds the dropout masks.
    batch_size : int
    shortcut : bool
        Run the deterministic prefix of :meth:`~painsign_utils.models.PainModel.stochastic_split`
        once per batch and only the rest per pass (the same numbers as full passes, which
        ``shortcut=False`` forces).
    desc : str, optional
        Show a progress bar over the batches with this label.

    Returns
    -------
    ndarray, shape (passes, N): probabilities of each pass. ``.mean(0)`` and ``.std(0)`` are the
    per-frame mean and standard deviation.
    """
    if passes < 1:
        raise ConfigError(f"passes must be >= 1, got {passes}")
    n = len(crops)
    if n == 0:
        raise DataError("no face crops to score")
    was_training = model.training
    model.eval()
    for d in active_dropouts(model):
        d.train()  # only dropout is switched on; nothing else here has a training mode
    prefix, rest = model.stochastic_split() if shortcut else (nn.Identity(), model)
    out = np.empty((passes, n), np.float32)
    gen_state = torch.get_rng_state()
    try:
        torch.manual_seed(seed)
        for sl in tqdm(_batches(n, batch_size), desc=desc, disable=desc is None, leave=False):
            x = model.preprocess(crops[sl])
            feats = prefix(x)
            for k in range(passes):
                logits = rest(feats)
                out[k, sl] = torch.sigmoid(logits.reshape(-1)).float().cpu().numpy()
    finally:
        torch.set_rng_state(gen_state)
        model.train(was_training)
    return out


def _frozen_only(model: PainModel) -> list[torch.Tensor]:
    """Parameters and buffers of the frozen part of phase 1 that the trainable part does not hold
    (a frozen wrapper may hold the whole network, head included: ViT)."""
    frozen, trainable = model.split(1)
    own = {id(t) for t in [*trainable.parameters(), *trainable.buffers()]}
    return [t for t in [*frozen.parameters(), *frozen.buffers()] if id(t) not in own]


def _same_frozen(a: PainModel, b: PainModel) -> bool:
    fa, fb = _frozen_only(a), _frozen_only(b)
    return len(fa) == len(fb) and all(
        x.shape == y.shape and torch.equal(x, y) for x, y in zip(fa, fb, strict=True)
    )


@torch.no_grad()
def ensemble(
    models: Sequence[PainModel],
    crops: Sequence[np.ndarray] | np.ndarray,
    batch_size: int = 64,
    desc: str | None = None,
) -> np.ndarray:
    """Pain probabilities of each model of an ensemble (e.g. the fold models), dropout off.

    Models whose frozen part holds the same weights as the first model's (the folds of a head-only
    model) reuse its frozen output: exact, and one backbone pass instead of one per model.
    ``desc`` shows a progress bar over the batches.

    Returns
    -------
    ndarray, shape (n_models, N).
    """
    if not models:
        raise DataError("an ensemble needs at least one model")
    n = len(crops)
    if n == 0:
        raise DataError("no face crops to score")
    for m in models:
        m.eval()
    first_frozen = models[0].split(1)[0]
    shared = [i > 0 and _same_frozen(models[0], m) for i, m in enumerate(models)]
    out = np.empty((len(models), n), np.float32)
    for sl in tqdm(_batches(n, batch_size), desc=desc, disable=desc is None, leave=False):
        x = models[0].preprocess(crops[sl])
        feats = first_frozen(x)
        for i, m in enumerate(models):
            if i == 0 or shared[i]:
                logits = m.split(1)[1](feats)
            else:
                logits = m(m.preprocess(crops[sl]))
            out[i, sl] = torch.sigmoid(logits.reshape(-1)).float().cpu().numpy()
    return out


def _check_frames(*arrays: Sequence) -> list[np.ndarray]:
    out = [np.asarray(a, dtype=float).ravel() for a in arrays]
    if len({a.size for a in out}) != 1:
        raise DataError(f"per-frame arrays differ in length: {[a.size for a in out]}")
    if out[0].size == 0:
        raise DataError("no frames to score")
    if any(not np.isfinite(a).all() for a in out):
        raise DataError("per-frame arrays hold NaN or infinite values; drop frames without a face")
    return out


def error_auroc(y: Sequence, p: Sequence, spread: Sequence, threshold: float = 0.5) -> float:
    """AUROC of ``spread`` for telling wrong frames (``(p >= threshold) != y``) from right ones.

    0.5: the spread says nothing about errors; 1: every wrong frame is more uncertain than every
    right one. NaN when every frame is right (or every one wrong).
    """
    y_arr, p_arr, s_arr = _check_frames(y, p, spread)
    wrong = ((p_arr >= threshold).astype(int) != y_arr.astype(int)).astype(int)
    if wrong.min() == wrong.max():
        return float("nan")
    return float(roc_auc_score(wrong, s_arr))


def risk_coverage(
    y: Sequence, p: Sequence, spread: Sequence, threshold: float = 0.5
) -> pd.DataFrame:
    """Risk (error rate of the frames kept) against coverage (share kept), most certain first.

    Returns
    -------
    DataFrame with columns ``coverage, risk, spread_cut`` (keep frames with spread <= the cut), one
    row per distinct cut, coverage increasing to 1.
    """
    y_arr, p_arr, s_arr = _check_frames(y, p, spread)
    wrong = (p_arr >= threshold).astype(int) != y_arr.astype(int)
    order = np.argsort(s_arr, kind="stable")
    s_sorted, errors = s_arr[order], np.cumsum(wrong[order])
    last = np.r_[np.flatnonzero(np.diff(s_sorted) > 0), s_sorted.size - 1]  # end of each tie run
    kept = last + 1
    return pd.DataFrame(
        {"coverage": kept / s_arr.size, "risk": errors[last] / kept, "spread_cut": s_sorted[last]}
    )


def reject_band(
    y: Sequence, p: Sequence, low: float = 0.2, high: float = 0.8, threshold: float = 0.5
) -> dict[str, float]:
    """The authors' reject band θ2: abstain on frames with ``low < p < high``.

    Returns
    -------
    dict with ``coverage`` (share of frames outside the band), ``risk`` (error rate of those) and
    ``risk_all`` (error rate without abstaining).
    """
    if not 0 <= low <= high <= 1:
        raise ConfigError(f"the reject band needs 0 <= low <= high <= 1, got {low}, {high}")
    y_arr, p_arr = _check_frames(y, p)
    wrong = (p_arr >= threshold).astype(int) != y_arr.astype(int)
    keep = (p_arr <= low) | (p_arr >= high)
    return {
        "coverage": float(keep.mean()),
        "risk": float(wrong[keep].mean()) if keep.any() else float("nan"),
        "risk_all": float(wrong.mean()),
    }


def spread_threshold(spread: Sequence, coverage: float) -> float:
    """The spread cut θ3 that keeps ``coverage`` of the frames (chosen on the validation folds)."""
    if not 0 < coverage <= 1:
        raise ConfigError(f"coverage must be in (0, 1], got {coverage}")
    (s_arr,) = _check_frames(spread)
    return float(np.quantile(s_arr, coverage))


def frame_crops(
    videos: pd.DataFrame, interval_s: float | None = 1.0
) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Face crops of the analysed frames nearest to every ``interval_s`` seconds of each video.

    Parameters
    ----------
    videos : DataFrame
        ``faces/videos.csv`` of chapter 01: ``path, detections, fps`` and optionally ``rotate``.
    interval_s : float or None
        None: every analysed frame with a face.

    Returns
    -------
    frames : DataFrame
        ``video, frame, time`` of each crop (frames without a face are left out).
    crops : list of uint8 arrays (256, 256, 3), one per row of ``frames``.
    """
    from .explain.videos import frames_at_interval, read_face_crops
    from .video import rotation

    if interval_s is not None and interval_s <= 0:
        raise ConfigError(f"interval_s must be positive, got {interval_s}")
    rows, crops = [], []
    for v in tqdm(list(videos.itertuples()), desc="face crops of the sampled frames", leave=False):
        dets = pd.read_csv(v.detections)
        picks = dets if interval_s is None else frames_at_interval(dets, float(v.fps), interval_s)
        picks = picks[picks["found"].astype(bool)].reset_index(drop=True)
        if picks.empty:
            continue
        rot = rotation(getattr(v, "rotate", 0))
        for (_, pick), crop in zip(
            picks.iterrows(), read_face_crops(v.path, picks, rotate=rot), strict=True
        ):
            if crop is not None:
                rows.append(
                    {
                        "video": Path(v.path).stem,
                        "frame": int(pick["frame"]),
                        "time": float(pick["time"]),
                    }
                )
                crops.append(crop)
    if not crops:
        raise DataError("no test video has a face at the chosen frames")
    return pd.DataFrame(rows), crops


def frame_scores(
    y: Sequence,
    samples: np.ndarray,
    threshold: float = 0.5,
    band: tuple[float, float] = (0.2, 0.8),
    theta3: float | None = None,
    groups: Sequence | None = None,
) -> dict[str, float]:
    """Everything chapter 11 asks of one model's samples: do they find the wrong frames?

    Parameters
    ----------
    y : array-like, shape (n,)
        The frames' true labels (0/1).
    samples : ndarray, shape (k, n)
        ``k`` sampled probabilities per frame (MC-dropout passes or ensemble members); the
        prediction is their mean, the spread their standard deviation.
    threshold : float
        The model's threshold.
    band : (low, high)
        The authors' reject band θ2 (:func:`reject_band`).
    theta3 : float, optional
        A spread cut chosen elsewhere (:func:`spread_threshold`): keep frames with spread <= it.
        None: its columns are NaN.
    groups : array-like, shape (n,), optional
        A group per frame (e.g. the scenario): adds ``spread_<group>``, the mean spread of each.

    Returns
    -------
    dict: ``samples, frames, error_auroc, risk_all, coverage_theta2, risk_theta2, theta3,
    coverage_theta3, risk_theta3`` and the ``spread_<group>`` entries.
    """
    s = np.asarray(samples)
    if not np.issubdtype(s.dtype, np.floating):
        s = s.astype(
            float
        )  # float32 samples keep their precision: the mean and std the models give
    if s.ndim != 2:
        raise DataError(f"samples must have shape (k, n), got {s.shape}")
    y_arr, p, spread = _check_frames(y, s.mean(0), s.std(0))
    wrong = (p >= threshold).astype(int) != y_arr.astype(int)
    rej = reject_band(y_arr, p, band[0], band[1], threshold)
    out = {
        "samples": int(s.shape[0]),
        "frames": int(y_arr.size),
        "error_auroc": error_auroc(y_arr, p, spread, threshold),
        "risk_all": rej["risk_all"],
        "coverage_theta2": rej["coverage"],
        "risk_theta2": rej["risk"],
        "theta3": np.nan,
        "coverage_theta3": np.nan,
        "risk_theta3": np.nan,
    }
    if theta3 is not None:
        kept = spread <= theta3
        out["theta3"] = float(theta3)
        out["coverage_theta3"] = float(kept.mean())
        out["risk_theta3"] = float(wrong[kept].mean()) if kept.any() else np.nan
    if groups is not None:
        g = np.asarray(groups)
        if g.shape != y_arr.shape:
            raise DataError(f"groups has {g.size} values but there are {y_arr.size} frames")
        for name in dict.fromkeys(g.tolist()):
            out[f"spread_{name}"] = float(spread[g == name].mean())
    return out
