"""The training protocol as data: :class:`TrainConfig` (the paper's defaults, App. A and B),
:func:`config_from_params` (notebook parameters and the ``protocol`` switch), and what finished
folds depend on (:func:`settings_stamp`; :func:`stamp_key`, the same known without a model)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..augment import PAPER_AUGMENT, AlbumentationsParams, AugmentParams, augment_params
from ..errors import ConfigError
from ..models import PainModel, find_weights, fingerprint
from ..protocol import Protocol, get_protocol
from ..registry import get_spec, list_models
from ..storage import content_digest, file_key
from .inputs import digest as _digest


@dataclass
class TrainConfig:
    """Training protocol; the defaults are the paper's (App. A and B).

    Attributes
    ----------
    n_folds : int
        Cross-validation folds (leave-some-subjects-out).
    max_epochs : int
        Epoch budget of the first phase (every model).
    finetune_epochs : int
        Epoch budget of VGG-Face's fine-tuning phase (0 skips it). Fine-tuning starts from the
        best head when the first phase stalls for ``patience`` epochs or uses up ``max_epochs``.
    patience : int
        Epochs without a lower validation loss before stopping (or, for VGG-Face's first
        phase, before fine-tuning starts).
    batch_size, lr : int, float
        Mini-batch size and RMSprop learning rate.
    weight_decay : float
        RMSprop weight decay (0 in the paper's text; 1e-5 in the authors' code, ``protocol: authors``).
    finetune_lr : float or None
        Learning rate of VGG-Face's fine-tuning phase; None uses ``lr`` (the paper's text; the
        authors' code uses 1e-6).
    n_augment : int
        Augmented copies of each training image (the original is used too).
    input_sizes : dict
        Model name → input side in pixels, where it differs from the paper's.
    augment : AugmentParams or AlbumentationsParams
        Keras-style (the paper's text) or albumentations-style (the authors' code) ranges.
    face_check : bool
        Redraw augmentations in which RetinaFace finds no face (slow; geometric check always on).
    cache_features : bool
        Cache the frozen layers' output (exact; turn off when it would not fit on disk).
    bf16 : bool
        bf16 autocast for the frozen layers' forward pass. Off by default: the book's tables are
        computed in float32 so they do not depend on whether the CPU has bf16 units.
    device : str or None
        ``"cpu"`` or ``"cuda"``; None picks the GPU when there is one.
    seed : int
    model_overrides : dict
        Model name → {setting: value} for settings that differ per model on a small CPU
        budget (e.g. ``{"vggface": {"n_augment": 0}}``).
    """

    n_folds: int = 10
    max_epochs: int = 100
    finetune_epochs: int = 100
    patience: int = 5
    batch_size: int = 16
    lr: float = 1e-4
    weight_decay: float = 0.0
    finetune_lr: float | None = None
    n_augment: int = 20
    input_sizes: dict[str, int] = field(default_factory=dict)
    augment: AugmentParams | AlbumentationsParams = PAPER_AUGMENT
    face_check: bool = True
    cache_features: bool = True
    bf16: bool = False
    device: str | None = None
    seed: int = 0
    model_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    def for_model(self, name: str) -> TrainConfig:
        """This configuration with ``model_overrides[name]`` applied (e.g. fewer epochs for one model)."""
        over = dict(self.model_overrides.get(name, {}))
        bad = sorted(
            set(over) - set(TrainConfig.__dataclass_fields__) | ({"model_overrides"} & set(over))
        )
        if bad:
            raise ConfigError(f"unknown setting(s) in model_overrides[{name!r}]: {', '.join(bad)}")
        return replace(self, model_overrides={}, **over)

    def input_size(self, name: str) -> int:
        """Input side used for model ``name``."""
        return int(self.input_sizes.get(name) or get_spec(name).input_size)

    def phase_lr(self, phase: int) -> float:
        """Learning rate of a training phase: ``lr``, or ``finetune_lr`` for phase 2 when set."""
        return (
            float(self.finetune_lr)
            if phase == 2 and self.finetune_lr is not None
            else float(self.lr)
        )

    def differences(self) -> pd.DataFrame:
        """What this configuration changes with respect to the paper's text (weight decay,
        fine-tuning lr and augmentation style included: ``protocol: authors`` follows the authors'
        code there)."""
        paper = TrainConfig()
        rows = []
        for k in (
            "n_folds",
            "max_epochs",
            "finetune_epochs",
            "patience",
            "batch_size",
            "lr",
            "weight_decay",
            "n_augment",
            "face_check",
        ):
            if getattr(self, k) != getattr(paper, k):
                rows.append(
                    {"setting": k, "paper": getattr(paper, k), "this run": getattr(self, k)}
                )
        if self.phase_lr(2) != paper.phase_lr(2):
            rows.append(
                {
                    "setting": "finetune_lr (VGG-Face)",
                    "paper": paper.phase_lr(2),
                    "this run": self.phase_lr(2),
                }
            )
        for name, over in self.model_overrides.items():
            for k, v in over.items():
                if k != "input_sizes" and v != getattr(paper, k):
                    rows.append(
                        {"setting": f"{k} ({name})", "paper": getattr(paper, k), "this run": v}
                    )
        for name in list_models():
            if self.input_size(name) != paper.input_size(name):
                rows.append(
                    {
                        "setting": f"input size {name}",
                        "paper": paper.input_size(name),
                        "this run": self.input_size(name),
                    }
                )
        if self.augment.style != paper.augment.style:
            rows.append(
                {
                    "setting": "augmentation style",
                    "paper": paper.augment.style,
                    "this run": self.augment.style,
                }
            )
        elif self.augment != paper.augment:
            rows.append(
                {
                    "setting": "augmentation",
                    "paper": paper.augment.key(),
                    "this run": self.augment.key(),
                }
            )
        return pd.DataFrame(rows, columns=["setting", "paper", "this run"])


def config_from_params(protocol: str | Protocol | None = None, **params: Any) -> TrainConfig:
    """A :class:`TrainConfig` from notebook parameters (unknown keys raise :class:`ConfigError`).

    Parameters
    ----------
    protocol : {"authors", "causal"}, Protocol or None
        Sets ``weight_decay``, ``finetune_lr`` and the augmentation style from
        :func:`painsign_utils.protocol.get_protocol` unless ``params`` gives them (an ``augment``
        dict then overrides ranges of the protocol's style). None keeps the paper's text.
    **params
        :class:`TrainConfig` fields.
    """
    known = {f for f in TrainConfig.__dataclass_fields__}
    unknown = sorted(set(params) - known)
    if unknown:
        raise ConfigError(f"unknown training parameter(s): {', '.join(unknown)}")
    style = "keras"
    if protocol is not None:
        p = get_protocol(protocol)
        style = p.augment_style
        params.setdefault("weight_decay", p.weight_decay)
        params.setdefault("finetune_lr", p.vgg_finetune_lr)
        if "augment" not in params:
            params["augment"] = augment_params(style)
    if "augment" in params and isinstance(params["augment"], dict):
        params["augment"] = augment_params(style, **params["augment"])
    return TrainConfig(**params)


def settings_stamp(model: PainModel, cfg: TrainConfig, folds: pd.DataFrame) -> dict:
    """What a model's finished folds depend on: the protocol, the folds and the starting weights.

    Only this model's settings count: the other models' input sizes, and the fine-tuning settings
    of a model that has no fine-tuning phase, do not (changing ViT's size never retrains N-CNN).
    """
    ignored = {"device", "model_overrides", "input_sizes"}
    if 2 not in model.phases:
        ignored |= {"finetune_epochs", "finetune_lr"}
    protocol = {k: v for k, v in asdict(cfg).items() if k not in ignored}
    protocol["augment"] = cfg.augment.key()  # the style is part of the key
    return {
        "input size": model.input_size,
        "weights": model.weights_source,
        "augment seeds": "dataset/subject/name",
        "training settings": _digest(protocol),
        "folds": _digest(folds.to_dict("list")),
        "initial weights": fingerprint(model),
    }


def stamp_key(
    name: str, cfg: TrainConfig, folds: pd.DataFrame, weights: str | Path | None = None
) -> str:
    """Digest of what :func:`settings_stamp` depends on, known without building the model.

    The settings, the folds, the starting weight file (its :func:`~painsign_utils.storage.file_key`;
    with None the file the model's own lookup finds), the model code (``models/``,
    ``registry.py``) and the PyTorch and timm versions. It keys a stamp saved earlier: building
    ViT-B/16 to fingerprint its initial weights takes seconds.
    """
    from importlib.metadata import PackageNotFoundError, version

    start = find_weights(name) if weights is None else weights
    if start is not None and Path(str(start)).is_file():
        start = file_key(start)
    package = Path(__file__).resolve().parents[1]
    versions = {}
    for lib in ("torch", "timm"):
        try:
            versions[lib] = version(lib)
        except PackageNotFoundError:
            versions[lib] = None
    return content_digest(
        {
            "model": name,
            "settings": asdict(cfg),
            "folds": folds,
            "weights": str(start) if isinstance(start, Path) else start,
            "code": sorted((package / "models").glob("*.py")) + [package / "registry.py"],
            "versions": versions,
        }
    )
