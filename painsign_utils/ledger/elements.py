"""The names the ledger's numbers use: the method elements, the variants measured of each, the columns.

The element names are the keys of ``tables/methods_ledger.csv`` and ``ledger_numbers.csv``; chapter
10 gives each element its words (the paper's text, the authors' code, each protocol).
"""

from __future__ import annotations

#: Columns of the long numeric table of :func:`~painsign_utils.ledger.effect_numbers`.
NUMBER_COLUMNS = ["element", "quantity", "model", "variant", "value"]
#: Variant names of the long table (the first of each pair is what the authors' code does).
SIGN_MODES = ("valid", "causal")
THRESHOLD_RULES = ("θ_k (validation folds)", "θ (training folds)")
VIDEO_SCORES = ("sign mean", "face mean")
CLUSTERINGS = ("authors (k = 3, unscaled)", "causal (z-scored, silhouette k)")
IG_MODES = ("clamp", "abs")
AUGMENT_STYLES = ("albumentations", "keras")
CALIBRATIONS = ("raw", "recalibrated")
#: The recalibration the ledger compares with the raw probabilities (chapter 11 measures all).
CALIBRATION_MAP = "temperature"

SMOOTHING = "Pain-sign smoothing (§2.4)"
VIDEO_SCORE = "Video score (§2.5, Table 2 test)"
THRESHOLD = "Classification threshold (§2.5, §3)"
CLUSTERING = "Sign-type clustering (§2.5, Table 3)"
INDETERMINATE = "Indeterminate sign (§3, Fig. 4)"
AGREEMENT = "Same sign type across models (§3)"
PEARSON = "Pearson r between models (§3)"
IG = "Integrated Gradients (§2.3)"
AUGMENTATION = "Data augmentation (App. A)"
OPTIMIZER = "Optimizer (App. B)"
FINETUNE = "VGG-Face fine-tuning (App. B)"
CALIBRATION = "Probability calibration (§2.2; authors' later code)"

#: The ledger's elements, in the order of the paper.
ELEMENTS: tuple[str, ...] = (
    SMOOTHING,
    VIDEO_SCORE,
    THRESHOLD,
    CLUSTERING,
    INDETERMINATE,
    AGREEMENT,
    PEARSON,
    IG,
    AUGMENTATION,
    OPTIMIZER,
    FINETUNE,
    CALIBRATION,
)

#: The two variants each measured element's numbers compare, the authors' first.
VARIANTS: dict[str, tuple[str, str]] = {
    SMOOTHING: SIGN_MODES,
    VIDEO_SCORE: VIDEO_SCORES,
    THRESHOLD: THRESHOLD_RULES,
    CLUSTERING: CLUSTERINGS,
    INDETERMINATE: CLUSTERINGS,
    AGREEMENT: CLUSTERINGS,
    PEARSON: SIGN_MODES,
    IG: IG_MODES,
    AUGMENTATION: AUGMENT_STYLES,
    CALIBRATION: CALIBRATIONS,
}
