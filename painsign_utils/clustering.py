"""Sign types (paper §2.5, §3): k-means on (entropy, threshold crossings), named from the centroids.

This module owns the temporal classification of pain signs:

* :class:`SignTypeClassifier` — fitted once per model on that model's videos. Features are
  standardized (z-scores) before k-means because crossings (0 to ~10) and entropy (0 to 3.3 bits)
  live on different scales and k-means is not scale invariant; the paper does not say whether it
  scaled them. k runs from 2 to 10 and the k with the highest silhouette score wins (ties: the
  smaller k). KMeans is seeded with a fixed ``n_init``.
* Cluster naming from the centroids (in standardized units): **stable** is the cluster with the
  lowest entropy + crossings; **unstable** the one with the most crossings (ties: higher entropy);
  **irregular** the remaining cluster that is most "entropy without crossings" (largest
  entropy - crossings). With k > 3 every other cluster takes the name of the nearest of these three
  anchors, so several clusters may share a name; tables keep k and the number of clusters merged.
  With k = 2 the non-stable cluster is unstable if it differs from stable more in crossings than in
  entropy, else irregular.
* **indeterminate** (paper §3, Fig. 4, the upper-left quadrant of Fig. 5): a sign that crosses often
  but whose values stay concentrated (around the threshold). Precisely, a video is indeterminate when
  ``crossings >= crossings_cut_`` and ``entropy <= entropy_cut_``, where ``crossings_cut_`` is the
  midpoint between the unstable centroid's crossings and the largest crossings of any other type's
  centroid (the k-means boundary projected on the crossings axis), and ``entropy_cut_`` is the
  stable videos' mean entropy + one standard deviation (the upper end of Table 3's "mean ± sd").
  Without an unstable type no video is indeterminate. The rule overrides the cluster's name.
* :func:`table3` (metrics per sign type and model) and :func:`friedman_by_type` (Friedman test of
  entropy and crossings across models); :func:`save_classifiers` / :func:`load_classifiers` keep
  the fitted classifiers for later chapters (the real-time monitor).
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from .errors import ConfigError, DataError
from .metrics import binary_metrics, friedman_test, mean_sd
from .storage import atomic_path

#: The two features, in this order.
FEATURES: tuple[str, str] = ("entropy", "crossings")
#: The sign types, in the order tables and figures list them.
SIGN_TYPES: tuple[str, ...] = ("stable", "irregular", "unstable", "indeterminate")


def _features(X: pd.DataFrame | np.ndarray) -> np.ndarray:
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
        raise DataError(f"sign features must have shape (n, 2) (entropy, crossings), got {arr.shape}")
    if arr.shape[0] == 0:
        raise DataError("no sign to classify (empty feature table)")
    if not np.isfinite(arr).all():
        raise DataError("sign features hold NaN or infinite values")
    return arr


class SignTypeClassifier:
    """Cluster pain signs by (entropy, crossings) and name the clusters stable / irregular / unstable.

    Parameters
    ----------
    k_min, k_max : int, default 2 and 10
        Range of cluster counts tried (the paper's 2..10); the best silhouette wins.
    n_init : int, default 10
        KMeans restarts (fixed so results do not depend on the scikit-learn default).
    random_state : int, default 0
        Seed of KMeans.

    Attributes
    ----------
    k_ : int
        Chosen number of clusters (this and the attributes below are set by :meth:`fit`).
    silhouettes_ : dict[int, float]
        Silhouette score of every k tried (standardized features).
    centroids_ : DataFrame, shape (k_, ...)
        Per cluster: ``cluster, name, entropy, crossings`` (centroid in original units), ``n``.
    names_ : dict[int, str]
        Cluster id → sign-type name.
    crossings_cut_, entropy_cut_ : float
        Thresholds of the indeterminate rule (see module docstring).
    """

    def __init__(self, k_min: int = 2, k_max: int = 10, n_init: int = 10, random_state: int = 0):
        if not 2 <= k_min <= k_max:
            raise ConfigError(f"need 2 <= k_min <= k_max, got k_min={k_min}, k_max={k_max}")
        self.k_min, self.k_max, self.n_init, self.random_state = k_min, k_max, n_init, random_state

    # -- fitting ----------------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame | np.ndarray) -> SignTypeClassifier:
        """Fit on one model's signs.

        Parameters
        ----------
        X : DataFrame with columns ``entropy, crossings`` or array, shape (n_videos, 2)
        """
        arr = _features(X)
        self.scaler_ = StandardScaler().fit(arr)
        z = self.scaler_.transform(arr)
        n_distinct = len(np.unique(z.round(12), axis=0))
        ks = range(self.k_min, min(self.k_max, n_distinct - 1) + 1)
        self.silhouettes_ = {}
        best = None
        for k in ks:
            km = self._kmeans(k).fit(z)
            score = float(silhouette_score(z, km.labels_))
            self.silhouettes_[k] = score
            if best is None or score > best[0] + 1e-12:
                best = (score, km)
        if best is None:
            # Too few distinct signs for a silhouette (it needs 2 <= k <= n_distinct - 1):
            # one cluster per distinct point, at most k_min.
            best = (float("nan"), self._kmeans(max(1, min(self.k_min, n_distinct))).fit(z))
        self.kmeans_ = best[1]
        self.k_ = int(self.kmeans_.n_clusters)
        self.names_ = self._name_clusters(self.kmeans_.cluster_centers_)
        labels = self.kmeans_.labels_
        self._set_indeterminate_rule(arr, labels)
        centres = self.scaler_.inverse_transform(self.kmeans_.cluster_centers_)
        centres[np.abs(centres) < 1e-9] = 0.0  # rounding residue of the inverse scaling ("-0.00")
        self.centroids_ = pd.DataFrame(
            {
                "cluster": np.arange(self.k_),
                "name": [self.names_[c] for c in range(self.k_)],
                "entropy": centres[:, 0],
                "crossings": centres[:, 1],
                "n": np.bincount(labels, minlength=self.k_),
            }
        )
        return self

    def _kmeans(self, k: int) -> KMeans:
        return KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state)

    @staticmethod
    def _name_clusters(centres: np.ndarray) -> dict[int, str]:
        """Names from standardized centroids (see the module docstring for the rule)."""
        k = centres.shape[0]
        ent, cro = centres[:, 0], centres[:, 1]
        stable = int(np.argmin(ent + cro))
        if k == 1:
            return {0: "stable"}
        rest = [c for c in range(k) if c != stable]
        if k == 2:
            other = rest[0]
            d_ent, d_cro = ent[other] - ent[stable], cro[other] - cro[stable]
            return {stable: "stable", other: "unstable" if d_cro > d_ent else "irregular"}
        unstable = max(rest, key=lambda c: (cro[c], ent[c]))
        rest = [c for c in rest if c != unstable]
        irregular = max(rest, key=lambda c: (ent[c] - cro[c], -c))
        anchors = {"stable": stable, "irregular": irregular, "unstable": unstable}
        names = {}
        for c in range(k):
            dist = {n: float(np.sum((centres[c] - centres[a]) ** 2)) for n, a in anchors.items()}
            names[c] = min(dist, key=dist.get)
        return names

    def _set_indeterminate_rule(self, arr: np.ndarray, labels: np.ndarray) -> None:
        names = np.array([self.names_[c] for c in labels])
        stable_entropy = arr[names == "stable", 0]
        sd = stable_entropy.std(ddof=1) if stable_entropy.size > 1 else 0.0
        self.entropy_cut_ = float(stable_entropy.mean() + sd)
        centres = self.scaler_.inverse_transform(self.kmeans_.cluster_centers_)
        is_unstable = np.array([self.names_[c] == "unstable" for c in range(self.k_)])
        if not is_unstable.any() or is_unstable.all():
            self.crossings_cut_ = float("inf")
            return
        lowest_unstable = centres[is_unstable, 1].min()
        highest_other = centres[~is_unstable, 1].max()
        self.crossings_cut_ = float((lowest_unstable + highest_other) / 2)

    # -- prediction -------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "kmeans_"):
            raise DataError("SignTypeClassifier is not fitted yet; call fit first")

    def predict_cluster(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """k-means cluster id of each sign, shape (n,)."""
        self._check_fitted()
        return self.kmeans_.predict(self.scaler_.transform(_features(X)))

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Sign type of each sign: ``stable | irregular | unstable | indeterminate``, shape (n,)."""
        arr = _features(X)
        names = np.array([self.names_[c] for c in self.predict_cluster(arr)], dtype=object)
        names[self.is_indeterminate(arr)] = "indeterminate"
        return names

    def fit_predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """:meth:`fit` then :meth:`predict` on the same signs."""
        return self.fit(X).predict(X)

    def is_indeterminate(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Boolean mask, shape (n,): many crossings (>= ``crossings_cut_``) with low entropy."""
        self._check_fitted()
        arr = _features(X)
        return (arr[:, 1] >= self.crossings_cut_) & (arr[:, 0] <= self.entropy_cut_)

    def summary(self) -> dict:
        """The fitted choice in plain numbers (k, silhouette, cuts), for the book's prose."""
        self._check_fitted()
        return {
            "k": self.k_,
            "silhouette": self.silhouettes_.get(self.k_, float("nan")),
            "crossings_cut": self.crossings_cut_,
            "entropy_cut": self.entropy_cut_,
        }


def fit_sign_types(
    features: pd.DataFrame, model_col: str = "model", **kwargs
) -> tuple[pd.Series, dict[str, SignTypeClassifier]]:
    """Fit one :class:`SignTypeClassifier` per model and label every row.

    Parameters
    ----------
    features : DataFrame
        One row per (model, video) with columns ``model, entropy, crossings``.
    **kwargs
        Passed to :class:`SignTypeClassifier`.

    Returns
    -------
    sign_type : Series aligned with ``features``
    classifiers : dict model → fitted classifier
    """
    if model_col not in features.columns:
        raise DataError(f"feature table lacks the {model_col!r} column")
    out = pd.Series(index=features.index, dtype=object, name="sign_type")
    fitted = {}
    for model, rows in features.groupby(model_col, sort=False):
        clf = SignTypeClassifier(**kwargs).fit(rows)
        out.loc[rows.index] = clf.predict(rows)
        fitted[model] = clf
    return out, fitted


def save_classifiers(classifiers: dict[str, SignTypeClassifier], path: str | Path) -> Path:
    """Pickle fitted classifiers (model → classifier) atomically, e.g. for the real-time monitor."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(pickle.dumps(classifiers))
    return Path(path)


def load_classifiers(path: str | Path) -> dict[str, SignTypeClassifier]:
    """Read classifiers written by :func:`save_classifiers` (a pickle: only load your own files)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"no fitted sign-type classifiers at {path}; run chapter 5 first")
    return pickle.loads(path.read_bytes())


def table3(videos: pd.DataFrame, classifiers: dict[str, SignTypeClassifier] | None = None) -> pd.DataFrame:
    """Table 3: classification and temporal metrics per model and sign type.

    Parameters
    ----------
    videos : DataFrame
        One row per (model, video) with columns ``model, sign_type, label`` (1 pain / 0 no pain),
        ``mean_prob, threshold, entropy, crossings``.
    classifiers : dict, optional
        Fitted classifiers; adds ``k`` (clusters chosen) and ``clusters`` (k-means clusters merged
        into the type).

    Returns
    -------
    DataFrame
        Columns ``model, sign_type, accuracy, sensitivity, specificity, auc, entropy, crossings``
        (formatted mean ± sd), ``entropy_mean, crossings_mean`` (floats), ``n_pain, n_nopain``
        and, with classifiers, ``k, clusters``. Rows ordered by model then :data:`SIGN_TYPES`.
    """
    need = {"model", "sign_type", "label", "mean_prob", "threshold", "entropy", "crossings"}
    if missing := need - set(videos.columns):
        raise DataError(f"table3 needs column(s) {sorted(missing)}")
    thresholds = videos.groupby("model", sort=False)["threshold"].unique()
    if (thresholds.map(len) > 1).any():
        raise DataError("each model must have one threshold in table3's input")
    thresholds = thresholds.map(lambda t: float(t[0]))
    rows = []
    for model, per_model in videos.groupby("model", sort=False):
        for sign_type in SIGN_TYPES:
            g = per_model[per_model["sign_type"] == sign_type]
            if g.empty:
                continue
            y = g["label"].astype(int).to_numpy()
            m = binary_metrics(y, g["mean_prob"], thresholds[model])
            row = {"model": model, "sign_type": sign_type, **m}
            row["entropy"] = mean_sd(g["entropy"], percent=False)
            row["crossings"] = mean_sd(g["crossings"], percent=False)
            row["entropy_mean"] = float(g["entropy"].mean())
            row["crossings_mean"] = float(g["crossings"].mean())
            row["n_pain"], row["n_nopain"] = int((y == 1).sum()), int((y == 0).sum())
            if classifiers is not None and model in classifiers:
                clf = classifiers[model]
                row["k"] = clf.k_
                row["clusters"] = int((clf.centroids_["name"] == sign_type).sum())
            rows.append(row)
    return pd.DataFrame(rows)


def friedman_by_type(
    videos: pd.DataFrame, models: Sequence[str] | None = None, video_col: str = "video"
) -> pd.DataFrame:
    """Friedman test of entropy and crossings across models, per sign type (paper §3).

    Two designs, since the paper does not say which blocks it used:

    * ``design="videos"``: blocks are the videos that *every* model put in that sign type (the
      matched design the test assumes); ``sign_type="all"`` uses every video.
    * ``design="type means"``: blocks are the sign types, values each model's mean over its own
      videos of that type (3 blocks x 3 models, low power).

    Parameters
    ----------
    videos : DataFrame
        One row per (model, video): ``model, <video_col>, sign_type, entropy, crossings``.

    Returns
    -------
    DataFrame with columns ``design, sign_type, metric, n_blocks, p_value``.
    """
    need = {"model", video_col, "sign_type", *FEATURES}
    if missing := need - set(videos.columns):
        raise DataError(f"friedman_by_type needs column(s) {sorted(missing)}")
    models = list(models or videos["model"].drop_duplicates())
    rows = []
    for metric in FEATURES:
        wide = videos.pivot_table(index=video_col, columns="model", values=metric, aggfunc="first")
        types = videos.pivot_table(index=video_col, columns="model", values="sign_type", aggfunc="first")
        wide, types = wide.reindex(columns=models), types.reindex(columns=models)
        present = [t for t in SIGN_TYPES if (videos["sign_type"] == t).any()]
        for sign_type in ["all", *present]:
            if sign_type == "all":
                block = wide
            else:
                block = wide[(types == sign_type).all(axis=1)]
            block = block.dropna()
            rows.append(("videos", sign_type, metric, len(block), friedman_test(block)))
        means = videos.pivot_table(index="sign_type", columns="model", values=metric, aggfunc="mean")
        means = means.reindex(columns=models).dropna()
        rows.append(("type means", "all", metric, len(means), friedman_test(means)))
    return pd.DataFrame(rows, columns=["design", "sign_type", "metric", "n_blocks", "p_value"])
