"""Data augmentation of the training face crops (paper App. A).

The paper lists rotation (30°), shear (0.15), width/height shift (0.20), brightness (0.5–1.1),
zoom (0.7–1.5) and horizontal flip, 20 new images per training image, keeping the face
detectable by RetinaFace. These are exactly the arguments of Keras' ``ImageDataGenerator``
(which the authors most likely used), so this module follows Keras' semantics where the paper
is silent:

* rotation, shear and shift are drawn uniformly in ±range; **shear is an angle in degrees**
  (Keras' ``shear_range``), shift a fraction of the side;
* zoom factors for x and y are drawn independently in [0.7, 1.5]; a factor above 1 zooms *out*
  (the face gets smaller), as in Keras;
* brightness multiplies the pixel values by a factor in [0.5, 1.1];
* the border is filled with the nearest pixel (Keras' ``fill_mode="nearest"``).

Every augmentation is a pure function of ``(seed, image key, k)``, so the same image gets the
same 20 variants in every fold and every run (which lets training cache what frozen layers make
of them). "Face kept detectable" is enforced geometrically: a draw that pushes more than
``1 - min_visible`` of the face box out of the crop is redrawn; an optional ``face_check``
(e.g. :func:`retinaface_check`) can also demand a detection.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from .errors import ConfigError


@dataclass(frozen=True)
class AugmentParams:
    """Ranges of the random transformations (defaults: the paper's App. A)."""

    rotation: float = 30.0  #: degrees, ±
    shear: float = 0.15  #: degrees, ± (Keras' shear_range)
    shift: float = 0.20  #: fraction of the side, ±, for x and y
    brightness: tuple[float, float] = (0.5, 1.1)  #: multiplicative factor
    zoom: tuple[float, float] = (0.7, 1.5)  #: Keras zoom factor (>1 zooms out)
    horizontal_flip: bool = True
    #: share of the face box that must stay inside the crop
    min_visible: float = 0.9
    #: face box side as a share of the crop side (crops have a 0.2 margin: 1 / 1.4)
    face_fraction: float = 1 / 1.4

    def key(self) -> str:
        """Short stable text of the parameters, for cache keys."""
        return ",".join(f"{k}={v}" for k, v in asdict(self).items())


PAPER_AUGMENT = AugmentParams()

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
    params: AugmentParams = PAPER_AUGMENT,
    face_check: Callable[[np.ndarray], bool] | None = None,
) -> np.ndarray:
    """The ``k``-th augmentation of one square face crop; ``k == 0`` returns it unchanged.

    Parameters
    ----------
    rgb : uint8 array (S, S, 3)
        A square face crop.
    seed, key, k : int, str, int
        The draw is a function of these only (``key`` identifies the image, e.g. its path).
    params : AugmentParams
    face_check : callable, optional
        Returns True when a face is found in an augmented image; draws failing it are redrawn.

    Returns
    -------
    uint8 array (S, S, 3)
    """
    if rgb.ndim != 3 or rgb.shape[0] != rgb.shape[1]:
        raise ConfigError(f"augment_image expects a square RGB crop, got shape {rgb.shape}")
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
            np.ascontiguousarray(img), m[:2], (size, size),
            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE,
        )  # fmt: skip
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
    params: AugmentParams = PAPER_AUGMENT,
    face_check: Callable[[np.ndarray], bool] | None = None,
) -> np.ndarray:
    """Each crop and its ``n_augment`` augmentations, resized to ``size``.

    Augmentation happens at the crop's own resolution, then the result is shrunk, so small
    model inputs do not lose detail twice.

    Returns
    -------
    uint8 array, shape (N, 1 + n_augment, size, size, 3); index 0 on axis 1 is the original.
    """
    if len(crops) != len(keys):
        raise ConfigError(f"{len(crops)} crops but {len(keys)} keys")
    out = np.empty((len(crops), 1 + n_augment, size, size, 3), np.uint8)
    for i, (crop, key) in enumerate(zip(crops, keys, strict=True)):
        for k in range(1 + n_augment):
            img = augment_image(crop, seed, key, k, params, face_check)
            interp = cv2.INTER_AREA if img.shape[0] > size else cv2.INTER_LINEAR
            out[i, k] = cv2.resize(img, (size, size), interpolation=interp)
    return out
