"""The pretraining settings: :class:`PretrainConfig`, the cache folder, the corpus constants, and
the settings a profile's chapter 02 asks for (:func:`config_for`, :func:`profile_plan`)."""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..registry import pretrainable
from ..render import NFCS_ACTIONS

#: Identity prefix of pretraining subjects: the book's sets use I, U and V (see :mod:`synthetic`).
PREFIX = "P"
#: Added to the profile's seed so no pretraining face is drawn from the book's random streams.
SEED_OFFSET = 7919
#: Regression targets: the eight NFCS actions, then sleep, yawn and the latent intensity.
TARGETS: tuple[str, ...] = (*NFCS_ACTIONS, "asleep", "yawn", "intensity")


@dataclass(frozen=True)
class PretrainConfig:
    """Size and recipe of one pretraining run.

    Attributes
    ----------
    subjects, per_subject : int
        Training identities and renders of each (the corpus has ``subjects * per_subject`` faces).
    val_per_subject : int
        Extra renders of each training identity, for held-out identity accuracy.
    unseen_subjects : int
        Further identities never trained on (8 renders each): action r and how well the features
        separate identities they have not seen, against a random start.
    epochs, batch_size, lr, weight_decay, warmup : recipe of AdamW (warm-up fraction of the steps,
        then cosine decay to 0), gradient norm clipped at 1.
    action_weight : float
        Weight of the action regression loss against the identity cross-entropy.
    seed : int
        Root seed; the corpus uses ``seed + SEED_OFFSET``.
    """

    subjects: int = 160
    per_subject: int = 24
    val_per_subject: int = 3
    unseen_subjects: int = 24
    epochs: int = 4
    batch_size: int = 32
    lr: float = 1e-4
    weight_decay: float = 0.05
    warmup: float = 0.1
    action_weight: float = 5.0
    seed: int = 0

    def validate(self) -> None:
        """Raise :class:`ConfigError` for settings that cannot pretrain anything."""
        if min(self.subjects, self.per_subject, self.epochs, self.batch_size) < 1:
            raise ConfigError("pretraining needs subjects, per_subject, epochs and batch_size >= 1")
        if self.unseen_subjects < 2 or self.val_per_subject < 1:
            raise ConfigError("pretraining needs unseen_subjects >= 2 and val_per_subject >= 1")
        if not (self.lr > 0 and math.isfinite(self.lr)) or not 0 <= self.warmup < 1:
            raise ConfigError(
                f"pretraining lr must be > 0 and warmup in [0, 1), got {self.lr}, {self.warmup}"
            )

    def digest(self, model: str, size: int) -> str:
        """Short digest of everything the weights depend on."""
        text = json.dumps(
            {"model": model, "size": size, **asdict(self), "version": 1}, sort_keys=True
        )
        return hashlib.sha1(text.encode()).hexdigest()[:10]


def cache_root() -> Path:
    """``$PAINSIGN_CACHE/pretrain``, default ``~/.cache/painsign/pretrain``: once per machine."""
    base = os.environ.get("PAINSIGN_CACHE") or Path.home() / ".cache" / "painsign"
    return Path(base) / "pretrain"


def pretrain_config_from_params(seed: int = 0, **params: Any) -> PretrainConfig:
    """A :class:`PretrainConfig` from notebook / profile parameters (unknown keys are an error)."""
    known = set(PretrainConfig.__dataclass_fields__)
    unknown = sorted(set(params) - known)
    if unknown:
        raise ConfigError(
            f"unknown pretraining setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return replace(PretrainConfig(seed=seed), **params)


def config_for(
    name: str, settings: dict | None = None, overrides: dict | None = None, seed: int = 0
) -> PretrainConfig:
    """The pretraining settings of one model: ``settings`` for all, ``overrides[name]`` on top."""
    return pretrain_config_from_params(
        seed=seed, **{**(settings or {}), **(overrides or {}).get(name, {})}
    )


def profile_plan(profile: str) -> dict[str, tuple[int, PretrainConfig]]:
    """What chapter 02 of ``profile`` pretrains: model → (input size, settings).

    Read from the profile's ``02_training`` parameters over the notebook's defaults, so
    ``painsign pretrain`` fills exactly the cache that chapter 02 then reuses.
    """
    import papermill

    from ..runner import ROOT, load_profile, notebook_parameters

    nb = ROOT / "notebooks" / "02_training.ipynb"
    prof = load_profile(profile)
    defaults = {k: v["default"] for k, v in papermill.inspect_notebook(str(nb)).items()}
    params = {k: _literal(v) for k, v in defaults.items()}
    params.update(notebook_parameters(nb, prof))
    models = [
        m
        for m in params["models"]
        if m in pretrainable() and m in (params["pretrain_models"] or ())
    ]
    return {
        m: (
            int(params[f"input_size_{m}"]),
            config_for(
                m, params["pretrain_settings"], params["pretrain_overrides"], int(params["seed"])
            ),
        )
        for m in models
    }


def _literal(text: str) -> Any:
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
