"""Putting a rendered face into a frame: rotation, scale, compositing and the ground truth.

:func:`place_face` composites a face onto a frame at a :class:`Placement` and returns where the face
box (:func:`face_box_local`) and the five landmarks ended up, the truth the detector is checked
against; :func:`region_masks` says which pixels of that frame are face, cap and background.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .actions import Expression
from .face import render_face
from .head import head_regions
from .subject import Subject


def face_box_local(subject: Subject) -> np.ndarray:
    """Corners of the face's ground-truth box in face units.

    The box follows RetinaFace's convention (from the upper forehead to the chin, cheek to cheek),
    measured once as the mean detected box on upright synthetic faces: x in [-0.845, 0.845], y in
    [-0.92, 0.93]. ``subject`` is accepted so that face shape can refine it later.
    """
    return np.array([[-0.845, -0.92], [0.845, -0.92], [0.845, 0.93], [-0.845, 0.93]])


def premultiply(
    rgb: np.ndarray, alpha: np.ndarray, lm: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pack :func:`render_face`'s output as premultiplied RGBA (one warp, one blend) and landmarks."""
    return np.dstack([rgb * alpha[..., None], alpha]), lm


@dataclass(frozen=True)
class Placement:
    """Where a face lands in a frame: centre (pixels), unit (pixels per face unit) and roll (degrees)."""

    cx: float
    cy: float
    unit: float
    roll: float


def placement_matrix(size: int, where: Placement) -> tuple[np.ndarray, np.ndarray]:
    """The head's centre on a ``size``-pixel patch and the 2x3 affine map from patch to frame."""
    centre = np.array([size / 2, size / 2 + 0.08 * where.unit])
    m = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), where.roll, 1.0)
    m[:, 2] += np.array([where.cx, where.cy]) - centre
    return centre, m


#: The regions :func:`region_masks` tells apart, in the order of its output.
REGIONS: tuple[str, ...] = ("face", "cap", "background")


def region_masks(subject: Subject, where: Placement, shape: tuple[int, int]) -> np.ndarray:
    """Ground-truth regions of a face placed by :func:`place_face` at ``where``, in frame pixels.

    Parameters
    ----------
    subject : Subject
    where : Placement
        Where the face was placed.
    shape : (height, width)
        The frame's size.

    Returns
    -------
    ndarray, shape (height, width, 3), float32
        Coverage in [0, 1] of :data:`REGIONS`: the face (head without its cap: skin, ears,
        hair), the cap, and the background (everything else); the three add up to 1.
    """
    _, head, cap = head_regions(subject, where.unit)
    _, m = placement_matrix(head.shape[0], where)
    patch = np.dstack([head - cap, cap, np.zeros_like(cap)])
    h, w = shape
    warped = cv2.warpAffine(patch, m, (int(w), int(h)), flags=cv2.INTER_LINEAR)
    warped = np.clip(warped, 0.0, 1.0)
    warped[..., 2] = np.clip(1.0 - warped[..., 0] - warped[..., 1], 0.0, 1.0)
    return warped.astype(np.float32)


def place_face(
    frame: np.ndarray,
    subject: Subject,
    expr: Expression,
    where: Placement,
    quiver_phase: float = 0.0,
    patch: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Composite a face onto ``frame`` in place.

    ``patch`` may hold an already rendered face as ``premultiply(*render_face(...))``, which
    videos reuse across frames with the same expression.

    Returns
    -------
    box : ndarray, shape (4,)
        Ground-truth box ``x, y, w, h`` in frame pixels (axis-aligned hull of the rotated face box).
    landmarks : ndarray, shape (5, 2)
        The five landmarks in frame pixels.
    """
    rgba, lm = patch or premultiply(*render_face(subject, expr, where.unit, quiver_phase))
    size = rgba.shape[0]
    centre, m = placement_matrix(size, where)
    h, w = frame.shape[:2]
    # Warp only the region the patch can reach, then blend there.
    corners = np.array([[0, 0, 1], [size, 0, 1], [0, size, 1], [size, size, 1]], np.float64) @ m.T
    x0, y0 = np.maximum(np.floor(corners.min(0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(corners.max(0)).astype(int), [w, h])
    if x1 > x0 and y1 > y0:
        m_roi = m.copy()
        m_roi[:, 2] -= [x0, y0]
        dsize = (int(x1 - x0), int(y1 - y0))
        warped = cv2.warpAffine(rgba, m_roi, dsize, flags=cv2.INTER_LINEAR)
        roi = frame[y0:y1, x0:x1].astype(np.float32)
        out = roi * (1 - warped[..., 3:]) + warped[..., :3]
        frame[y0:y1, x0:x1] = cv2.convertScaleAbs(out)
    box_pts = face_box_local(subject) * where.unit + centre
    box_pts = np.c_[box_pts, np.ones(4)] @ m.T
    lm = np.c_[lm, np.ones(5)] @ m.T
    bx0, by0 = box_pts.min(0)
    bx1, by1 = box_pts.max(0)
    return np.array([bx0, by0, bx1 - bx0, by1 - by0]), lm
