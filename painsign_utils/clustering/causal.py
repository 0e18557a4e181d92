"""Sign types under ``protocol: causal`` (paper §2.5, §3): :class:`SignTypeClassifier`.

Fitted once per model on that model's videos. Features are standardized (z-scores) before k-means
because crossings (0 to ~10) and entropy (0 to 3.3 bits) live on different scales and k-means is
not scale invariant; the paper does not say whether it scaled them. k runs from 2 to 10 and the k
with the highest silhouette score wins (ties: the smaller k). KMeans is seeded with a fixed
``n_init``.

Cluster naming from the centroids (in standardized units): **stable** is the cluster with the
lowest entropy + crossings; **unstable** the one with the most crossings (ties: higher entropy);
**irregular** the remaining cluster that is most "entropy without crossings" (largest
entropy - crossings). With k > 3 every other cluster takes the name of the nearest of these three
anchors, so several clusters may share a name; tables keep k and the number of clusters merged.
With k = 2 the non-stable cluster is unstable if it differs from stable more in crossings than in
entropy, else irregular.

**indeterminate** (paper §3, Fig. 4, the upper-left quadrant of Fig. 5): a sign that crosses often
but whose values stay concentrated (around the threshold). Precisely, a video is indeterminate when
``crossings >= crossings_cut_`` and ``entropy <= entropy_cut_``, where ``crossings_cut_`` is the
midpoint between the unstable centroid's crossings and the largest crossings of any other type's
centroid (the k-means boundary projected on the crossings axis), and ``entropy_cut_`` is the
stable videos' mean entropy + one standard deviation (the upper end of Table 3's "mean ± sd").
Without an unstable type no video is indeterminate. The rule overrides the cluster's name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from ..errors import ConfigError
from .base import FittedSignTypes, centroid_table, feature_array


class SignTypeClassifier(FittedSignTypes):
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
        arr = feature_array(X)
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
        self.centroids_ = centroid_table(self.names_, centres, labels)
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

    def predict_cluster(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """k-means cluster id of each sign, shape (n,)."""
        self._check_fitted()
        return self.kmeans_.predict(self.scaler_.transform(feature_array(X)))

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Sign type of each sign: ``stable | irregular | unstable | indeterminate``, shape (n,)."""
        arr = feature_array(X)
        names = np.array([self.names_[c] for c in self.predict_cluster(arr)], dtype=object)
        names[self.is_indeterminate(arr)] = "indeterminate"
        return names

    def is_indeterminate(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Boolean mask, shape (n,): many crossings (>= ``crossings_cut_``) with low entropy."""
        self._check_fitted()
        arr = feature_array(X)
        return (arr[:, 1] >= self.crossings_cut_) & (arr[:, 0] <= self.entropy_cut_)
