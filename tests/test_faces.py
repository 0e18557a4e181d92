"""Face detection on synthetic faces: found when visible, absent when hidden; crops and caches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from painsign_utils import faces, synthetic
from painsign_utils.errors import ConfigError, DataError, NoFaceError
from painsign_utils.faces.detection import DETECTION_COLUMNS, Detection
from painsign_utils.faces.truth import box_iou, score_against_truth
from painsign_utils.render import Placement, Subject, expression_from_intensity, place_face


@pytest.fixture(scope="module")
def detector():
    return faces.get_detector()


def test_detector_finds_visible_synthetic_faces(detector):
    """At least 95 % of visible faces found with IoU >= 0.5, across skin tones, rolls and expressions."""
    rng = np.random.default_rng(11)
    hits = 0
    n = 120
    for i in range(n):
        subject = Subject.random(rng, f"T{i}")
        expr = expression_from_intensity(
            rng.uniform(0, 1), subject, rng, asleep=float(rng.random() < 0.15)
        )
        frame = synthetic.background(rng, 320, 240)
        where = Placement(
            160 + rng.uniform(-30, 30),
            120 + rng.uniform(-10, 10),
            240 * rng.uniform(0.17, 0.26),
            float(np.clip(rng.normal(0, 12), -30, 30)),
        )
        box, _ = place_face(frame, subject, expr, where)
        frame = synthetic.photographic(
            frame,
            rng,
            rng.uniform(0.8, 1.1),
            rng.uniform(0, 1),
            rng.uniform(1, 5),
            synthetic.light_gradient(rng, 320, 240),
        )
        found = detector.detect(frame)
        hits += bool(found) and box_iou(found[0].box, box) >= 0.5
    assert hits / n >= 0.95


def test_hidden_faces_give_no_detection(detector):
    rng = np.random.default_rng(5)
    for i in range(10):
        subject = Subject.random(rng, f"H{i}")
        frame = synthetic.background(rng, 320, 240)
        box, _ = place_face(
            frame, subject, expression_from_intensity(0.5, subject, rng), Placement(160, 120, 50, 0)
        )
        synthetic.draw_cloth(frame, rng, box)
        assert detector.detect(frame) == []


def test_video_detections_against_truth(tiny_synth, tmp_path, detector):
    videos = pd.read_csv(tiny_synth["videos"])
    scores = []
    for rec in videos.itertuples():
        path = tiny_synth["root"] / "videos" / rec.path
        table = faces.detect_video(
            path, detector, cache=tmp_path / f"{rec.path}.csv", step=2, progress=False
        )
        assert list(table.columns) == list(DETECTION_COLUMNS)
        truth = pd.read_csv(tiny_synth["root"] / "videos" / rec.truth)
        scores.append(score_against_truth(table, truth))
    s = pd.concat(scores)
    assert s.loc[s["visible"], "hit"].mean() >= 0.95
    assert not s.loc[~s["visible"], "found"].any()


def test_detection_cache_is_reused(tiny_synth, tmp_path, detector):
    videos = pd.read_csv(tiny_synth["videos"])
    path = tiny_synth["root"] / "videos" / videos["path"].iloc[0]
    cache = tmp_path / "d.csv"
    first = faces.detect_video(path, detector, cache=cache, step=3, progress=False)

    class Exploding:
        def detect(self, rgb):
            raise AssertionError("the cache should have been used")

    again = faces.detect_video(path, Exploding(), cache=cache, step=3, progress=False)
    pd.testing.assert_frame_equal(first, again)


def test_crop_face_pads_and_resizes():
    img = np.zeros((50, 60, 3), np.uint8)
    det = Detection(box=np.array([40.0, 30.0, 30.0, 30.0]), landmarks=np.zeros((5, 2)), score=1.0)
    crop = faces.crop_face(img, det, margin=0.2, size=64)
    assert crop.shape == (64, 64, 3)


def test_downscaled_detection_maps_boxes_back(detector):
    rng = np.random.default_rng(2)
    subject = Subject.random(rng, "D")
    frame = synthetic.background(rng, 1280, 960)
    box, _ = place_face(
        frame, subject, expression_from_intensity(0.2, subject, rng), Placement(640, 480, 200, 0)
    )
    small = faces.get_detector(max_side=320).detect(frame)
    assert small and box_iou(small[0].box, box) >= 0.5


def test_bad_inputs_give_clear_errors(tmp_path, detector):
    with pytest.raises(DataError, match="not found"):
        faces.read_image(tmp_path / "missing.jpg")
    (tmp_path / "corrupt.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match="cannot read image"):
        faces.read_image(tmp_path / "corrupt.jpg")
    (tmp_path / "corrupt.mp4").write_bytes(b"\x00" * 100)
    with pytest.raises(DataError, match="cannot read video"):
        faces.detect_video(tmp_path / "corrupt.mp4", detector, cache=tmp_path / "c.csv")
    assert not (tmp_path / "c.csv").exists()
    with pytest.raises(ConfigError, match="unknown face detector"):
        faces.get_detector("dlib")


def test_video_without_any_face(tmp_path, detector):
    from painsign_utils.video import VideoWriter

    with VideoWriter(tmp_path / "empty.mp4", 10, (160, 120)) as w:
        for _ in range(5):
            w.write(np.full((120, 160, 3), 128, np.uint8))
    with pytest.raises(NoFaceError, match="no face found"):
        faces.detect_video(
            tmp_path / "empty.mp4", detector, cache=tmp_path / "e.csv", progress=False
        )
