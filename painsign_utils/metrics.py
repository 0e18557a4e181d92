"""Classification metrics of the paper (§2.5): Youden threshold, accuracy/sensitivity/specificity/AUC, Friedman test.

"pain" is the positive class (label 1). Thresholds are applied as ``prob >= threshold`` everywhere,
matching :func:`painsign_utils.sign.threshold_crossings`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import roc_auc_score, roc_curve

from .errors import DataError

METRICS: tuple[str, ...] = ("accuracy", "sensitivity", "specificity", "auc")


def validate_binary(y_true: Sequence, y_prob: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Labels and probabilities checked for scoring: one-line :class:`DataError` on anything else.

    Parameters
    ----------
    y_true : array-like, shape (n,)
        1 for pain, 0 for no pain.
    y_prob : array-like, shape (n,)
        Pain probabilities, finite and in [0, 1].

    Returns
    -------
    y : ndarray of int, shape (n,)
    p : ndarray of float, shape (n,)

    Examples
    --------
    >>> validate_binary([0, 1], [0.2, 0.9])[0]
    array([0, 1])
    """
    y = np.asarray(y_true).ravel()
    p = np.asarray(y_prob, dtype=float).ravel()
    if y.shape != p.shape:
        raise DataError(f"y_true has {y.size} values but y_prob has {p.size}")
    if y.size == 0:
        raise DataError("no samples to score")
    if not np.isin(y, (0, 1)).all():
        raise DataError("y_true must hold only 0 (no pain) and 1 (pain)")
    if np.isnan(p).any():
        raise DataError("y_prob holds NaN; interpolate or drop frames without a face first")
    if not np.isfinite(p).all() or p.min() < 0 or p.max() > 1:
        raise DataError("y_prob must hold finite probabilities in [0, 1]")
    return y.astype(int), p


def youden_threshold(y_true: Sequence, y_prob: Sequence) -> float:
    """ROC threshold maximizing Youden's J = sensitivity + specificity - 1.

    Call it on the *training* folds' predictions only, so the validation fold does not leak into
    the threshold (paper §2.5). With a single class present it returns 0.5.

    Parameters
    ----------
    y_true : array-like, shape (n,)
        1 for pain, 0 for no pain.
    y_prob : array-like, shape (n,)
        Predicted pain probabilities.
    """
    y, p = validate_binary(y_true, y_prob)
    if y.min() == y.max():
        return 0.5
    fpr, tpr, thr = roc_curve(y, p)
    j = tpr - fpr
    best = int(np.argmax(j))
    # roc_curve's first threshold is +inf (nothing positive); clip to a usable probability.
    return float(min(thr[best], 1.0))


def fold_thresholds(folds: Iterable[tuple[Sequence, Sequence]]) -> np.ndarray:
    """The authors' per-fold thresholds: ``thr[argmax(tpr - fpr)]`` of ``roc_curve`` on each fold.

    Exactly the rule of the authors' code (``protocol: authors``): for fold k,
    ``fpr, tpr, thr = sklearn.metrics.roc_curve(labels_k, probs_k)`` on that fold's *validation*
    predictions, and θ_k is the threshold at the first maximum of Youden's J. No clipping: if no
    threshold beats chance (J <= 0 everywhere) θ_k is ``roc_curve``'s leading ``inf``. The videos
    then use ``thetas.mean()``, reported ± ``thetas.std()`` (ddof 0), see :func:`threshold_summary`.

    Parameters
    ----------
    folds : iterable of (labels, probs)
        One pair per fold; ``labels`` shape (n_k,) of 0/1 (1 = pain), ``probs`` shape (n_k,).

    Returns
    -------
    np.ndarray, shape (n_folds,)
        θ_k per fold, in the order given.

    Raises
    ------
    DataError
        No fold; a fold that is empty, malformed, or holds a single class (its ROC is undefined).
    """
    thetas = []
    for k, fold in enumerate(folds):
        try:
            labels, probs = fold
        except (TypeError, ValueError):
            raise DataError(f"fold {k}: expected a (labels, probs) pair") from None
        if np.asarray(labels).size == 0:
            raise DataError(f"fold {k} is empty: no validation prediction to set a threshold on")
        try:
            y, p = validate_binary(labels, probs)
        except DataError as exc:
            raise DataError(f"fold {k}: {exc}") from None
        if y.min() == y.max():
            only = "pain" if y[0] == 1 else "no pain"
            raise DataError(
                f"fold {k} holds only {only} samples: Youden's threshold needs both classes"
            )
        fpr, tpr, thr = roc_curve(y, p)
        thetas.append(float(thr[int(np.argmax(tpr - fpr))]))
    if not thetas:
        raise DataError("no fold given to fold_thresholds")
    return np.asarray(thetas, dtype=float)


def threshold_summary(thetas: Sequence[float]) -> dict[str, float]:
    """Mean and standard deviation (ddof 0, as ``np.std``) of per-fold thresholds.

    The authors' video threshold is the mean of the ten θ_k, reported as e.g. 0.5420 ± 0.1350.

    Parameters
    ----------
    thetas : array-like, shape (n_folds,)

    Returns
    -------
    dict with ``mean``, ``sd`` and ``n``.
    """
    t = np.asarray(thetas, dtype=float)
    if t.size == 0 or not np.isfinite(t).all():
        raise DataError("thresholds must be a non-empty list of finite numbers")
    return {"mean": float(t.mean()), "sd": float(t.std()), "n": int(t.size)}


def binary_metrics(y_true: Sequence, y_prob: Sequence, threshold: float) -> dict[str, float]:
    """Accuracy, sensitivity, specificity and AUC at ``threshold`` (``prob >= threshold`` is pain).

    Sensitivity (or specificity) is NaN when the set has no pain (or no no-pain) sample; AUC is
    NaN when only one class is present.
    """
    y, p = validate_binary(y_true, y_prob)
    pred = (p >= threshold).astype(int)
    tp = int(((pred == 1) & (y == 1)).sum())
    tn = int(((pred == 0) & (y == 0)).sum())
    pos, neg = int((y == 1).sum()), int((y == 0).sum())
    return {
        "accuracy": (tp + tn) / y.size,
        "sensitivity": tp / pos if pos else float("nan"),
        "specificity": tn / neg if neg else float("nan"),
        "auc": float(roc_auc_score(y, p)) if pos and neg else float("nan"),
    }


def friedman_test(scores: pd.DataFrame) -> float:
    """p-value of the Friedman test across models.

    Parameters
    ----------
    scores : DataFrame, shape (n_blocks, n_models)
        One row per block (a fold, or a video), one column per model. Rows with NaN are dropped.
    """
    clean = scores.dropna()
    if clean.shape[1] < 3 or clean.shape[0] < 2:
        return float("nan")
    if np.allclose(clean.to_numpy(), clean.to_numpy()[:, :1]):
        return 1.0  # identical scores: no difference (scipy would divide by zero)
    return float(stats.friedmanchisquare(*[clean[c].to_numpy() for c in clean.columns]).pvalue)


def mean_sd(values: Sequence[float], percent: bool = True) -> str:
    """Format as the paper does: ``88.6% ± 6.0%`` (sample sd, ddof=1)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return "–"
    sd = v.std(ddof=1) if v.size > 1 else 0.0
    if percent:
        return f"{100 * v.mean():.1f}% ± {100 * sd:.1f}%"
    return f"{v.mean():.2f} ± {sd:.2f}"


def format_p(p: float) -> str:
    """A p-value for text: ``p = 0.083``, ``p = 3e-05``, or ``p < 1e-300`` where it underflows to 0."""
    if p != p:  # NaN
        return "p undefined"
    if p == 0:
        return "p < 1e-300"
    return f"p = {p:.2g}" if p < 0.001 else f"p = {p:.3f}"
