"""IG post-processing option: absolute value (default) or clamp at 0 (the authors' code)."""

from __future__ import annotations

import numpy as np
import pytest

from painsign_utils.errors import ConfigError
from painsign_utils.explain import IG_POSTPROCESS, ig_importance, overlays, postprocess_mask


def _signed() -> np.ndarray:
    """A signed IG-like map: evidence for (top-left blob) and against (bottom-right blob)."""
    yy, xx = np.mgrid[:48, :48]
    pos = np.exp(-((xx - 12) ** 2 + (yy - 12) ** 2) / 30.0)
    neg = -1.2 * np.exp(-((xx - 36) ** 2 + (yy - 36) ** 2) / 30.0)
    return (pos + neg).astype(np.float32)


def test_ig_importance_modes():
    m = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(ig_importance(m, "abs"), [[2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(ig_importance(m, "clamp"), [[0.0, 0.0, 3.0]])
    assert IG_POSTPROCESS == ("abs", "clamp")
    with pytest.raises(ConfigError, match="unknown IG post-processing 'relu'"):
        ig_importance(m, "relu")


def test_clamp_shows_only_evidence_for_the_class_abs_shows_both():
    m = _signed()
    a = postprocess_mask(m, sigma=1.0, ig_mode="abs")
    c = postprocess_mask(m, sigma=1.0, ig_mode="clamp")
    assert np.isfinite(a[12, 12]) and np.isfinite(a[36, 36])  # both blobs visible
    assert np.isfinite(c[12, 12]) and np.isnan(c[36, 36])  # only the positive one
    # The default behaviour is unchanged: absolute value.
    np.testing.assert_array_equal(np.isnan(postprocess_mask(m, sigma=1.0)), np.isnan(a))
    # A map with no positive evidence has nothing to show once clamped.
    assert np.isnan(postprocess_mask(-np.abs(m), ig_mode="clamp")).all()


def test_overlays_pass_the_ig_mode_through():
    crop = np.full((48, 48, 3), 128, np.uint8)
    a, c = (
        overlays([crop], [_signed()], display=48)[0],
        overlays([crop], [_signed()], display=48, ig_mode="clamp")[0],
    )
    assert a.shape == c.shape and not np.array_equal(a, c)
