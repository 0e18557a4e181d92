"""The albumentations-style augmentation (the authors' code, ``protocol: authors``), with OpenCV and NumPy."""

from __future__ import annotations

import zlib
from collections.abc import Callable

import cv2
import numpy as np

from ..errors import ConfigError
from .params import AlbumentationsParams, default_keypoints


def _draw_albu(rng: np.random.Generator, p: AlbumentationsParams) -> dict[str, float]:
    sx = rng.uniform(*p.scale)
    sy = sx if p.keep_ratio else rng.uniform(*p.scale)
    bc = bool(rng.random() < p.p_brightness_contrast)
    return {
        "sx": sx,
        "sy": sy,
        "tx": rng.uniform(-p.translate, p.translate),
        "ty": rng.uniform(-p.translate, p.translate),
        "theta": rng.uniform(-p.rotate, p.rotate),
        "shx": rng.uniform(-p.shear, p.shear),
        "shy": rng.uniform(-p.shear, p.shear),
        "alpha": 1.0 + rng.uniform(-p.contrast, p.contrast) if bc else 1.0,
        "beta": rng.uniform(-p.brightness, p.brightness) if bc else 0.0,
        "flip": bool(rng.random() < p.p_flip),
    }


def _albu_matrix(d: dict[str, float], size: int) -> np.ndarray:
    """3×3 matrix mapping input pixels to output pixels: scale, shear, rotate about the centre, shift."""
    c = (size - 1) / 2.0
    t = np.deg2rad(d["theta"])
    scale = np.diag([d["sx"], d["sy"], 1.0])
    shear = np.array(
        [[1, np.tan(np.deg2rad(d["shx"])), 0], [np.tan(np.deg2rad(d["shy"])), 1, 0], [0, 0, 1]]
    )
    rot = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    to_origin, back = np.eye(3), np.eye(3)
    to_origin[:2, 2] = -c
    back[:2, 2] = [c + d["tx"] * size, c + d["ty"] * size]
    return back @ rot @ shear @ scale @ to_origin


def _brightness_contrast(img: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """``img * alpha + beta * 255``, clipped to uint8 (albumentations' brightness by max)."""
    if alpha == 1.0 and beta == 0.0:
        return img
    lut = np.clip(np.arange(256, dtype=np.float32) * alpha + beta * 255.0, 0, 255).astype(np.uint8)
    return lut[img]


def _inside(points: np.ndarray, size: int) -> bool:
    return bool(np.all((points >= 0) & (points < size)))


def augment_albu(
    rgb: np.ndarray,
    seed: int,
    key: str,
    k: int,
    p: AlbumentationsParams,
    face_check: Callable[[np.ndarray], bool] | None,
    keypoints: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    size = rgb.shape[0]
    kps = (
        default_keypoints(size, p.face_fraction)
        if keypoints is None
        else np.asarray(keypoints, float)
    )
    if kps.ndim != 2 or kps.shape[1] != 2:
        raise ConfigError(f"keypoints must have shape (n, 2), got {kps.shape}")
    homog = np.c_[kps, np.ones(len(kps))]
    out, moved = rgb, kps
    for attempt in range(p.max_tries + 1):
        rng = np.random.default_rng([seed, zlib.crc32(key.encode()), k, attempt, 1])
        d = _draw_albu(rng, p)
        if (
            attempt == p.max_tries
        ):  # last resort: only a zoom-out about the centre (keeps keypoints in)
            d.update(
                tx=0.0,
                ty=0.0,
                theta=0.0,
                shx=0.0,
                shy=0.0,
                sx=min(d["sx"], 1.0),
                sy=min(d["sy"], 1.0),
            )
        m = _albu_matrix(d, size)
        moved = (homog @ m.T)[:, :2]
        if not _inside(moved, size) and attempt < p.max_tries:
            continue
        out = cv2.warpAffine(
            np.ascontiguousarray(rgb),
            m[:2],
            (size, size),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        out = _brightness_contrast(out, d["alpha"], d["beta"])
        if d["flip"]:
            out = np.ascontiguousarray(out[:, ::-1])
            moved = np.c_[size - 1 - moved[:, 0], moved[:, 1]]
        if face_check is None or face_check(out):
            return out, moved
    return out, moved
