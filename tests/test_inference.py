"""Tests of the inference engine: FrameClassifier and per-frame video probabilities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from painsign_utils.errors import DataError, ModelError
from painsign_utils.faces.detection import DETECTION_COLUMNS, Detection, detection_row
from painsign_utils.inference import FrameClassifier, video_probabilities
from painsign_utils.video import VideoWriter


class TinyModel(nn.Module):
    """A PainModel stand-in: mean colour of a 16-px resize -> conv -> one logit."""

    name = "tiny"
    input_size = 16

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4, 1)

    def preprocess(self, crops):
        import cv2

        if isinstance(crops, np.ndarray) and crops.ndim == 3:
            crops = [crops]
        arr = np.stack([cv2.resize(np.asarray(c), (16, 16)) for c in crops]).astype(np.float32)
        return torch.from_numpy(arr / 255.0).permute(0, 3, 1, 2).contiguous()

    def forward(self, x):
        return self.fc(self.conv(x).mean(dim=(2, 3))).reshape(-1)


def _crops(n, seed=0):
    rng = np.random.default_rng(seed)
    return [
        rng.integers(0, 256, (int(rng.integers(20, 60)),) * 2 + (3,), dtype=np.uint8)
        for _ in range(n)
    ]


def _reference(model, crops):
    with torch.no_grad():
        return torch.sigmoid(model(model.preprocess(crops))).numpy().astype(float)


@pytest.mark.parametrize("batch_size", [1, 3, 32])
def test_predict_matches_plain_forward_for_any_batch(batch_size):
    model = TinyModel()
    crops = _crops(7)
    ref = _reference(model, crops)
    got = FrameClassifier(model, batch_size=batch_size, channels_last=False).predict(crops)
    assert got.shape == (7,)
    np.testing.assert_allclose(got, ref, atol=1e-6)


@pytest.mark.parametrize("native_bf16", ["0", "1"])
def test_default_is_exact_float32_whatever_the_cpu(monkeypatch, native_bf16):
    # PAINSIGN_BF16 overrides the CPU detection: "1" plays an AVX-512 BF16 CPU, "0" an AVX2 one.
    monkeypatch.setenv("PAINSIGN_BF16", native_bf16)
    model = TinyModel()
    crops = _crops(5)
    ref = _reference(model, crops)
    clf = FrameClassifier(model, channels_last=True)
    assert clf.bf16 is False and clf.exact
    np.testing.assert_allclose(clf.predict(crops), ref, atol=1e-6)
    assert clf.agreement(crops) == 0.0
    assert FrameClassifier(TinyModel(), bf16="auto").bf16 is (native_bf16 == "1")


def test_bf16_is_an_explicit_option_with_measured_agreement():
    model = TinyModel()
    crops = _crops(6)
    clf = FrameClassifier(model, bf16=True)
    assert not clf.exact
    gap = clf.agreement(crops)
    assert 0.0 < gap < 0.05  # bf16 keeps 8 mantissa bits: close, not equal
    np.testing.assert_allclose(clf.predict(crops), _reference(model, crops), atol=0.05)


def test_bf16_with_int8_is_refused_in_one_line():
    with pytest.raises(ModelError, match="cannot be combined"):
        FrameClassifier(TinyModel(), bf16=True, quantize=True)
    with pytest.raises(ModelError, match="bf16 must be"):
        FrameClassifier(TinyModel(), bf16="yes")


def test_quantized_copy_is_close_and_leaves_model_exact():
    model = TinyModel()
    crops = _crops(6)
    ref = _reference(model, crops)
    clf = FrameClassifier(model, quantize=True)
    assert not clf.exact and clf.net is not clf.model
    np.testing.assert_allclose(clf.predict(crops), ref, atol=0.05)
    np.testing.assert_allclose(_reference(model, crops), ref, atol=1e-6)  # caller's model kept


def test_empty_input_and_bad_arguments():
    clf = FrameClassifier(TinyModel())
    assert clf.predict([]).shape == (0,)
    with pytest.raises(ModelError):
        FrameClassifier(nn.Linear(2, 1))
    with pytest.raises(ModelError):
        FrameClassifier(TinyModel(), batch_size=0)


def test_real_ncnn_gives_probabilities():
    from painsign_utils.models import create_model

    clf = FrameClassifier(create_model("ncnn"), batch_size=4)
    p = clf.predict(_crops(5))
    assert p.shape == (5,) and np.all((p >= 0) & (p <= 1))


def _write_video(path, n=12, size=(64, 48)):
    rng = np.random.default_rng(1)
    frames = [rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8) for _ in range(n)]
    with VideoWriter(path, 30.0, size) as w:
        for f in frames:
            w.write(f)
    return frames


def _detections(frames_idx, found):
    det = Detection(
        box=np.array([10.0, 8.0, 30.0, 30.0]), landmarks=np.full((5, 2), 20.0), score=0.99
    )
    rows = [detection_row(i, i / 30.0, det if f else None) for i, f in zip(frames_idx, found)]
    return pd.DataFrame(rows, columns=list(DETECTION_COLUMNS))


def test_video_probabilities_nan_where_no_face_and_cached(tmp_path):
    video = tmp_path / "v.mp4"
    _write_video(video)
    found = [True, False, True, True, False, True]
    dets = _detections(range(0, 12, 2), found)  # a detection table made with step 2
    cache = tmp_path / "probs.csv"
    model = TinyModel()
    table = video_probabilities(video, model, dets, cache=cache, progress=False)
    assert list(table.columns) == ["frame", "time", "prob"]
    assert table["frame"].tolist() == list(range(0, 12, 2))
    assert table["prob"].isna().tolist() == [not f for f in found]
    assert cache.exists()
    # The cache is returned as is, without touching the model.
    again = video_probabilities(video, object(), dets, cache=cache, progress=False)
    pd.testing.assert_frame_equal(again, table)


def test_video_probabilities_equal_direct_crops(tmp_path):
    from painsign_utils.faces import crop_face, detection_from_row
    from painsign_utils.video import iter_frames

    video = tmp_path / "v.mp4"
    _write_video(video, n=5)
    dets = _detections(range(5), [True] * 5)
    model = TinyModel()
    table = video_probabilities(video, model, dets, progress=False)
    decoded = dict(iter_frames(video))
    crops = [
        crop_face(decoded[i], detection_from_row(dets.iloc[i]), margin=0.2, size=256)
        for i in range(5)
    ]
    np.testing.assert_allclose(table["prob"].to_numpy(), _reference(model, crops), atol=1e-6)


def test_video_probabilities_by_model_decodes_once_with_the_same_bytes(tmp_path, monkeypatch):
    from painsign_utils import inference, video

    path = tmp_path / "v.mp4"
    _write_video(path)
    dets = _detections(range(0, 12, 2), [True, False, True, True, True, True])

    class Other(TinyModel):
        def forward(self, x):
            return -super().forward(x)

    # batches of 2 and 3: the shared chunks must split into each model's own batches
    models = {
        "a": FrameClassifier(TinyModel(), batch_size=2),
        "b": FrameClassifier(Other(), batch_size=3),
    }
    alone = {}
    for name, clf in models.items():
        alone[name] = tmp_path / f"alone-{name}.csv"
        video_probabilities(path, clf, dets, cache=alone[name], progress=False)
    decodes = []
    real = video.iter_frames
    monkeypatch.setattr(video, "iter_frames", lambda *a, **k: decodes.append(1) or real(*a, **k))
    caches = {name: tmp_path / f"shared-{name}.csv" for name in models}
    tables = inference.video_probabilities_by_model(path, models, dets, caches, progress=False)
    assert len(decodes) == 1
    for name in models:
        assert caches[name].read_bytes() == alone[name].read_bytes()
        assert tables[name].attrs["seconds"] > 0
    # a model whose file exists is read, not run (no decoding at all when none is left)
    again = inference.video_probabilities_by_model(path, models, dets, caches, progress=False)
    assert len(decodes) == 1 and np.isnan(again["a"].attrs["seconds"])
    pd.testing.assert_frame_equal(again["b"], tables["b"])


def test_video_probabilities_errors(tmp_path):
    video = tmp_path / "v.mp4"
    _write_video(video, n=4)
    with pytest.raises(DataError):
        video_probabilities(video, TinyModel(), pd.DataFrame({"frame": [0]}), progress=False)
    with pytest.raises(DataError):  # the table lists more frames than the video holds
        video_probabilities(video, TinyModel(), _detections(range(8), [True] * 8), progress=False)
    cache = tmp_path / "c.csv"
    pd.DataFrame({"frame": [0], "time": [0.0], "prob": [0.5]}).to_csv(cache, index=False)
    with pytest.raises(DataError):  # a cache that does not fit the detections
        video_probabilities(video, TinyModel(), _detections(range(3), [True] * 3), cache=cache)
    with pytest.raises(DataError):
        video_probabilities(
            tmp_path / "missing.mp4", TinyModel(), _detections(range(2), [True] * 2), progress=False
        )


def test_pool_before_activation_is_bit_exact_and_leaves_the_model_alone():
    from painsign_utils.inference import pool_before_activation

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.body = nn.Sequential(
                nn.Conv2d(3, 8, 3),
                nn.LeakyReLU(0.01),
                nn.MaxPool2d(3),
                nn.Conv2d(8, 8, 2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            )
            self.head = nn.Linear(8 * 4 * 4, 1)

        def forward(self, x):
            return self.head(self.body(x).flatten(1)).reshape(-1)

    model = Net().eval()
    before = [type(m).__name__ for m in model.body]
    view = pool_before_activation(model)
    assert view is not model
    assert [type(m).__name__ for m in model.body] == before  # untouched
    assert [type(m).__name__ for m in view.body] == [
        "Conv2d",
        "MaxPool2d",
        "LeakyReLU",
        "Conv2d",
        "MaxPool2d",
        "ReLU",
    ]
    assert view.body[0].weight is model.body[0].weight  # weights shared, not copied
    x = torch.rand(2, 3, 32, 32) * 4 - 2
    with torch.inference_mode():
        assert torch.equal(model(x), view(x))
    plain = nn.Sequential(nn.Conv2d(3, 2, 3), nn.Tanh(), nn.MaxPool2d(2))  # not monotone-safe: kept
    assert pool_before_activation(plain) is plain
