"""The model registry: one entry per pain classifier, the one place that holds a model's facts.

Like timm's registry, each model is registered once, with everything the rest of the package needs
to know about it (a :class:`ModelSpec`): its display name, the paper's input size and the CPU
profiles' smaller one, its normalisation, its weights policy (pretrained source, the local file
names looked for, a Hugging Face cache), its Grad-CAM target layer and its transfer protocol
(trained from scratch, head only, or head then the last blocks), what synthetic-face pretraining
exports, its colour and marker in figures, and its default batch on a video. Everything else is
derived from here: :func:`list_models`, the command line's ``--model`` choices, the figures'
labels (:data:`DISPLAY_NAMES`), colours and markers, the speed benchmark's sizes, the training
phases and the missing-weights messages.

Adding a model is one file with its :class:`~painsign_utils.models.PainModel` subclass plus one
:func:`register_model` call (or the decorator form on the class). This module imports nothing heavy
(no PyTorch): the command line builds its choices from it before any model is loaded; the class of
a built-in model is named by an import path and imported on first use.

See ``docs/design.md`` ("Models and weights").
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ModelError

#: Training phases of each transfer protocol: phase 1 trains the head (or, from scratch, the whole
#: network); phase 2 fine-tunes the last blocks too (VGG-Face, App. B).
TRANSFER_PHASES: dict[str, tuple[int, ...]] = {
    "scratch": (1,),
    "head": (1,),
    "head_then_blocks": (1, 2),
}


@dataclass(frozen=True)
class ModelSpec:
    """Everything the package knows about one model.

    Attributes
    ----------
    name : str
        Registry key (``"ncnn"``), used in profiles, file names and tables.
    display : str
        Name in figures, tables and messages (``"N-CNN"``).
    factory : class or str
        The :class:`~painsign_utils.models.PainModel` subclass, or its import path
        ``"package.module:Class"`` (imported on first use). Called as ``factory(input_size, **kw)``.
    input_size : int
        Side of the square input the paper's model takes (its architecture's default).
    cpu_input_size : int or None
        The smaller side the CPU profiles (``demo``) use to make training feasible; None when the
        model runs at ``input_size`` there too.
    normalization : str
        How a crop becomes the network's input (documentation; the class applies it).
    transfer : {"scratch", "head", "head_then_blocks"}
        Transfer protocol (App. B): trained from scratch, only the head on a frozen pretrained
        backbone, or the head and then the last blocks.
    pretrained : str or None
        What the paper's model started from (``"VGG-Face"``, ``"ImageNet"``); None when it is
        trained from scratch, in which case no weight file is looked for.
    weight_files : tuple of str
        File names looked for in the weight folders (``models.weight_dirs``) for ``weights=None``.
    hf_cache : str or None
        Hugging Face repository whose local cache (with ``HF_HUB_OFFLINE=1``) holds the weights.
    gradcam_layer : str
        Dotted path of the module Grad-CAM explains (``model.get_submodule(path)``).
    cpu_gradcam_layer : str
        The module Grad-CAM explains when the model runs below ``input_size`` (the CPU profiles):
        a layer of finer resolution where ``gradcam_layer``'s map would be a few cells (VGG-Face's
        conv5_3 is 4 x 4 at 64 px, conv4_3 8 x 8); ``""``: ``gradcam_layer`` at every size.
    backbone : str
        Dotted path of the module whose weights synthetic-face pretraining exports (``""``: the
        model has no pretrained backbone).
    backbone_prefix : str
        Prefix of the exported weight names, so the file is one the model's ``load_pretrained``
        reads (``"features."`` for VGG-Face; timm's own names for ViT-B/16).
    colour, marker : str
        Matplotlib colour and marker of the model in every figure.
    video_batch : int
        Default crops per forward pass on a video (``painsign video --batch``).
    """

    name: str
    display: str
    factory: type | Callable[..., Any] | str
    input_size: int
    cpu_input_size: int | None = None
    normalization: str = ""
    transfer: str = "scratch"
    pretrained: str | None = None
    weight_files: tuple[str, ...] = ()
    hf_cache: str | None = None
    gradcam_layer: str = ""
    cpu_gradcam_layer: str = ""
    backbone: str = ""
    backbone_prefix: str = ""
    colour: str = "0.3"
    marker: str = "o"
    video_batch: int = 15

    def __post_init__(self) -> None:
        if (
            not self.name
            or not self.name.replace("_", "").isalnum()
            or self.name != self.name.lower()
        ):
            raise ModelError(f"model name {self.name!r} must be lower-case letters, digits and '_'")
        if self.transfer not in TRANSFER_PHASES:
            raise ModelError(
                f"model {self.name!r}: transfer must be one of {', '.join(TRANSFER_PHASES)}, "
                f"not {self.transfer!r}"
            )
        if (self.transfer == "scratch") != (self.pretrained is None):
            raise ModelError(
                f"model {self.name!r}: a model trained from scratch has no pretrained source, "
                "and a pretrained one names it"
            )

    @property
    def phases(self) -> tuple[int, ...]:
        """Training phases of :attr:`transfer`."""
        return TRANSFER_PHASES[self.transfer]

    def load(self) -> Callable[..., Any]:
        """The model class (imports it when the factory is an import path)."""
        if not isinstance(self.factory, str):
            return self.factory
        module, _, attr = self.factory.partition(":")
        return getattr(importlib.import_module(module), attr)


_SPECS: dict[str, ModelSpec] = {}

#: Display name of every registered model, in registry order. Kept in step by
#: :func:`register_model` and :func:`unregister_model`.
DISPLAY_NAMES: dict[str, str] = {}


def register_model(spec: ModelSpec | None = None, /, **fields: Any) -> Any:
    """Add a model to the registry.

    Two forms: ``register_model(ModelSpec(...))`` returns the spec;
    ``@register_model(name=..., display=..., input_size=..., ...)`` on a
    :class:`~painsign_utils.models.PainModel` subclass registers it as the factory and returns
    the class unchanged.

    Raises
    ------
    ModelError
        A name that is already registered, or an inconsistent entry.
    """
    if spec is None:

        def decorate(cls: type) -> type:
            register_model(ModelSpec(factory=cls, **fields))
            return cls

        return decorate
    if fields:
        raise ModelError("register_model takes a ModelSpec or keyword fields, not both")
    if spec.name in _SPECS:
        raise ModelError(f"model {spec.name!r} is already registered")
    _SPECS[spec.name] = spec
    DISPLAY_NAMES[spec.name] = spec.display
    return spec


def unregister_model(name: str) -> ModelSpec:
    """Remove a model from the registry (tests that register their own); returns its spec."""
    spec = get_spec(name)
    del _SPECS[name]
    del DISPLAY_NAMES[name]
    return spec


def get_spec(name: str) -> ModelSpec:
    """The registry entry of model ``name``.

    Raises
    ------
    ModelError
        One line naming the registered models.
    """
    try:
        return _SPECS[name]
    except (KeyError, TypeError):
        raise ModelError(
            f"unknown model {name!r}; choose one of {', '.join(list_models())}"
        ) from None


def is_registered(name: str) -> bool:
    """Whether ``name`` is a registered model."""
    return name in _SPECS


def list_models() -> list[str]:
    """Registry names, in registration order (the built-ins in the order of the paper's tables)."""
    return list(_SPECS)


def pretrainable() -> list[str]:
    """Models whose backbone starts from pretrained weights (synthetic-face pretraining stands in)."""
    return [n for n, s in _SPECS.items() if s.pretrained is not None]


def display_name(name: str) -> str:
    """The display name of model ``name`` (the name itself when it is not registered)."""
    return DISPLAY_NAMES.get(name, name)


# ------------------------------------------------------------------------- the paper's three models
# Order: the paper's tables (VGG-Face, N-CNN, ViT-B/16).

register_model(
    ModelSpec(
        name="vggface",
        display="VGG-Face",
        factory="painsign_utils.models.vgg:VGGFace",
        input_size=224,
        cpu_input_size=64,
        normalization="BGR, 0-255 minus the VGG-Face mean colour (Parkhi et al. 2015)",
        transfer="head_then_blocks",
        pretrained="VGG-Face",
        weight_files=("vgg_face_dag.pth", "vgg_face.pth", "vggface.pth", "VGG_FACE.pth"),
        gradcam_layer="features.28",  # conv5_3: 14 x 14 at 224 px
        cpu_gradcam_layer="features.21",  # conv4_3 (fine-tuned block 4): 8 x 8 at 64 px
        backbone="features",
        backbone_prefix="features.",
        colour="#1f77b4",
        marker="o",
    )
)
register_model(
    ModelSpec(
        name="ncnn",
        display="N-CNN",
        factory="painsign_utils.models.ncnn:NCNN",
        input_size=120,
        normalization="RGB in [0, 1]",
        transfer="scratch",
        gradcam_layer="merge.0",  # the convolution after the three branches merge
        colour="#d62728",
        marker="s",
        # Memory-bound: its 120x120x64 feature maps (3.7 MB a crop) of a batch of 15 overflow the
        # CPU cache, and it classifies ~2.7x fewer crops per CPU-second than in batches of 4
        # (benchmarks/realtime.py); the larger models gain from batches.
        video_batch=4,
    )
)
register_model(
    ModelSpec(
        name="vit_b16",
        display="ViT-B/16",
        factory="painsign_utils.models.vit:ViTB16",
        input_size=224,
        cpu_input_size=32,  # 2 x 2 patches: the demo's first book within half an hour (chapter 02)
        normalization="RGB, timm's ImageNet mean and standard deviation",
        transfer="head",
        pretrained="ImageNet",
        weight_files=(
            "vit_b16.pth",
            "vit_b16.safetensors",
            "vit_base_patch16_224.pth",
            "vit_base_patch16_224.safetensors",
            "model.safetensors",
        ),
        hf_cache="timm/vit_base_patch16_224.augreg2_in21k_ft_in1k",
        # norm1 of the last of the 12 blocks; every block has the same patch grid (2 x 2 at 32 px).
        gradcam_layer="vit.blocks.11.norm1",
        # At 2 x 2 patches norm1's map is its LayerNorm shift (the same for every patch) give or
        # take 8 %: every cell has one sign, all negative for "pain" on the smoke build's probes,
        # so every map was empty. The residual stream entering the last block reaches the class
        # token by the same attention, without that shift.
        cpu_gradcam_layer="vit.blocks.10",
        backbone="vit",  # timm's names, the head left out
        colour="#2ca02c",
        marker="^",
    )
)
