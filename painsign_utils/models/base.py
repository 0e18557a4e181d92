"""The base class of the pain classifiers: :class:`PainModel` (one logit per face crop, its own
preprocessing, the frozen/trainable split per training phase) and :class:`Compose`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import cv2
import numpy as np
import torch
from torch import nn

from ..errors import ModelError
from ..registry import ModelSpec, get_spec


class PainModel(nn.Module):
    """Base class: one logit per face crop, with its own preprocessing.

    Attributes
    ----------
    name : str
        Registry name (``"ncnn"``, ``"vggface"``, ``"vit_b16"``).
    input_size : int
        Side in pixels of the square input.
    weights_source : str
        Path of the pretrained weights, or ``"random init"``.
    threshold : float or None
        Youden threshold once trained (set by training / :func:`load_checkpoint`).
    """

    name: str = ""

    def __init__(self, input_size: int) -> None:
        super().__init__()
        self.input_size = int(input_size)
        self.weights_source = "random init"
        self.threshold: float | None = None

    # -- preprocessing
    def _normalize(self, x: torch.Tensor) -> torch.Tensor:
        """Map a float tensor (N, 3, S, S) of RGB in 0..255 to the model's input space."""
        raise NotImplementedError

    def preprocess(self, crops: Sequence[np.ndarray] | np.ndarray) -> torch.Tensor:
        """Resize, order channels and normalize face crops.

        Parameters
        ----------
        crops : sequence of uint8 arrays (H, W, 3) RGB, any size, or one array (N, H, W, 3)

        Returns
        -------
        Tensor, shape (N, 3, S, S), float32, with S = ``input_size``, on the model's device
        (channels-last memory layout).
        """
        s = self.input_size
        device = next(self.parameters()).device
        if isinstance(crops, np.ndarray) and crops.ndim == 3:
            crops = [crops]
        if len(crops) == 0:
            return torch.zeros((0, 3, s, s), device=device)
        arr = np.stack([_resize(np.asarray(c), s) for c in crops]).astype(np.float32)
        # The permuted view is channels-last in memory, which oneDNN's CPU convolutions run
        # faster (N-CNN trains 1.5x faster than from a contiguous NCHW copy).
        x = torch.from_numpy(arr).to(device).permute(0, 3, 1, 2)
        return self._normalize(x)

    # -- phases
    def split(self, phase: int = 1) -> tuple[nn.Module, nn.Module]:
        """(frozen, trainable) parts for a training phase; ``forward == trainable(frozen(x))``.

        The frozen part has no dropout or batch statistics, so its output for a given input is
        fixed and can be cached.
        """
        raise NotImplementedError

    def stochastic_split(self) -> tuple[nn.Module, nn.Module]:
        """(prefix, rest) with ``forward(x) == rest(prefix(x))``, for MC-dropout.

        ``prefix`` applies no dropout, so its output for an input is fixed; ``rest`` holds every
        active dropout layer. :func:`~painsign_utils.uncertainty.mc_dropout` runs the prefix once
        per batch and only the rest once per pass: the costly part of the network is not repeated,
        and as the rest draws its masks in a full pass's order, the samples are the same numbers.

        Default: phase 1's (frozen, trainable) split when every active dropout comes after the
        frozen part (VGG-Face's and ViT-B/16's heads), else ``(nn.Identity(), self)`` (full
        passes). A model whose dropout sits inside the network overrides it (N-CNN).
        """
        frozen, trainable = self.split(1)
        # A frozen wrapper may hold the whole network (ViT): the head's own dropout does not count.
        inside = {id(d) for d in active_dropouts(frozen)} - {
            id(d) for d in active_dropouts(trainable)
        }
        if isinstance(frozen, nn.Identity) or inside:
            return nn.Identity(), self
        return frozen, trainable

    def set_phase(self, phase: int) -> list[nn.Parameter]:
        """Freeze everything except the trainable part of ``phase``; return its parameters."""
        frozen, trainable = self.split(phase)
        for p in self.parameters():
            p.requires_grad_(False)
        for p in trainable.parameters():
            p.requires_grad_(True)
        return [p for p in trainable.parameters()]

    def shared_keys(self) -> list[str]:
        """State-dict keys that no training phase changes (the frozen part of the last phase).

        Checkpoints of the folds store these once, in a shared base file, instead of per fold.
        """
        frozen, trainable = self.split(self.phases[-1])
        # A frozen wrapper may hold the whole network (ViT): trainable weights are never shared.
        ids = {id(p) for p in frozen.parameters()} - {id(p) for p in trainable.parameters()}
        return [k for k, v in self.state_dict(keep_vars=True).items() if id(v) in ids]

    def trained_state(self) -> dict[str, torch.Tensor]:
        """The state dict without :meth:`shared_keys`."""
        shared = set(self.shared_keys())
        return {k: v for k, v in self.state_dict().items() if k not in shared}

    # -- inference
    @torch.no_grad()
    def predict_proba(
        self, crops: Sequence[np.ndarray] | np.ndarray, batch_size: int = 32
    ) -> np.ndarray:
        """Pain probability of each crop, shape (N,)."""
        was_training = self.training
        self.eval()
        out = []
        for i in range(0, len(crops), batch_size):
            out.append(torch.sigmoid(self(self.preprocess(crops[i : i + batch_size]))))
        self.train(was_training)
        return torch.cat(out).float().cpu().numpy() if out else np.zeros(0, dtype=np.float32)

    def embedding(self) -> tuple[nn.Module, int]:
        """The pretrainable backbone as a module giving one feature vector per image, and its size.

        Used by synthetic-face pretraining (:mod:`painsign_utils.pretrain`); the module shares
        this model's weights.
        """
        raise ModelError(f"{self.name} has no backbone to pretrain")

    @property
    def spec(self) -> ModelSpec:
        """This model's registry entry (:mod:`painsign_utils.registry`)."""
        return get_spec(self.name)

    @property
    def phases(self) -> tuple[int, ...]:
        """Training phases of the registry's transfer protocol: ``(1,)``, or ``(1, 2)`` to fine-tune."""
        return self.spec.phases

    @property
    def gradcam_layer_name(self) -> str:
        """Dotted path of the module Grad-CAM uses: the registry's ``cpu_gradcam_layer`` below the
        paper's input size when the entry names one, else its ``gradcam_layer``."""
        spec = self.spec
        if spec.cpu_gradcam_layer and self.input_size < spec.input_size:
            return spec.cpu_gradcam_layer
        return spec.gradcam_layer

    @property
    def gradcam_layer(self) -> nn.Module:
        """The module whose activations and gradients Grad-CAM uses (:attr:`gradcam_layer_name`)."""
        return self.get_submodule(self.gradcam_layer_name)

    reshape_transform: Callable[[torch.Tensor], torch.Tensor] | None = None

    def n_parameters(self, trainable_only: bool = False) -> int:
        """Number of parameters (all, or only those with ``requires_grad``)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)


def active_dropouts(module: nn.Module) -> list[nn.Dropout]:
    """The dropout layers of ``module`` with a non-zero rate (those MC-dropout switches on)."""
    return [m for m in module.modules() if isinstance(m, nn.Dropout) and m.p > 0]


def _resize(img: np.ndarray, size: int) -> np.ndarray:
    if img.ndim != 3 or img.shape[2] != 3:
        raise ModelError(f"expected an RGB image of shape (H, W, 3), got {img.shape}")
    if img.shape[0] == size and img.shape[1] == size:
        return img
    shrink = img.shape[0] > size or img.shape[1] > size
    return cv2.resize(
        img, (size, size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    )


class Compose(nn.Module):
    """``b(a(x))`` as one module (for the frozen/trainable split)."""

    def __init__(self, *parts: nn.Module) -> None:
        super().__init__()
        self.parts = nn.ModuleList(parts)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for p in self.parts:
            x = p(x)
        return x
