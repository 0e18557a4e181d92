"""The two readings of App. A as parameter records (:func:`augment_params`), and default keypoints."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np

from ..errors import ConfigError


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
        raise ConfigError(
            f"unknown augmentation style {style!r}; use one of {', '.join(AUGMENT_STYLES)}"
        )
    known = {f.name for f in fields(cls)}
    if unknown := sorted(set(overrides) - known):
        raise ConfigError(
            f"{style} augmentation has no parameter(s) {unknown}; known: {sorted(known)}"
        )
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
