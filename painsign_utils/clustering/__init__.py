"""Sign types (paper §2.5, §3): k-means on (entropy, threshold crossings), named from the centroids.

Submodules: ``base`` (the features and type names, what both classifiers share), ``causal``
(:class:`SignTypeClassifier`, z-scored features with k chosen by silhouette), ``authors``
(:class:`AuthorsSignTypeClassifier`, the authors' k = 3 on unscaled features with the
indeterminate overlay), ``fitting`` (one classifier per model under a protocol; saving and
loading them), ``naming`` (does each named type meet the paper's definition), ``agreement`` (how
often models give a video the same type) and ``tables`` (Table 3, the Friedman test). See
docs/design.md, "The two protocols".
"""

from .agreement import agreement_table, all_agree_fraction, pairwise_agreement
from .authors import AUTHORS_ENTROPY_CUTS, AuthorsSignTypeClassifier
from .base import FEATURES, SIGN_TYPES, best_k
from .causal import SignTypeClassifier
from .fitting import (
    classify_signs,
    load_classifiers,
    make_classifier,
    save_classifiers,
)
from .naming import definition_checks, naming_summary
from .tables import friedman_by_type, table3

__all__ = [
    "AUTHORS_ENTROPY_CUTS",
    "FEATURES",
    "SIGN_TYPES",
    "AuthorsSignTypeClassifier",
    "SignTypeClassifier",
    "agreement_table",
    "all_agree_fraction",
    "best_k",
    "classify_signs",
    "definition_checks",
    "friedman_by_type",
    "load_classifiers",
    "make_classifier",
    "naming_summary",
    "pairwise_agreement",
    "save_classifiers",
    "table3",
]
