"""Synthetic-face pretraining: the offline stand-in for VGG-Face and ImageNet weights.

The paper's VGG-Face starts from a network trained to tell thousands of adult identities apart and
its ViT-B/16 from ImageNet; only their heads (and VGG's last two blocks) learn pain. Those weights
cannot ship here, and a frozen *random* base gives features in which pain is barely separable. So,
when no real pretrained weights are found locally (they always take precedence), each backbone is
first pretrained on rendered faces of **subjects disjoint from the book's data sets** (another seed
and the identity prefix ``P``), with the labels the renderer knows: the identity (what VGG-Face
was trained on) and the intensity of each NFCS facial action, plus sleep and yawns. The paper's
transfer protocol then runs unchanged on top (chapter 02). See docs/design.md, "Models and weights".

This package owns, one submodule a job (:mod:`.config`, :mod:`.corpus`, :mod:`.train`,
:mod:`.starts`):

* the corpus (:func:`.corpus.render_corpus`): faces on crib backgrounds, roll ±30°, lighting, blur,
  noise, caps, hands, cropped like the detector's crops; rendered once for every crop size that
  the models ask for and cached under ``$PAINSIGN_CACHE/pretrain/corpus`` (:func:`prepare_corpus`);
* the multitask pretraining (:func:`pretrain`): identity cross-entropy + action regression from the
  pooled features, AdamW with warm-up and cosine decay, gradient clipping, float32;
* the cache: one folder per model, input size and settings digest under
  ``$PAINSIGN_CACHE/pretrain`` (default ``~/.cache/painsign/pretrain``), holding ``weights.pt``
  (a state dict that :func:`~painsign_utils.models.create_model` loads like real weights) and
  ``card.json`` (corpus, epochs, held-out accuracy, time, digest). Resumable after every epoch,
  written atomically, reused by every later run with the same settings;
* :func:`starting_weights`: where each model starts (real file, synthetic pretraining, or random).
"""

from __future__ import annotations

from .config import PretrainConfig, profile_plan
from .corpus import load_corpus, prepare_corpus
from .starts import (
    prepare_starts,
    pretraining_due,
    probe_images,
    probe_starts,
    read_card,
    starting_weights,
)
from .train import pretrain

__all__ = [
    "load_corpus",
    "prepare_corpus",
    "prepare_starts",
    "pretrain",
    "PretrainConfig",
    "pretraining_due",
    "probe_images",
    "probe_starts",
    "profile_plan",
    "read_card",
    "starting_weights",
]
