"""Data augmentation of the training face crops (paper App. A), in two semantics.

The paper lists rotation (30°), shear (0.15), width/height shift (0.20), brightness (0.5–1.1),
zoom (0.7–1.5) and horizontal flip, 20 new images per training image, keeping the face
detectable by RetinaFace. Two readings are implemented, selected by the ``params`` object
(:func:`augment_params` builds either by name):

**albumentations style** (:class:`AlbumentationsParams`, ``protocol: authors``): what the authors'
code actually ran (albumentations ``Affine`` + ``RandomBrightnessContrast`` + ``HorizontalFlip``),
reimplemented here with OpenCV and NumPy:

* an affine map about the image centre: scale drawn in [0.7, 1.5] for x and y independently, where
  a factor above 1 zooms *in*; shear drawn in ±10° for x and y; translation ±0.2 of the side for x
  and y; rotation ±30°; border replicated;
* with probability 0.5, contrast and brightness: ``out = img * alpha + beta * 255`` with
  ``alpha = 1 ± 0.2`` and ``beta = ±0.2``;
* with probability 0.5, a horizontal flip;
* the whole draw is redrawn until all five facial keypoints stay inside the image.

**Keras style** (:class:`AugmentParams`, the default, ``protocol: causal``): the App. A words read as
the arguments of Keras' ``ImageDataGenerator``:

* rotation, shear and shift are drawn uniformly in ±range; **shear is an angle in degrees**
  (Keras' ``shear_range``), shift a fraction of the side;
* zoom factors for x and y are drawn independently in [0.7, 1.5]; a factor above 1 zooms *out*
  (the face gets smaller), as in Keras;
* brightness multiplies the pixel values by a factor in [0.5, 1.1];
* the border is filled with the nearest pixel (Keras' ``fill_mode="nearest"``).

Every augmentation is a pure function of ``(seed, image key, k)``, so the same image gets the
same 20 variants in every fold and every run (which lets training cache what frozen layers make
of them). "Face kept detectable" is enforced geometrically: Keras style redraws a draw that
pushes more than ``1 - min_visible`` of the face box out of the crop; albumentations style one that
pushes a keypoint out (the crop's landmarks, or :func:`default_keypoints`); in both an optional
``face_check`` (e.g. :func:`retinaface_check`) can also demand a detection. The albumentations
draws reproduce the authors' distributions, not their random numbers.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields

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

    @property
    def style(self) -> str:
        """``"keras"``: the semantics these parameters are read with."""
        return "keras"


PAPER_AUGMENT = AugmentParams()


@dataclass(frozen=True)
class AlbumentationsParams:
    """The authors' augmentation (albumentations semantics), defaults as in their code.

    Attributes
    ----------
    rotate : float
        Degrees, ±.
    shear : float
        Degrees, ±, drawn independently for x and y.
    translate : float
        Fraction of the side, ±, for x and y.
    scale : (float, float)
        Scale factor range; above 1 zooms in. x and y drawn independently unless ``keep_ratio``.
    keep_ratio : bool
    brightness, contrast : float
        ``beta`` in ±brightness (fraction of 255) and ``alpha`` in 1 ± contrast.
    p_brightness_contrast, p_flip : float
        Probabilities of the brightness/contrast change and of the horizontal flip.
    max_tries : int
        Draws tried until all keypoints stay in the image; then the draw keeps only its zoom-out
        (no shift, rotation, shear or zoom-in), which keeps every keypoint inside.
    face_fraction : float
        Face box side as a share of the crop side, for the default keypoints.
    """

    rotate: float = 30.0
    shear: float = 10.0
    translate: float = 0.20
    scale: tuple[float, float] = (0.7, 1.5)
    keep_ratio: bool = False
    brightness: float = 0.2
    contrast: float = 0.2
    p_brightness_contrast: float = 0.5
    p_flip: float = 0.5
    max_tries: int = 100
    face_fraction: float = 1 / 1.4

    def key(self) -> str:
        """Short stable text of the parameters, for cache keys."""
        return "albumentations:" + ",".join(f"{k}={v}" for k, v in asdict(self).items())

    @property
    def style(self) -> str:
        """``"albumentations"``: the semantics these parameters are read with."""
        return "albumentations"


AUTHORS_AUGMENT = AlbumentationsParams()
#: Augmentation semantics, by name.
AUGMENT_STYLES: tuple[str, ...] = ("keras", "albumentations")


def augment_params(style: str = "keras", **overrides) -> AugmentParams | AlbumentationsParams:
    """Augmentation parameters of a style (``"keras"`` or ``"albumentations"``), defaults overridden.

    Raises
    ------
    ConfigError
        Unknown style, or an override that is not a parameter of that style.
    """
    cls = {"keras": AugmentParams, "albumentations": AlbumentationsParams}.get(style)
    if cls is None:
        raise ConfigError(f"unknown augmentation style {style!r}; use one of {', '.join(AUGMENT_STYLES)}")
    known = {f.name for f in fields(cls)}
    if unknown := sorted(set(overrides) - known):
        raise ConfigError(f"{style} augmentation has no parameter(s) {unknown}; known: {sorted(known)}")
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()})


def default_keypoints(size: int, face_fraction: float = 1 / 1.4) -> np.ndarray:
    """Five typical landmarks of a centred, upright face filling ``face_fraction`` of a crop.

    RetinaFace order: left eye, right eye, nose, left and right mouth corner (image left/right).

    Returns
    -------
    ndarray, shape (5, 2), pixel ``x, y``
    """
    rel = np.array([[0.32, 0.40], [0.68, 0.40], [0.50, 0.58], [0.36, 0.76], [0.64, 0.76]])
    side = face_fraction * size
    return (size - side) / 2 + rel * side


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
    shear = np.array([[1, np.tan(np.deg2rad(d["shx"])), 0], [np.tan(np.deg2rad(d["shy"])), 1, 0], [0, 0, 1]])
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


def _augment_albu(
    rgb: np.ndarray,
    seed: int,
    key: str,
    k: int,
    p: AlbumentationsParams,
    face_check: Callable[[np.ndarray], bool] | None,
    keypoints: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    size = rgb.shape[0]
    kps = default_keypoints(size, p.face_fraction) if keypoints is None else np.asarray(keypoints, float)
    if kps.ndim != 2 or kps.shape[1] != 2:
        raise ConfigError(f"keypoints must have shape (n, 2), got {kps.shape}")
    homog = np.c_[kps, np.ones(len(kps))]
    out, moved = rgb, kps
    for attempt in range(p.max_tries + 1):
        rng = np.random.default_rng([seed, zlib.crc32(key.encode()), k, attempt, 1])
        d = _draw_albu(rng, p)
        if attempt == p.max_tries:  # last resort: only a zoom-out about the centre (keeps keypoints in)
            d.update(tx=0.0, ty=0.0, theta=0.0, shx=0.0, shy=0.0, sx=min(d["sx"], 1.0), sy=min(d["sy"], 1.0))
        m = _albu_matrix(d, size)
        moved = (homog @ m.T)[:, :2]
        if not _inside(moved, size) and attempt < p.max_tries:
            continue
        out = cv2.warpAffine(
            np.ascontiguousarray(rgb), m[:2], (size, size),
            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE,
        )  # fmt: skip
        out = _brightness_contrast(out, d["alpha"], d["beta"])
        if d["flip"]:
            out = np.ascontiguousarray(out[:, ::-1])
            moved = np.c_[size - 1 - moved[:, 0], moved[:, 1]]
        if face_check is None or face_check(out):
            return out, moved
    return out, moved

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
        kps = default_keypoints(rgb.shape[0], params.face_fraction) if keypoints is None else keypoints
        if k == 0:
            return (rgb, np.asarray(kps, float)) if return_keypoints else rgb
        img, moved = _augment_albu(rgb, seed, key, k, params, face_check, kps)
        return (img, moved) if return_keypoints else img
    if not isinstance(params, AugmentParams):
        raise ConfigError(f"params must be AugmentParams or AlbumentationsParams, got {type(params).__name__}")
    if return_keypoints:
        kps = default_keypoints(rgb.shape[0], params.face_fraction) if keypoints is None else keypoints
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
