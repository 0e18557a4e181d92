"""What every attribution method shares: the :class:`Explanation` record, the model's input batch
(:func:`prepare_inputs`), the signed logit it explains (:func:`signed_forward`) and the test for
flat maps (:func:`flat_maps`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..errors import ModelError


@dataclass
class Explanation:
    """Result of one ``attribute`` call on a batch of N images of size H x W.

    Attributes
    ----------
    maps : ndarray, shape (N, H, W), float32
        One attribution map per image at the input's spatial size (Grad-CAM: the upsampled class
        activation map; IG: attributions summed over the colour channels, signed).
    logits : ndarray, shape (N,)
        The explained logit ``f(x)`` (the "pain" logit, negated when explaining "no pain").
    method : str
        ``"gradcam"`` or ``"ig"``.
    delta : ndarray, shape (N,), optional
        IG only: captum's convergence delta, ``sum(attributions) - (f(x) - f(baseline))``.
    baseline_logits : ndarray, shape (N,), optional
        IG only: ``f(baseline)``.
    attributions : ndarray, shape (N, 3, H, W), optional
        IG only: per-channel attributions.
    flat : ndarray, shape (N,), bool, optional
        Grad-CAM only: maps with no region standing out (:func:`flat_maps`; after the ReLU, a map
        whose every cell was negative is all zero). Such a map says "no positive evidence"; drawn,
        it would be an empty overlay.
    grid : (int, int), optional
        Grad-CAM only: the explained layer's spatial grid before upsampling (the patch grid of a
        transformer), which bounds how finely a map can point at a region.
    """

    maps: np.ndarray
    logits: np.ndarray
    method: str
    delta: np.ndarray | None = None
    baseline_logits: np.ndarray | None = None
    attributions: np.ndarray | None = None
    flat: np.ndarray | None = None
    grid: tuple[int, int] | None = None


def flat_maps(maps: np.ndarray, rtol: float = 1e-6) -> np.ndarray:
    """Which maps of a stack ``(N, H, W)`` are flat: their range is at most ``rtol`` of their
    largest absolute value (an all-zero map included). Boolean array of shape (N,)."""
    m = np.asarray(maps, dtype=np.float64).reshape(len(maps), -1)
    if m.shape[1] == 0:
        return np.ones(len(m), dtype=bool)
    span = m.max(axis=1) - m.min(axis=1)
    scale = np.abs(m).max(axis=1)
    return span <= rtol * np.maximum(scale, 1e-30)


def prepare_inputs(model: nn.Module, inputs: torch.Tensor | Sequence[np.ndarray]) -> torch.Tensor:
    """A float batch ``(N, 3, S, S)`` on the model's device from a tensor or from uint8 RGB crops."""
    if not isinstance(inputs, torch.Tensor):
        if not hasattr(model, "preprocess"):
            raise ModelError("model has no preprocess(); pass a prepared float tensor instead")
        inputs = model.preprocess(list(inputs))
    if inputs.ndim != 4 or inputs.shape[1] != 3:
        raise ModelError(f"expected a batch of shape (N, 3, S, S), got {tuple(inputs.shape)}")
    return inputs.detach().float().to(model_device(model))


def model_device(model: nn.Module) -> torch.device:
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


def signed_forward(model: nn.Module, target: str):
    """Forward returning one scalar per image: the pain logit, or minus it for ``"nopain"``."""
    if target not in ("pain", "nopain"):
        raise ModelError(f"target must be 'pain' or 'nopain', got {target!r}")
    sign = 1.0 if target == "pain" else -1.0

    def forward(x: torch.Tensor) -> torch.Tensor:
        return sign * model(x).reshape(x.shape[0])

    return forward
