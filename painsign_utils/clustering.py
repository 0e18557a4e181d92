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

That is the ``causal`` protocol. Under ``protocol: authors`` (what produced the paper's Table 3),
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

:func:`classify_signs` fits either protocol per model and returns ``sign_type`` with a boolean
``indeterminate`` column; :func:`pairwise_agreement` and :func:`agreement_table` measure how often
models give a video the same type (the paper's "60 %" is the pairwise rate; all three agree less).
"""

from __future__ import annotations

import itertools
import pickle
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from .errors import ConfigError, DataError
from .metrics import binary_metrics, friedman_test, mean_sd
from .protocol import Protocol, get_protocol
from .storage import atomic_path

#: The two features, in this order.
FEATURES: tuple[str, str] = ("entropy", "crossings")
#: The sign types, in the order tables and figures list them.
SIGN_TYPES: tuple[str, ...] = ("stable", "irregular", "unstable", "indeterminate")
#: The entropy lines the authors drew by hand for the "Unsure" quadrant (bits), per model.
AUTHORS_ENTROPY_CUTS: dict[str, float] = {"vggface": 1.25, "ncnn": 1.75, "vit_b16": 1.75}


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


def _centroid_table(names: dict[int, str], centres: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """Per cluster: ``cluster, name, entropy, crossings`` (centroid in original units) and ``n``."""
    k = len(centres)
    return pd.DataFrame({"cluster": np.arange(k), "name": [names[c] for c in range(k)],
                         "entropy": centres[:, 0], "crossings": centres[:, 1],
                         "n": np.bincount(labels, minlength=k)})  # fmt: skip


class _SignTypes:
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


class SignTypeClassifier(_SignTypes):
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
        self.centroids_ = _centroid_table(self.names_, centres, labels)
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
        return self.kmeans_.predict(self.scaler_.transform(_features(X)))

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Sign type of each sign: ``stable | irregular | unstable | indeterminate``, shape (n,)."""
        arr = _features(X)
        names = np.array([self.names_[c] for c in self.predict_cluster(arr)], dtype=object)
        names[self.is_indeterminate(arr)] = "indeterminate"
        return names

    def is_indeterminate(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Boolean mask, shape (n,): many crossings (>= ``crossings_cut_``) with low entropy."""
        self._check_fitted()
        arr = _features(X)
        return (arr[:, 1] >= self.crossings_cut_) & (arr[:, 0] <= self.entropy_cut_)



class AuthorsSignTypeClassifier(_SignTypes):
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
        arr = _features(X)
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
        self.centroids_ = _centroid_table(self.names_, centres, labels)
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
        return self.kmeans_.predict(_features(X))

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Sign type of each sign: ``stable | irregular | unstable`` (no indeterminate), shape (n,)."""
        return np.array([self.names_[c] for c in self.predict_cluster(X)], dtype=object)

    def is_indeterminate(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Overlay flag, shape (n,): entropy < ``entropy_cut_`` and crossings > ``irregular_max_``."""
        self._check_fitted()
        arr = _features(X)
        return (arr[:, 1] >= self.crossings_cut_) & (arr[:, 0] < self.entropy_cut_)



def make_classifier(
    protocol: str | Protocol = "causal", **kwargs
) -> SignTypeClassifier | AuthorsSignTypeClassifier:
    """An unfitted sign-type classifier for ``protocol``.

    ``authors`` gives :class:`AuthorsSignTypeClassifier` with the protocol's k, ``n_init`` and
    ``random_state``; ``causal`` gives :class:`SignTypeClassifier`. ``kwargs`` override.
    """
    p = get_protocol(protocol)
    if p.clustering == "kmeans3":
        settings = {"n_clusters": p.kmeans_k, "n_init": p.kmeans_n_init,
                    "random_state": p.kmeans_random_state, **kwargs}
        return AuthorsSignTypeClassifier(**settings)
    settings = {"n_init": p.kmeans_n_init, "random_state": p.kmeans_random_state, **kwargs}
    return SignTypeClassifier(**settings)


def classify_signs(
    features: pd.DataFrame,
    protocol: str | Protocol = "authors",
    model_col: str = "model",
    entropy_cut: float | Mapping[str, float] | None = None,
    **kwargs,
) -> tuple[pd.DataFrame, dict[str, SignTypeClassifier | AuthorsSignTypeClassifier]]:
    """Fit one classifier per model under ``protocol`` and label every sign.

    Parameters
    ----------
    features : DataFrame
        One row per (model, video) with columns ``model, entropy, crossings``.
    protocol : {"authors", "causal"} or Protocol
    entropy_cut : float or mapping model → float, optional
        ``authors`` only: the overlay's entropy line (e.g. :data:`AUTHORS_ENTROPY_CUTS`); default
        the midpoint of the stable and irregular centroids.
    **kwargs
        Passed to the classifier (see :func:`make_classifier`).

    Returns
    -------
    labels : DataFrame aligned with ``features``, columns
        ``sign_type`` (``authors``: three types; ``causal``: may be ``indeterminate``),
        ``indeterminate`` (bool: the overlay under ``authors``, the fourth type under ``causal``)
        and ``cluster`` (k-means cluster id).
    classifiers : dict model → fitted classifier
    """
    if model_col not in features.columns:
        raise DataError(f"feature table lacks the {model_col!r} column")
    p = get_protocol(protocol)
    out = pd.DataFrame(index=features.index, columns=["sign_type", "indeterminate", "cluster"])
    fitted: dict = {}
    for model, rows in features.groupby(model_col, sort=False):
        extra = dict(kwargs)
        if p.clustering == "kmeans3":
            cut = entropy_cut.get(model) if isinstance(entropy_cut, Mapping) else entropy_cut
            extra.setdefault("entropy_cut", cut)
        clf = make_classifier(p, **extra).fit(rows)
        out.loc[rows.index, "sign_type"] = clf.predict(rows)
        out.loc[rows.index, "indeterminate"] = clf.is_indeterminate(rows)
        out.loc[rows.index, "cluster"] = clf.predict_cluster(rows)
        fitted[model] = clf
    return out.astype({"indeterminate": bool, "cluster": int}), fitted


def fit_sign_types(
    features: pd.DataFrame, model_col: str = "model", protocol: str | Protocol = "causal", **kwargs
) -> tuple[pd.Series, dict[str, SignTypeClassifier | AuthorsSignTypeClassifier]]:
    """Fit one classifier per model and label every row (see :func:`classify_signs`).

    Parameters
    ----------
    features : DataFrame
        One row per (model, video) with columns ``model, entropy, crossings``.
    protocol : {"causal", "authors"} or Protocol, default "causal"
        ``causal``: :class:`SignTypeClassifier` (indeterminate is a type); ``authors``:
        :class:`AuthorsSignTypeClassifier` (three types; the overlay flag is in
        :func:`classify_signs`).
    **kwargs
        Passed to the classifier.

    Returns
    -------
    sign_type : Series aligned with ``features``
    classifiers : dict model → fitted classifier
    """
    labels, fitted = classify_signs(features, protocol, model_col, **kwargs)
    return labels["sign_type"].astype(object).rename("sign_type"), fitted


def _wide_types(
    types: pd.DataFrame, models: Sequence[str] | None, video_col: str, model_col: str, type_col: str
) -> pd.DataFrame:
    need = {video_col, model_col, type_col}
    if missing := need - set(types.columns):
        raise DataError(f"agreement needs column(s) {sorted(missing)}")
    wide = types.pivot_table(index=video_col, columns=model_col, values=type_col, aggfunc="first")
    models = list(models or types[model_col].drop_duplicates())
    if unknown := [m for m in models if m not in wide.columns]:
        raise DataError(f"no sign type for model(s) {unknown}")
    return wide[models]


def pairwise_agreement(
    types: pd.DataFrame,
    models: Sequence[str] | None = None,
    video_col: str = "video",
    model_col: str = "model",
    type_col: str = "sign_type",
) -> pd.DataFrame:
    """Share of videos that each pair of models put in the same sign type.

    The paper's "60 % of the videos were classified under the same sign type" is this pairwise
    rate (authors: N-CNN/ViT 0.600, VGG/ViT 0.658, VGG/N-CNN 0.575).

    Parameters
    ----------
    types : DataFrame
        One row per (model, video): ``video, model, sign_type``.
    models : sequence of str, optional
        Models compared, in this order (default: order of appearance).

    Returns
    -------
    DataFrame, one row per pair: ``model_a, model_b, n_videos, agreement`` (videos typed by both).
    """
    wide = _wide_types(types, models, video_col, model_col, type_col)
    rows = []
    for a, b in itertools.combinations(wide.columns, 2):
        both = wide[[a, b]].dropna()
        agree = float((both[a] == both[b]).mean()) if len(both) else float("nan")
        rows.append({"model_a": a, "model_b": b, "n_videos": len(both), "agreement": agree})
    return pd.DataFrame(rows, columns=["model_a", "model_b", "n_videos", "agreement"])


def all_agree_fraction(
    types: pd.DataFrame,
    models: Sequence[str] | None = None,
    video_col: str = "video",
    model_col: str = "model",
    type_col: str = "sign_type",
) -> float:
    """Share of videos (typed by every model) that all models put in the same type (authors: 0.442)."""
    wide = _wide_types(types, models, video_col, model_col, type_col).dropna()
    return float((wide.nunique(axis=1) == 1).mean()) if len(wide) else float("nan")


def agreement_table(
    types: pd.DataFrame,
    models: Sequence[str] | None = None,
    video_col: str = "video",
    model_col: str = "model",
    type_col: str = "sign_type",
) -> pd.DataFrame:
    """Pairwise agreement rows plus one ``all`` row (every model agrees), for the comparison page.

    Returns
    -------
    DataFrame with columns ``models`` (``"a / b"`` or ``"all"``), ``n_videos, agreement``.
    """
    pairs = pairwise_agreement(types, models, video_col, model_col, type_col)
    wide = _wide_types(types, models, video_col, model_col, type_col).dropna()
    rows = [{"models": f"{r.model_a} / {r.model_b}", "n_videos": r.n_videos,
             "agreement": r.agreement} for r in pairs.itertuples()]
    rows.append({"models": "all", "n_videos": len(wide),
                 "agreement": all_agree_fraction(types, models, video_col, model_col, type_col)})
    return pd.DataFrame(rows, columns=["models", "n_videos", "agreement"])


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
        ``mean_prob`` (or the video score ``score``, used when present), ``threshold, entropy,
        crossings``. Under ``protocol: authors`` a boolean ``indeterminate`` column holds the
        overlay flag: each model then gets its three cluster types plus an ``indeterminate`` row
        over the flagged videos (``overlay`` True; they are also counted in their cluster's row).
    classifiers : dict, optional
        Fitted classifiers; adds ``k`` (clusters chosen) and ``clusters`` (k-means clusters merged
        into the type).

    Returns
    -------
    DataFrame
        Columns ``model, sign_type, accuracy, sensitivity, specificity, auc, entropy, crossings``
        (formatted mean ± sd), ``entropy_mean, crossings_mean`` (floats), ``n_pain, n_nopain``,
        ``overlay`` and, with classifiers, ``k, clusters``. Rows ordered by model then
        :data:`SIGN_TYPES`.
    """
    need = {"model", "sign_type", "label", "mean_prob", "threshold", "entropy", "crossings"}
    if missing := need - set(videos.columns):
        raise DataError(f"table3 needs column(s) {sorted(missing)}")
    thresholds = videos.groupby("model", sort=False)["threshold"].unique()
    if (thresholds.map(len) > 1).any():
        raise DataError("each model must have one threshold in table3's input")
    thresholds = thresholds.map(lambda t: float(t[0]))
    overlay = "indeterminate" in videos.columns and videos["indeterminate"].dtype == bool
    score = "score" if "score" in videos.columns else "mean_prob"
    rows = []
    for model, per_model in videos.groupby("model", sort=False):
        for sign_type in SIGN_TYPES:
            flagged = overlay and sign_type == "indeterminate"
            g = per_model[per_model["indeterminate"]] if flagged else per_model[per_model["sign_type"] == sign_type]
            if g.empty:
                continue
            y = g["label"].astype(int).to_numpy()
            m = binary_metrics(y, g[score], thresholds[model])
            row = {"model": model, "sign_type": sign_type, **m, "overlay": bool(flagged)}
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
