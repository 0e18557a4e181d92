"""Augment one crop or a stack of crops (either style), seeded by ``(seed, image key, k)``."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from ..errors import ConfigError
from .albu import augment_albu
from .params import PAPER_AUGMENT, AlbumentationsParams, AugmentParams, default_keypoints

_MAX_TRIES = 20


def _draw(rng: np.random.Generator, p: AugmentParams) -> dict[str, float]:
    return {
        "theta": rng.uniform(-p.rotation, p.rotation),
        "shear": rng.uniform(-p.shear, p.shear),
        "tx": rng.uniform(-p.shift, p.shift),
        "ty": rng.uniform(-p.shift, p.shift),
        "zx": rng.uniform(*p.zoom),
        "zy": rng.uniform(*p.zoom),
        "bright": rng.uniform(*p.brightness),
        "flip": bool(p.horizontal_flip and rng.random() < 0.5),
    }


def _matrix(d: dict[str, float], size: int) -> np.ndarray:
    """3×3 matrix mapping *input* pixel coordinates to *output* ones (inverse of Keras' map)."""
    c = (size - 1) / 2.0
    t, s = np.deg2rad(d["theta"]), np.deg2rad(d["shear"])
    rot = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    shear = np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]])
    zoom = np.array([[d["zx"], 0, 0], [0, d["zy"], 0], [0, 0, 1]])
    shift = np.array([[1, 0, d["tx"] * size], [0, 1, d["ty"] * size], [0, 0, 1]])
    centre, back = np.eye(3), np.eye(3)
    centre[:2, 2], back[:2, 2] = -c, c
    # Keras: output pixel -> input pixel = back · rot · shift · shear · zoom · centre
    out_to_in = back @ rot @ shift @ shear @ zoom @ centre
    return np.linalg.inv(out_to_in)


def _visible_share(m: np.ndarray, size: int, face_fraction: float) -> float:
    """Share of a grid over the central face box that lands inside the output image."""
    half = face_fraction * size / 2
    g = np.linspace(size / 2 - half, size / 2 + half, 9)
    xx, yy = np.meshgrid(g, g)
    pts = np.c_[xx.ravel(), yy.ravel(), np.ones(xx.size)] @ m.T
    inside = (pts[:, 0] >= 0) & (pts[:, 0] < size) & (pts[:, 1] >= 0) & (pts[:, 1] < size)
    return float(inside.mean())


def augment_image(
    rgb: np.ndarray,
    seed: int,
    key: str,
    k: int,
    params: AugmentParams | AlbumentationsParams = PAPER_AUGMENT,
    face_check: Callable[[np.ndarray], bool] | None = None,
    keypoints: np.ndarray | None = None,
    return_keypoints: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """The ``k``-th augmentation of one square face crop; ``k == 0`` returns it unchanged.

    Parameters
    ----------
    rgb : uint8 array (S, S, 3)
        A square face crop.
    seed, key, k : int, str, int
        The draw is a function of these only (``key`` identifies the image, e.g. its path).
    params : AugmentParams or AlbumentationsParams
        Keras-style (default) or albumentations-style semantics (see the module docstring).
    face_check : callable, optional
        Returns True when a face is found in an augmented image; draws failing it are redrawn.
    keypoints : array (5, 2), optional
        Albumentations style: the crop's facial landmarks (pixels); a draw that moves any out of
        the image is redrawn. Default: :func:`default_keypoints`. Keras style ignores them.
    return_keypoints : bool
        Also return the keypoints where the augmentation moved them (albumentations style; Keras
        style returns them unmoved).

    Returns
    -------
    uint8 array (S, S, 3), or (image, keypoints of shape (5, 2)) with ``return_keypoints``
    """
    if rgb.ndim != 3 or rgb.shape[0] != rgb.shape[1]:
        raise ConfigError(f"augment_image expects a square RGB crop, got shape {rgb.shape}")
    if isinstance(params, AlbumentationsParams):
        kps = (
            default_keypoints(rgb.shape[0], params.face_fraction)
            if keypoints is None
            else keypoints
        )
        if k == 0:
            return (rgb, np.asarray(kps, float)) if return_keypoints else rgb
        img, moved = augment_albu(rgb, seed, key, k, params, face_check, kps)
        return (img, moved) if return_keypoints else img
    if not isinstance(params, AugmentParams):
        raise ConfigError(
            f"params must be AugmentParams or AlbumentationsParams, got {type(params).__name__}"
        )
    if return_keypoints:
        kps = (
            default_keypoints(rgb.shape[0], params.face_fraction)
            if keypoints is None
            else keypoints
        )
        return augment_image(rgb, seed, key, k, params, face_check), np.asarray(kps, float)
    if k == 0:
        return rgb
    size = rgb.shape[0]
    out = rgb
    for attempt in range(_MAX_TRIES):
        rng = np.random.default_rng([seed, zlib.crc32(key.encode()), k, attempt])
        d = _draw(rng, params)
        if attempt == _MAX_TRIES - 1:  # last resort: no shift and no zoom-out, face centred
            d.update(tx=0.0, ty=0.0, zx=min(d["zx"], 1.0), zy=min(d["zy"], 1.0))
        m = _matrix(d, size)
        if _visible_share(m, size, params.face_fraction) < params.min_visible:
            continue
        img = rgb[:, ::-1] if d["flip"] else rgb
        out = cv2.warpAffine(
            np.ascontiguousarray(img),
            m[:2],
            (size, size),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        out = np.clip(out.astype(np.float32) * d["bright"], 0, 255).astype(np.uint8)
        if face_check is None or face_check(out):
            return out
    return out


def retinaface_check(score_threshold: float = 0.5) -> Callable[[np.ndarray], bool]:
    """A ``face_check`` that asks the RetinaFace detector (MobileNet-0.25) for at least one face."""
    import retinaface

    def check(rgb: np.ndarray) -> bool:
        return len(retinaface.detect_faces(rgb, score_threshold=score_threshold)) > 0

    return check


def augmented_stack(
    crops: Sequence[np.ndarray],
    keys: Sequence[str],
    n_augment: int,
    size: int,
    seed: int = 0,
    params: AugmentParams | AlbumentationsParams = PAPER_AUGMENT,
    face_check: Callable[[np.ndarray], bool] | None = None,
    keypoints: Sequence[np.ndarray | None] | None = None,
) -> np.ndarray:
    """Each crop and its ``n_augment`` augmentations, resized to ``size``.

    Augmentation happens at the crop's own resolution, then the result is shrunk, so small
    model inputs do not lose detail twice.

    Parameters
    ----------
    keypoints : sequence of arrays (5, 2) or None, optional
        Per crop, its landmarks in crop pixels (albumentations style keeps them in the image).

    Returns
    -------
    uint8 array, shape (N, 1 + n_augment, size, size, 3); index 0 on axis 1 is the original.
    """
    if len(crops) != len(keys):
        raise ConfigError(f"{len(crops)} crops but {len(keys)} keys")
    if keypoints is not None and len(keypoints) != len(crops):
        raise ConfigError(f"{len(crops)} crops but {len(keypoints)} keypoint sets")
    out = np.empty((len(crops), 1 + n_augment, size, size, 3), np.uint8)
    for i, (crop, key) in enumerate(zip(crops, keys, strict=True)):
        kps = None if keypoints is None else keypoints[i]
        for k in range(1 + n_augment):
            img = augment_image(crop, seed, key, k, params, face_check, keypoints=kps)
            interp = cv2.INTER_AREA if img.shape[0] > size else cv2.INTER_LINEAR
            out[i, k] = cv2.resize(img, (size, size), interpolation=interp)
    return out
