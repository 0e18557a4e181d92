"""Recalibration maps, fitted on the validation folds and applied to the test frames.

Each is a small object with ``fit(y, p)`` and ``transform(p)`` (shapes (n,)): :class:`Temperature`
(Guo et al. 2017), :class:`Platt` and :class:`Isotonic`, and :class:`Identity` for the raw
probabilities; :func:`fit` builds one by name (:data:`METHODS`). :func:`recalibrated_summary`
recomputes a build's video summary (sign, entropy, crossings, video scores) through a map. The
scores that judge them are in :mod:`painsign_utils.calibration`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from .calibration import PROB_EPS, logit, sigmoid, validate
from .errors import ConfigError, DataError

#: Recalibration methods of :func:`fit`; "raw" is the identity (no recalibration).
METHODS: tuple[str, ...] = ("raw", "temperature", "platt", "isotonic")


class Identity:
    """The raw probabilities (the baseline every recalibration is compared with)."""

    method = "raw"

    def fit(self, y: Sequence, p: Sequence) -> Identity:
        validate(y, p)
        return self

    def transform(self, p: Sequence[float] | np.ndarray) -> np.ndarray:
        """Probabilities unchanged, as floats, shape as ``p``."""
        return np.asarray(p, dtype=float)


class Temperature(Identity):
    """Temperature scaling: ``sigmoid(logit(p) / T)``, one parameter fitted by likelihood.

    ``T > 1`` softens over-confident probabilities, ``T < 1`` sharpens timid ones; the order of
    the frames, and so every AUC, stays the same.

    Attributes
    ----------
    temperature_ : float
    """

    method = "temperature"

    def fit(self, y: Sequence, p: Sequence) -> Temperature:
        y_arr, p_arr = validate(y, p)
        z = logit(p_arr)

        def loss(log_t: float) -> float:
            q = np.clip(sigmoid(z / np.exp(log_t)), PROB_EPS, 1 - PROB_EPS)
            return float(-(y_arr * np.log(q) + (1 - y_arr) * np.log1p(-q)).mean())

        res = minimize_scalar(loss, bounds=(-5.0, 5.0), method="bounded", options={"xatol": 1e-8})
        self.temperature_ = float(np.exp(res.x))
        return self

    def transform(self, p: Sequence[float] | np.ndarray) -> np.ndarray:
        return sigmoid(logit(p) / self.temperature_)


class Platt(Identity):
    """Platt scaling: a logistic regression on ``logit(p)`` (slope and intercept).

    Attributes
    ----------
    slope_, intercept_ : float
    """

    method = "platt"

    def fit(self, y: Sequence, p: Sequence) -> Platt:
        y_arr, p_arr = validate(y, p)
        if y_arr.min() == y_arr.max():
            raise DataError("Platt scaling needs both pain and no-pain samples")
        lr = LogisticRegression(C=np.inf).fit(logit(p_arr)[:, None], y_arr)
        self.slope_, self.intercept_ = float(lr.coef_[0, 0]), float(lr.intercept_[0])
        return self

    def transform(self, p: Sequence[float] | np.ndarray) -> np.ndarray:
        return sigmoid(self.intercept_ + self.slope_ * logit(p))


class Isotonic(Identity):
    """Isotonic regression of the label on the probability (a non-decreasing step function)."""

    method = "isotonic"

    def fit(self, y: Sequence, p: Sequence) -> Isotonic:
        y_arr, p_arr = validate(y, p)
        self.iso_ = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(p_arr, y_arr)
        return self

    def transform(self, p: Sequence[float] | np.ndarray) -> np.ndarray:
        arr = np.asarray(p, dtype=float)
        return self.iso_.predict(arr.ravel()).reshape(arr.shape)


_CLASSES = {c.method: c for c in (Identity, Temperature, Platt, Isotonic)}


def fit(method: str, y: Sequence, p: Sequence) -> Identity:
    """A recalibration map of ``method`` (:data:`METHODS`) fitted on ``y, p``.

    >>> round(fit("temperature", [0, 0, 1, 1], [0.4, 0.45, 0.55, 0.6]).temperature_, 2) < 1
    True
    """
    if method not in _CLASSES:
        raise ConfigError(f"unknown recalibration {method!r}; use one of {', '.join(METHODS)}")
    return _CLASSES[method]().fit(y, p)


def recalibrated_summary(
    runs: pd.DataFrame, summary: pd.DataFrame, maps: dict[str, Identity]
) -> pd.DataFrame:
    """``video_summary`` recomputed with every probability, and the threshold, passed through a map.

    Parameters
    ----------
    runs : DataFrame
        ``model, video, probs`` (path of the per-frame CSV).
    summary : DataFrame
        The build's ``video_summary.csv``: its ``threshold``, ``window``, ``sign_mode`` and
        ``video_score`` are kept, so only the probabilities differ.
    maps : dict model → fitted recalibration map

    Returns
    -------
    DataFrame shaped like ``summary`` (same rows and columns) with ``threshold``, ``score``,
    ``prediction``, ``mean_prob``, ``sign_mean``, ``entropy`` and ``crossings`` recomputed.

    Notes
    -----
    A map that keeps the order (temperature, Platt; isotonic up to ties) moves the threshold with
    the probabilities, so the crossings stay the same; the entropy, read on fixed bins of [0, 1],
    and the video scores move.
    """
    from .evaluation import summarize_video

    paths = {(r.model, r.video): r.probs for r in runs.itertuples()}
    rows = []
    for row in summary.to_dict("records"):
        cal = maps[row["model"]]
        probs = pd.read_csv(paths[row["model"], row["video"]])
        p = probs["prob"].to_numpy(dtype=float, copy=True)
        face = np.isfinite(p)
        p[face] = cal.transform(p[face])
        thr = float(cal.transform(np.array([row["threshold"]]))[0])
        new = summarize_video(
            probs.assign(prob=p),
            thr,
            window=int(row["window"]),
            mode=str(row["sign_mode"]),
            video_score=str(row["video_score"]),
        )
        rows.append({**row, "threshold": thr, **{k: new[k] for k in _RECOMPUTED}})
    return pd.DataFrame(rows, columns=summary.columns)


_RECOMPUTED = ("score", "prediction", "mean_prob", "sign_mean", "entropy", "crossings")
