"""The privacy switch: blur faces that may not be shown (docs/design.md, "Conventions")."""

from __future__ import annotations

import cv2
import numpy as np


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
