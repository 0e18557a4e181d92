"""Cross-validated training of the three models and their validation metrics (paper §2.2, §2.5, App. B).

This package owns, one submodule a job:

* :mod:`.config` — the protocol as data (:class:`TrainConfig`, :func:`config_from_params`);
* :mod:`.folds` — leave-some-subjects-out folds, subjects stratified by source data set, a subject
  in exactly one fold (:func:`make_folds`);
* :mod:`.inputs` — the training images, the augmentation and frozen-feature caches;
* :mod:`.loop` — the training loop of App. B for one fold — one logit, BCE, RMSprop (lr 1e-4),
  batch 16, at most 100 epochs, early stop after 5 epochs without a lower validation loss, the best
  checkpoint kept; VGG-Face fine-tunes its last two conv blocks once its head has stalled; ViT
  trains its head only;
* :mod:`.cv` — the cross-validation as tasks: one preparation per model (caches), one task per
  fold, on this process, a LocalCluster or a Dask cluster (:func:`train_model`, :func:`run_cv`);
* :mod:`.optim` — RMSprop with in-place updates, bit-identical to torch's and 2-3× faster a step
  on VGG-Face's large head (:class:`InPlaceRMSprop`);
* :mod:`.results` — the thresholds under two rules, from the same run: ``training_folds`` (Youden's
  index on the training folds' original images, no leak; in ``done.json``) and ``validation_folds``
  (the authors' rule, ``protocol: authors``: θ_k = :func:`painsign_utils.metrics.fold_thresholds`
  on fold k's validation predictions, Table 2 per fold at θ_k, the videos at the mean θ ± sd), see
  :func:`rule_metrics`; the validation metrics, their mean ± sd and Friedman test, Table 2 next to
  the paper's numbers (:func:`table2`, :func:`table2_rules`, :func:`best_models`).

Everything is resumable: ``last.pt`` holds the model, optimizer, counters and RNG state, saved
after each phase's first epoch and then at least once a minute (replaying epochs is exact); a fold with ``done.json`` is skipped. Layout under ``artifacts/<profile>/training/``::

    folds.csv                       subject, dataset, fold
    cache/                          augmented images and frozen features (npy, atomic)
    <model>/fold<k>/last.pt         resume point (deleted when the fold is done)
    <model>/fold<k>/best.pt         best checkpoint (lowest validation loss), with its threshold
    <model>/fold<k>/log.csv         epoch, phase, train_loss, val_loss, val_auc, seconds, improved
    <model>/fold<k>/predictions.csv validation predictions of the best checkpoint
    <model>/fold<k>/done.json       threshold, metrics, epochs, timings
    metrics.csv, best_models.csv    one row per model and fold / per model
"""

from __future__ import annotations

from .config import TrainConfig, config_from_params
from .cv import run_cv, train_model
from .folds import load_or_make_folds, make_folds
from .inputs import read_crops, training_images
from .results import (
    THRESHOLD_RULES,
    collect_metrics,
    friedman_pvalues,
    read_logs,
    table2,
    table2_rules,
    threshold_table,
    timing_table,
)

__all__ = [
    "THRESHOLD_RULES",
    "TrainConfig",
    "collect_metrics",
    "config_from_params",
    "friedman_pvalues",
    "load_or_make_folds",
    "make_folds",
    "read_crops",
    "read_logs",
    "run_cv",
    "table2",
    "table2_rules",
    "threshold_table",
    "timing_table",
    "train_model",
    "training_images",
]
