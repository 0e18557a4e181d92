"""Compute settings: seeding, thread counts, and whether this CPU computes bfloat16 natively.

bf16 autocast is only a speed-up on CPUs with native bf16 matrix units (AVX-512 BF16 or AMX); on
AVX2-only CPUs PyTorch emulates it and runs several times *slower* than float32, so every caller
asks :func:`bf16_supported` instead of assuming.
"""

from __future__ import annotations

import ctypes
import functools
import os
import random
import sys

import numpy as np

#: glibc's ``mallopt`` parameters (``malloc.h``).
_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4


def keep_freed_memory() -> bool:
    """Serve large tensors from reused heap memory, not fresh ``mmap`` pages (glibc only).

    glibc maps every allocation above 32 MB anew and unmaps it when it is freed, so a large
    tensor made on every training step (VGG-Face's 51 MB head gradient, N-CNN's 59 MB max-pool
    gradient) is page-faulted in again each time: on a 2-core CPU an N-CNN step took about twice
    as long and VGG-Face's head backward pass 2.7 times (``benchmarks/training.py``). With
    ``mmap`` and trimming off, freed memory is kept and reused; the process keeps its peak size
    and every number stays the same. Called once when :mod:`painsign_utils` is imported;
    a no-op outside Linux/glibc or with ``PAINSIGN_SYSTEM_MALLOC=1``.

    Returns
    -------
    bool
        Whether the allocator was changed.
    """
    if os.environ.get("PAINSIGN_SYSTEM_MALLOC") == "1" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        _ = libc.gnu_get_libc_version  # glibc, not musl
    except (OSError, AttributeError):
        return False
    return bool(libc.mallopt(_M_MMAP_MAX, 0)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))


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
    """A tqdm progress bar that the book runner can silence (``PAINSIGN_PROGRESS=0``) or redirect.

    Interactive users see bars on long work; executed notebooks in the rendered book stay clean.
    When ``$PAINSIGN_PROGRESS_FILE`` names a file (the book runner sets it for each chapter's
    kernel, and worker processes inherit it), the bar draws nothing and appends its progress to
    that file instead, for the runner's terminal (:mod:`painsign_utils.progress`). Accepts tqdm's
    keyword arguments; ``disable=True`` still disables.
    """
    from .progress import progress_bar  # the text bar: tqdm.auto would need ipywidgets

    return progress_bar(iterable, **kwargs)
