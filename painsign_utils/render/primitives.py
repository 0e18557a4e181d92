"""Anti-aliased OpenCV drawing in face-local coordinates.

Face-local coordinates: the origin is the face centre, one unit is the head's half-width, y points
down. :func:`ellipse` and :func:`poly` draw in OpenCV's fixed-point format (4 fractional bits);
:func:`curve` gives the points of a bent line.
"""

from __future__ import annotations

import cv2
import numpy as np


def _pts(xy: np.ndarray, centre: np.ndarray, unit: float) -> np.ndarray:
    """Face units to patch pixels in OpenCV's fixed-point format (4 fractional bits)."""
    return np.round((np.asarray(xy) * unit + centre) * 16).astype(np.int32)


def ellipse(img, c, axes, colour, unit, centre, angle=0.0, thickness=-1):
    """Ellipse at ``c`` with half-axes ``axes`` (face units); filled when ``thickness < 0``."""
    cv2.ellipse(
        img,
        tuple(int(v) for v in _pts(c, centre, unit)),
        tuple(max(1, int(round(a * unit * 16))) for a in axes),
        angle,
        0,
        360,
        tuple(float(v) for v in colour),
        thickness if thickness < 0 else max(1, int(round(thickness * unit))),
        cv2.LINE_AA,
        4,
    )


def poly(img, xy, colour, unit, centre, closed=False, thickness=0.03, fill=False):
    """Polyline through ``xy`` (face units), or a filled polygon when ``fill``."""
    p = _pts(xy, centre, unit).reshape(-1, 1, 2)
    col = tuple(float(v) for v in colour)
    if fill:
        cv2.fillPoly(img, [p], col, cv2.LINE_AA, 4)
    else:
        cv2.polylines(img, [p], closed, col, max(1, int(round(thickness * unit))), cv2.LINE_AA, 4)


def curve(x0, x1, y0, y1, bend, n=12):
    """Quadratic curve from (x0, y0) to (x1, y1) whose middle is pushed down by ``bend``."""
    t = np.linspace(0, 1, n)
    x = x0 + (x1 - x0) * t
    y = y0 + (y1 - y0) * t + bend * 4 * t * (1 - t)
    return np.stack([x, y], axis=1)
