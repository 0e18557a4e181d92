"""Grad-CAM through captum's ``LayerGradCam`` on ``model.gradcam_layer``; a vision transformer's
tokens are routed through a small identity module that sees them as a patch grid."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ..errors import ModelError
from .attribution import Explanation, flat_maps, prepare_inputs, signed_forward


class _TokenGrid(nn.Module):
    """Identity on a ``(N, C, h, w)`` patch grid: the module captum hooks for a transformer."""

    def forward(self, grid: torch.Tensor) -> torch.Tensor:
        return grid


class GradCAM:
    """Grad-CAM (Selvaraju et al. 2017) of a PainModel's pain logit, through captum.

    Parameters
    ----------
    model : nn.Module
        A PainModel: ``forward(x) -> (N,)`` logits, ``gradcam_layer`` and ``reshape_transform``.
    layer : nn.Module, optional
        Layer to explain; defaults to ``model.gradcam_layer``.
    reshape_transform : callable, optional
        Tokens ``(N, P+T, C)`` -> grid ``(N, C, h, w)`` without the ``P`` prefix (class) tokens;
        defaults to ``model.reshape_transform`` (None for CNNs).
    relu : bool
        Keep only positive evidence, as in the original method.
    upsample : bool
        Upsample the maps bilinearly to the input's size (default); False returns them on the
        layer's own grid (the patch grid of a transformer).
    """

    def __init__(
        self,
        model: nn.Module,
        layer: nn.Module | None = None,
        reshape_transform=None,
        relu: bool = True,
        upsample: bool = True,
    ):
        layer = layer if layer is not None else getattr(model, "gradcam_layer", None)
        if not isinstance(layer, nn.Module):
            raise ModelError(f"model {getattr(model, 'name', '?')!r} has no gradcam_layer module")
        self.model = model
        self.layer = layer
        self.reshape_transform = (
            reshape_transform
            if reshape_transform is not None
            else getattr(model, "reshape_transform", None)
        )
        self.relu = relu
        self.upsample = upsample
        self._grid = _TokenGrid()

    def _route_tokens(self, _module, _inputs, tokens: torch.Tensor) -> torch.Tensor:
        # Replace the layer's token output by an equal tensor that passes through self._grid as a
        # patch grid, so captum's LayerGradCam (hooked on self._grid) sees (N, C, h, w).
        grid = self._grid(self.reshape_transform(tokens))
        n_prefix = tokens.shape[1] - grid.shape[2] * grid.shape[3]
        patches = grid.flatten(2).transpose(1, 2)
        return torch.cat([tokens[:, :n_prefix], patches], dim=1)

    def attribute(
        self, inputs: torch.Tensor | Sequence[np.ndarray], target: str = "pain"
    ) -> Explanation:
        """Grad-CAM maps for a batch.

        Parameters
        ----------
        inputs : tensor (N, 3, S, S) or sequence of uint8 RGB crops
        target : {"pain", "nopain"}
            Explain the pain logit or its negation.

        Returns
        -------
        Explanation
            ``maps`` of shape (N, S, S) (the layer's grid ``(N, h, w)`` without ``upsample``),
            non-negative when ``relu``; ``flat`` flags the maps with no region standing out and
            ``grid`` is the layer's ``(h, w)``.
        """
        from captum.attr import LayerAttribution, LayerGradCam

        x = prepare_inputs(self.model, inputs)
        forward = signed_forward(self.model, target)
        hooked = self._grid if self.reshape_transform is not None else self.layer
        handle = (
            self.layer.register_forward_hook(self._route_tokens)
            if self.reshape_transform is not None
            else None
        )
        was_training = self.model.training
        self.model.eval()
        try:
            cam = LayerGradCam(forward, hooked).attribute(x, relu_attributions=self.relu)
            with torch.no_grad():
                logits = forward(x)
        finally:
            if handle is not None:
                handle.remove()
            self.model.train(was_training)
        cam = cam.detach()
        grid = (int(cam.shape[-2]), int(cam.shape[-1]))
        flat = flat_maps(cam[:, 0].cpu().numpy())
        if self.upsample:
            cam = LayerAttribution.interpolate(cam, tuple(x.shape[-2:]), "bilinear")
        return Explanation(
            maps=cam[:, 0].cpu().numpy().astype(np.float32),
            logits=logits.cpu().numpy(),
            method="gradcam",
            flat=flat,
            grid=grid,
        )
