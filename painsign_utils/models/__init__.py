"""The three pain classifiers of the paper (§2.2, App. B) behind one registry.

This package owns the networks, their weights policy and their input conventions, one submodule a
job: :mod:`.base` (:class:`PainModel`), :mod:`.ncnn`, :mod:`.vgg`, :mod:`.vit` (the networks),
:mod:`.weights` (finding and reading weight files, :func:`create_model`) and :mod:`.checkpoints`.

* ``"ncnn"`` — N-CNN (Zamzmi et al. 2019), 120×120 RGB in [0, 1], trained from scratch
  (72,593 parameters with the single-logit head), initialized with Glorot-uniform weights and zero
  biases (Keras' defaults; the paper names no initialization).
  One departure: the 8-unit hidden layer starts with bias 0.5 (``FC_BIAS_INIT``), not 0, because
  with zero biases its units die on some folds and the network outputs a constant.
* ``"vggface"`` — VGG-16 with the face-recognition weights of Parkhi et al. (2015) and the paper's
  head FC 25088→512→512→1. Input 224×224, BGR, 0–255 minus the VGG-Face mean (at a smaller
  input the head reads the last map at its own size: FC 2048→512 at 64 px).
* ``"vit_b16"`` — timm's ViT-B/16 with ImageNet weights; only the head (dropout 0.1 + FC 768→1)
  is trained. Input 224×224 normalized with timm's mean/std.

Every model is a :class:`PainModel`: it carries its own input size and normalization
(:meth:`PainModel.preprocess`), returns one logit per image, and says where its weights came
from (``weights_source``). Each model also splits into a *frozen* part and a *trainable* part
per training phase (:meth:`PainModel.split`), so training can cache the frozen part's output.

The facts about each model (display name, input sizes, weights policy, Grad-CAM layer, transfer
protocol) are its entry in :mod:`painsign_utils.registry`; this package builds the networks.
"""

from __future__ import annotations

from .base import PainModel
from .checkpoints import (
    checkpoint_fingerprint,
    fingerprint,
    load_checkpoint,
    save_base,
    save_checkpoint,
)
from .weights import create_model, find_weights, require_pretrained, weight_dirs

__all__ = [
    "PainModel",
    "checkpoint_fingerprint",
    "create_model",
    "find_weights",
    "fingerprint",
    "load_checkpoint",
    "require_pretrained",
    "save_base",
    "save_checkpoint",
    "weight_dirs",
]
