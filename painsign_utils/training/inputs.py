"""What the trainable part is fed: the training images and their crops, the on-disk caches
(augmented images, frozen layers' output, keyed by :func:`digest`) and :class:`Inputs`.

Frozen layers are not recomputed: their output for every (image, augmentation) is computed once,
cached under ``training/cache/`` and reused by every fold and epoch (exact: the frozen layers have no
dropout, the augmentations are deterministic, every fold starts from the same seeded weights).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
import torch
from torch import nn

from ..errors import DataError
from ..models import PainModel
from ..runtime import progress as tqdm
from ..storage import atomic_path


def augment_keys(images: pd.DataFrame) -> list[str]:
    """What seeds each image's augmentations: ``dataset/subject/file name``, not a file path.

    Paths depend on where the project was cloned; seeding by them would make the same seed give
    other augmentations, and so other tables, in another folder.
    """
    source = images["path"] if "path" in images.columns else images["crop"]
    names = [Path(str(p)).name for p in source]
    return [
        f"{d}/{s}/{n}"
        for d, s, n in zip(images["dataset"].astype(str), images["subject"].astype(str), names)
    ]


def training_images(images: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``faces/images.csv`` usable for training: a face was found and its crop exists."""
    need = {"crop", "label", "subject", "dataset"}
    if not need <= set(images.columns):
        raise DataError(f"the image table lacks columns {sorted(need - set(images.columns))}")
    df = images[images["found"].astype(bool)] if "found" in images.columns else images
    df = df[df["crop"].notna() & (df["crop"].astype(str) != "")].reset_index(drop=True)
    if df.empty:
        raise DataError("no image with a face crop to train on")
    bad = set(df["label"]) - {"pain", "nopain"}
    if bad:
        raise DataError(f"labels must be 'pain' or 'nopain', found {sorted(bad)}")
    return df


def read_crops(paths: Sequence[str]) -> list[np.ndarray]:
    """Read face crops (PNG/JPEG) as uint8 RGB arrays."""
    out = []
    for p in paths:
        bgr = cv2.imread(str(p), cv2.IMREAD_COLOR)
        if bgr is None:
            raise DataError(f"cannot read face crop {p}")
        out.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    return out


def digest(*parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]


def cached_array(path: Path, make: Callable[[], np.ndarray]) -> tuple[np.ndarray, float]:
    """Load ``path`` (memory-mapped) or make and save it atomically; returns (array, seconds spent)."""
    if path.exists():
        return np.load(path, mmap_mode="r"), 0.0
    t0 = time.perf_counter()
    arr = make()
    with atomic_path(path) as tmp:
        np.save(tmp, arr)
    return np.load(path, mmap_mode="r"), time.perf_counter() - t0


@contextlib.contextmanager
def _autocast(enabled: bool, device: str = "cpu") -> Iterator[None]:
    if enabled:
        with torch.autocast(device.split(":")[0], dtype=torch.bfloat16):
            yield
    else:
        yield


@torch.no_grad()
def frozen_features(
    model: PainModel, frozen: nn.Module, stack: np.ndarray, batch: int, bf16: bool, desc: str
) -> np.ndarray:
    """Output of ``frozen`` for every image of ``stack`` (N, K, S, S, 3) → (N, K, ...)."""
    n, k = stack.shape[:2]
    flat = stack.reshape(n * k, *stack.shape[2:])
    frozen.eval()
    device = next(model.parameters()).device
    out = None
    for i in tqdm(range(0, len(flat), batch), desc=desc, leave=False):
        with _autocast(bf16, device.type):
            x = model.preprocess(np.asarray(flat[i : i + batch])).to(device)
            f = frozen(x).float().cpu().numpy()
        if out is None:
            out = np.empty((len(flat), *f.shape[1:]), np.float32)
        out[i : i + len(f)] = f
    return out.reshape(n, k, *out.shape[1:])


class Inputs:
    """Gives the trainable part its input for (image, augmentation) index pairs of one phase."""

    def __init__(
        self,
        model: PainModel,
        frozen: nn.Module,
        stack: np.ndarray,
        feats: np.ndarray | None,
        bf16: bool,
    ) -> None:
        self.model, self.frozen, self.stack, self.feats, self.bf16 = (
            model,
            frozen,
            stack,
            feats,
            bf16,
        )

    def __call__(self, i: np.ndarray, k: np.ndarray) -> torch.Tensor:
        device = next(self.model.parameters()).device
        if self.feats is not None:
            return torch.from_numpy(np.asarray(self.feats[i, k])).to(device)
        x = self.model.preprocess(np.asarray(self.stack[i, k])).to(device)
        if isinstance(self.frozen, nn.Identity):
            return x
        with torch.no_grad(), _autocast(self.bf16, device.type):
            return self.frozen(x).float()
