"""The names the ledger's numbers use: the ledger elements measured, the variants of each, the columns."""

from __future__ import annotations

from ..protocol import LEDGER

#: Columns of the long numeric table of :func:`effect_numbers`.
NUMBER_COLUMNS = ["element", "quantity", "model", "variant", "value"]
#: Variant names of the long table (the first of each pair is what the authors' code does).
SIGN_MODES = ("valid", "causal")
THRESHOLD_RULES = ("θ_k (validation folds)", "θ (training folds)")
VIDEO_SCORES = ("sign mean", "face mean")
CLUSTERINGS = ("authors (k = 3, unscaled)", "causal (z-scored, silhouette k)")
IG_MODES = ("clamp", "abs")
AUGMENT_STYLES = ("albumentations", "keras")


def element(prefix: str) -> str:
    """The ledger element whose name starts with ``prefix`` (e.g. ``"Pain-sign smoothing"``)."""
    for e in LEDGER:
        if e.element.startswith(prefix):
            return e.element
    raise KeyError(f"no ledger element starts with {prefix!r}")


SMOOTHING = element("Pain-sign smoothing")
VIDEO_SCORE = element("Video score")
THRESHOLD = element("Classification threshold")
CLUSTERING = element("Sign-type clustering")
INDETERMINATE = element("Indeterminate sign")
AGREEMENT = element("Same sign type")
PEARSON = element("Pearson r")
IG = element("Integrated Gradients")
AUGMENTATION = element("Data augmentation")
OPTIMIZER = element("Optimizer")
FINETUNE = element("VGG-Face fine-tuning")


#: The two variants each element's numbers compare, the authors' first.
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
}
