"""Procedural neonatal faces: one subject's look plus one expression gives one picture.

This module owns the drawing. A :class:`Subject` fixes what does not change over time (face shape,
skin tone, eyes, hair or cap, how strongly each facial action shows); an :class:`Expression` holds
the eight NFCS facial actions of one moment, each in [0, 1], plus the confounders sleep and yawn.
:func:`render_face` draws the face on a small RGBA patch; :func:`place_face` rotates, scales and
composites it onto a frame and returns where the face and its five landmarks ended up (the ground
truth the detector is checked against).

Face-local coordinates: the origin is the face centre, one unit is the head's half-width, y points
down. All drawing uses OpenCV primitives with anti-aliasing; it is fast enough to render tens of
thousands of video frames in a minute on two cores.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

#: The facial actions of the Neonatal Facial Coding System that the renderer draws, in order.
NFCS_ACTIONS: tuple[str, ...] = (
    "brow_bulge",
    "eye_squeeze",
    "nasolabial_furrow",
    "open_lips",
    "vertical_stretch",
    "horizontal_stretch",
    "taut_tongue",
    "chin_quiver",
)

# Skin tones from very light to very dark (RGB), spanning the Fitzpatrick range.
_SKIN_TONES = np.array(
    [
        [246, 214, 196],
        [236, 192, 166],
        [222, 170, 140],
        [196, 140, 104],
        [160, 108, 76],
        [120, 80, 56],
        [98, 64, 46],
    ],
    dtype=np.float32,
)
_CAP_COLOURS = np.array(
    [[232, 180, 196], [170, 200, 235], [240, 236, 220], [190, 225, 190], [250, 220, 150]],
    dtype=np.float32,
)

#: Landmark names in RetinaFace's order.
LANDMARKS: tuple[str, ...] = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


@dataclass(frozen=True)
class Subject:
    """What stays fixed for one newborn: appearance and expressiveness.

    Attributes
    ----------
    id : str
        Subject identifier, e.g. ``"S012"``.
    skin : ndarray, shape (3,)
        Base skin colour, RGB in 0..255.
    aspect : float
        Head height over width (newborn heads are round: 1.05-1.2).
    eye_gap, eye_size : float
        Half distance between the eyes and eye width, face units.
    gains : ndarray, shape (8,)
        How strongly each NFCS action shows on this face (1 = typical).
    cap : ndarray or None
        RGB colour of a knitted cap, or None for a bare head.
    hair : float
        Darkness of scalp hair where no cap is worn (0 = none).
    """

    id: str
    skin: np.ndarray
    aspect: float
    eye_gap: float
    eye_size: float
    gains: np.ndarray
    cap: np.ndarray | None
    hair: float
    brow: float
    lip: np.ndarray = field(default_factory=lambda: np.array([200.0, 110.0, 110.0]))

    @classmethod
    def random(cls, rng: np.random.Generator, subject_id: str) -> Subject:
        """Draw a subject; every attribute comes from ``rng`` so the same seed gives the same face."""
        t = rng.uniform(0, len(_SKIN_TONES) - 1)
        lo = int(np.floor(t))
        hi = min(lo + 1, len(_SKIN_TONES) - 1)
        skin = _SKIN_TONES[lo] * (1 - (t - lo)) + _SKIN_TONES[hi] * (t - lo)
        skin = np.clip(skin * rng.uniform(0.95, 1.05, 3) * [1.0, 0.97, 0.97], 0, 255)
        cap = _CAP_COLOURS[rng.integers(len(_CAP_COLOURS))] if rng.random() < 0.35 else None
        # Lips: pink mixed into the skin tone, so they stay visible on every skin.
        lip = np.clip(0.55 * skin * np.array([0.9, 0.6, 0.62]) + 0.45 * np.array([185.0, 95.0, 105.0]), 0, 255)
        return cls(
            id=subject_id,
            skin=skin.astype(np.float32),
            aspect=float(rng.uniform(1.05, 1.2)),
            eye_gap=float(rng.uniform(0.33, 0.39)),
            eye_size=float(rng.uniform(0.22, 0.28)),
            gains=rng.uniform(0.75, 1.25, len(NFCS_ACTIONS)).astype(np.float32),
            cap=cap,
            hair=float(rng.uniform(0.0, 0.7)),
            brow=float(rng.uniform(0.25, 0.6)),
            lip=lip.astype(np.float32),
        )


@dataclass(frozen=True)
class Expression:
    """One moment's face: the NFCS actions in [0, 1] and two confounders.

    ``asleep`` closes the eyes without the squeeze or brow bulge of pain; ``yawn`` opens the mouth
    wide and tall without the squeeze, furrow or horizontal stretch of a pain cry.
    """

    actions: np.ndarray  # shape (8,), order of NFCS_ACTIONS
    asleep: float = 0.0
    yawn: float = 0.0

    def __getitem__(self, name: str) -> float:
        return float(self.actions[NFCS_ACTIONS.index(name)])


def expression_from_intensity(
    intensity: float,
    subject: Subject,
    rng: np.random.Generator,
    asleep: float = 0.0,
    yawn: float = 0.0,
    jitter: float = 0.06,
) -> Expression:
    """Map a latent pain intensity in [0, 1] to the eight facial actions of ``subject``.

    Each action switches on smoothly above its own onset (the brow bulges first, the tongue
    tightens last), scaled by the subject's gain, with a little independent noise so that two
    frames of equal intensity are not identical.
    """
    onsets = np.array([0.18, 0.24, 0.3, 0.34, 0.42, 0.38, 0.55, 0.5], dtype=np.float32)
    x = np.clip((intensity - onsets) / 0.4, 0.0, 1.0)
    smooth = x * x * (3 - 2 * x)
    actions = smooth * subject.gains + rng.normal(0, jitter, len(NFCS_ACTIONS))
    return Expression(np.clip(actions, 0.0, 1.0).astype(np.float32), asleep, yawn)


def nfcs_score(expr: Expression, present: float = 0.5) -> int:
    """NFCS-like score: how many of the eight actions are clearly present (0-8)."""
    return int((expr.actions >= present).sum())


def _pts(xy: np.ndarray, centre: np.ndarray, unit: float) -> np.ndarray:
    """Face units to patch pixels in OpenCV's fixed-point format (4 fractional bits)."""
    return np.round((np.asarray(xy) * unit + centre) * 16).astype(np.int32)


def _ellipse(img, c, axes, colour, unit, centre, angle=0.0, thickness=-1):
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


def _poly(img, xy, colour, unit, centre, closed=False, thickness=0.03, fill=False):
    p = _pts(xy, centre, unit).reshape(-1, 1, 2)
    col = tuple(float(v) for v in colour)
    if fill:
        cv2.fillPoly(img, [p], col, cv2.LINE_AA, 4)
    else:
        cv2.polylines(img, [p], closed, col, max(1, int(round(thickness * unit))), cv2.LINE_AA, 4)


def _curve(x0, x1, y0, y1, bend, n=12):
    """Quadratic curve from (x0, y0) to (x1, y1) whose middle is pushed down by ``bend``."""
    t = np.linspace(0, 1, n)
    x = x0 + (x1 - x0) * t
    y = y0 + (y1 - y0) * t + bend * 4 * t * (1 - t)
    return np.stack([x, y], axis=1)


def head_outline(subject: Subject, n: int = 64) -> np.ndarray:
    """Closed outline of the head in face units: round cranium, full cheeks, small chin."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x = np.cos(t)
    y = np.sin(t) * subject.aspect
    # Narrow the lower face towards a small rounded chin.
    lower = np.clip(np.sin(t), 0, 1)
    x = x * (1 - 0.22 * lower**2)
    return np.stack([x, y - 0.05], axis=1)

_STATIC_CACHE: dict[tuple, tuple] = {}


def _static_layer(subject: Subject, unit: float) -> tuple:
    """Everything of a face that no expression changes: ears, head, shading, cap or hair.

    Cached per subject and size, because a video draws the same head hundreds of times.
    """
    key = (subject.id, float(unit), tuple(subject.skin.tolist()), subject.aspect, subject.hair,
           None if subject.cap is None else tuple(subject.cap.tolist()))
    if key in _STATIC_CACHE:
        return _STATIC_CACHE[key]
    size = int(np.ceil(unit * 2.9)) | 1
    centre = np.array([size / 2, size / 2 + 0.08 * unit], dtype=np.float64)
    rgb = np.zeros((size, size, 3), np.float32)
    alpha = np.zeros((size, size), np.float32)
    skin = subject.skin
    for s in (-1, 1):
        _ellipse(rgb, (s * 0.97, 0.08), (0.16, 0.26), skin * 0.88, unit, centre)
        _ellipse(alpha, (s * 0.97, 0.08), (0.16, 0.26), (1.0,), unit, centre)
        _ellipse(rgb, (s * 0.98, 0.08), (0.07, 0.14), skin * 0.7, unit, centre)
    outline = head_outline(subject)
    _poly(rgb, outline, skin, unit, centre, fill=True)
    _poly(alpha, outline, (1.0,), unit, centre, fill=True)
    # Soft 3-D shading: darker towards the rim, lit from the upper left.
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    u = (xx - centre[0]) / unit
    v = (yy - centre[1]) / unit / subject.aspect
    r2 = u * u + v * v
    shade = 1.08 - 0.32 * np.clip(r2, 0, 1.3) ** 1.5 - 0.06 * (u + v)
    cheeks = np.exp(-(((np.abs(u) - 0.5) ** 2) / 0.05 + ((v - 0.2) ** 2) / 0.06))
    rgb *= shade[..., None]
    # Specular sheen on forehead, nose and cheeks; strongest on dark skin, where it shapes the face.
    sheen = np.exp(-((u + 0.25) ** 2 + (v + 0.45) ** 2) / 0.08) + 0.6 * np.exp(-(u**2 + (v - 0.05) ** 2) / 0.03)
    sheen += 0.5 * np.exp(-(((np.abs(u) - 0.45) ** 2) + (v - 0.12) ** 2) / 0.03)
    rgb += (60 * (1 - float(skin.mean()) / 255) * sheen)[..., None]
    rgb[..., 1] *= 1 - 0.12 * cheeks
    rgb[..., 2] *= 1 - 0.08 * cheeks
    if subject.cap is not None:
        band = np.array([[x, -0.62 - 0.05 * np.cos(x * 1.5)] for x in np.linspace(-1.05, 1.05, 24)])
        cap_poly = np.concatenate([band, [[1.1, -2.0], [-1.1, -2.0]]])
        mask = np.zeros_like(alpha)
        _poly(mask, outline * [1.03, 1.03], (1.0,), unit, centre, fill=True)
        cap_layer = np.zeros_like(alpha)
        _poly(cap_layer, cap_poly, (1.0,), unit, centre, fill=True)
        cap_layer *= mask
        stripes = 0.9 + 0.1 * np.sin(yy / max(unit * 0.06, 1.0))
        col = subject.cap[None, None, :] * (shade * stripes)[..., None]
        rgb = rgb * (1 - cap_layer[..., None]) + col * cap_layer[..., None]
        alpha = np.maximum(alpha, cap_layer)
        _poly(rgb, band, subject.cap * 0.75, unit, centre, thickness=0.05)
    elif subject.hair > 0.05:
        hair = np.clip((-v - 0.55) * 4, 0, 1) * (r2 < 1.2) * subject.hair
        hair_col = np.array([60, 45, 35], np.float32)
        rgb = rgb * (1 - hair[..., None]) + hair_col * hair[..., None]
    if len(_STATIC_CACHE) > 64:
        _STATIC_CACHE.clear()
    out = (size, centre, rgb.astype(np.float32), alpha, shade, cheeks, r2)
    _STATIC_CACHE[key] = out
    return out


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
    size, centre, base, alpha, shade, cheeks, r2 = _static_layer(subject, unit)
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
        pts = _curve(s * (0.1 + 0.04 * (1 - bb)), s * 0.55, inner_y, outer_y, -0.08 + 0.06 * bb)
        _poly(rgb, pts, brow_col, unit, centre, thickness=0.045 + 0.02 * subject.brow)
    if bb > 0.15:
        for dx in (-0.05, 0.05):
            _poly(rgb, [[dx, -0.35], [dx * 0.6, -0.22]], ink * 1.4, unit, centre, thickness=0.025 * bb)
        _ellipse(rgb, (0, -0.42), (0.3, 0.05), skin * (1 - 0.2 * bb), unit, centre, thickness=0.02)

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
            _ellipse(rgb, (ex, eye_y), (w, openness), (245, 240, 235), unit, centre)
            _ellipse(rgb, (ex, eye_y), (openness * 0.95, openness * 0.95), (40, 30, 28), unit, centre)
            _ellipse(rgb, (ex + 0.02, eye_y - 0.02), (0.02, 0.02), (255, 255, 255), unit, centre)
            _ellipse(rgb, (ex, eye_y), (w, openness), ink * 0.6, unit, centre, thickness=0.025)
        else:
            lid = _curve(ex - w, ex + w, eye_y, eye_y, 0.05 if asleep >= sq else -0.02)
            _poly(rgb, lid, ink * 0.6, unit, centre, thickness=0.035 + 0.02 * sq)
        # Upper lid crease.
        crease = _curve(ex - w * 1.05, ex + w * 1.05, eye_y - 0.06 - 0.06 * (1 - closed), eye_y - 0.06, -0.07)
        _poly(rgb, crease, skin * 0.7, unit, centre, thickness=0.02)
        if sq > 0.3:
            for k in (-1, 0, 1):
                p0 = np.array([ex + s * (w + 0.02), eye_y + 0.03 * k])
                p1 = p0 + [s * 0.1, 0.05 * k]
                _poly(rgb, [p0, p1], ink * 1.3, unit, centre, thickness=0.018 * sq)
            cheek_bulge = _curve(ex - w, ex + w, eye_y + 0.1, eye_y + 0.1, 0.04)
            _poly(rgb, cheek_bulge, skin * 0.75, unit, centre, thickness=0.03 * sq)

    # Nose: bridge shading, tip highlight, nostrils.
    nose = (0.0, 0.17)
    _ellipse(rgb, (0, 0.12), (0.13, 0.1), skin * 1.04, unit, centre)
    for s in (-1, 1):
        _ellipse(rgb, (s * 0.065, 0.19), (0.035, 0.022), ink * 0.8, unit, centre, angle=s * 20)
    _ellipse(rgb, (0.0, 0.11), (0.04, 0.03), np.minimum(skin * 1.15, 255), unit, centre)

    # Nasolabial furrows from the nostril wings to beyond the mouth corners.
    nl = a["nasolabial_furrow"] * (1 - 0.5 * asleep)
    if nl > 0.1:
        for s in (-1, 1):
            pts = _curve(s * 0.15, s * (0.36 + 0.06 * a["horizontal_stretch"]), 0.18, 0.52, 0.02)
            pts[:, 0] += s * 0.04 * np.sin(np.linspace(0, np.pi, len(pts)))
            _poly(rgb, pts, skin * (1 - 0.45 * nl), unit, centre, thickness=0.02 + 0.025 * nl)

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
        _poly(rgb, mouth, (70, 20, 25), unit, centre, fill=True)
        tt = a["taut_tongue"] * (1 - yawn)
        tongue_w = half_w * (0.75 - 0.15 * tt)
        tongue = np.stack(
            [tongue_w * np.cos(np.linspace(0, np.pi, 20)),
             mouth_y + open_h * (0.95 - 0.55 * np.sin(np.linspace(0, np.pi, 20)) * (0.6 + 0.6 * tt))],
            axis=1,
        )
        tongue = np.concatenate([tongue, [[-tongue_w, mouth_y + open_h * 0.95], [tongue_w, mouth_y + open_h * 0.95]]])
        _poly(rgb, tongue, (205, 95, 105), unit, centre, fill=True)
        if tt > 0.3:  # cupped, taut tongue shows raised edges
            for s in (-1, 1):
                _ellipse(rgb, (s * tongue_w * 0.8, mouth_y + open_h * 0.45), (0.02, open_h * 0.35), (225, 120, 128), unit, centre)
        _poly(rgb, mouth, subject.lip, unit, centre, closed=True, thickness=0.035)
    else:
        line = _curve(-half_w, half_w, mouth_y + corner_drop, mouth_y + corner_drop, -0.03 - corner_drop)
        _poly(rgb, line, subject.lip * 0.7, unit, centre, thickness=0.03)
        upper = _curve(-half_w * 0.9, half_w * 0.9, mouth_y - 0.015, mouth_y - 0.015, -0.04)
        _poly(rgb, upper, subject.lip, unit, centre, thickness=0.035)
    # Chin: a dimple crease that trembles with the chin quiver.
    chin_y = 0.82 + 2 * quiver
    _poly(rgb, _curve(-0.12, 0.12, chin_y, chin_y, 0.03), skin * (0.85 - 0.1 * a["chin_quiver"]), unit, centre, thickness=0.025)

    mouth_corners = [(-half_w, mouth_y + corner_drop), (half_w, mouth_y + corner_drop)]
    lm = np.array([lms[0], lms[1], nose, *mouth_corners], dtype=np.float64) * unit + centre
    rgb = np.clip(rgb, 0, 255)
    return rgb, alpha, lm


def face_box_local(subject: Subject) -> np.ndarray:
    """Corners of the face's ground-truth box in face units.

    The box follows RetinaFace's convention (from the upper forehead to the chin, cheek to cheek),
    measured once as the mean detected box on upright synthetic faces: x in [-0.845, 0.845], y in
    [-0.92, 0.93]. ``subject`` is accepted so that face shape can refine it later.
    """
    return np.array([[-0.845, -0.92], [0.845, -0.92], [0.845, 0.93], [-0.845, 0.93]])


def premultiply(rgb: np.ndarray, alpha: np.ndarray, lm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pack :func:`render_face`'s output as premultiplied RGBA (one warp, one blend) and landmarks."""
    return np.dstack([rgb * alpha[..., None], alpha]), lm


@dataclass(frozen=True)
class Placement:
    """Where a face lands in a frame: centre (pixels), unit (pixels per face unit) and roll (degrees)."""

    cx: float
    cy: float
    unit: float
    roll: float


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
    centre = np.array([size / 2, size / 2 + 0.08 * where.unit])
    m = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), where.roll, 1.0)
    m[:, 2] += np.array([where.cx, where.cy]) - centre
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
