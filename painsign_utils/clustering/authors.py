"""Sign types under ``protocol: authors`` (what produced the paper's Table 3).

:class:`AuthorsSignTypeClassifier` reproduces the authors' code:

* ``KMeans(n_clusters=3, random_state=0, n_init="auto")`` on the **unscaled** (entropy, crossings);
  silhouettes are still computed for k = 2..10 (the authors printed k = 2..9) but do not choose k.
* The authors named the three clusters by hand; here the paper's definitions name them from the
  centroids: **unstable** has the most crossings, of the other two **stable** has the lower
  entropy and **irregular** the higher.
* **indeterminate** is an overlay flag, not a fourth cluster: entropy below ``entropy_cut_`` and
  more crossings than every irregular sign of the fitted set (the authors' horizontal line at the
  irregular maximum + 1). The authors set the entropy line by hand (1.25 bits for VGG-Face, 1.75
  for the others, :data:`AUTHORS_ENTROPY_CUTS`); by default it is the midpoint between the stable
  and irregular centroids' entropies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from ..errors import ConfigError
from .base import FittedSignTypes, centroid_table, feature_array

#: The entropy lines the authors drew by hand for the "Unsure" quadrant (bits), per model.
AUTHORS_ENTROPY_CUTS: dict[str, float] = {"vggface": 1.25, "ncnn": 1.75, "vit_b16": 1.75}


class AuthorsSignTypeClassifier(FittedSignTypes):
    """The authors' sign types: k-means with k = 3 on unscaled (entropy, crossings) + an overlay.

    Same public attributes and methods as :class:`SignTypeClassifier` (``k_, silhouettes_,
    centroids_, names_, crossings_cut_, entropy_cut_, predict, predict_cluster, is_indeterminate,
    summary``), so the figures and the monitor take either. :meth:`predict` returns only
    ``stable | irregular | unstable``; the indeterminate flag is :meth:`is_indeterminate`.

    Parameters
    ----------
    n_clusters : int, default 3
        Clusters of the k-means that names the signs (fewer when the set has fewer distinct signs).
    random_state : int, default 0
    n_init : int or "auto", default "auto"
        As in the authors' ``KMeans(n_clusters=3, random_state=0, n_init="auto")``.
    k_min, k_max : int, default 2 and 10
        Range of k for which silhouettes are reported (they do not choose k).
    entropy_cut : float, optional
        The overlay's entropy line (bits); default: midpoint of the stable and irregular centroids'
        entropies. :data:`AUTHORS_ENTROPY_CUTS` holds the authors' hand-set lines.

    Attributes
    ----------
    k_ : int
    silhouettes_ : dict[int, float]
        Silhouette of ``KMeans(k, random_state, n_init)`` on the unscaled features, per k.
    centroids_ : DataFrame, shape (k_, 5)
        ``cluster, name, entropy, crossings, n``.
    names_ : dict[int, str]
    irregular_max_ : float
        Most crossings of any fitted sign in the irregular cluster (NaN without one).
    crossings_cut_ : float
        ``irregular_max_ + 1`` (crossings are integers), where the overlay starts; inf without an
        irregular cluster.
    entropy_cut_ : float
    """

    def __init__(
        self,
        n_clusters: int = 3,
        random_state: int = 0,
        n_init: int | str = "auto",
        k_min: int = 2,
        k_max: int = 10,
        entropy_cut: float | None = None,
    ):
        if not 2 <= k_min <= k_max:
            raise ConfigError(f"need 2 <= k_min <= k_max, got k_min={k_min}, k_max={k_max}")
        if n_clusters < 1:
            raise ConfigError(f"n_clusters must be at least 1, got {n_clusters}")
        self.n_clusters, self.random_state, self.n_init = n_clusters, random_state, n_init
        self.k_min, self.k_max, self.entropy_cut = k_min, k_max, entropy_cut

    def _kmeans(self, k: int) -> KMeans:
        return KMeans(n_clusters=k, random_state=self.random_state, n_init=self.n_init)

    def fit(self, X: pd.DataFrame | np.ndarray) -> AuthorsSignTypeClassifier:
        """Fit on one model's signs.

        Parameters
        ----------
        X : DataFrame with columns ``entropy, crossings`` or array, shape (n_videos, 2)
        """
        arr = feature_array(X)
        n_distinct = len(np.unique(arr.round(12), axis=0))
        self.silhouettes_ = {}
        for k in range(self.k_min, min(self.k_max, n_distinct - 1) + 1):
            km = self._kmeans(k).fit(arr)
            self.silhouettes_[k] = float(silhouette_score(arr, km.predict(arr)))
        self.kmeans_ = self._kmeans(max(1, min(self.n_clusters, n_distinct))).fit(arr)
        self.k_ = int(self.kmeans_.n_clusters)
        centres = self.kmeans_.cluster_centers_
        self.names_ = self._name_clusters(centres)
        labels = self.kmeans_.labels_
        names = np.array([self.names_[c] for c in labels])
        irregular = arr[names == "irregular", 1]
        self.irregular_max_ = float(irregular.max()) if irregular.size else float("nan")
        self.crossings_cut_ = self.irregular_max_ + 1 if irregular.size else float("inf")
        if self.entropy_cut is not None:
            self.entropy_cut_ = float(self.entropy_cut)
        else:
            by_name = {self.names_[c]: centres[c, 0] for c in range(self.k_)}
            if {"stable", "irregular"} <= set(by_name):
                self.entropy_cut_ = float((by_name["stable"] + by_name["irregular"]) / 2)
            else:
                self.entropy_cut_ = float(by_name.get("stable", centres[:, 0].min()))
        self.centroids_ = centroid_table(self.names_, centres, labels)
        return self

    @staticmethod
    def _name_clusters(centres: np.ndarray) -> dict[int, str]:
        """Paper §3 from unscaled centroids: most crossings unstable; then lower entropy stable."""
        k = centres.shape[0]
        ent, cro = centres[:, 0], centres[:, 1]
        if k == 1:
            return {0: "stable"}
        if k == 2:
            stable = int(np.lexsort((cro, ent))[0])
            other = 1 - stable
            d_ent, d_cro = ent[other] - ent[stable], cro[other] - cro[stable]
            return {stable: "stable", other: "unstable" if d_cro > d_ent else "irregular"}
        unstable = max(range(k), key=lambda c: (cro[c], ent[c]))
        rest = [c for c in range(k) if c != unstable]
        stable = min(rest, key=lambda c: (ent[c], cro[c]))
        irregular = min((c for c in rest if c != stable), key=lambda c: (cro[c], -ent[c]))
        anchors = {"stable": stable, "irregular": irregular, "unstable": unstable}
        names = {}
        for c in range(k):
            dist = {n: float(np.sum((centres[c] - centres[a]) ** 2)) for n, a in anchors.items()}
            names[c] = min(dist, key=dist.get)
        return names

    def predict_cluster(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """k-means cluster id of each sign, shape (n,)."""
        self._check_fitted()
        return self.kmeans_.predict(feature_array(X))

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Sign type of each sign: ``stable | irregular | unstable`` (no indeterminate), shape (n,)."""
        return np.array([self.names_[c] for c in self.predict_cluster(X)], dtype=object)

    def is_indeterminate(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Overlay flag, shape (n,): entropy < ``entropy_cut_`` and crossings > ``irregular_max_``."""
        self._check_fitted()
        arr = feature_array(X)
        return (arr[:, 1] >= self.crossings_cut_) & (arr[:, 0] < self.entropy_cut_)
