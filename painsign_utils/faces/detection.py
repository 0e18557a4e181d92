"""What a detector returns: :class:`Detection`, the detector interface, and a detection as a table row.

The detector interface is one method, ``detect(rgb) -> list[Detection]`` (best first). A frame
without a face is a row with ``found = False`` and NaN coordinates (:func:`detection_row`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

#: Column names of the five landmarks (RetinaFace order: left eye, right eye, nose, mouth corners).
LANDMARK_COLUMNS: tuple[str, ...] = (
    "le_x",
    "le_y",
    "re_x",
    "re_y",
    "no_x",
    "no_y",
    "ml_x",
    "ml_y",
    "mr_x",
    "mr_y",
)
#: Columns of a per-frame detection table.
DETECTION_COLUMNS: tuple[str, ...] = (
    "frame",
    "time",
    "found",
    "score",
    "x",
    "y",
    "w",
    "h",
    *LANDMARK_COLUMNS,
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
