"""Checkpoints of trained models: :func:`save_checkpoint` (with a shared :func:`save_base`),
:func:`load_checkpoint`, and the fingerprints that key caches of what a model computed."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import ModelError
from ..registry import is_registered
from .base import PainModel
from .weights import create_model, safe_load


def save_checkpoint(
    model: PainModel, path: str | Path, base: str | None = None, **extra: Any
) -> Path:
    """Save ``{name, input_size, state_dict, weights_source, threshold, **extra}`` atomically.

    With ``base`` (a path relative to the checkpoint's folder, written by :func:`save_base`),
    ``state_dict`` leaves out the weights no phase trains; :func:`load_checkpoint` adds them back.
    """
    from ..storage import atomic_path

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
    from ..storage import atomic_path

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
    from ..storage import find_artifact

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
    from ..storage import find_artifact

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
            raise ModelError(
                f"{path} needs its shared base weights {base}, which is missing "
                "(copy the model's whole folder: base.pt and every fold*/best.pt)"
            )
        sd.update(safe_load(base, "base weights"))
    if not is_registered(name):
        raise ModelError(f"{path} holds an unknown model {name!r}")
    model = create_model(name, weights="random", input_size=int(size))
    try:
        model.load_state_dict(sd)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()
        detail = " ".join(line.strip() for line in first[:2])[:200]
        raise ModelError(
            f"{path}: its weights do not fit a {name} model of input size {size} ({detail})"
        ) from None
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
