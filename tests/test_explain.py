"""Tests of painsign_utils.explain on tiny stand-in PainModels (a CNN and a timm ViT)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from painsign_utils.errors import ModelError
from painsign_utils.explain import (
    GradCAM,
    IntegratedGradients,
    colourize,
    overlay,
    postprocess_mask,
)


class TinyCNN(nn.Module):
    """Follows the PainModel contract: preprocess, forward -> (N,), gradcam_layer."""

    name = "tiny_cnn"
    reshape_transform = None
    weights_source = "random init"

    def __init__(self, input_size: int = 32):
        super().__init__()
        self.input_size = input_size
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.Tanh(), nn.Conv2d(8, 8, 3, padding=1), nn.Tanh()
        )
        self.head = nn.Linear(8, 1)
        self.gradcam_layer = self.features[2]

    def preprocess(self, crops) -> torch.Tensor:
        import cv2

        s = self.input_size
        arr = np.stack([cv2.resize(np.asarray(c), (s, s)) for c in crops]).astype(np.float32)
        return torch.from_numpy(arr.transpose(0, 3, 1, 2) / 255.0 - 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))[:, 0]


class TinyViT(nn.Module):
    """A two-block timm ViT with the PainModel contract (tokens reshaped to the patch grid)."""

    name = "tiny_vit"
    weights_source = "random init"

    def __init__(self, input_size: int = 64):
        super().__init__()
        import timm

        self.input_size = input_size
        self.vit = timm.models.vision_transformer.VisionTransformer(
            img_size=input_size, patch_size=16, embed_dim=32, depth=2, num_heads=2, num_classes=1
        )
        # norm1 of the last block: its patch tokens still reach the class token through attention.
        self.gradcam_layer = self.vit.blocks[-1].norm1
        self.grid = input_size // 16

    def reshape_transform(self, tokens: torch.Tensor) -> torch.Tensor:
        g = self.grid
        return tokens[:, 1:].reshape(tokens.shape[0], g, g, -1).permute(0, 3, 1, 2)

    def preprocess(self, crops) -> torch.Tensor:
        return TinyCNN.preprocess(self, crops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.vit(x)[:, 0]


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    return {"cnn": TinyCNN().eval(), "vit": TinyViT().eval()}


def _batch(model, n=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    s = model.input_size
    return torch.rand(n, 3, s, s, generator=g) - 0.5


@pytest.mark.parametrize("kind", ["cnn", "vit"])
def test_gradcam_maps_have_input_size_and_vary(models, kind):
    model = models[kind]
    x = _batch(model)
    res = GradCAM(model, relu=False).attribute(x)
    assert res.maps.shape == (3, model.input_size, model.input_size)
    assert np.isfinite(res.maps).all()
    for m in res.maps:
        assert m.std() > 1e-6 * (np.abs(m).max() + 1e-12), "Grad-CAM map is constant"
    with torch.no_grad():
        np.testing.assert_allclose(res.logits, model(x).numpy(), rtol=1e-5, atol=1e-6)


def test_gradcam_leaves_the_model_unhooked(models):
    model = models["vit"]
    x = _batch(model, n=1)
    with torch.no_grad():
        before = model(x)
    GradCAM(model).attribute(x)
    with torch.no_grad():
        after = model(x)
    torch.testing.assert_close(before, after)
    assert not model.gradcam_layer._forward_hooks


def test_gradcam_relu_is_nonnegative_and_accepts_crops(models):
    model = models["cnn"]
    crops = [
        np.random.default_rng(i).integers(0, 256, (50, 40, 3), dtype=np.uint8) for i in range(2)
    ]
    res = GradCAM(model).attribute(crops)
    assert res.maps.shape == (2, 32, 32)
    assert (res.maps >= 0).all()


def test_gradcam_nopain_negates_the_logit(models):
    model = models["cnn"]
    x = _batch(model, n=2)
    pain = GradCAM(model, relu=False).attribute(x, target="pain")
    nopain = GradCAM(model, relu=False).attribute(x, target="nopain")
    np.testing.assert_allclose(pain.maps, -nopain.maps, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kind", ["cnn", "vit"])
@pytest.mark.parametrize("baseline", ["black", "zeros", "blur"])
def test_ig_completeness_within_reported_delta(models, kind, baseline):
    model = models[kind]
    x = _batch(model, n=2, seed=1)
    res = IntegratedGradients(model, baseline=baseline, n_steps=32).attribute(x)
    assert res.maps.shape == (2, model.input_size, model.input_size)
    assert res.attributions.shape == (2, 3, model.input_size, model.input_size)
    ig = IntegratedGradients(model, baseline=baseline)
    with torch.no_grad():
        fx, fb = model(x).numpy(), model(ig.baselines(x)).numpy()
    total = res.attributions.reshape(2, -1).sum(axis=1)
    gap = np.abs(total - (fx - fb))
    # Completeness: attributions sum to f(x) - f(baseline) up to the reported delta ...
    assert np.all(gap <= np.abs(res.delta) + 1e-4 * (1 + np.abs(fx - fb)))
    # ... and that delta is small for a smooth model with a reasonable number of steps.
    assert np.all(np.abs(res.delta) <= 0.05 * np.abs(fx - fb) + 1e-3)
    np.testing.assert_allclose(res.maps, res.attributions.sum(axis=1), rtol=1e-5, atol=1e-6)


def test_ig_black_baseline_is_the_preprocessed_black_face(models):
    model = models["cnn"]
    x = _batch(model, n=1)
    base = IntegratedGradients(model, baseline="black").baselines(x)
    torch.testing.assert_close(base, torch.full_like(x, -0.5))


def test_ig_rejects_bad_arguments(models):
    with pytest.raises(ModelError, match="baseline"):
        IntegratedGradients(models["cnn"], baseline="grey")
    with pytest.raises(ModelError, match="n_steps"):
        IntegratedGradients(models["cnn"], n_steps=1)
    with pytest.raises(ModelError, match="shape"):
        IntegratedGradients(models["cnn"]).attribute(torch.zeros(3, 32, 32))
    with pytest.raises(ModelError, match="target"):
        GradCAM(models["cnn"]).attribute(_batch(models["cnn"]), target="maybe")
    with pytest.raises(ModelError, match="gradcam_layer"):
        GradCAM(nn.Linear(2, 1))


def _blob(size=64, centre=(20, 40), width=6.0):
    yy, xx = np.mgrid[:size, :size]
    return np.exp(-((yy - centre[0]) ** 2 + (xx - centre[1]) ** 2) / (2 * width**2))


def test_postprocess_mask_quantises_thresholds_and_normalises():
    rng = np.random.default_rng(0)
    mask = _blob() + 0.01 * rng.standard_normal((64, 64))
    out = postprocess_mask(mask, levels=5, sigma=1.0)
    visible = np.isfinite(out)
    assert out.shape == (64, 64)
    assert 0 < visible.mean() < 0.5
    assert visible[20, 40] and not visible[60, 5]
    assert np.nanmin(out) >= 0 and np.nanmax(out) <= 1
    assert np.nanmax(out) == pytest.approx(1.0)
    # Before the blur the mask had at most `levels` values: no blur -> at most 5 distinct values.
    sharp = postprocess_mask(mask, levels=5, sigma=1e-3)
    assert len(np.unique(sharp[np.isfinite(sharp)])) <= 5


def test_postprocess_mask_is_deterministic_and_uses_absolute_values():
    mask = -_blob()
    a, b = postprocess_mask(mask), postprocess_mask(mask)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(np.nan_to_num(a), np.nan_to_num(b))
    assert np.isfinite(a[20, 40])
    assert postprocess_mask(mask, size=128).shape == (128, 128)


def test_postprocess_constant_mask_is_all_transparent_and_bad_input_raises():
    assert np.isnan(postprocess_mask(np.zeros((16, 16)))).all()
    with pytest.raises(ModelError, match="2-D"):
        postprocess_mask(np.zeros((2, 16, 16)))
    with pytest.raises(ModelError, match="NaN"):
        postprocess_mask(np.full((4, 4), np.nan))


def test_colourize_red_high_green_low_and_overlay_keeps_transparent_pixels():
    proc = postprocess_mask(_blob(), sigma=1.0)
    rgba = colourize(proc)
    peak = rgba[20, 40]
    assert peak[0] > 0.6 and peak[1] < 0.4 and peak[3] == 1  # red at the most important pixel
    edge = np.argwhere(np.isfinite(proc))
    lowest = edge[np.nanargmin(proc[np.isfinite(proc)])]
    assert rgba[tuple(lowest)][1] > rgba[tuple(lowest)][0]  # green at the least important one
    face = np.full((100, 100, 3), 128, np.uint8)
    img = overlay(face, proc)
    assert img.shape == (100, 100, 3) and img.dtype == np.uint8
    assert (img[95, 5] == 128).all()  # transparent region untouched
    assert not (img[31, 62] == 128).all()  # the blob is coloured
    raw = overlay(face, _blob(), processed=False)
    assert raw.shape == face.shape
    with pytest.raises(ModelError, match="RGB"):
        overlay(np.zeros((10, 10)), proc)


# ------------------------------------------------------------------ the real models, when present
@pytest.mark.parametrize(
    "name,size",
    [
        ("ncnn", None),
        pytest.param("vggface", 64, marks=pytest.mark.slow),
        pytest.param("vit_b16", 64, marks=pytest.mark.slow),
    ],
)
def test_real_models_gradcam_shape_and_variation(name, size):
    models_mod = pytest.importorskip("painsign_utils.models")
    torch.manual_seed(0)
    model = models_mod.create_model(name, weights="random", input_size=size).eval()
    crops = [
        np.random.default_rng(i).integers(0, 256, (80, 80, 3), dtype=np.uint8) for i in range(2)
    ]
    res = GradCAM(model, relu=False).attribute(crops)
    s = model.input_size
    assert res.maps.shape == (2, s, s)
    assert all(m.std() > 0 for m in res.maps), f"{name}: Grad-CAM map is constant"


# ------------------------------------------------------------------ explaining a video
def _flat_video(path, n=12, fps=4.0, shape=(80, 96)):
    from painsign_utils.video import VideoWriter

    with VideoWriter(path, fps=fps, size=(shape[1], shape[0])) as w:
        for i in range(n):
            frame = np.full((*shape, 3), 40 + 15 * i, np.uint8)
            frame[20:60, 30:70] = (200, 150, 120)
            w.write(frame)


def _detections(n=12, fps=4.0, missing=(5,)):
    from painsign_utils.faces import LANDMARK_COLUMNS

    rows = []
    for i in range(n):
        found = i not in missing
        row = {"frame": i, "time": i / fps, "found": found, "score": 0.99 if found else np.nan}
        box = (30.0, 20.0, 40.0, 40.0) if found else (np.nan,) * 4
        row.update(dict(zip(("x", "y", "w", "h"), box, strict=True)))
        lms = [40, 32, 60, 32, 50, 42, 42, 52, 58, 52] if found else [np.nan] * 10
        row.update(dict(zip(LANDMARK_COLUMNS, lms, strict=True)))
        rows.append(row)
    return pd.DataFrame(rows)


def test_frames_at_interval_picks_nearest_found_frames():
    from painsign_utils.explain import frames_at_interval

    picks = frames_at_interval(_detections(), fps=4.0, interval_s=1.0)
    assert picks["target_time"].tolist() == [0.0, 1.0, 2.0]
    assert picks["frame"].tolist() == [0, 4, 8]
    # Frame 4 missing: its neighbour within half a second is taken instead.
    alt = frames_at_interval(_detections(missing=(4,)), fps=4.0, interval_s=1.0)
    assert alt["frame"].tolist()[1] in (3, 5) and alt["found"].all()
    capped = frames_at_interval(_detections(n=40), fps=4.0, interval_s=1.0, max_frames=3)
    assert len(capped) == 3 and capped["target_time"].iloc[-1] == 9.0


def test_explain_video_caches_and_reports_deltas(tmp_path, models):
    from painsign_utils.explain import explain_video, overlays

    video = tmp_path / "v.mp4"
    _flat_video(video)
    dets = _detections(missing=(4,))
    dets.loc[dets["frame"].isin([2, 3, 5, 6]), "found"] = False  # no face within 0.5 s of 1 s
    cache = tmp_path / "ex.npz"
    ex = explain_video(models["cnn"], video, dets, fps=4.0, ig_steps=8, cache=cache)
    assert cache.exists()
    assert len(ex.crops) == 3 and ex.crops[1] is None and ex.gradcam[1] is None
    assert list(ex.table["frame"]) == [0, 8]
    assert {"logit", "baseline_logit", "ig_sum", "ig_delta", "rel_delta"} <= set(ex.table)
    gap = (ex.table["ig_sum"] - (ex.table["logit"] - ex.table["baseline_logit"])).abs()
    assert (gap <= ex.table["ig_delta"].abs() + 1e-4).all()
    again = explain_video(models["cnn"], video, dets, fps=4.0, ig_steps=8, cache=cache)
    np.testing.assert_allclose(again.gradcam[0], ex.gradcam[0])
    pd.testing.assert_frame_equal(again.table, ex.table, check_dtype=False)
    explain_video(models["cnn"], video, dets, fps=4.0, ig_steps=4, cache=cache)
    with np.load(cache) as z:
        assert z["settings"][0] == "4"  # a cache made with other IG settings is redone
    other = TinyCNN().eval()  # another model (e.g. retrained): its maps are computed afresh
    redone = explain_video(other, video, dets, fps=4.0, ig_steps=4, cache=cache)
    assert not np.allclose(redone.table["logit"], ex.table["logit"])
    ov = overlays(ex.crops, ex.ig, display=48)
    assert ov[1] is None and ov[0].shape == (48, 48, 3)


def test_choose_videos():
    from painsign_utils.errors import DataError
    from painsign_utils.explain import choose_videos

    man = pd.DataFrame(
        {
            "path": ["a/V0.mp4", "a/V1.mp4", "a/V2.mp4"],
            "scenario": ["unstable", "stable_pain", "unstable"],
        }
    )
    assert choose_videos(man, stems=["V2"])["path"].tolist() == ["a/V2.mp4"]
    got = choose_videos(man, scenarios=["stable_pain", "unstable", "irregular"])
    assert got["path"].tolist() == ["a/V1.mp4", "a/V0.mp4"]
    assert choose_videos(man.drop(columns="scenario"), scenarios=["unstable"])["path"].tolist() == [
        "a/V0.mp4"
    ]
    with pytest.raises(DataError, match="V9"):
        choose_videos(man, stems=["V9"])


# ------------------------------------------------------------------ figures
def test_strip_figure_and_privacy_filter():
    import matplotlib

    matplotlib.use("Agg")
    from painsign_utils.figures.explain import explanation_strip, privacy_filter

    face = np.zeros((64, 64, 3), np.uint8)
    face[::8] = 255
    assert (privacy_filter(face, True) == face).all()
    assert not (privacy_filter(face, False) == face).all()
    t = np.arange(40) / 10
    blob = _blob(32, (10, 20), 4.0)
    fig = explanation_strip(
        t,
        0.5 + 0.3 * np.sin(t),
        0.5,
        [0.0, 1.0, 2.0],
        [face, None, face],
        [blob, None, blob],
        [blob, None, -blob],
        "ncnn",
        title="x",
        probs=0.5 + 0.3 * np.sin(t),
        show_faces=False,
        display=48,
    )
    assert len(fig.axes) == 1 + 3 * 3
    shown = fig.axes[4].images[0].get_array()  # Grad-CAM of the first frame
    assert shown.shape == (48, 48, 3)
    plain = np.asarray(fig.axes[1].images[0].get_array())
    assert not (plain == cv2_resize(face, 48)).all()  # the face was blurred


def cv2_resize(img, side):
    import cv2

    return cv2.resize(img, (side, side))


def test_map_stability():
    from painsign_utils.explain import map_stability

    a = _blob(32, (10, 10), 4.0)
    b = _blob(32, (22, 22), 4.0)
    assert map_stability([a, a, None, a]) == pytest.approx(1.0)
    assert map_stability([a, b, a]) < 0.2
    assert np.isnan(map_stability([a, np.zeros_like(a)]))
    assert np.isnan(map_stability([a]))


@pytest.mark.parametrize("kind", ["cnn", "vit"])
def test_gradcam_equals_a_manual_computation(models, kind):
    """Grad-CAM by hand: hook the layer, weights = spatial mean of the gradients, sum over C."""
    import torch.nn.functional as F

    model = models[kind]
    x = _batch(model, n=2, seed=3)
    store = {}

    def hook(_m, _i, out):
        out.retain_grad()
        store["out"] = out

    handle = model.gradcam_layer.register_forward_hook(hook)
    model(x).sum().backward()
    handle.remove()
    model.zero_grad()
    to_grid = model.reshape_transform or (lambda t: t)
    acts, grads = to_grid(store["out"]).detach(), to_grid(store["out"].grad)
    cam = (grads.mean(dim=(2, 3), keepdim=True) * acts).sum(1, keepdim=True)
    cam = F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)[:, 0]
    ours = GradCAM(model, relu=False).attribute(x).maps
    np.testing.assert_allclose(ours, cam.numpy(), rtol=1e-4, atol=1e-6 * float(cam.abs().max()))
