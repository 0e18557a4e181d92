"""What both sign-type classifiers share: the features, the type names, the fitted-state helpers.

* :data:`FEATURES` (entropy, crossings) and :data:`SIGN_TYPES` (the order tables and figures use).
* :func:`feature_array` — the (n, 2) feature array from a table or an array, validated.
* :func:`centroid_table` — per cluster its name, centroid and size.
* :func:`best_k` — the k whose silhouette is highest (the paper's "silhouette best k").
* :class:`FittedSignTypes` — the fitted check, ``fit_predict`` and ``summary`` of both classifiers.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import DataError

#: The two features, in this order.
FEATURES: tuple[str, str] = ("entropy", "crossings")
#: The sign types, in the order tables and figures list them.
SIGN_TYPES: tuple[str, ...] = ("stable", "irregular", "unstable", "indeterminate")


def feature_array(X: pd.DataFrame | np.ndarray) -> np.ndarray:
    """(n, 2) float array of (entropy, crossings) from a DataFrame with those columns or an array."""
    if isinstance(X, pd.DataFrame):
        missing = [c for c in FEATURES if c not in X.columns]
        if missing:
            raise DataError(f"sign features lack column(s) {missing}; need {list(FEATURES)}")
        arr = X[list(FEATURES)].to_numpy(dtype=float)
    else:
        arr = np.asarray(X, dtype=float)
        if arr.ndim == 1 and arr.size == 2:
            arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise DataError(
            f"sign features must have shape (n, 2) (entropy, crossings), got {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise DataError("no sign to classify (empty feature table)")
    if not np.isfinite(arr).all():
        raise DataError("sign features hold NaN or infinite values")
    return arr


def centroid_table(names: dict[int, str], centres: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """Per cluster: ``cluster, name, entropy, crossings`` (centroid in original units) and ``n``."""
    k = len(centres)
    return pd.DataFrame(
        {
            "cluster": np.arange(k),
            "name": [names[c] for c in range(k)],
            "entropy": centres[:, 0],
            "crossings": centres[:, 1],
            "n": np.bincount(labels, minlength=k),
        }
    )


def best_k(silhouettes: Mapping[int, float]) -> int | None:
    """The k with the highest silhouette, the smaller k on a tie; None without any silhouette.

    Parameters
    ----------
    silhouettes : mapping k → mean silhouette (a fitted classifier's ``silhouettes_``)
    """
    finite = {int(k): float(s) for k, s in silhouettes.items() if np.isfinite(s)}
    return max(finite, key=lambda k: (finite[k], -k)) if finite else None


class FittedSignTypes:
    """What both sign-type classifiers share once fitted: the fitted check, fit_predict, summary."""

    def _check_fitted(self) -> None:
        if not hasattr(self, "kmeans_"):
            raise DataError(f"{type(self).__name__} is not fitted yet; call fit first")

    def fit_predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """:meth:`fit` then :meth:`predict` on the same signs."""
        return self.fit(X).predict(X)

    def summary(self) -> dict:
        """The fitted choice in plain numbers (k, silhouette at k, cuts), for the book's prose."""
        self._check_fitted()
        return {
            "k": self.k_,
            "silhouette": self.silhouettes_.get(self.k_, float("nan")),
            "crossings_cut": self.crossings_cut_,
            "entropy_cut": self.entropy_cut_,
        }
