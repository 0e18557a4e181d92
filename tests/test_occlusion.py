"""Tests of the region probes, the occlusion test and the face share of attribution
(painsign_utils.explain.regions / .occlusion), and of the Grad-CAM grid and flat-map flags, on tiny
models whose evidence is known by construction."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from painsign_utils.errors import ModelError
from painsign_utils.explain import (
    GradCAM,
    face_share,
    flat_maps,
    model_regions,
    occlude,
    probe_attributions,
    region_probes,
)


class _Gate(nn.Module):
    """Multiplies feature maps by a fixed spatial mask: the model sees only the mask's pixels."""

    def __init__(self, mask: torch.Tensor):
        super().__init__()
        self.register_buffer("mask", mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.mask


class SpotModel(nn.Module):
    """A PainModel stand-in whose logit depends only on one square of its input.

    ``where="corner"``: the top-left eighth of the side (background in every face crop);
    ``"centre"``: the middle eighth (always the face). ``sign=-1`` makes every Grad-CAM cell
    negative, so that the ReLU leaves an all-zero map.
    """

    name = "spot"
    reshape_transform = None
    weights_source = "random init"

    def __init__(self, where: str = "corner", input_size: int = 32, sign: float = 1.0):
        super().__init__()
        self.input_size = input_size
        s, k = input_size, input_size // 8
        mask = torch.zeros(1, 1, s, s)
        o = 0 if where == "corner" else (s - k) // 2
        mask[..., o : o + k, o : o + k] = 1.0
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.gate = _Gate(mask)
        self.gradcam_layer = self.gate
        self.sign = sign

    def preprocess(self, crops) -> torch.Tensor:
        import cv2

        s = self.input_size
        arr = np.stack([cv2.resize(np.asarray(c), (s, s)) for c in crops]).astype(np.float32)
        return torch.from_numpy(arr.transpose(0, 3, 1, 2) / 255.0 - 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.gate(torch.sigmoid(self.conv(x)))
        return self.sign * (a.sum(dim=(1, 2, 3)) / 4.0 - 4.0)


@pytest.fixture(scope="module")
def probes():
    return region_probes(n=8, seed=3, crop_size=64)


def test_region_probes_are_seeded_and_their_masks_partition_the_crop(probes):
    assert probes.crops.shape == (8, 64, 64, 3) and probes.crops.dtype == np.uint8
    np.testing.assert_allclose(probes.masks.sum(axis=-1), 1.0, atol=1e-5)
    # Half wear a cap; a bare head has no cap pixels.
    cap_area = probes.mask("cap").reshape(8, -1).mean(axis=1)
    assert list(probes.table["cap"]) == [True, False] * 4
    assert (cap_area[probes.table["cap"].to_numpy()] > 0.01).all()
    assert (cap_area[~probes.table["cap"].to_numpy()] == 0).all()
    # The centre of every crop is face, its corners background.
    assert (probes.mask("face")[:, 30:34, 30:34] > 0.99).all()
    assert (probes.mask("background")[:, :3, :3] > 0.99).all()
    again = region_probes(n=8, seed=3, crop_size=64)
    assert np.array_equal(again.crops, probes.crops) and np.array_equal(again.masks, probes.masks)
    assert set(probes.table["label"]) == {"pain", "nopain"}


def test_occlude_fills_only_the_masked_region():
    rng = np.random.default_rng(0)
    crops = rng.integers(0, 256, (2, 16, 16, 3), dtype=np.uint8)
    mask = np.zeros((2, 16, 16), np.float32)
    mask[:, :8] = 1.0
    out = occlude(crops, mask, "grey")
    assert (out[:, :8] == 128).all() and np.array_equal(out[:, 8:], crops[:, 8:])
    blurred = occlude(crops, mask, "blur")
    assert np.array_equal(blurred[:, 8:], crops[:, 8:]) and not np.array_equal(blurred, crops)
    with pytest.raises(ModelError, match="fill"):
        occlude(crops, mask, "noise")


@pytest.mark.parametrize("where", ["corner", "centre"])
def test_occlusion_and_face_share_find_where_a_model_looks(probes, where):
    model = SpotModel(where).eval()
    summary, drops, shares = model_regions(model, probes, fill="mean", ig_steps=8)
    assert set(drops["region"]) == {"face", "cap", "background"}
    assert (drops.loc[drops["region"] == "cap", "probe"] % 2 == 0).all()  # capped probes only
    face, background = summary["abs_drop_face"], summary["abs_drop_background"]
    assert summary["grid"] == "32x32" and summary["gradcam_flat"] == 0.0
    if where == "corner":
        assert background > 1e-3 and face < 1e-6
        assert summary["gradcam_face_share"] < 0.05 and summary["ig_face_share"] < 0.05
    else:
        assert face > 1e-3 and background < 1e-6
        assert summary["gradcam_face_share"] > 0.95 and summary["ig_face_share"] > 0.95
    assert 0.2 < summary["face_area"] < 0.8


def test_an_all_negative_gradcam_is_flagged_not_drawn_empty(probes):
    model = SpotModel("corner", sign=-1.0).eval()
    res = GradCAM(model).attribute(list(probes.crops[:3]))
    assert (res.maps == 0).all() and res.flat.tolist() == [True] * 3
    assert np.isnan(face_share(res.maps, probes.mask("face")[:3])).all()
    shares = probe_attributions(model, probes, ig_steps=0)
    assert (
        shares["gradcam_flat"].all()
        and shares[["gradcam_face_share", "ig_face_share"]].isna().all().all()
    )
    varied = GradCAM(model, relu=False).attribute(list(probes.crops[:3]))
    assert not varied.flat.any()
    assert flat_maps(np.zeros((2, 4, 4))).all() and not flat_maps(np.eye(4)[None]).any()


def test_vit_gradcam_is_on_the_patch_grid_without_the_class_token():
    import timm

    class TinyViT(nn.Module):
        name = "tiny_vit"

        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.input_size = 64
            self.vit = timm.models.vision_transformer.VisionTransformer(
                img_size=64, patch_size=16, embed_dim=32, depth=2, num_heads=2, num_classes=1
            )
            self.gradcam_layer = self.vit.blocks[-1].norm1

        def reshape_transform(self, tokens: torch.Tensor) -> torch.Tensor:
            x = tokens[:, self.vit.num_prefix_tokens :]
            return x.reshape(x.shape[0], 4, 4, -1).permute(0, 3, 1, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.vit(x)[:, 0]

    model = TinyViT().eval()
    x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    raw = GradCAM(model, relu=False, upsample=False).attribute(x)
    assert raw.maps.shape == (2, 4, 4) and raw.grid == (4, 4)
    up = GradCAM(model, relu=False).attribute(x)
    assert up.maps.shape == (2, 64, 64) and up.grid == (4, 4)
    # 16 patch cells, none of them the class token: the cells differ from one another.
    assert (raw.maps.reshape(2, -1).std(axis=1) > 0).all()
