"""One face drawn on a small RGBA patch: the static head plus one expression's brows, eyes, mouth.

:func:`render_face` returns the patch, its coverage and the five landmarks (:data:`LANDMARKS`,
RetinaFace's order) in patch pixels.
"""

from __future__ import annotations

import numpy as np

from .actions import NFCS_ACTIONS, Expression
from .head import static_layer
from .primitives import curve, ellipse, poly
from .subject import Subject

#: Landmark names in RetinaFace's order.
LANDMARKS: tuple[str, ...] = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


def render_face(
    subject: Subject, expr: Expression, unit: float, quiver_phase: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw one face on a square patch.

    Parameters
    ----------
    subject : Subject
    expr : Expression
    unit : float
        Pixels per face unit (the head's half-width in pixels).
    quiver_phase : float
        Phase in radians of the chin quiver (videos advance it with time).

    Returns
    -------
    rgb : ndarray, shape (S, S, 3), float32
        The face, RGB 0..255.
    alpha : ndarray, shape (S, S), float32
        Coverage in [0, 1].
    landmarks : ndarray, shape (5, 2)
        Eye centres, nose tip, mouth corners in patch pixels (RetinaFace order).
    """
    size, centre, base, alpha, shade, cheeks, r2 = static_layer(subject, unit)
    skin = subject.skin
    a = dict(zip(NFCS_ACTIONS, expr.actions.tolist()))
    asleep, yawn = expr.asleep, expr.yawn
    rgb = base.copy()
    # Red, blotchy cheeks and face when crying (pain flushes a newborn's face).
    flush = 0.25 * a["eye_squeeze"] + 0.25 * a["open_lips"] * (1 - yawn)
    if flush > 0.02:
        rgb[..., 1:] *= (1 - flush * (0.25 * cheeks + 0.12 * np.clip(1 - r2, 0, 1)))[..., None]

    ink = skin * 0.35  # colour of creases and outlines, darker than skin
    brow_col = skin * (1 - subject.brow * 0.6)

    # Brows: lowered and drawn together by the brow bulge; vertical furrows between them.
    bb = a["brow_bulge"] * (1 - asleep)
    for s in (-1, 1):
        inner_y = -0.33 + 0.14 * bb
        outer_y = -0.38 + 0.02 * bb
        pts = curve(s * (0.1 + 0.04 * (1 - bb)), s * 0.55, inner_y, outer_y, -0.08 + 0.06 * bb)
        poly(rgb, pts, brow_col, unit, centre, thickness=0.045 + 0.02 * subject.brow)
    if bb > 0.15:
        for dx in (-0.05, 0.05):
            poly(
                rgb, [[dx, -0.35], [dx * 0.6, -0.22]], ink * 1.4, unit, centre, thickness=0.025 * bb
            )
        ellipse(rgb, (0, -0.42), (0.3, 0.05), skin * (1 - 0.2 * bb), unit, centre, thickness=0.02)

    # Eyes: open almond with iris, or a crease when closed. Squeeze adds bulging cheeks and crow's feet.
    sq = a["eye_squeeze"]
    closed = max(asleep, sq)
    eye_y = -0.12
    lms = []
    for s in (-1, 1):
        ex = s * subject.eye_gap
        w = subject.eye_size / 2
        lms.append((ex, eye_y))
        openness = 0.11 * (1 - closed) ** 1.3
        if openness > 0.015:
            ellipse(rgb, (ex, eye_y), (w, openness), (245, 240, 235), unit, centre)
            ellipse(
                rgb, (ex, eye_y), (openness * 0.95, openness * 0.95), (40, 30, 28), unit, centre
            )
            ellipse(rgb, (ex + 0.02, eye_y - 0.02), (0.02, 0.02), (255, 255, 255), unit, centre)
            ellipse(rgb, (ex, eye_y), (w, openness), ink * 0.6, unit, centre, thickness=0.025)
        else:
            lid = curve(ex - w, ex + w, eye_y, eye_y, 0.05 if asleep >= sq else -0.02)
            poly(rgb, lid, ink * 0.6, unit, centre, thickness=0.035 + 0.02 * sq)
        # Upper lid crease.
        crease = curve(
            ex - w * 1.05, ex + w * 1.05, eye_y - 0.06 - 0.06 * (1 - closed), eye_y - 0.06, -0.07
        )
        poly(rgb, crease, skin * 0.7, unit, centre, thickness=0.02)
        if sq > 0.3:
            for k in (-1, 0, 1):
                p0 = np.array([ex + s * (w + 0.02), eye_y + 0.03 * k])
                p1 = p0 + [s * 0.1, 0.05 * k]
                poly(rgb, [p0, p1], ink * 1.3, unit, centre, thickness=0.018 * sq)
            cheek_bulge = curve(ex - w, ex + w, eye_y + 0.1, eye_y + 0.1, 0.04)
            poly(rgb, cheek_bulge, skin * 0.75, unit, centre, thickness=0.03 * sq)

    # Nose: bridge shading, tip highlight, nostrils.
    nose = (0.0, 0.17)
    ellipse(rgb, (0, 0.12), (0.13, 0.1), skin * 1.04, unit, centre)
    for s in (-1, 1):
        ellipse(rgb, (s * 0.065, 0.19), (0.035, 0.022), ink * 0.8, unit, centre, angle=s * 20)
    ellipse(rgb, (0.0, 0.11), (0.04, 0.03), np.minimum(skin * 1.15, 255), unit, centre)

    # Nasolabial furrows from the nostril wings to beyond the mouth corners.
    nl = a["nasolabial_furrow"] * (1 - 0.5 * asleep)
    if nl > 0.1:
        for s in (-1, 1):
            pts = curve(s * 0.15, s * (0.36 + 0.06 * a["horizontal_stretch"]), 0.18, 0.52, 0.02)
            pts[:, 0] += s * 0.04 * np.sin(np.linspace(0, np.pi, len(pts)))
            poly(rgb, pts, skin * (1 - 0.45 * nl), unit, centre, thickness=0.02 + 0.025 * nl)

    # Mouth: a closed line at rest; open, wide and squarish in a pain cry; tall and round in a yawn.
    quiver = 0.02 * a["chin_quiver"] * np.sin(quiver_phase)
    mouth_y = 0.48 + quiver
    half_w = 0.16 + 0.13 * a["horizontal_stretch"] * (1 - yawn) + 0.02 * yawn
    open_h = 0.02 + 0.16 * a["open_lips"] * (0.55 + 0.45 * a["vertical_stretch"]) + 0.2 * yawn
    corner_drop = 0.05 * a["horizontal_stretch"] * (1 - yawn)
    if open_h > 0.035:
        sq_shape = 0.6 * a["vertical_stretch"] * (1 - yawn)  # cry: squarish; yawn: oval
        t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
        cx = np.sign(np.cos(t)) * np.abs(np.cos(t)) ** (1 - 0.5 * sq_shape)
        cy = np.sign(np.sin(t)) * np.abs(np.sin(t)) ** (1 - 0.5 * sq_shape)
        mouth = np.stack([half_w * cx, mouth_y + open_h * cy + corner_drop * cx**2], axis=1)
        poly(rgb, mouth, (70, 20, 25), unit, centre, fill=True)
        tt = a["taut_tongue"] * (1 - yawn)
        tongue_w = half_w * (0.75 - 0.15 * tt)
        tongue = np.stack(
            [
                tongue_w * np.cos(np.linspace(0, np.pi, 20)),
                mouth_y
                + open_h * (0.95 - 0.55 * np.sin(np.linspace(0, np.pi, 20)) * (0.6 + 0.6 * tt)),
            ],
            axis=1,
        )
        tongue = np.concatenate(
            [tongue, [[-tongue_w, mouth_y + open_h * 0.95], [tongue_w, mouth_y + open_h * 0.95]]]
        )
        poly(rgb, tongue, (205, 95, 105), unit, centre, fill=True)
        if tt > 0.3:  # cupped, taut tongue shows raised edges
            for s in (-1, 1):
                ellipse(
                    rgb,
                    (s * tongue_w * 0.8, mouth_y + open_h * 0.45),
                    (0.02, open_h * 0.35),
                    (225, 120, 128),
                    unit,
                    centre,
                )
        poly(rgb, mouth, subject.lip, unit, centre, closed=True, thickness=0.035)
    else:
        line = curve(
            -half_w, half_w, mouth_y + corner_drop, mouth_y + corner_drop, -0.03 - corner_drop
        )
        poly(rgb, line, subject.lip * 0.7, unit, centre, thickness=0.03)
        upper = curve(-half_w * 0.9, half_w * 0.9, mouth_y - 0.015, mouth_y - 0.015, -0.04)
        poly(rgb, upper, subject.lip, unit, centre, thickness=0.035)
    # Chin: a dimple crease that trembles with the chin quiver.
    chin_y = 0.82 + 2 * quiver
    poly(
        rgb,
        curve(-0.12, 0.12, chin_y, chin_y, 0.03),
        skin * (0.85 - 0.1 * a["chin_quiver"]),
        unit,
        centre,
        thickness=0.025,
    )

    mouth_corners = [(-half_w, mouth_y + corner_drop), (half_w, mouth_y + corner_drop)]
    lm = np.array([lms[0], lms[1], nose, *mouth_corners], dtype=np.float64) * unit + centre
    rgb = np.clip(rgb, 0, 255)
    return rgb, alpha, lm
