"""Where a model's starting weights come from, and :func:`create_model`.

Weights policy (docs/design.md, "Models and weights"): nothing is downloaded. ``weights=None`` looks
for a local file (``$PAINSIGN_WEIGHTS`` folder, ``./weights``, ``~/.cache/painsign/weights``)
and, for ViT, timm's local Hugging Face cache; if nothing is found it prints one line and starts
from random weights. ``weights="random"`` starts from random weights silently; a path that does
not exist raises :class:`~painsign_utils.errors.ModelError`. Files are read with
``weights_only=True`` (:func:`safe_load`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import ModelError
from ..registry import ModelSpec, get_spec
from .base import PainModel

#: Environment variable that turns a missing pretrained weight file into an error (the profile
#: setting ``require_weights``; the runner sets it for the notebooks it executes).
REQUIRE_WEIGHTS_ENV = "PAINSIGN_REQUIRE_WEIGHTS"

_announced: set[str] = set()


def _announce(name: str, message: str) -> None:
    """Print ``message`` once per model name and process (10 folds must not print it 10 times)."""
    if name not in _announced:
        _announced.add(name)
        print(message, file=sys.stderr)


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
            raise ModelError(
                f"cannot read {what} {path}: not a PyTorch weights file ({type(exc).__name__})"
            ) from None
        holds = f"pickled Python objects ({found.group(1)})"
        raise ModelError(
            f"{path} was refused: it holds {holds}, not only tensors, and loading it could run code; "
            f"a state dict is expected: save one with torch.save(model.state_dict(), {path.name!r})"
        ) from None
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
        detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
        raise ModelError(
            f"cannot read {what} {path}: {type(exc).__name__}" + (f" ({detail})" if detail else "")
        ) from None


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
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
        raise ModelError(
            f"{path} does not hold a state dict of tensors; save one with "
            f"torch.save(model.state_dict(), {path.name!r})"
        )
    return {k.removeprefix("module."): v for k, v in sd.items()}


def weight_dirs() -> list[Path]:
    """Folders searched for pretrained weight files, first match wins."""
    dirs = [Path(os.environ["PAINSIGN_WEIGHTS"])] if os.environ.get("PAINSIGN_WEIGHTS") else []
    return dirs + [Path("weights"), Path.home() / ".cache" / "painsign" / "weights"]


def local_weight_file(name: str) -> Path | None:
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
    path = local_weight_file(name)
    repo = get_spec(name).hf_cache
    if path is None and repo and os.environ.get("HF_HUB_OFFLINE") == "1":
        path = hf_cache_file(repo)
    return path


def hf_cache_file(repo: str) -> Path | None:
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
            raise ModelError(
                f"require_weights: {missing_weights_message(name)}; or set "
                "require_weights: false in the profile to train it from a random start"
            )
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
        path = local_weight_file(name)
        if path is not None:
            model = _named(cls(size, **kw), spec)
            model.load_pretrained(path)
            return model
        if (
            spec.hf_cache
            and os.environ.get("HF_HUB_OFFLINE") == "1"
            and hf_cache_file(spec.hf_cache)
        ):
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
