"""Everything around the face: crib backgrounds, lighting, lens and sensor, hands and blankets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from ..render import Expression, Placement, Subject, place_face


def background(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A crib sheet or blanket: smooth colour field, optional stripes, fabric grain."""
    base = rng.uniform(90, 235, (3, 4, 3)).astype(np.float32)
    img = cv2.resize(base, (width, height), interpolation=cv2.INTER_CUBIC)
    if rng.random() < 0.5:
        period = rng.uniform(12, 40)
        angle = rng.uniform(0, np.pi)
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        stripes = np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / period)
        img *= (1 + 0.08 * (stripes > 0))[..., None]
    grain = cv2.GaussianBlur(rng.normal(0, 6, (height, width)).astype(np.float32), (0, 0), 1.2)
    img += grain[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


def photographic(
    frame: np.ndarray,
    rng: np.random.Generator,
    gain: float,
    blur: float,
    noise: float,
    gradient: np.ndarray | None = None,
) -> np.ndarray:
    """Lighting gain and gradient, lens blur and sensor noise applied to a uint8 RGB frame."""
    img = frame.astype(np.float32) * gain
    if gradient is not None:
        img *= gradient[..., None]
    if blur > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), blur)
    if noise > 0:
        img += rng.normal(0, noise, img.shape[:2]).astype(np.float32)[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


def light_gradient(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """Multiplicative illumination field: brighter on one side (a window, a lamp)."""
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    t = (xx / width - 0.5) * np.cos(angle) + (yy / height - 0.5) * np.sin(angle)
    return (1 + rng.uniform(0.1, 0.45) * t).astype(np.float32)


def draw_hand(
    frame: np.ndarray,
    rng: np.random.Generator,
    centre: tuple[float, float],
    size: float,
    skin: np.ndarray,
) -> None:
    """A small hand (palm and four fingers) over ``centre``, e.g. a newborn's fist or a carer's hand."""
    col = tuple(float(c) for c in np.clip(skin * rng.uniform(0.9, 1.1), 0, 255))
    cx, cy = centre
    angle = rng.uniform(0, 360)
    cv2.ellipse(
        frame,
        (int(cx), int(cy)),
        (int(size * 0.55), int(size * 0.45)),
        angle,
        0,
        360,
        col,
        -1,
        cv2.LINE_AA,
    )
    for k in range(4):
        a = np.deg2rad(angle - 45 + k * 30)
        fx, fy = cx + np.cos(a) * size * 0.6, cy + np.sin(a) * size * 0.6
        cv2.ellipse(
            frame,
            (int(fx), int(fy)),
            (int(size * 0.32), int(size * 0.11)),
            np.rad2deg(a),
            0,
            360,
            col,
            -1,
            cv2.LINE_AA,
        )


def draw_cloth(frame: np.ndarray, rng: np.random.Generator, box: np.ndarray) -> None:
    """A blanket covering the whole face box (the face becomes invisible)."""
    x, y, w, h = box
    pad = 0.25
    x0, y0 = int(x - pad * w), int(y - pad * h)
    x1, y1 = int(x + (1 + pad) * w), int(y + (1 + pad) * h)
    col = rng.uniform(150, 250, 3)
    cv2.rectangle(frame, (x0, y0), (x1, y1), tuple(float(c) for c in col), -1)
    for k in range(y0, y1, 6):
        cv2.line(frame, (x0, k), (x1, k), tuple(float(c) for c in col * 0.9), 1)


@dataclass(frozen=True)
class StillLook:
    """Ranges of a still's random framing and light (see :func:`still_frame`).

    Attributes
    ----------
    unit : (low, high)
        Face unit (about the face's height) as a share of the frame height.
    shift : (x, y)
        Largest offset of the face centre from the frame centre, as a share of width / height.
    gain_low : float
        Lighting gain is drawn from ``[gain_low, 1.12]``.
    """

    unit: tuple[float, float]
    shift: tuple[float, float]
    gain_low: float


def still_frame(
    rng: np.random.Generator,
    subject: Subject,
    expr: Expression,
    width: int,
    height: int,
    look: StillLook,
    before_light: Callable[[np.ndarray, np.ndarray, float], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Placement]:
    """One face on a crib background, placed, then lit and photographed.

    Shared by the still images and the pretraining corpus: the random draws happen in one fixed
    order (background, size, position, roll, quiver, [``before_light``], light, blur, noise), so
    changing it changes both data sets.

    Parameters
    ----------
    before_light : callable, optional
        ``before_light(frame, landmarks, unit)`` draws over the placed face before the lighting
        (e.g. a hand).

    Returns
    -------
    frame : ndarray, shape (height, width, 3), uint8 RGB
    box : ndarray ``x, y, w, h`` of the face
    landmarks : ndarray, shape (5, 2)
    where : Placement
    """
    frame = background(rng, width, height)
    unit = height * rng.uniform(*look.unit)
    where = Placement(
        cx=width / 2 + rng.uniform(-look.shift[0], look.shift[0]) * width,
        cy=height / 2 + rng.uniform(-look.shift[1], look.shift[1]) * height,
        unit=unit,
        roll=float(np.clip(rng.normal(0, 12), -30, 30)),
    )
    box, lms = place_face(frame, subject, expr, where, quiver_phase=rng.uniform(0, 2 * np.pi))
    if before_light is not None:
        before_light(frame, lms, unit)
    frame = photographic(
        frame,
        rng,
        gain=rng.uniform(look.gain_low, 1.12),
        blur=rng.uniform(0, 1.3),
        noise=rng.uniform(1, 7),
        gradient=light_gradient(rng, width, height),
    )
    return frame, box, lms, where
