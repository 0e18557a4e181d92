"""The visualisation the paper borrows from Carlini et al. (2024): quantise a mask into a few levels
with k-means, blur, normalise to [0, 1], make the weak part transparent and draw the rest red ->
yellow -> green over the face (:func:`postprocess_mask`, :func:`overlay`, :func:`overlays`)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ..errors import ModelError
from .ig import ig_importance

#: Face side (pixels) for which the authors chose an 11-pixel Gaussian kernel with sigma=0 ...
_REFERENCE_SIDE = 224
#: ... whose sigma OpenCV derives as 0.3 * ((ksize - 1) / 2 - 1) + 0.8 (= 2 px).
_REFERENCE_SIGMA = 0.3 * ((11 - 1) * 0.5 - 1) + 0.8


def postprocess_mask(
    mask: np.ndarray,
    levels: int = 5,
    sigma: float | None = None,
    alpha_sd: float = 0.5,
    absolute: bool = True,
    size: int | None = None,
    seed: int = 123,
    max_fit: int = 20000,
    ig_mode: str | None = None,
) -> np.ndarray:
    """Carlini et al. (2024) post-processing of an attribution mask.

    Steps: (optionally) absolute value or clamp at 0, and resize; k-means quantisation of the pixel values into
    ``levels`` levels; Gaussian blur; min-max normalisation to [0, 1]; pixels at or below
    ``mean + alpha_sd * sd`` of the normalised mask set to NaN (transparent).

    Parameters
    ----------
    mask : ndarray, shape (H, W)
        Raw attribution map (Grad-CAM or channel-summed IG).
    levels : int
        k-means clusters (the authors use 5).
    sigma : float, optional
        Blur sigma in pixels; default scales the authors' 11-px kernel (sigma 2 px at 224 px) to
        the mask's side so that the look does not depend on the model's input size.
    alpha_sd : float
        Transparency threshold in standard deviations above the mean.
    absolute : bool
        Use ``|mask|``: for IG, evidence against pain is as informative as evidence for it. The
        authors' code clamps IG at 0 instead (``ig_mode="clamp"``).
    size : int, optional
        Resize the mask to ``size x size`` first (e.g. to the displayed face crop).
    seed : int
        k-means seed.
    max_fit : int
        Fit k-means on at most this many pixels (a seeded sample), then label every pixel.
    ig_mode : {"abs", "clamp"}, optional
        For a signed IG map: :func:`ig_importance`'s mode, which replaces ``absolute`` (``"clamp"``
        under ``protocol: authors``). None (default) keeps ``absolute``.

    Returns
    -------
    ndarray, shape (H, W) or (size, size), float32
        Values in [0, 1] where visible, NaN where transparent. All NaN for a constant mask (no
        region stands out).
    """
    from sklearn.cluster import KMeans

    m = np.asarray(mask, dtype=np.float32)
    if m.ndim != 2:
        raise ModelError(f"attribution mask must be 2-D (H, W), got shape {m.shape}")
    if not np.isfinite(m).all():
        raise ModelError("attribution mask contains NaN or infinite values")
    if ig_mode is not None:
        m = ig_importance(m, ig_mode)
    elif absolute:
        m = np.abs(m)
    if size is not None and m.shape != (size, size):
        m = cv2.resize(m, (size, size), interpolation=cv2.INTER_LINEAR)
    out = np.full(m.shape, np.nan, dtype=np.float32)
    if np.ptp(m) <= 1e-12 * max(1.0, float(np.abs(m).max())):
        return out
    flat = m.reshape(-1, 1)
    k = int(min(levels, len(np.unique(flat))))
    rng = np.random.default_rng(seed)
    fit = flat if len(flat) <= max_fit else flat[rng.choice(len(flat), max_fit, replace=False)]
    km = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(fit)
    quantised = km.cluster_centers_[km.predict(flat), 0].reshape(m.shape).astype(np.float32)
    if sigma is None:
        sigma = _REFERENCE_SIGMA * max(m.shape) / _REFERENCE_SIDE
    blurred = cv2.GaussianBlur(quantised, (0, 0), max(float(sigma), 1e-3))
    span = float(blurred.max() - blurred.min())
    if span <= 0:
        return out
    norm = (blurred - blurred.min()) / span
    visible = norm > norm.mean() + alpha_sd * norm.std()
    out[visible] = norm[visible]
    return out


def colourize(processed: np.ndarray, stretch: bool = True, cmap: str = "RdYlGn_r") -> np.ndarray:
    """RGBA image (H, W, 4) float in [0, 1] of a post-processed mask: red high, green low.

    ``stretch`` maps the visible range to the full colour scale, so the least important visible
    region is green and the most important red (otherwise colours follow the absolute [0, 1]
    value and visible pixels are seldom green). Transparent (NaN) pixels get alpha 0.
    """
    import matplotlib

    vals = np.asarray(processed, dtype=np.float32)
    visible = np.isfinite(vals)
    scaled = np.zeros_like(vals)
    if visible.any():
        v = vals[visible]
        lo, hi = (float(v.min()), float(v.max())) if stretch else (0.0, 1.0)
        scaled[visible] = (v - lo) / (hi - lo) if hi > lo else 1.0
    rgba = matplotlib.colormaps[cmap](scaled).astype(np.float32)
    rgba[..., 3] = visible.astype(np.float32)
    return rgba


def overlay(
    face_rgb: np.ndarray,
    mask: np.ndarray,
    alpha: float = 0.6,
    processed: bool = True,
    stretch: bool = True,
    **postprocess_kw,
) -> np.ndarray:
    """Draw an attribution mask over a face: red (most important) -> yellow -> green (least).

    Parameters
    ----------
    face_rgb : ndarray, shape (H, W, 3), uint8
        The face the mask explains (any size; the mask is resized to it).
    mask : ndarray, shape (h, w)
        A post-processed mask (NaN = transparent) when ``processed``; else a raw attribution map,
        post-processed here with ``postprocess_kw``.
    alpha : float
        Opacity of the colour over visible pixels.

    Returns
    -------
    ndarray, shape (H, W, 3), uint8
    """
    face = np.asarray(face_rgb)
    if face.ndim != 3 or face.shape[2] != 3:
        raise ModelError(f"face must be an RGB image (H, W, 3), got shape {face.shape}")
    h, w = face.shape[:2]
    if not processed:
        mask = postprocess_mask(mask, **postprocess_kw)
    mask = np.asarray(mask, dtype=np.float32)
    if mask.shape != (h, w):
        # Nearest keeps the transparent border crisp; NaNs would smear under linear resizing.
        mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_NEAREST)
    rgba = colourize(mask, stretch=stretch)
    a = alpha * rgba[..., 3:4]
    out = (1 - a) * face.astype(np.float32) / 255.0 + a * rgba[..., :3]
    return np.clip(np.round(out * 255.0), 0, 255).astype(np.uint8)


def overlays(
    crops: Sequence[np.ndarray | None],
    maps: Sequence[np.ndarray | None],
    levels: int = 5,
    display: int = 128,
    ig_mode: str | None = None,
) -> list[np.ndarray | None]:
    """Post-processed overlays (Carlini et al.) of maps on their crops at ``display`` pixels.

    ``ig_mode`` (``"abs"`` or ``"clamp"``) is passed to :func:`postprocess_mask` for IG maps;
    None keeps the default absolute value.
    """
    out: list[np.ndarray | None] = []
    for crop, m in zip(crops, maps, strict=True):
        if crop is None or m is None:
            out.append(None)
            continue
        face = cv2.resize(crop, (display, display), interpolation=cv2.INTER_AREA)
        out.append(overlay(face, postprocess_mask(m, levels=levels, size=display, ig_mode=ig_mode)))
    return out
