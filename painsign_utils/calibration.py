"""Calibration of pain probabilities: does 0.7 mean "70 % of such frames are pain"?

Scores (each a plain function of labels ``y`` and probabilities ``p``, shape (n,)):
:func:`ece` with equal-width or equal-mass bins, :func:`mce`, :func:`brier`, :func:`nll`, and
:func:`slope_intercept` (the logistic calibration slope, and the calibration intercept with the
slope fixed at 1, as Van Calster et al. 2019 define them). :func:`reliability_table` gives the
points of a reliability diagram; :func:`report` all the scores at once with bootstrap intervals that
resample whole newborns (frames of one newborn are not independent).

Recalibration maps (fitted on the validation folds, applied to the test frames), each a small
object with ``fit(y, p)`` and ``transform(p)``: :class:`Temperature` (Guo et al. 2017),
:class:`Platt` and :class:`Isotonic`; :func:`fit` builds one by name (:data:`METHODS`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss

from .errors import ConfigError, DataError

#: Recalibration methods of :func:`fit`; "raw" is the identity (no recalibration).
METHODS: tuple[str, ...] = ("raw", "temperature", "platt", "isotonic")
#: Binning strategies of :func:`ece`: equal-width bins on [0, 1], or bins of equal counts.
STRATEGIES: tuple[str, ...] = ("width", "mass")
#: Scores of :func:`report`, in column order.
SCORES: tuple[str, ...] = ("ece_width", "ece_mass", "mce", "brier", "nll", "slope", "intercept")

# Probabilities are kept this far from 0 and 1 before taking logits or logs.
_EPS = 1e-6


def _check(y: Sequence, p: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Validated labels (0/1 ints) and probabilities (floats in [0, 1]) of equal length."""
    y_arr = np.asarray(y).ravel()
    p_arr = np.asarray(p, dtype=float).ravel()
    if y_arr.shape != p_arr.shape:
        raise DataError(f"y has {y_arr.size} values but p has {p_arr.size}")
    if y_arr.size == 0:
        raise DataError("no samples to score")
    if not np.isin(y_arr, (0, 1)).all():
        raise DataError("labels must be 0 (no pain) or 1 (pain)")
    if not np.isfinite(p_arr).all() or p_arr.min() < 0 or p_arr.max() > 1:
        raise DataError(
            "probabilities must be finite numbers in [0, 1]; drop frames without a face"
        )
    return y_arr.astype(int), p_arr


def logit(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """``log(p / (1 - p))`` with ``p`` clipped to [1e-6, 1 - 1e-6], shape as ``p``."""
    q = np.clip(np.asarray(p, dtype=float), _EPS, 1 - _EPS)
    return np.log(q) - np.log1p(-q)


def _sigmoid(z: np.ndarray) -> np.ndarray:
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
    y_arr, p_arr = _check(y, p)
    used, n, mean_p, frac = _binned(y_arr, p_arr, n_bins, strategy)
    return pd.DataFrame(
        {"bin": used, "count": n, "mean_prob": mean_p, "frac_pain": frac, "gap": frac - mean_p}
    )


def ece(y: Sequence, p: Sequence, n_bins: int = 10, strategy: str = "width") -> float:
    """Expected calibration error: the count-weighted mean of ``|frac_pain - mean_prob|`` over bins.

    >>> ece([0, 1], [0.2, 0.8], n_bins=10)
    0.2
    """
    y_arr, p_arr = _check(y, p)
    _, n, mean_p, frac = _binned(y_arr, p_arr, n_bins, strategy)
    return round(float((n * np.abs(frac - mean_p)).sum() / n.sum()), 12)


def mce(y: Sequence, p: Sequence, n_bins: int = 10, strategy: str = "width") -> float:
    """Maximum calibration error: the largest ``|frac_pain - mean_prob|`` of a non-empty bin."""
    y_arr, p_arr = _check(y, p)
    _, _, mean_p, frac = _binned(y_arr, p_arr, n_bins, strategy)
    return float(np.abs(frac - mean_p).max())


def brier(y: Sequence, p: Sequence) -> float:
    """Brier score, the mean of ``(p - y)²`` (scikit-learn's ``brier_score_loss``)."""
    y_arr, p_arr = _check(y, p)
    return float(brier_score_loss(y_arr, p_arr))


def nll(y: Sequence, p: Sequence) -> float:
    """Mean negative log-likelihood in nats, probabilities clipped to [1e-6, 1 - 1e-6]."""
    y_arr, p_arr = _check(y, p)
    return float(log_loss(y_arr, np.clip(p_arr, _EPS, 1 - _EPS), labels=[0, 1]))


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
        q = _sigmoid(a + b * z)
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
    y_arr, p_arr = _check(y, p)
    if y_arr.min() == y_arr.max():
        return float("nan"), float("nan")
    z = logit(p_arr)
    return _logistic(z, y_arr, slope=True)[1], _logistic(z, y_arr, slope=False)[0]


def scores(y: Sequence, p: Sequence, n_bins: int = 10) -> dict[str, float]:
    """Every score of :data:`SCORES` for one set of labels and probabilities."""
    y_arr, p_arr = _check(y, p)
    slope, intercept = slope_intercept(y_arr, p_arr)
    _, n, mean_p, frac = _binned(y_arr, p_arr, n_bins, "width")
    q = np.clip(p_arr, _EPS, 1 - _EPS)
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
    y_arr, p_arr = _check(y, p)
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


class Identity:
    """The raw probabilities (the baseline every recalibration is compared with)."""

    method = "raw"

    def fit(self, y: Sequence, p: Sequence) -> Identity:
        _check(y, p)
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
        y_arr, p_arr = _check(y, p)
        z = logit(p_arr)

        def loss(log_t: float) -> float:
            q = np.clip(_sigmoid(z / np.exp(log_t)), _EPS, 1 - _EPS)
            return float(-(y_arr * np.log(q) + (1 - y_arr) * np.log1p(-q)).mean())

        res = minimize_scalar(loss, bounds=(-5.0, 5.0), method="bounded", options={"xatol": 1e-8})
        self.temperature_ = float(np.exp(res.x))
        return self

    def transform(self, p: Sequence[float] | np.ndarray) -> np.ndarray:
        return _sigmoid(logit(p) / self.temperature_)


class Platt(Identity):
    """Platt scaling: a logistic regression on ``logit(p)`` (slope and intercept).

    Attributes
    ----------
    slope_, intercept_ : float
    """

    method = "platt"

    def fit(self, y: Sequence, p: Sequence) -> Platt:
        y_arr, p_arr = _check(y, p)
        if y_arr.min() == y_arr.max():
            raise DataError("Platt scaling needs both pain and no-pain samples")
        lr = LogisticRegression(C=np.inf).fit(logit(p_arr)[:, None], y_arr)
        self.slope_, self.intercept_ = float(lr.coef_[0, 0]), float(lr.intercept_[0])
        return self

    def transform(self, p: Sequence[float] | np.ndarray) -> np.ndarray:
        return _sigmoid(self.intercept_ + self.slope_ * logit(p))


class Isotonic(Identity):
    """Isotonic regression of the label on the probability (a non-decreasing step function)."""

    method = "isotonic"

    def fit(self, y: Sequence, p: Sequence) -> Isotonic:
        y_arr, p_arr = _check(y, p)
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
