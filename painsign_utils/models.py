"""The three pain classifiers of the paper (§2.2, App. B) behind one registry.

This module owns the networks, their weights policy and their input conventions:

* ``"ncnn"`` — N-CNN (Zamzmi et al. 2019), 120×120 RGB in [0, 1], trained from scratch
  (72,593 parameters with the single-logit head), initialized with Glorot-uniform weights and zero
  biases (Keras' defaults; the paper names no initialization).
  One departure: the 8-unit hidden layer starts with bias 0.5 (``FC_BIAS_INIT``), not 0, because
  with zero biases its units die on some folds and the network outputs a constant.
* ``"vggface"`` — VGG-16 with the face-recognition weights of Parkhi et al. (2015) and the paper's
  head FC 25088→512→512→1. Input 224×224, BGR, 0–255 minus the VGG-Face mean.
* ``"vit_b16"`` — timm's ViT-B/16 with ImageNet weights; only the head (dropout 0.1 + FC 768→1)
  is trained. Input 224×224 normalized with timm's mean/std.

Every model is a :class:`PainModel`: it carries its own input size and normalization
(:meth:`PainModel.preprocess`), returns one logit per image, and says where its weights came
from (``weights_source``). Each model also splits into a *frozen* part and a *trainable* part
per training phase (:meth:`PainModel.split`), so training can cache the frozen part's output.

The facts about each model (display name, input sizes, weights policy, Grad-CAM layer, transfer
protocol) are its entry in :mod:`painsign_utils.registry`; this module builds the networks.

Weights policy (docs/design.md, "Models and weights"): nothing is downloaded. ``weights=None`` looks
for a local file (``$PAINSIGN_WEIGHTS`` folder, ``./weights``, ``~/.cache/painsign/weights``)
and, for ViT, timm's local Hugging Face cache; if nothing is found it prints one line and starts
from random weights. ``weights="random"`` starts from random weights silently; a path that does
not exist raises :class:`~painsign_utils.errors.ModelError`.

Accepted VGG-Face files (any ``torch.load``-able state dict, optionally under ``"state_dict"``
and with a ``module.`` prefix):

* ``vgg_face_dag.pth`` (Albanie's conversion of the Oxford MatConvNet model; keys ``conv1_1`` …
  ``conv5_3``, ``fc6`` … ``fc8``). It expects RGB input, so its first convolution is flipped to
  BGR on loading: every VGG-Face model here takes the same BGR input.
* torchvision-style VGG-16 keys ``features.N.weight`` (e.g. the Caffe→PyTorch conversions of
  ``VGG_FACE.caffemodel``, which take BGR input like the original).

The fully connected layers of the source (fc6–fc8, 2622 identities) are dropped: the paper's
head replaces them.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn

from .errors import ModelError
from .registry import ModelSpec, get_spec, is_registered
from .registry import list_models as list_models  # re-exported: models.list_models is public
from .registry import register_model as register_model
from .registry import unregister_model as unregister_model

#: Environment variable that turns a missing pretrained weight file into an error (the profile
#: setting ``require_weights``; the runner sets it for the notebooks it executes).
REQUIRE_WEIGHTS_ENV = "PAINSIGN_REQUIRE_WEIGHTS"

#: Mean of the VGG-Face training images per colour, 0-255, in R, G, B order (Parkhi et al. 2015).
VGGFACE_MEAN_RGB = (129.1863, 104.7624, 93.5940)

#: timm architecture of the ViT (its default tag is ImageNet-21k pre-trained, fine-tuned on 1k).
VIT_ARCH = "vit_base_patch16_224"

_announced: set[str] = set()


def _announce(name: str, message: str) -> None:
    """Print ``message`` once per model name and process (10 folds must not print it 10 times)."""
    if name not in _announced:
        _announced.add(name)
        print(message, file=sys.stderr)


# --------------------------------------------------------------------------------------- base


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
    def gradcam_layer(self) -> nn.Module:
        """The module whose activations and gradients Grad-CAM uses (the registry's ``gradcam_layer``)."""
        return self.get_submodule(self.spec.gradcam_layer)

    reshape_transform: Callable[[torch.Tensor], torch.Tensor] | None = None

    def n_parameters(self, trainable_only: bool = False) -> int:
        """Number of parameters (all, or only those with ``requires_grad``)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)


def _resize(img: np.ndarray, size: int) -> np.ndarray:
    if img.ndim != 3 or img.shape[2] != 3:
        raise ModelError(f"expected an RGB image of shape (H, W, 3), got {img.shape}")
    if img.shape[0] == size and img.shape[1] == size:
        return img
    shrink = img.shape[0] > size or img.shape[1] > size
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


class _Compose(nn.Module):
    """``b(a(x))`` as one module (for the frozen/trainable split)."""

    def __init__(self, *parts: nn.Module) -> None:
        super().__init__()
        self.parts = nn.ModuleList(parts)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for p in self.parts:
            x = p(x)
        return x


# -------------------------------------------------------------------------------------- N-CNN


class NCNN(PainModel):
    """N-CNN (Zamzmi et al., IJCNN 2019) with one logit.

    Three branches on a 120×120 RGB image: a max-pool only branch (left), two conv/pool stages
    (centre) and one large-pool conv (right); concatenated (131 channels, 12×12), one more conv
    and a small fully connected head. Leaky ReLU (0.01) in the branches, ReLU after the merge.
    """

    name = "ncnn"

    def __init__(self, input_size: int = 120) -> None:
        if input_size != 120:
            raise ModelError("N-CNN is defined for 120x120 inputs only (its FC layer expects 1600 features)")
        super().__init__(input_size)
        act = lambda: nn.LeakyReLU(0.01)  # noqa: E731
        self.left = nn.MaxPool2d(10)
        # Activation after pooling: (leaky) ReLU is increasing, so it commutes with max-pooling
        # exactly, and applying it to the pooled map is 9-100x cheaper than to the full map.
        self.centre = nn.Sequential(
            nn.Conv2d(3, 64, 5), nn.MaxPool2d(3), act(),
            nn.Conv2d(64, 64, 2), nn.MaxPool2d(3), act(), nn.Dropout(0.1),
        )  # fmt: skip
        self.right = nn.Sequential(
            nn.Conv2d(3, 64, 5, padding=2), nn.MaxPool2d(10), act(), nn.Dropout(0.1)
        )
        self.merge = nn.Sequential(nn.Conv2d(131, 64, 2), nn.MaxPool2d(2), nn.ReLU())
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(1600, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 1)
        )
        self.weights_source = "random init (trained from scratch, as in the paper)"
        self.apply(_keras_init)
        # The FC layer's 1600 inputs are post-ReLU: all >= 0 with a common mean that dwarfs their
        # spread across images, so a zero-bias unit is on for every image or off for every image.
        # Half start dead, and RMSprop's sign-like steps move all 1600 weights together and kill
        # the rest on some folds (constant output, val loss ln 2). A positive start keeps all 8 on.
        nn.init.constant_(self.head[1].bias, FC_BIAS_INIT)

    def _normalize(self, x: torch.Tensor) -> torch.Tensor:
        return x / 255.0

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Merged feature map after the last conv block, shape (N, 64, 5, 5)."""
        x = torch.cat([self.left(x), self.centre(x), self.right(x)], dim=1)
        return self.merge(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).squeeze(1)

    def split(self, phase: int = 1) -> tuple[nn.Module, nn.Module]:
        return nn.Identity(), self


#: Initial bias of N-CNN's 8-unit hidden layer (see ``NCNN.__init__``; Keras' default is 0).
FC_BIAS_INIT = 0.5


def _keras_init(m: nn.Module) -> None:
    """Keras' default initialization (Glorot-uniform weights, zero biases).

    PyTorch's default (Kaiming-uniform with a=sqrt(5) and random biases) gives N-CNN a nearly
    constant initial output that trains much more slowly.
    """
    if isinstance(m, (nn.Conv2d, nn.Linear)):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)


# ----------------------------------------------------------------------------------- VGG-Face

# VGG-16 configuration; "M" is a 2×2 max-pool ending a block.
_VGG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
# Index in ``features`` where blocks 4 and 5 start (after the third pool).
_VGG_BLOCK4 = 17


def _vgg_features() -> nn.Sequential:
    layers: list[nn.Module] = []
    c = 3
    for v in _VGG16:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU(inplace=True)]
            c = v
    return nn.Sequential(*layers)


def _vgg_dag_names() -> list[str]:
    """``conv1_1`` … ``conv5_3`` in the order of the conv layers of ``features``."""
    names = []
    block, idx = 1, 1
    for v in _VGG16:
        if v == "M":
            block, idx = block + 1, 1
        else:
            names.append(f"conv{block}_{idx}")
            idx += 1
    return names


#: Typical standard deviation of a mean-subtracted 0-255 face pixel (scales the random first layer).
VGG_INPUT_SD = 60.0


def _he_init(m: nn.Module) -> None:
    """He (Kaiming-normal, fan-in) weights and zero biases for the ReLU convolutions of a random start.

    PyTorch's default shrinks the signal about 6-fold per layer, so after VGG-16's 13 layers a random
    base gives every face the same features (its biases) and the head cannot learn (AUC at chance).
    """
    if isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
        nn.init.zeros_(m.bias)


class VGGFace(PainModel):
    """VGG-16 convolutional base (VGG-Face weights when available) and the paper's head.

    Phase 1 trains the head on the frozen base; phase 2 (fine-tuning) also trains conv blocks 4
    and 5. Inputs smaller than 224 work: the adaptive pool resamples the last map to 7×7.
    """

    name = "vggface"

    def __init__(self, input_size: int = 224) -> None:
        super().__init__(input_size)
        self.features = _vgg_features()
        self.pool = nn.AdaptiveAvgPool2d((7, 7))
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(512 * 7 * 7, 512), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(512, 512), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(512, 1),
        )  # fmt: skip
        self.register_buffer("mean_bgr", torch.tensor(VGGFACE_MEAN_RGB[::-1]).view(1, 3, 1, 1))
        self.features.apply(_he_init)
        # He initialization keeps a unit-variance signal at unit variance through the 13 layers;
        # VGG-Face's inputs are 0-255 minus the mean, so the first layer also divides by their spread.
        with torch.no_grad():
            self.features[0].weight /= VGG_INPUT_SD

    def _normalize(self, x: torch.Tensor) -> torch.Tensor:
        # RGB 0..255 -> BGR 0..255 minus the per-colour mean (Caffe/Torch VGG-Face convention).
        return x.flip(1) - self.mean_bgr

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.pool(self.features(x))).squeeze(1)

    def split(self, phase: int = 1) -> tuple[nn.Module, nn.Module]:
        if phase == 1:
            return self.features, _Compose(self.pool, self.head)
        if phase == 2:
            return (
                self.features[:_VGG_BLOCK4],
                _Compose(self.features[_VGG_BLOCK4:], self.pool, self.head),
            )
        raise ModelError(f"VGG-Face has training phases 1 and 2, not {phase}")

    def embedding(self) -> tuple[nn.Module, int]:
        return nn.Sequential(self.features, nn.AdaptiveAvgPool2d(1), nn.Flatten()), 512

    def load_pretrained(self, path: Path) -> None:
        """Load the convolutional base from a VGG-Face state dict (see module docstring)."""
        sd = _read_state_dict(path)
        dag = _vgg_dag_names()
        conv_idx = [i for i, m in enumerate(self.features) if isinstance(m, nn.Conv2d)]
        mapped: dict[str, torch.Tensor] = {}
        if f"{dag[0]}.weight" in sd:
            for name, i in zip(dag, conv_idx, strict=True):
                for kind in ("weight", "bias"):
                    mapped[f"{i}.{kind}"] = sd[f"{name}.{kind}"]
            # The MatConvNet-derived model expects RGB: flip its first filters to read BGR.
            mapped["0.weight"] = mapped["0.weight"].flip(1)
        elif "features.0.weight" in sd:
            for i in conv_idx:
                for kind in ("weight", "bias"):
                    mapped[f"{i}.{kind}"] = sd[f"features.{i}.{kind}"]
        else:
            raise ModelError(
                f"{path} is not a VGG-Face state dict (expected keys conv1_1.weight or features.0.weight)"
            )
        try:
            self.features.load_state_dict({k: v.float() for k, v in mapped.items()})
        except (RuntimeError, KeyError) as exc:
            raise ModelError(f"{path} does not fit VGG-16: {str(exc).splitlines()[0]}") from None
        self.weights_source = str(path)


# ----------------------------------------------------------------------------------- ViT-B/16


class ViTB16(PainModel):
    """timm ViT-B/16 whose backbone stays frozen; only dropout 0.1 + FC 768→1 is trained.

    ``input_size`` other than 224 builds the ViT with ``img_size=input_size`` (a multiple of
    16); pretrained position embeddings are resampled to the new grid.
    """

    name = "vit_b16"

    def __init__(self, input_size: int = 224, hf_pretrained: bool = False) -> None:
        import timm

        if input_size % 16:
            raise ModelError(f"ViT-B/16 needs an input size divisible by 16, got {input_size}")
        super().__init__(input_size)
        self.vit = timm.create_model(
            VIT_ARCH, pretrained=hf_pretrained, num_classes=1, drop_rate=0.1, img_size=input_size
        )
        cfg = self.vit.pretrained_cfg
        self.register_buffer("mean", torch.tensor(cfg["mean"]).view(1, 3, 1, 1) * 255.0)
        self.register_buffer("std", torch.tensor(cfg["std"]).view(1, 3, 1, 1) * 255.0)
        self.reshape_transform = self._tokens_to_map

    def _normalize(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.vit.forward_head(self.vit.forward_features(x)).squeeze(1)

    def split(self, phase: int = 1) -> tuple[nn.Module, nn.Module]:
        if phase != 1:
            raise ModelError(f"ViT-B/16 has one training phase, not {phase}")
        # Wrappers built on demand (not attributes) so the state dict names each weight once.
        return _ViTBackbone(self.vit), _Compose(self.vit.head_drop, self.vit.head)

    def embedding(self) -> tuple[nn.Module, int]:
        return _ViTBackbone(self.vit), int(self.vit.num_features)

    def _tokens_to_map(self, tokens: torch.Tensor) -> torch.Tensor:
        """(N, prefix + G*G, C) tokens → (N, C, G, G) map, dropping the class token."""
        g = self.input_size // 16
        x = tokens[:, self.vit.num_prefix_tokens :, :]
        return x.reshape(x.shape[0], g, g, x.shape[2]).permute(0, 3, 1, 2)

    def load_pretrained(self, path: Path) -> None:
        """Load timm ViT-B/16 weights from a local ``.pth``/``.bin``/``.safetensors`` file."""
        from timm.layers import resample_abs_pos_embed

        sd = _read_state_dict(path)
        sd = {k: v for k, v in sd.items() if not k.startswith("head.")}
        if "pos_embed" not in sd:
            raise ModelError(f"{path} is not a timm ViT state dict (no pos_embed)")
        if sd["pos_embed"].shape != self.vit.pos_embed.shape:
            g = self.input_size // 16
            sd["pos_embed"] = resample_abs_pos_embed(
                sd["pos_embed"], [g, g], num_prefix_tokens=self.vit.num_prefix_tokens
            )
        missing, unexpected = self.vit.load_state_dict(sd, strict=False)
        missing = [k for k in missing if not k.startswith("head.")]
        if missing or unexpected:
            raise ModelError(
                f"{path} does not fit ViT-B/16: {len(missing)} missing, {len(unexpected)} unexpected keys"
            )
        self.weights_source = str(path)


class _ViTBackbone(nn.Module):
    """ViT up to the pre-logits feature (class token after the final norm), shape (N, 768)."""

    def __init__(self, vit: nn.Module) -> None:
        super().__init__()
        self.vit = vit

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.vit.forward_features(x)
        x = self.vit.pool(x) if hasattr(self.vit, "pool") else x[:, 0]
        return self.vit.fc_norm(x)


# -------------------------------------------------------------------------------------- loading


def _safe_numpy_globals() -> list:
    """NumPy scalar reconstructors, allowed when loading with ``weights_only=True``.

    Checkpoints written before metadata was stored as plain Python numbers hold NumPy scalars (a
    threshold, validation metrics); rebuilding a scalar runs no user code.
    """
    import numpy.core.multiarray as multiarray

    allowed = [multiarray.scalar, np.dtype]
    allowed += [type(np.dtype(t)) for t in ("float64", "float32", "int64", "int32", "bool")]
    return allowed


def safe_load(path: str | Path, what: str = "checkpoint") -> Any:
    """``torch.load(path, weights_only=True)``: tensors and plain Python values only.

    A file that holds other pickled objects (a whole ``nn.Module``, a custom class) is refused
    with one line that says why and how to make an acceptable file: unpickling such a file could
    run any code put into it.

    Raises
    ------
    ModelError
        Missing, unreadable or refused file.
    """
    import pickle

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{what} not found: {path}")
    try:
        with torch.serialization.safe_globals(_safe_numpy_globals()):
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        import re

        found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(exc))
        if found is None:  # not a pickle of tensors at all: a damaged or foreign file
            raise ModelError(f"cannot read {what} {path}: not a PyTorch weights file ({type(exc).__name__})") from None
        holds = f"pickled Python objects ({found.group(1)})"
        raise ModelError(
            f"{path} was refused: it holds {holds}, not only tensors, and loading it could run code; "
            f"a state dict is expected: save one with torch.save(model.state_dict(), {path.name!r})"
        ) from None
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
        detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
        raise ModelError(f"cannot read {what} {path}: {type(exc).__name__}"
                         + (f" ({detail})" if detail else "")) from None


def _read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    if path.suffix == ".safetensors":
        try:
            from safetensors.torch import load_file

            sd: Any = load_file(str(path))
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
            raise ModelError(f"cannot read weights {path}: {type(exc).__name__}") from None
    else:
        sd = safe_load(path, "weights")
    if isinstance(sd, dict):
        for key in ("state_dict", "model", "model_state_dict"):
            if isinstance(sd.get(key), dict):
                sd = sd[key]
                break
    if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise ModelError(f"{path} does not hold a state dict of tensors; save one with "
                         f"torch.save(model.state_dict(), {path.name!r})")
    return {k.removeprefix("module."): v for k, v in sd.items()}


def weight_dirs() -> list[Path]:
    """Folders searched for pretrained weight files, first match wins."""
    dirs = [Path(os.environ["PAINSIGN_WEIGHTS"])] if os.environ.get("PAINSIGN_WEIGHTS") else []
    return dirs + [Path("weights"), Path.home() / ".cache" / "painsign" / "weights"]


def _local_weight_file(name: str) -> Path | None:
    """The first weight file for model ``name`` in :func:`weight_dirs`, or None."""
    files = get_spec(name).weight_files
    for d in weight_dirs():
        for f in files:
            if (d / f).is_file():
                return d / f
    return None


def find_weights(name: str) -> Path | None:
    """The local pretrained weights :func:`create_model` would use for model ``name``, or None.

    A file in :func:`weight_dirs` first; for a model with a Hugging Face repository in its
    registry entry (ViT-B/16), else the file in the local Hugging Face cache when
    ``HF_HUB_OFFLINE=1`` makes timm read it from there.
    """
    path = _local_weight_file(name)
    repo = get_spec(name).hf_cache
    if path is None and repo and os.environ.get("HF_HUB_OFFLINE") == "1":
        path = _hf_cache_file(repo)
    return path


def _hf_cache_file(repo: str) -> Path | None:
    """The weight file of Hugging Face repository ``repo`` in the local cache, or None."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    for f in ("model.safetensors", "pytorch_model.bin"):
        hit = try_to_load_from_cache(repo, f)
        if isinstance(hit, str):
            return Path(hit)
    return None


def weights_required() -> bool:
    """Whether a missing pretrained weight file is an error (``$PAINSIGN_REQUIRE_WEIGHTS``)."""
    return os.environ.get(REQUIRE_WEIGHTS_ENV, "").strip().lower() in ("1", "true", "yes")


def missing_weights_message(name: str) -> str:
    """One line: which files were looked for, and where, for model ``name``."""
    spec = get_spec(name)
    files = " or ".join(spec.weight_files[:2])
    where = ", ".join(str(d) for d in weight_dirs())
    hf = " (or, with HF_HUB_OFFLINE=1, the Hugging Face cache)" if spec.hf_cache else ""
    return f"no pretrained {spec.display} weights found: put {files} in one of {where}{hf}"


def require_pretrained(names: Sequence[str]) -> dict[str, Path]:
    """The pretrained weight file of every model in ``names`` that needs one (N-CNN does not).

    Raises
    ------
    ModelError
        One line naming the first model whose weights are absent (the ``require_weights`` check
        that stops a run at once instead of training from a random start for hours).
    """
    found: dict[str, Path] = {}
    for name in names:
        if get_spec(name).pretrained is None:  # trained from scratch (N-CNN)
            continue
        path = find_weights(name)
        if path is None:
            raise ModelError(f"require_weights: {missing_weights_message(name)}; or set "
                             "require_weights: false in the profile to train it from a random start")
        found[name] = path
    return found


def create_model(
    name: str,
    weights: str | Path | None = None,
    input_size: int | None = None,
    **kw: Any,
) -> PainModel:
    """Build a pain classifier by name.

    Parameters
    ----------
    name : str
        A registered model (:func:`list_models`: ``"vggface"``, ``"ncnn"``, ``"vit_b16"``).
    weights : path, "random" or None
        A local pretrained weight file (VGG-Face or ViT); ``"random"`` for a random start
        without a message; None to look for local weights and otherwise start randomly after
        one printed line. Ignored for a model trained from scratch (N-CNN).
    input_size : int, optional
        Side of the square input; defaults to the registry's ``input_size`` (the paper's).
        CPU profiles shrink VGG-Face and ViT to make training feasible.
    **kw
        Passed to the model class.
    """
    spec = get_spec(name)
    cls = spec.load()
    size = int(input_size or spec.input_size)
    if spec.pretrained is None:
        return _named(cls(size, **kw), spec)
    if weights is not None and str(weights) != "random":
        path = Path(weights)
        if not path.is_file():
            raise ModelError(f"weights file not found: {path}")
        model = _named(cls(size, **kw), spec)
        model.load_pretrained(path)
        return model
    if weights is None:
        path = _local_weight_file(name)
        if path is not None:
            model = _named(cls(size, **kw), spec)
            model.load_pretrained(path)
            return model
        if spec.hf_cache and os.environ.get("HF_HUB_OFFLINE") == "1" and _hf_cache_file(spec.hf_cache):
            model = _named(cls(size, hf_pretrained=True, **kw), spec)  # timm reads the local cache
            model.weights_source = f"Hugging Face cache: {spec.hf_cache}"
            return model
        if weights_required():
            raise ModelError(f"require_weights: {missing_weights_message(name)}")
        what = spec.display
        files = " or ".join(spec.weight_files[:2])
        _announce(
            name,
            f"No pretrained {what} weights found locally (put {files} in $PAINSIGN_WEIGHTS or "
            f"./weights): training {what} from a random start.",
        )
    return _named(cls(size, **kw), spec)


def _named(model: PainModel, spec: ModelSpec) -> PainModel:
    """``model`` carrying its registry name (a registered class need not set ``name`` itself)."""
    if model.name != spec.name:
        model.name = spec.name
    return model


def save_checkpoint(
    model: PainModel, path: str | Path, base: str | None = None, **extra: Any
) -> Path:
    """Save ``{name, input_size, state_dict, weights_source, threshold, **extra}`` atomically.

    With ``base`` (a path relative to the checkpoint's folder, written by :func:`save_base`),
    ``state_dict`` leaves out the weights no phase trains; :func:`load_checkpoint` adds them back.
    """
    from .storage import atomic_path

    payload = {
        "name": model.name,
        "input_size": int(model.input_size),
        "state_dict": model.trained_state() if base else model.state_dict(),
        "base": base,
        "weights_source": str(model.weights_source),
        "threshold": _plain(model.threshold),
        **_plain(extra),
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return Path(path)


def save_base(model: PainModel, path: str | Path) -> Path:
    """Save the weights no training phase changes (:meth:`PainModel.shared_keys`) atomically."""
    from .storage import atomic_path

    sd = model.state_dict()
    with atomic_path(path) as tmp:
        torch.save({k: sd[k] for k in model.shared_keys()}, tmp)
    return Path(path)


def fingerprint(model: PainModel) -> str:
    """Short digest of a model's identity: name, input size, threshold and weights.

    Caches of what a model computed (probabilities, explanations) carry it, so that a retrained
    model never reuses another model's results.
    """
    ident = (getattr(model, k, None) for k in ("name", "input_size", "threshold"))
    h = hashlib.sha1("|".join(map(str, ident)).encode())
    with torch.no_grad():
        for key, value in model.state_dict().items():
            t = value.detach().flatten().double().cpu()
            h.update(key.encode())
            h.update(np.array([t.sum().item(), t.abs().sum().item()]).tobytes())
            h.update(t[:16].numpy().tobytes())
    return h.hexdigest()[:12]


def checkpoint_fingerprint(path: str | Path) -> str:
    """Short digest of a checkpoint file's bytes ("missing" if there is none); no model is built."""
    from .storage import find_artifact

    path = find_artifact(path)
    if not path.is_file():
        return "missing"
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:12]


def load_checkpoint(path: str | Path) -> PainModel:
    """Rebuild a trained model from a checkpoint written by training (eval mode).

    Loaded with ``weights_only=True`` (tensors and plain values; see :func:`safe_load`). A
    checkpoint saved with a shared ``base`` (``best.pt`` beside ``../base.pt``) needs that file
    too. The result's ``threshold`` and ``weights_source`` come from the checkpoint. A relative path
    (as ``training/best_models.csv`` stores them) is found below the artifacts folder.
    """
    from .storage import find_artifact

    path = find_artifact(path)
    ck = safe_load(path, "checkpoint")
    if not isinstance(ck, dict) or not {"name", "input_size", "state_dict"} <= set(ck):
        raise ModelError(
            f"{path} is not a painsign checkpoint (a dict with name, input_size and state_dict, as "
            "training writes with models.save_checkpoint); a bare state dict does not say which model it is"
        )
    name, size, sd = ck["name"], ck["input_size"], dict(ck["state_dict"])
    if ck.get("base"):
        base = (path.parent / ck["base"]).resolve()
        if not base.is_file():
            raise ModelError(f"{path} needs its shared base weights {base}, which is missing "
                             "(copy the model's whole folder: base.pt and every fold*/best.pt)")
        sd.update(safe_load(base, "base weights"))
    if not is_registered(name):
        raise ModelError(f"{path} holds an unknown model {name!r}")
    model = create_model(name, weights="random", input_size=int(size))
    try:
        model.load_state_dict(sd)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()
        detail = " ".join(line.strip() for line in first[:2])[:200]
        raise ModelError(f"{path}: its weights do not fit a {name} model of input size {size} ({detail})") from None
    model.weights_source = ck.get("weights_source", "unknown")
    model.threshold = ck.get("threshold")
    return model.eval()


def _plain(value: Any) -> Any:
    """Metadata as plain Python values (NumPy scalars and arrays too), loadable with weights_only=True."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value
