"""Tests of painsign_utils.augment: determinism, ranges, face kept in the crop."""

from __future__ import annotations

import numpy as np
import pytest

from painsign_utils.augment import (
    PAPER_AUGMENT,
    _draw,
    _matrix,
    _visible_share,
    augment_image,
    augmented_stack,
)
from painsign_utils.errors import ConfigError


def _crop(size=64, seed=0):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    img[size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = 255  # a bright "face"
    return img


def test_paper_ranges():
    p = PAPER_AUGMENT
    assert (p.rotation, p.shear, p.shift, p.brightness, p.zoom, p.horizontal_flip) == (
        30.0, 0.15, 0.20, (0.5, 1.1), (0.7, 1.5), True,
    )  # fmt: skip


def test_deterministic_per_seed_image_and_k():
    img = _crop()
    a = augment_image(img, 0, "a.png", 3)
    assert np.array_equal(a, augment_image(img, 0, "a.png", 3))
    assert not np.array_equal(a, augment_image(img, 0, "a.png", 4))
    assert not np.array_equal(a, augment_image(img, 1, "a.png", 3))
    assert not np.array_equal(a, augment_image(img, 0, "b.png", 3))
    assert augment_image(img, 0, "a.png", 0) is img


def test_draws_stay_in_range():
    rng = np.random.default_rng(0)
    draws = [_draw(rng, PAPER_AUGMENT) for _ in range(500)]
    theta = np.array([d["theta"] for d in draws])
    zoom = np.array([d["zx"] for d in draws])
    bright = np.array([d["bright"] for d in draws])
    assert np.abs(theta).max() <= 30 and theta.std() > 10
    assert zoom.min() >= 0.7 and zoom.max() <= 1.5
    assert bright.min() >= 0.5 and bright.max() <= 1.1
    assert 0.35 < np.mean([d["flip"] for d in draws]) < 0.65


def test_identity_matrix_for_neutral_draw():
    d = {"theta": 0.0, "shear": 0.0, "tx": 0.0, "ty": 0.0, "zx": 1.0, "zy": 1.0}
    assert np.allclose(_matrix(d, 64), np.eye(3))
    assert _visible_share(_matrix(d, 64), 64, 1 / 1.4) == 1.0


def test_face_kept_in_crop(monkeypatch):
    # Capture each warp's matrix and measure, on a fine grid, how much of the face box stays in.
    import painsign_utils.augment as aug

    used = []
    real = aug.cv2.warpAffine

    def spy(img, m, dsize, **kw):
        used.append(np.vstack([m, [0, 0, 1]]))
        return real(img, m, dsize, **kw)

    monkeypatch.setattr(aug.cv2, "warpAffine", spy)
    size = 100
    half = size / 2 / 1.4
    g = np.linspace(size / 2 - half, size / 2 + half, 50)
    xx, yy = np.meshgrid(g, g)
    pts = np.c_[xx.ravel(), yy.ravel(), np.ones(xx.size)]
    for k in range(1, 80):
        augment_image(_crop(size), 0, "face", k)
    assert len(used) == 79
    shares = []
    for m in used:
        q = pts @ m.T
        shares.append(np.mean((q[:, 0] >= 0) & (q[:, 0] < size) & (q[:, 1] >= 0) & (q[:, 1] < size)))
    assert min(shares) >= PAPER_AUGMENT.min_visible - 0.03
    # ...while the transformations are not trivial: some faces do touch the border.
    assert min(shares) < 1.0


def test_face_check_rejects_draws():
    img = _crop()
    calls = []

    def never(rgb):
        calls.append(1)
        return False

    out = augment_image(img, 0, "x", 1, face_check=never)
    assert out.shape == img.shape and len(calls) > 1


def test_stack_shape_and_original_first():
    crops = [_crop(80, s) for s in range(3)]
    st = augmented_stack(crops, ["a", "b", "c"], 2, 32, seed=0)
    assert st.shape == (3, 3, 32, 32, 3) and st.dtype == np.uint8
    import cv2

    assert np.array_equal(st[1, 0], cv2.resize(crops[1], (32, 32), interpolation=cv2.INTER_AREA))


def test_bad_input_is_clear():
    with pytest.raises(ConfigError, match="square RGB crop"):
        augment_image(np.zeros((10, 20, 3), np.uint8), 0, "x", 1)
    with pytest.raises(ConfigError, match="keys"):
        augmented_stack([_crop()], ["a", "b"], 1, 32)
