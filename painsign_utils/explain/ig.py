"""Integrated Gradients through captum, from a stated baseline with a stated number of steps (its
convergence delta returned with every map), and the importance of a signed IG map
(:func:`ig_importance`: absolute value or clamped at 0)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import torch
from torch import nn

from ..errors import ConfigError, ModelError
from .attribution import Explanation, prepare_inputs, signed_forward

#: Baselines understood by :class:`IntegratedGradients`.
IG_BASELINES = ("black", "zeros", "blur")
#: How a signed, channel-summed IG map becomes an importance map before the post-processing:
#: ``"abs"`` keeps evidence for and against the explained class (the book's default, ``causal``);
#: ``"clamp"`` keeps only evidence for it, as the authors' code does (``protocol: authors``).
IG_POSTPROCESS: tuple[str, ...] = ("abs", "clamp")


class IntegratedGradients:
    """Integrated Gradients (Sundararajan et al. 2017) of the pain logit, through captum.

    Parameters
    ----------
    model : nn.Module
        A PainModel (see :class:`GradCAM`).
    baseline : {"black", "zeros", "blur"} or tensor
        The reference image the path starts from: ``"black"`` is a black face prepared by
        ``model.preprocess`` (so each model's own normalisation applies), ``"zeros"`` is zero in the
        model's input space (the mean colour for mean-subtracted models), ``"blur"`` is the input
        Gaussian-blurred with ``blur_sigma`` x side (keeps colour, removes facial detail). A tensor
        of shape (3, S, S) or (N, 3, S, S) is used as given.
    n_steps : int
        Points of the path integral (Gauss-Legendre quadrature by default).
    method : str
        captum's integration rule.
    internal_batch_size : int, optional
        Path points evaluated per forward pass (bounds memory). Default: about 64 rows at
        112 px, scaled with the image area (16 at 224 px, 196 at 64 px), and at least
        ``min(n_steps, 8)``; larger batches reuse each weight for more rows, which is most of the
        cost of the big models on a CPU.
    blur_sigma : float
        Gaussian sigma of the ``"blur"`` baseline as a fraction of the image side.
    """

    def __init__(
        self,
        model: nn.Module,
        baseline: str | torch.Tensor = "black",
        n_steps: int = 50,
        method: str = "gausslegendre",
        internal_batch_size: int | None = None,
        blur_sigma: float = 0.08,
    ):
        if isinstance(baseline, str) and baseline not in IG_BASELINES:
            raise ModelError(f"unknown IG baseline {baseline!r}; use one of {IG_BASELINES}")
        if int(n_steps) < 2:
            raise ModelError(f"IG needs n_steps >= 2, got {n_steps}")
        self.model = model
        self.baseline = baseline
        self.n_steps = int(n_steps)
        self.method = method
        self.internal_batch_size = internal_batch_size
        self.blur_sigma = float(blur_sigma)

    def baselines(self, x: torch.Tensor) -> torch.Tensor:
        """The baseline batch for prepared inputs ``x`` (N, 3, S, S)."""
        if isinstance(self.baseline, torch.Tensor):
            b = self.baseline.to(x.device, x.dtype)
            return (b.unsqueeze(0) if b.ndim == 3 else b).expand_as(x).contiguous()
        if self.baseline == "zeros":
            return torch.zeros_like(x)
        if self.baseline == "black":
            black = np.zeros((x.shape[-2], x.shape[-1], 3), dtype=np.uint8)
            b = prepare_inputs(self.model, [black]) if hasattr(self.model, "preprocess") else None
            return torch.zeros_like(x) if b is None else b.to(x.device).expand_as(x).contiguous()
        sigma = max(self.blur_sigma * x.shape[-1], 0.5)
        arr = x.cpu().numpy().transpose(0, 2, 3, 1)
        blurred = np.stack([cv2.GaussianBlur(a, (0, 0), sigma) for a in arr])
        return torch.from_numpy(blurred.transpose(0, 3, 1, 2).copy()).to(x.device, x.dtype)

    def attribute(
        self, inputs: torch.Tensor | Sequence[np.ndarray], target: str = "pain"
    ) -> Explanation:
        """IG attributions, their channel-summed maps and the convergence delta for a batch.

        Returns
        -------
        Explanation
            ``maps`` (N, S, S) signed; ``attributions`` (N, 3, S, S); ``delta`` (N,);
            ``logits`` f(x) and ``baseline_logits`` f(baseline), each (N,).
        """
        from captum.attr import IntegratedGradients as CaptumIG

        x = prepare_inputs(self.model, inputs)
        base = self.baselines(x)
        forward = signed_forward(self.model, target)
        was_training = self.model.training
        self.model.eval()
        try:
            attr, delta = CaptumIG(forward).attribute(
                x,
                baselines=base,
                n_steps=self.n_steps,
                method=self.method,
                internal_batch_size=self.internal_batch_size or _rows_per_pass(x),
                return_convergence_delta=True,
            )
            with torch.no_grad():
                logits, base_logits = forward(x), forward(base)
        finally:
            self.model.train(was_training)
        attr = attr.detach().cpu().numpy().astype(np.float32)
        return Explanation(
            maps=attr.sum(axis=1),
            logits=logits.cpu().numpy(),
            method="ig",
            delta=delta.detach().cpu().numpy().reshape(-1),
            baseline_logits=base_logits.cpu().numpy(),
            attributions=attr,
        )


def _rows_per_pass(x: torch.Tensor) -> int:
    """Default IG chunk: ~64 rows of 112x112 per forward pass, scaled with the image area."""
    return int(np.clip(64 * (112 * 112) / (x.shape[-2] * x.shape[-1]), 8, 256))


def ig_importance(maps: np.ndarray, mode: str = "abs") -> np.ndarray:
    """Importance from signed IG maps: absolute value (``"abs"``) or clamped at 0 (``"clamp"``).

    The authors' code sums the attributions over the colour channels and clamps the sum at 0
    (evidence against the explained class is dropped); the paper's text does not say, and the
    book's default keeps both signs through the absolute value.

    Parameters
    ----------
    maps : ndarray, any shape (e.g. (H, W) or (N, H, W))
        Signed channel-summed IG attributions.
    mode : {"abs", "clamp"}

    Returns
    -------
    ndarray, same shape, float32, >= 0
    """
    if mode not in IG_POSTPROCESS:
        raise ConfigError(
            f"unknown IG post-processing {mode!r}; use one of {', '.join(IG_POSTPROCESS)}"
        )
    m = np.asarray(maps, dtype=np.float32)
    return np.abs(m) if mode == "abs" else np.maximum(m, 0.0)
