"""Tests of painsign_utils.models: registry, sizes, weight loading, checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from painsign_utils.errors import ModelError
from painsign_utils.models import create_model, load_checkpoint, save_base, save_checkpoint
from painsign_utils.models.vgg import VGGFace, _vgg_dag_names
from painsign_utils.registry import list_models


@pytest.fixture(autouse=True)
def _no_local_weights(monkeypatch, tmp_path):
    # Point the weight search at an empty folder so a user's files cannot change the tests.
    monkeypatch.setenv("PAINSIGN_WEIGHTS", str(tmp_path / "none"))
    monkeypatch.chdir(tmp_path)


def _crops(n=3, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 70, 70, 3), dtype=np.uint8)


def test_ncnn_parameter_count_is_zamzmi_with_one_logit():
    assert create_model("ncnn").n_parameters() == 72_593


@pytest.mark.parametrize(("size", "first"), [(224, 25088), (64, 2048), (32, 512)])
def test_vgg_head_shape_matches_paper_at_224_and_reads_smaller_maps_as_they_are(size, first):
    m = create_model("vggface", weights="random", input_size=size)
    linears = [layer for layer in m.head if isinstance(layer, torch.nn.Linear)]
    assert [(layer.in_features, layer.out_features) for layer in linears] == [
        (first, 512),
        (512, 512),
        (512, 1),
    ]
    assert m(torch.zeros(2, 3, size, size)).shape == (2,)


def test_unknown_model_name_is_one_clear_line():
    with pytest.raises(ModelError, match="unknown model 'resnet'") as err:
        create_model("resnet")
    assert "\n" not in str(err.value)


def test_missing_weights_file_is_one_clear_line(tmp_path):
    with pytest.raises(ModelError, match="weights file not found") as err:
        create_model("vggface", weights=tmp_path / "nope.pth", input_size=32)
    assert "\n" not in str(err.value)


def test_no_local_weights_prints_one_line_and_starts_randomly(capsys):
    from painsign_utils.models import weights

    weights._announced.discard("vggface")
    m1 = create_model("vggface", input_size=32)
    create_model("vggface", input_size=32)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "random start" in err[0]
    assert m1.weights_source == "random init"


@pytest.mark.parametrize("name,size", [("ncnn", None), ("vggface", 32), ("vit_b16", 32)])
def test_forward_preprocess_and_split(name, size):
    torch.manual_seed(0)
    m = create_model(name, weights="random", input_size=size).eval()
    x = m.preprocess(_crops())
    assert x.shape == (3, 3, m.input_size, m.input_size) and x.dtype == torch.float32
    with torch.no_grad():
        z = m(x)
        assert z.shape == (3,)
        for phase in m.phases:
            frozen, trainable = m.split(phase)
            assert torch.allclose(trainable(frozen(x)).reshape(-1), z, atol=1e-5)
    p = m.predict_proba(_crops())
    assert p.shape == (3,) and np.all((p >= 0) & (p <= 1))


def test_each_model_carries_its_normalization():
    crop = np.full((1, 40, 40, 3), (200, 100, 50), np.uint8)
    assert torch.allclose(
        create_model("ncnn").preprocess(crop)[0, :, 0, 0], torch.tensor([200, 100, 50]) / 255.0
    )
    vgg = create_model("vggface", weights="random", input_size=32).preprocess(crop)[0, :, 0, 0]
    # BGR order, VGG-Face mean subtracted per colour.
    assert torch.allclose(vgg, torch.tensor([50 - 93.5940, 100 - 104.7624, 200 - 129.1863]))
    vit = create_model("vit_b16", weights="random", input_size=32).preprocess(crop)[0, :, 0, 0]
    assert torch.allclose(vit, (torch.tensor([200, 100, 50]) / 255.0 - 0.5) / 0.5, atol=1e-6)


def test_vit_reshape_transform_drops_class_token():
    m = create_model("vit_b16", weights="random", input_size=48)
    tokens = torch.randn(2, 1 + 9, 768)
    assert m.reshape_transform(tokens).shape == (2, 768, 3, 3)
    # Below the paper's 224 px Grad-CAM reads the tokens entering the last block (the last block's
    # LayerNorm gives a nearly constant map on a 2x2 or 3x3 grid); at 224 px it is the paper's layer.
    assert m.gradcam_layer_name == "vit.blocks.10"
    full = create_model("vit_b16", weights="random", input_size=224)
    assert isinstance(full.gradcam_layer, torch.nn.LayerNorm)


def _dag_state_dict(src: VGGFace) -> dict[str, torch.Tensor]:
    """``src``'s conv base under vgg_face_dag.pth names, first conv stored as RGB (like the file)."""
    convs = [i for i, layer in enumerate(src.features) if isinstance(layer, torch.nn.Conv2d)]
    sd = {}
    for name, i in zip(_vgg_dag_names(), convs, strict=True):
        sd[f"{name}.weight"] = src.features[i].weight.detach().clone()
        sd[f"{name}.bias"] = src.features[i].bias.detach().clone()
    sd["conv1_1.weight"] = sd["conv1_1.weight"].flip(1)
    sd["fc8.weight"] = torch.zeros(2622, 4096)  # identity classifier: ignored
    return sd


def test_vggface_loads_dag_and_torchvision_conversions(tmp_path):
    torch.manual_seed(1)
    src = create_model("vggface", weights="random", input_size=32).eval()
    x = src.preprocess(_crops())
    with torch.no_grad():
        ref = src.features(x)
    dag = tmp_path / "vgg_face_dag.pth"
    torch.save(_dag_state_dict(src), dag)
    tv = tmp_path / "tv.pth"
    torch.save(
        {"state_dict": {f"module.features.{k}": v for k, v in src.features.state_dict().items()}},
        tv,
    )
    for path in (dag, tv):
        torch.manual_seed(2)
        m = create_model("vggface", weights=path, input_size=32).eval()
        assert m.weights_source == str(path)
        with torch.no_grad():
            assert torch.allclose(m.features(x), ref, atol=1e-5)


def test_vggface_found_in_weights_folder(tmp_path, monkeypatch):
    src = create_model("vggface", weights="random", input_size=32)
    (tmp_path / "w").mkdir()
    torch.save(_dag_state_dict(src), tmp_path / "w" / "vgg_face_dag.pth")
    monkeypatch.setenv("PAINSIGN_WEIGHTS", str(tmp_path / "w"))
    assert create_model("vggface", input_size=32).weights_source.endswith("vgg_face_dag.pth")


def test_wrong_weights_file_is_clear(tmp_path):
    bad = tmp_path / "bad.pth"
    torch.save({"foo.weight": torch.zeros(3)}, bad)
    with pytest.raises(ModelError, match="not a VGG-Face state dict"):
        create_model("vggface", weights=bad, input_size=32)
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a torch file")
    with pytest.raises(ModelError, match="cannot read weights"):
        create_model("vit_b16", weights=junk, input_size=32)


@pytest.mark.slow
def test_vit_loads_local_file_with_pos_embed_resampling(tmp_path):
    torch.manual_seed(3)
    src = create_model("vit_b16", weights="random", input_size=32)
    path = tmp_path / "vit_b16.pth"
    torch.save(src.vit.state_dict(), path)
    m = create_model("vit_b16", weights=path, input_size=48)
    assert m.weights_source == str(path)
    assert m.vit.pos_embed.shape == (1, 1 + 9, 768)
    assert torch.equal(m.vit.blocks[0].attn.qkv.weight, src.vit.blocks[0].attn.qkv.weight)


@pytest.mark.parametrize("name,size", [("ncnn", None), ("vit_b16", 32)])
def test_checkpoint_round_trip_with_shared_base(tmp_path, name, size):
    torch.manual_seed(4)
    m = create_model(name, weights="random", input_size=size).eval()
    m.threshold = 0.42
    save_base(m, tmp_path / "base.pt")
    (tmp_path / "fold0").mkdir()
    save_checkpoint(m, tmp_path / "fold0" / "best.pt", base="../base.pt", fold=0)
    back = load_checkpoint(tmp_path / "fold0" / "best.pt")
    assert back.name == name and back.threshold == 0.42 and back.input_size == m.input_size
    for k, v in m.state_dict().items():
        assert torch.equal(back.state_dict()[k], v), k


def test_load_checkpoint_missing_is_clear(tmp_path):
    with pytest.raises(ModelError, match="checkpoint not found"):
        load_checkpoint(tmp_path / "x.pt")


def test_registry_lists_the_three_models_in_table_order():
    assert list_models() == ["vggface", "ncnn", "vit_b16"]


def test_ncnn_hidden_units_start_alive_on_faces():
    # Zero-bias Glorot leaves about half of the 8 hidden ReLUs off for every face, and training
    # then kills the rest on some folds (constant output); the positive start keeps them all on.
    from painsign_utils import render

    rng = np.random.default_rng(0)
    crops = []
    for i in range(16):
        subject = render.Subject.random(rng, f"S{i:03d}")
        expr = render.expression_from_intensity(rng.uniform(), subject, rng)
        rgb, alpha, _ = render.render_face(subject, expr, unit=50.0)
        crops.append((rgb * alpha[..., None] + 128 * (1 - alpha[..., None])).astype(np.uint8))
    for seed in range(3):
        torch.manual_seed(seed)
        m = create_model("ncnn").eval()
        with torch.no_grad():
            hidden = m.head[:3](m.features(m.preprocess(crops)))
        assert (hidden > 0).any(0).all(), f"seed {seed}: dead hidden units at initialization"


def test_random_vgg_base_gives_faces_different_features():
    # PyTorch's default init shrinks the signal ~6x per layer: after 13 layers every face had the
    # same features (relative spread ~0.01) and the head stayed at chance. He init keeps it alive.
    from painsign_utils import render

    rng = np.random.default_rng(0)
    crops = []
    for i in range(8):
        subject = render.Subject.random(rng, f"S{i}")
        expr = render.expression_from_intensity(rng.uniform(), subject, rng)
        rgb, alpha, _ = render.render_face(subject, expr, unit=50.0)
        crops.append((rgb * alpha[..., None] + 128 * (1 - alpha[..., None])).astype(np.uint8))
    torch.manual_seed(0)
    m = create_model("vggface", weights="random", input_size=32).eval()
    with torch.no_grad():
        f = m.features(m.preprocess(crops)).flatten(1)
    assert float(f.std(0).mean() / f.abs().mean()) > 0.1
