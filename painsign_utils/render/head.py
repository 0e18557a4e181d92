"""The parts of a face no expression changes: head outline, ears, shading, cap or hair.

:func:`static_layer` draws them once per subject and size and caches the result, because a video
draws the same head hundreds of times.
"""

from __future__ import annotations

import numpy as np

from .primitives import ellipse, poly
from .subject import Subject


def head_outline(subject: Subject, n: int = 64) -> np.ndarray:
    """Closed outline of the head in face units: round cranium, full cheeks, small chin."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x = np.cos(t)
    y = np.sin(t) * subject.aspect
    # Narrow the lower face towards a small rounded chin.
    lower = np.clip(np.sin(t), 0, 1)
    x = x * (1 - 0.22 * lower**2)
    return np.stack([x, y - 0.05], axis=1)


def cap_coverage(
    outline: np.ndarray, unit: float, centre: np.ndarray, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Coverage in [0, 1] of a knitted cap on a head patch, and the brim line in face units.

    Parameters
    ----------
    outline : ndarray, shape (n, 2)
        The head's outline (:func:`head_outline`), face units.
    unit, centre, shape
        Pixels per face unit, the head's centre and the patch's shape, as in :func:`static_layer`.
    """
    band = np.array([[x, -0.62 - 0.05 * np.cos(x * 1.5)] for x in np.linspace(-1.05, 1.05, 24)])
    cap_poly = np.concatenate([band, [[1.1, -2.0], [-1.1, -2.0]]])
    mask = np.zeros(shape, np.float32)
    poly(mask, outline * [1.03, 1.03], (1.0,), unit, centre, fill=True)
    cap_layer = np.zeros(shape, np.float32)
    poly(cap_layer, cap_poly, (1.0,), unit, centre, fill=True)
    return cap_layer * mask, band


def head_regions(subject: Subject, unit: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the head and its cap are on :func:`static_layer`'s patch: the ground truth of regions.

    Returns
    -------
    centre : ndarray, shape (2,)
        The head's centre on the patch, pixels (as :func:`static_layer`).
    head : ndarray, shape (S, S), float32
        Coverage of the whole head (skin, ears, hair and cap) in [0, 1].
    cap : ndarray, shape (S, S), float32
        Coverage of the cap in [0, 1]; zero for a bare head.
    """
    _, centre, _, alpha, *_ = static_layer(subject, unit)
    if subject.cap is None:
        return centre, alpha.copy(), np.zeros_like(alpha)
    cap, _ = cap_coverage(head_outline(subject), unit, centre, alpha.shape)
    return centre, alpha.copy(), cap


_STATIC_CACHE: dict[tuple, tuple] = {}


def static_layer(subject: Subject, unit: float) -> tuple:
    """Everything of a face that no expression changes: ears, head, shading, cap or hair.

    Cached per subject and size, because a video draws the same head hundreds of times.
    """
    key = (
        subject.id,
        float(unit),
        tuple(subject.skin.tolist()),
        subject.aspect,
        subject.hair,
        None if subject.cap is None else tuple(subject.cap.tolist()),
    )
    if key in _STATIC_CACHE:
        return _STATIC_CACHE[key]
    size = int(np.ceil(unit * 2.9)) | 1
    centre = np.array([size / 2, size / 2 + 0.08 * unit], dtype=np.float64)
    rgb = np.zeros((size, size, 3), np.float32)
    alpha = np.zeros((size, size), np.float32)
    skin = subject.skin
    for s in (-1, 1):
        ellipse(rgb, (s * 0.97, 0.08), (0.16, 0.26), skin * 0.88, unit, centre)
        ellipse(alpha, (s * 0.97, 0.08), (0.16, 0.26), (1.0,), unit, centre)
        ellipse(rgb, (s * 0.98, 0.08), (0.07, 0.14), skin * 0.7, unit, centre)
    outline = head_outline(subject)
    poly(rgb, outline, skin, unit, centre, fill=True)
    poly(alpha, outline, (1.0,), unit, centre, fill=True)
    # Soft 3-D shading: darker towards the rim, lit from the upper left.
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    u = (xx - centre[0]) / unit
    v = (yy - centre[1]) / unit / subject.aspect
    r2 = u * u + v * v
    shade = 1.08 - 0.32 * np.clip(r2, 0, 1.3) ** 1.5 - 0.06 * (u + v)
    cheeks = np.exp(-(((np.abs(u) - 0.5) ** 2) / 0.05 + ((v - 0.2) ** 2) / 0.06))
    rgb *= shade[..., None]
    # Specular sheen on forehead, nose and cheeks; strongest on dark skin, where it shapes the face.
    sheen = np.exp(-((u + 0.25) ** 2 + (v + 0.45) ** 2) / 0.08) + 0.6 * np.exp(
        -(u**2 + (v - 0.05) ** 2) / 0.03
    )
    sheen += 0.5 * np.exp(-(((np.abs(u) - 0.45) ** 2) + (v - 0.12) ** 2) / 0.03)
    rgb += (60 * (1 - float(skin.mean()) / 255) * sheen)[..., None]
    rgb[..., 1] *= 1 - 0.12 * cheeks
    rgb[..., 2] *= 1 - 0.08 * cheeks
    if subject.cap is not None:
        cap_layer, band = cap_coverage(outline, unit, centre, alpha.shape)
        stripes = 0.9 + 0.1 * np.sin(yy / max(unit * 0.06, 1.0))
        col = subject.cap[None, None, :] * (shade * stripes)[..., None]
        rgb = rgb * (1 - cap_layer[..., None]) + col * cap_layer[..., None]
        alpha = np.maximum(alpha, cap_layer)
        poly(rgb, band, subject.cap * 0.75, unit, centre, thickness=0.05)
    elif subject.hair > 0.05:
        hair = np.clip((-v - 0.55) * 4, 0, 1) * (r2 < 1.2) * subject.hair
        hair_col = np.array([60, 45, 35], np.float32)
        rgb = rgb * (1 - hair[..., None]) + hair_col * hair[..., None]
    if len(_STATIC_CACHE) > 64:
        _STATIC_CACHE.clear()
    out = (size, centre, rgb.astype(np.float32), alpha, shade, cheeks, r2)
    _STATIC_CACHE[key] = out
    return out
