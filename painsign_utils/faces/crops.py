"""Square face crops and their landmarks, for single images and for a whole image manifest.

:func:`preprocess_images` detects the face in every image and saves crops named by a digest of the
image's resolved path, reused under the rules of :mod:`painsign_utils.faces.cache`.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from ..errors import DataError
from ..runtime import progress as tqdm
from ..storage import derived_name, file_key, read_json, write_json
from .backends import get_detector
from .cache import detector_settings, stale_reason
from .detection import LANDMARK_COLUMNS, Detection, FaceDetector


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


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file as RGB uint8; :class:`DataError` if missing or undecodable."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"image not found: {path}")
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise DataError(f"cannot read image (corrupt or unsupported format): {path}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


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
    from ..storage import atomic_path

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
            key = {
                "input": file_key(rec["path"]),
                "margin": float(margin),
                "size": int(size),
                "detector": settings,
            }
            reason = (
                stale_reason(old_keys.get(crop_path.name), key) if crop_path.exists() else "new"
            )
            if reason is not None:
                if reason != "new":
                    why[reason] = why.get(reason, 0) + 1
                with atomic_path(crop_path) as tmp:
                    crop = crop_face(rgb, det, margin, size)
                    cv2.imwrite(str(tmp), cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))
            new_keys[crop_path.name] = key
            lms = landmarks_in_crop(det, margin, size).ravel()
            extra.update(
                dict(zip(LANDMARK_COLUMNS, lms.tolist())), score=det.score, crop=str(crop_path)
            )
            extra.update(dict(zip(("x", "y", "w", "h"), det.box.tolist())))
        rows.append({**rec, **extra})
    if why:
        detail = "; ".join(f"{n}: {r}" for r, n in sorted(why.items(), key=lambda kv: -kv[1]))
        print(f"crops: recomputed {sum(why.values())} of {len(new_keys)} ({detail})")
    write_json({**old_keys, **new_keys}, keys_path)
    return pd.DataFrame(rows)
