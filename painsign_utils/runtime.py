"""Compute settings: seeding, thread counts, and whether this CPU computes bfloat16 natively.

bf16 autocast is only a speed-up on CPUs with native bf16 matrix units (AVX-512 BF16 or AMX); on
AVX2-only CPUs PyTorch emulates it and runs several times *slower* than float32, so every caller
asks :func:`bf16_supported` instead of assuming.
"""

from __future__ import annotations

import functools
import os
import random

import numpy as np


@functools.lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """Feature flags of the first CPU from ``/proc/cpuinfo`` (empty where unavailable)."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def bf16_supported(device: str = "cpu") -> bool:
    """True where bfloat16 autocast is fast: CUDA with bf16, or a CPU with AVX-512 BF16 / AMX.

    ``PAINSIGN_BF16=0`` or ``=1`` overrides the detection.
    """
    env = os.environ.get("PAINSIGN_BF16")
    if env in ("0", "1"):
        return env == "1"
    if device.startswith("cuda"):
        import torch

        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    flags = cpu_flags()
    return bool({"avx512_bf16", "amx_bf16"} & flags)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) and ask PyTorch for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - seeds code that still uses the global state
    try:
        import torch

        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True, warn_only=True)
    except ImportError:  # pragma: no cover - torch is a dependency
        pass


def default_device() -> str:
    """``"cuda"`` when a GPU is visible, else ``"cpu"``."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def progress(iterable=None, **kwargs):
    """A tqdm progress bar that the book runner can silence (``PAINSIGN_PROGRESS=0``).

    Interactive users see bars on long work; executed notebooks in the rendered book stay clean.
    Accepts tqdm's keyword arguments; ``disable=True`` still disables.
    """
    from tqdm import tqdm  # the text bar: tqdm.auto would need ipywidgets in notebooks

    off = os.environ.get("PAINSIGN_PROGRESS", "1") == "0"
    kwargs["disable"] = bool(kwargs.get("disable", False)) or off
    return tqdm(iterable, **kwargs)
