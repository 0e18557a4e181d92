"""One fitted sign-type classifier per model, under either protocol, and its storage.

:func:`make_classifier` picks the classifier of a protocol; :func:`classify_signs` fits one per
model and returns ``sign_type`` with a boolean ``indeterminate`` column; :func:`save_classifiers` /
:func:`load_classifiers` keep chapter 05's fitted classifiers for later chapters (the real-time
monitor of chapter 08, the verdicts).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from ..errors import DataError
from ..protocol import Protocol, get_protocol
from ..storage import atomic_path
from .authors import AuthorsSignTypeClassifier
from .causal import SignTypeClassifier


def make_classifier(
    protocol: str | Protocol = "causal", **kwargs
) -> SignTypeClassifier | AuthorsSignTypeClassifier:
    """An unfitted sign-type classifier for ``protocol``.

    ``authors`` gives :class:`AuthorsSignTypeClassifier` with the protocol's k, ``n_init`` and
    ``random_state``; ``causal`` gives :class:`SignTypeClassifier`. ``kwargs`` override.
    """
    p = get_protocol(protocol)
    if p.clustering == "kmeans3":
        settings = {
            "n_clusters": p.kmeans_k,
            "n_init": p.kmeans_n_init,
            "random_state": p.kmeans_random_state,
            **kwargs,
        }
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


def save_classifiers(classifiers: dict[str, SignTypeClassifier], path: str | Path) -> Path:
    """Pickle fitted classifiers (model → classifier) atomically, e.g. for the real-time monitor."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(pickle.dumps(classifiers))
    return Path(path)


def load_classifiers(
    path: str | Path, models: Iterable[str] = ()
) -> dict[str, SignTypeClassifier | AuthorsSignTypeClassifier]:
    """Read classifiers written by :func:`save_classifiers` (a pickle: only load your own files).

    Parameters
    ----------
    path : path of chapter 05's ``clustering/sign_types.pkl``
    models : model names that must be among them

    Raises
    ------
    DataError
        One line naming chapter 05 when the file is absent or lacks one of ``models``.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(
            f"no fitted sign-type classifiers at {path}: run chapter 05 (05_sign_clustering) first"
        )
    fitted = pickle.loads(path.read_bytes())
    missing = [m for m in models if m not in fitted]
    if missing:
        raise DataError(
            f"chapter 05 fitted no sign types for {', '.join(missing)} (it has "
            f"{', '.join(fitted) or 'none'}): re-run chapter 05 (05_sign_clustering) with that model"
        )
    return fitted
