"""Every number the paper publishes that this book compares against, in one place.

Ferreira et al., "Disclosing neonatal pain in real-time: AI-derived pain sign from continuous
assessment of facial expressions" (the text is ``pain-sign-paper.txt``). Each constant names its
source in the paper (table, section, figure). Nothing else in :mod:`painsign_utils` writes these
literals: the comparison page (:mod:`painsign_utils.report`), the verdicts, the training and
evaluation tables, the monitor's fallback sign types and the chapters read them from here
(``tests/test_paper.py`` checks both: the values against the paper's text, and that no other
module repeats them).

What is *not* here, and why:

* The models' input sizes (N-CNN 120 px, VGG-Face and ViT-B/16 224 px) are not printed in the
  paper; they are facts of the published architectures and live with the other model facts in
  :mod:`painsign_utils.registry`.
* The method's settings (moving average of 30 samples, §2.4; augmentation, App. A; 100 epochs,
  patience 5, batch 16, RMSProp 1e-4, App. B) are defaults of the code that applies them
  (:mod:`painsign_utils.sign`, :mod:`painsign_utils.augment`, :class:`painsign_utils.training.TrainConfig`),
  which says where each comes from.
* The authors' hand-drawn entropy lines for the "indeterminate" quadrant come from their code, not
  the paper (:data:`painsign_utils.clustering.AUTHORS_ENTROPY_CUTS`).

Rates are fractions (0.886 for 88.6 %), as the paper's percentages divided by 100.
"""

from __future__ import annotations

#: The metric names, in Table 2's row order.
METRICS: tuple[str, ...] = ("accuracy", "sensitivity", "specificity", "auc")

#: Table 1 ("Datasets characteristics"): what each real data set holds.
TABLE1: dict[str, dict[str, str | int]] = {
    "iCOPE": {
        "data type": "image",
        "newborns": 26,
        "males": 13,
        "females": 13,
        "total samples": 123,
        "pain": 60,
        "no pain": 63,
    },
    "UNIFESP": {
        "data type": "image",
        "newborns": 30,
        "males": 15,
        "females": 15,
        "total samples": 360,
        "pain": 164,
        "no pain": 196,
    },
    "iCOPEvid": {
        "data type": "video",
        "newborns": 49,
        "males": 26,
        "females": 23,
        "total samples": 120,
        "pain": 71,
        "no pain": 49,
    },
}

#: Table 2, "Validation results on iCOPE + UNIFESP": (mean, sd) over the 10 folds, per model.
TABLE2_VALIDATION: dict[str, dict[str, tuple[float, float]]] = {
    "vggface": {
        "accuracy": (0.886, 0.060),
        "sensitivity": (0.884, 0.090),
        "specificity": (0.893, 0.097),
        "auc": (0.930, 0.043),
    },
    "ncnn": {
        "accuracy": (0.836, 0.072),
        "sensitivity": (0.825, 0.108),
        "specificity": (0.853, 0.137),
        "auc": (0.890, 0.054),
    },
    "vit_b16": {
        "accuracy": (0.829, 0.042),
        "sensitivity": (0.876, 0.069),
        "specificity": (0.795, 0.095),
        "auc": (0.891, 0.029),
    },
}

#: Table 2, column "p-value": the Friedman test across the three models in validation.
FRIEDMAN_P: dict[str, float] = {
    "accuracy": 0.2405,
    "sensitivity": 0.5916,
    "specificity": 0.0550,
    "auc": 0.2016,
}

#: Table 2 (validation) in one mapping: the models' (mean, sd) and, under ``"p_value"``, the
#: Friedman p-values (the shape ``training.table2`` and the chapters' fold plots read).
TABLE2: dict[str, dict] = {**TABLE2_VALIDATION, "p_value": FRIEDMAN_P}

#: Table 2, "Test results on iCOPEvid": the best fold's model of each architecture (no sd).
TABLE2_TEST: dict[str, dict[str, float]] = {
    "vggface": {"accuracy": 0.633, "sensitivity": 0.857, "specificity": 0.479, "auc": 0.712},
    "ncnn": {"accuracy": 0.667, "sensitivity": 0.816, "specificity": 0.563, "auc": 0.740},
    "vit_b16": {"accuracy": 0.567, "sensitivity": 0.837, "specificity": 0.380, "auc": 0.688},
}

#: §3, second paragraph: the best AUC of Brahnam et al. on iCOPEvid, for scale.
BRAHNAM_AUC: float = 0.798

#: §3, the paragraphs on Fig. 4 and Fig. 6: the Youden classification thresholds, N-CNN 54.2 %,
#: VGG-Face 49.4 %, ViT-B/16 43.1 %. They are the means over the 10 folds of each fold's Youden
#: threshold: the authors' code scores the videos against that mean (the ``authors`` protocol,
#: docs/design.md), not against the best fold's own threshold.
THRESHOLDS: dict[str, float] = {"ncnn": 0.542, "vggface": 0.494, "vit_b16": 0.431}

#: §3, the paragraph before Fig. 6: Pearson's r between two models' signs, (mean, sd) over videos.
PEARSON_R: dict[tuple[str, str], tuple[float, float]] = {
    ("vggface", "ncnn"): (0.52, 0.36),
    ("vggface", "vit_b16"): (0.49, 0.33),
    ("ncnn", "vit_b16"): (0.57, 0.37),
}

#: §3, same paragraph: "60% of the videos were classified under the same sign type across models"
#: (the pairwise agreement rate, :func:`painsign_utils.clustering.pairwise_agreement`).
SAME_TYPE_FRACTION: float = 0.60

#: §3: "for all models, the optimal number of clusters was three" (silhouette over k = 2..10, §2.5).
N_SIGN_TYPES: int = 3

#: §3, the paragraph on Fig. 4: the fourth, "indeterminate" type: "Only one sign from N-CNN met
#: this criterion" (of the 120 test videos of each of the three models, Table 1).
N_INDETERMINATE: int = 1

#: Table 3 ("Classification and temporal metrics for each type of pain sign and model"), one row
#: per model and sign type: accuracy, sensitivity, specificity, AUC, entropy (mean, sd), threshold
#: crossings (mean, sd), videos labelled pain, videos labelled no pain.
TABLE3_COLUMNS: tuple[str, ...] = (
    "model",
    "sign_type",
    "accuracy",
    "sensitivity",
    "specificity",
    "auc",
    "entropy_mean",
    "entropy_sd",
    "crossings_mean",
    "crossings_sd",
    "n_pain",
    "n_nopain",
)
TABLE3: tuple[tuple, ...] = (
    ("vggface", "stable", 0.706, 0.938, 0.500, 0.709, 0.35, 0.46, 0.16, 0.37, 32, 36),
    ("vggface", "irregular", 0.606, 0.692, 0.550, 0.508, 1.75, 0.64, 2.52, 0.91, 13, 20),
    ("vggface", "unstable", 0.421, 0.750, 0.333, 0.683, 2.56, 0.46, 6.79, 2.30, 4, 15),
    ("ncnn", "stable", 0.722, 0.895, 0.629, 0.836, 0.75, 0.66, 0.11, 0.32, 19, 35),
    ("ncnn", "irregular", 0.714, 0.800, 0.636, 0.752, 2.31, 0.47, 2.43, 0.89, 20, 22),
    ("ncnn", "unstable", 0.458, 0.700, 0.286, 0.507, 2.61, 0.52, 6.75, 1.42, 10, 14),
    ("vit_b16", "stable", 0.719, 0.897, 0.571, 0.749, 1.23, 0.79, 0.19, 0.39, 29, 35),
    ("vit_b16", "irregular", 0.324, 0.692, 0.095, 0.330, 2.64, 0.46, 3.00, 1.13, 13, 21),
    ("vit_b16", "unstable", 0.500, 0.857, 0.333, 0.610, 2.62, 0.39, 8.00, 2.26, 7, 15),
)


#: Table 3, N-CNN rows: (mean entropy, mean threshold crossings) of each sign type over the 20-s
#: videos; the real-time monitor's fallback sign types when no classifier fitted here is given.
SIGN_CENTROIDS: dict[str, tuple[float, float]] = {
    r[1]: (r[6], r[8]) for r in TABLE3 if r[0] == "ncnn"
}
#: Table 3, N-CNN rows: the standard deviations of the same two features (distances in sd units).
SIGN_SPREADS: dict[str, tuple[float, float]] = {
    r[1]: (r[7], r[9]) for r in TABLE3 if r[0] == "ncnn"
}


def pearson_r(a: str, b: str) -> tuple[float, float] | None:
    """The paper's (mean, sd) Pearson r between models ``a`` and ``b`` (either order), or None."""
    return PEARSON_R.get((a, b)) or PEARSON_R.get((b, a))


def rate_range(values: list[float] | tuple[float, ...]) -> str:
    """``"81.6-85.7%"``: the range of some of the paper's rates as the paper prints them."""
    return f"{100 * min(values):.1f}-{100 * max(values):.1f}%"
