"""The measured effect of each difference between the two protocols, from the artifacts of one run.

Chapter 10 (the methods ledger) says, for every method element, what the paper wrote, what the
authors' code does and what the book does under ``protocol: authors`` and ``causal``
(:mod:`painsign_utils.protocol`). This package adds what the difference *does* on the data of one
run: it reads the run's artifacts under ``artifacts/<profile>/`` and recomputes both variants of
each element itself, with the package's own functions, so the effect is measured on the same
predictions and never typed in.

What it reads (all written by chapters 02 and 03):

* ``training/<model>/fold*/predictions.csv`` — each fold's validation predictions
  (``label, prob``);
* ``training/<model>/fold*/done.json`` — its ``threshold``, Youden on the training folds;
* ``training/best_models.csv`` — the models of the run;
* ``inference/<model>/<video>.csv`` — per-frame ``frame, time, prob`` (NaN without a face);
* ``tables/video_summary.csv`` — per (model, video): ``label``, ``threshold`` (the θ this run used
  for the videos), ``window`` and, on synthetic data, ``scenario``;
* optionally ``explain/<model>/<video>.npz`` (chapter 06's signed IG maps).

What it measures, per model:

* **sign mode** ``valid`` vs ``causal``: mean entropy, mean crossings, video AUC and accuracy (video
  score = mean of that sign, at the run's θ), and Pearson's r between models;
* **threshold rule**: validation accuracy, sensitivity and specificity with each fold at its own
  θ_k (Youden on that fold's validation predictions, :func:`~painsign_utils.metrics.fold_thresholds`)
  vs at the training-fold θ; the video threshold, mean θ_k ± sd vs the training-fold θ of the fold
  whose checkpoint classifies the videos (``best_models.csv``); video accuracy at both;
* **video score**: mean of the ``valid`` sign vs mean over frames with a face;
* **clustering**: the authors' k-means (k = 3, unscaled) vs z-scored k chosen by silhouette, on the
  same (entropy, crossings) of the ``valid`` sign: k, types and their sizes, indeterminate signs,
  the adjusted Rand index (ARI) between the two labelings and with the synthetic scenarios, and the
  pairwise / three-way agreement of sign types between models;
* **IG clamp vs abs** on chapter 06's cached signed maps when they exist: the share of the absolute
  attribution that is negative (what the clamp drops) and the overlap of the top 10 % pixels;
* **augmentation** semantics on a test card (a bright square "face" on a dark crop): the visible
  face area after each style's draws. What they do to the trained models, and the effect of weight
  decay and of VGG-Face's fine-tuning rate, need a second training run and are not measured;
* **calibration**, raw vs temperature-scaled probabilities, read from chapter 11's tables when it
  has run (:mod:`.calibration`): test ECE and Brier, video accuracy, mean entropy, the videos
  whose sign type changes and the ARI between the two typings.

:func:`effect_numbers` returns the long numeric table, :func:`paired_table` its quantities measured
both ways side by side. Submodules: :mod:`.elements` (the names), :mod:`.reading` (one run's
artifacts), :mod:`.measures` (the numbers), :mod:`.calibration` (chapter 11's row). See docs/design.md.
"""

from .elements import (
    AGREEMENT,
    AUGMENT_STYLES,
    AUGMENTATION,
    CALIBRATION,
    CALIBRATION_MAP,
    CALIBRATIONS,
    CLUSTERING,
    CLUSTERINGS,
    ELEMENTS,
    FINETUNE,
    IG,
    IG_MODES,
    INDETERMINATE,
    NUMBER_COLUMNS,
    OPTIMIZER,
    PEARSON,
    SIGN_MODES,
    SMOOTHING,
    THRESHOLD,
    THRESHOLD_RULES,
    VARIANTS,
    VIDEO_SCORE,
    VIDEO_SCORES,
)
from .measures import effect_numbers, effect_value, paired_table

__all__ = [
    "AGREEMENT",
    "AUGMENTATION",
    "AUGMENT_STYLES",
    "CALIBRATION",
    "CALIBRATIONS",
    "CALIBRATION_MAP",
    "CLUSTERING",
    "CLUSTERINGS",
    "ELEMENTS",
    "FINETUNE",
    "IG",
    "IG_MODES",
    "INDETERMINATE",
    "NUMBER_COLUMNS",
    "OPTIMIZER",
    "PEARSON",
    "SIGN_MODES",
    "SMOOTHING",
    "THRESHOLD",
    "THRESHOLD_RULES",
    "VARIANTS",
    "VIDEO_SCORE",
    "VIDEO_SCORES",
    "effect_numbers",
    "effect_value",
    "paired_table",
]
