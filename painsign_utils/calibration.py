"""Calibration of pain probabilities: does 0.7 mean "70 % of such frames are pain"?

Scores (each a plain function of labels ``y`` and probabilities ``p``, shape (n,)):
:func:`ece` with equal-width or equal-mass bins, :func:`mce`, :func:`brier`, :func:`nll`, and
:func:`slope_intercept` (the logistic calibration slope, and the calibration intercept with the
slope fixed at 1, as Van Calster et al. 2019 define them). :func:`reliability_table` gives the
points of a reliability diagram; :func:`report` all the scores at once with bootstrap intervals that
resample whole newborns (frames of one newborn are not independent).

The recalibration maps fitted on the validation folds are in :mod:`painsign_utils.recalibration`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, log_loss

from .errors import ConfigError, DataError
from .metrics import validate_binary

#: Binning strategies of :func:`ece`: equal-width bins on [0, 1], or bins of equal counts.
STRATEGIES: tuple[str, ...] = ("width", "mass")
#: Scores of :func:`report`, in column order.
SCORES: tuple[str, ...] = ("ece_width", "ece_mass", "mce", "brier", "nll", "slope", "intercept")

#: Probabilities are kept this far from 0 and 1 before taking logits or logs.
PROB_EPS = 1e-6


def logit(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """``log(p / (1 - p))`` with ``p`` clipped to [1e-6, 1 - 1e-6], shape as ``p``."""
    q = np.clip(np.asarray(p, dtype=float), PROB_EPS, 1 - PROB_EPS)
    return np.log(q) - np.log1p(-q)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))``, shape as ``z``."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free


def _bins(p: np.ndarray, n_bins: int, strategy: str) -> np.ndarray:
    """Bin index of each probability, shape (n,)."""
    if n_bins < 1:
        raise ConfigError(f"n_bins must be >= 1, got {n_bins}")
    if strategy == "width":
        return np.minimum((p * n_bins).astype(int), n_bins - 1)
    if strategy == "mass":
        # Sorted order split into n_bins groups whose sizes differ by at most one.
        idx = np.empty(p.size, int)
        for b, part in enumerate(np.array_split(np.argsort(p, kind="stable"), n_bins)):
            idx[part] = b
        return idx
    raise ConfigError(f"unknown binning {strategy!r}; use one of {', '.join(STRATEGIES)}")


def _binned(
    y: np.ndarray, p: np.ndarray, n_bins: int, strategy: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Index, count, mean probability and share of pain of each non-empty bin (NumPy only: the
    bootstrap calls this hundreds of times)."""
    b = _bins(p, n_bins, strategy)
    count = np.bincount(b, minlength=n_bins)
    used = np.flatnonzero(count)
    n = count[used]
    mean_p = np.bincount(b, weights=p, minlength=n_bins)[used] / n
    frac = np.bincount(b, weights=y, minlength=n_bins)[used] / n
    return used, n, mean_p, frac


def reliability_table(
    y: Sequence, p: Sequence, n_bins: int = 10, strategy: str = "width"
) -> pd.DataFrame:
    """Points of a reliability diagram: one row per non-empty bin.

    Parameters
    ----------
    y : array-like, shape (n,)
        1 for pain, 0 for no pain.
    p : array-like, shape (n,)
        Predicted pain probabilities.
    n_bins : int
    strategy : {"width", "mass"}
        Equal-width bins on [0, 1], or bins holding equal numbers of samples.

    Returns
    -------
    DataFrame with columns ``bin, count, mean_prob`` (confidence) ``, frac_pain`` (observed
    frequency) and ``gap`` (``frac_pain - mean_prob``).

    Examples
    --------
    >>> reliability_table([0, 1, 1, 1], [0.1, 0.9, 0.9, 0.7], n_bins=2).round(3).values.tolist()
    [[0.0, 1.0, 0.1, 0.0, -0.1], [1.0, 3.0, 0.833, 1.0, 0.167]]
    """
    y_arr, p_arr = validate_binary(y, p)
    used, n, mean_p, frac = _binned(y_arr, p_arr, n_bins, strategy)
    return pd.DataFrame(
        {"bin": used, "count": n, "mean_prob": mean_p, "frac_pain": frac, "gap": frac - mean_p}
    )


def ece(y: Sequence, p: Sequence, n_bins: int = 10, strategy: str = "width") -> float:
    """Expected calibration error: the count-weighted mean of ``|frac_pain - mean_prob|`` over bins.

    >>> ece([0, 1], [0.2, 0.8], n_bins=10)
    0.2
    """
    y_arr, p_arr = validate_binary(y, p)
    _, n, mean_p, frac = _binned(y_arr, p_arr, n_bins, strategy)
    return round(float((n * np.abs(frac - mean_p)).sum() / n.sum()), 12)


def mce(y: Sequence, p: Sequence, n_bins: int = 10, strategy: str = "width") -> float:
    """Maximum calibration error: the largest ``|frac_pain - mean_prob|`` of a non-empty bin."""
    y_arr, p_arr = validate_binary(y, p)
    _, _, mean_p, frac = _binned(y_arr, p_arr, n_bins, strategy)
    return float(np.abs(frac - mean_p).max())


def brier(y: Sequence, p: Sequence) -> float:
    """Brier score, the mean of ``(p - y)²`` (scikit-learn's ``brier_score_loss``)."""
    y_arr, p_arr = validate_binary(y, p)
    return float(brier_score_loss(y_arr, p_arr))


def nll(y: Sequence, p: Sequence) -> float:
    """Mean negative log-likelihood in nats, probabilities clipped to [1e-6, 1 - 1e-6]."""
    y_arr, p_arr = validate_binary(y, p)
    return float(log_loss(y_arr, np.clip(p_arr, PROB_EPS, 1 - PROB_EPS), labels=[0, 1]))


def _logistic(z: np.ndarray, y: np.ndarray, slope: bool) -> tuple[float, float]:
    """Maximum-likelihood ``(a, b)`` of ``logit P(y=1) = a + b·z`` by damped Newton steps (``b``
    held at 1 when ``slope`` is False); the estimate of scikit-learn's unpenalized
    ``LogisticRegression``, without its overhead in the bootstrap."""

    def loglik(a: float, b: float) -> float:
        t = a + b * z
        return float(np.sum(y * t - np.logaddexp(0.0, t)))

    a, b = 0.0, 1.0
    X = np.column_stack([np.ones_like(z), z])
    ll = loglik(a, b)
    for _ in range(100):
        q = sigmoid(a + b * z)
        w = q * (1 - q) + 1e-12
        if slope:
            step = np.linalg.lstsq(X.T @ (X * w[:, None]), X.T @ (y - q), rcond=None)[0]
        else:
            step = np.array([(y - q).sum() / float(w.sum()), 0.0])
        for _ in range(40):  # halve the step until the likelihood does not fall
            new = loglik(a + step[0], b + step[1])
            if new >= ll - 1e-12:
                break
            step = step / 2
        a, b, ll = a + step[0], b + step[1], new
        if np.abs(step).max() < 1e-9:
            break
    return float(a), float(b)


def slope_intercept(y: Sequence, p: Sequence) -> tuple[float, float]:
    """Calibration slope and calibration intercept (Van Calster et al. 2019).

    The slope is ``b`` of the logistic fit ``logit P(y=1) = a + b·logit(p)``: 1 when the
    probabilities are as spread as they should be, below 1 when they are too extreme. The intercept
    is ``a`` with ``b`` fixed at 1 ("calibration in the large"): 0 when the probabilities are right on
    average, negative when they are too high. NaN when ``y`` holds a single class.
    """
    y_arr, p_arr = validate_binary(y, p)
    if y_arr.min() == y_arr.max():
        return float("nan"), float("nan")
    z = logit(p_arr)
    return _logistic(z, y_arr, slope=True)[1], _logistic(z, y_arr, slope=False)[0]


def scores(y: Sequence, p: Sequence, n_bins: int = 10) -> dict[str, float]:
    """Every score of :data:`SCORES` for one set of labels and probabilities."""
    y_arr, p_arr = validate_binary(y, p)
    slope, intercept = slope_intercept(y_arr, p_arr)
    _, n, mean_p, frac = _binned(y_arr, p_arr, n_bins, "width")
    q = np.clip(p_arr, PROB_EPS, 1 - PROB_EPS)
    return {
        "ece_width": round(float((n * np.abs(frac - mean_p)).sum() / n.sum()), 12),
        "ece_mass": ece(y_arr, p_arr, n_bins, "mass"),
        "mce": float(np.abs(frac - mean_p).max()),
        "brier": float(np.mean((p_arr - y_arr) ** 2)),
        "nll": float(-np.mean(y_arr * np.log(q) + (1 - y_arr) * np.log1p(-q))),
        "slope": slope,
        "intercept": intercept,
    }


def report(
    y: Sequence,
    p: Sequence,
    groups: Sequence | None = None,
    n_bins: int = 10,
    n_boot: int = 200,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, float]:
    """:func:`scores` with bootstrap confidence intervals resampled by group (newborn).

    Parameters
    ----------
    y, p : array-like, shape (n,)
    groups : array-like, shape (n,), optional
        The newborn of each sample; each bootstrap draw takes whole newborns with replacement.
        Default: each sample its own group.
    n_bins : int
        Bins of the ECE and MCE.
    n_boot : int
        Bootstrap draws (0: no intervals).
    seed : int
    level : float
        Coverage of the percentile intervals.

    Returns
    -------
    dict with every score of :data:`SCORES`, ``<score>_lo`` and ``<score>_hi`` for each, and ``n``.
    """
    y_arr, p_arr = validate_binary(y, p)
    out: dict[str, float] = {"n": int(y_arr.size), **scores(y_arr, p_arr, n_bins)}
    g = np.arange(y_arr.size) if groups is None else np.asarray(groups)
    if g.shape != y_arr.shape:
        raise DataError(f"groups has {g.size} values but y has {y_arr.size}")
    _, codes = np.unique(g, return_inverse=True)
    members = [np.flatnonzero(codes == k) for k in range(codes.max() + 1)]
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_boot):
        idx = np.concatenate([members[k] for k in rng.integers(0, len(members), len(members))])
        draws.append(scores(y_arr[idx], p_arr[idx], n_bins))
    alpha = (1 - level) / 2
    for name in SCORES:
        values = np.array([d[name] for d in draws], dtype=float)
        values = values[np.isfinite(values)]
        lo, hi = np.quantile(values, [alpha, 1 - alpha]) if values.size else (np.nan, np.nan)
        out[f"{name}_lo"], out[f"{name}_hi"] = float(lo), float(hi)
    return out
