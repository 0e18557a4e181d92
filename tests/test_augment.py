"""Tests of painsign_utils.augment: determinism, ranges, face kept in the crop."""

from __future__ import annotations

import numpy as np
import pytest

from painsign_utils.augment import PAPER_AUGMENT, augment_image, augmented_stack
from painsign_utils.augment.images import _draw, _matrix, _visible_share
from painsign_utils.errors import ConfigError


def _crop(size=64, seed=0):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    img[size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = 255  # a bright "face"
    return img


def test_paper_ranges():
    p = PAPER_AUGMENT
    assert (p.rotation, p.shear, p.shift, p.brightness, p.zoom, p.horizontal_flip) == (
        30.0,
        0.15,
        0.20,
        (0.5, 1.1),
        (0.7, 1.5),
        True,
    )


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
    import painsign_utils.augment.images as aug

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
        shares.append(
            np.mean((q[:, 0] >= 0) & (q[:, 0] < size) & (q[:, 1] >= 0) & (q[:, 1] < size))
        )
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


# --- albumentations style (the authors' augmentation, protocol: authors) -------------------------

from painsign_utils.augment import (  # noqa: E402
    AUTHORS_AUGMENT,
    AlbumentationsParams,
    AugmentParams,
    augment_params,
    default_keypoints,
)
from painsign_utils.augment.albu import _albu_matrix, _brightness_contrast, _draw_albu  # noqa: E402


def test_authors_ranges_and_styles():
    p = AUTHORS_AUGMENT
    assert (p.rotate, p.shear, p.translate, p.scale, p.brightness, p.contrast) == (
        30.0,
        10.0,
        0.2,
        (0.7, 1.5),
        0.2,
        0.2,
    )
    assert (p.p_brightness_contrast, p.p_flip, p.style) == (0.5, 0.5, "albumentations")
    assert PAPER_AUGMENT.style == "keras" and isinstance(augment_params(), AugmentParams)
    assert augment_params("albumentations") == AUTHORS_AUGMENT
    assert augment_params("albumentations", scale=[0.9, 1.1]).scale == (0.9, 1.1)
    with pytest.raises(ConfigError, match="unknown augmentation style"):
        augment_params("imgaug")
    with pytest.raises(ConfigError, match="no parameter"):
        augment_params("albumentations", zoom=(0.7, 1.5))
    # The Keras parameters' cache key is unchanged by the new option.
    assert (
        PAPER_AUGMENT.key().startswith("rotation=30.0,shear=0.15,")
        and "style" not in PAPER_AUGMENT.key()
    )
    assert AUTHORS_AUGMENT.key() != PAPER_AUGMENT.key()


def test_albumentations_draws_stay_in_range():
    rng = np.random.default_rng(0)
    draws = [_draw_albu(rng, AUTHORS_AUGMENT) for _ in range(2000)]
    get = lambda k: np.array([d[k] for d in draws])  # noqa: E731
    assert (
        get("sx").min() >= 0.7 and get("sx").max() <= 1.5 and not np.allclose(get("sx"), get("sy"))
    )
    assert (
        np.abs(get("shx")).max() <= 10 and np.abs(get("shy")).max() <= 10 and get("shx").std() > 4
    )
    assert np.abs(get("tx")).max() <= 0.2 and np.abs(get("theta")).max() <= 30
    changed = get("beta") != 0
    assert 0.45 < changed.mean() < 0.55 and 0.45 < get("flip").mean() < 0.55
    assert np.abs(get("beta")).max() <= 0.2 and np.abs(get("alpha") - 1).max() <= 0.2
    assert (get("alpha")[~changed] == 1).all()


def test_albumentations_scale_above_one_zooms_in():
    d = {"sx": 1.5, "sy": 1.5, "tx": 0.0, "ty": 0.0, "theta": 0.0, "shx": 0.0, "shy": 0.0}
    m = _albu_matrix(d, 101)
    centre, off = np.array([50.0, 50.0, 1.0]), np.array([60.0, 50.0, 1.0])
    assert np.allclose(m @ centre, centre) and np.allclose((m @ off)[:2], [65.0, 50.0])
    ident = dict(d, sx=1.0, sy=1.0)
    assert np.allclose(_albu_matrix(ident, 64), np.eye(3))
    shifted = _albu_matrix(dict(ident, tx=0.2), 100)
    assert np.allclose(shifted[:2, 2], [20.0, 0.0])


def test_brightness_contrast_is_alpha_times_image_plus_beta():
    img = np.array([[[0, 100, 250]]], np.uint8)
    out = _brightness_contrast(img, 1.2, 0.1)
    assert out.tolist() == [[[25, 145, 255]]]
    assert _brightness_contrast(img, 1.0, 0.0) is img


def test_albumentations_keeps_all_keypoints_in_frame_and_moves_them_with_the_image():
    size = 96
    img = _crop(size)
    for k in range(1, 60):
        out, kps = augment_image(img, 0, "face", k, AUTHORS_AUGMENT, return_keypoints=True)
        assert out.shape == img.shape and out.dtype == np.uint8
        assert kps.shape == (5, 2) and (kps >= 0).all() and (kps < size).all()
    # Keypoints near the border force redraws, and still end inside.
    edge = np.array([[4.0, 48.0], [91.0, 48.0], [48.0, 48.0], [48.0, 4.0], [2.0, 93.0]])
    for k in range(1, 10):
        _, kps = augment_image(
            img, 1, "edge", k, AUTHORS_AUGMENT, keypoints=edge, return_keypoints=True
        )
        assert (kps >= 0).all() and (kps < size).all()
    # A single bright keypoint pixel lands where its keypoint says (flip included).
    dot = np.zeros((size, size, 3), np.uint8)
    dot[40:43, 30:33] = 255
    one = np.array([[31.0, 41.0]] * 5)
    for k in range(1, 12):
        p = AlbumentationsParams(p_brightness_contrast=0.0)
        out, kps = augment_image(dot, 2, "dot", k, p, keypoints=one, return_keypoints=True)
        x, y = np.round(kps[0]).astype(int)
        assert out[y, x].max() > 60


def test_albumentations_is_deterministic_and_k0_is_the_original():
    img = _crop()
    a = augment_image(img, 0, "a.png", 3, AUTHORS_AUGMENT)
    assert np.array_equal(a, augment_image(img, 0, "a.png", 3, AUTHORS_AUGMENT))
    assert not np.array_equal(a, augment_image(img, 0, "a.png", 4, AUTHORS_AUGMENT))
    assert not np.array_equal(a, augment_image(img, 0, "a.png", 3))  # Keras style differs
    assert augment_image(img, 0, "a.png", 0, AUTHORS_AUGMENT) is img
    kps = default_keypoints(64)
    assert kps.shape == (5, 2) and kps[0, 0] < kps[1, 0] and kps[2, 1] < kps[3, 1]


def test_stack_with_albumentations_and_keypoints():
    crops = [_crop(80, s) for s in range(2)]
    kps = [default_keypoints(80), None]
    st = augmented_stack(crops, ["a", "b"], 2, 32, params=AUTHORS_AUGMENT, keypoints=kps)
    assert st.shape == (2, 3, 32, 32, 3)
    with pytest.raises(ConfigError, match="keypoint sets"):
        augmented_stack(crops, ["a", "b"], 1, 32, params=AUTHORS_AUGMENT, keypoints=kps[:1])
    with pytest.raises(ConfigError, match="params must be"):
        augment_image(crops[0], 0, "a", 1, params={"style": "albumentations"})  # type: ignore[arg-type]
