"""A manifest's ``rotate`` (iCOPEvid: 90° clockwise) is applied before detection, crops and inference."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pandas as pd
import pytest

from painsign_utils import evaluation, faces
from painsign_utils.errors import ConfigError
from painsign_utils.faces.cache import stale_reason
from painsign_utils.faces.detection import Detection
from painsign_utils.video import VideoWriter, iter_frames, rotation


@pytest.fixture(scope="module")
def detector():
    return faces.get_detector()


@pytest.fixture(scope="module")
def lying(tiny_synth, tmp_path_factory):
    """An upright synthetic video and a copy stored lying on its side (turned 90° anticlockwise),
    which a 90° clockwise turn puts upright again, as iCOPEvid's files are."""
    videos = pd.read_csv(tiny_synth["videos"])
    upright = tiny_synth["root"] / "videos" / videos["path"].iloc[0]
    frames = [rgb for _, rgb in iter_frames(upright)][:30]
    h, w = frames[0].shape[:2]
    side = tmp_path_factory.mktemp("rot") / "side.mp4"
    with VideoWriter(side, 30.0, (h, w)) as out:  # width and height swap
        for rgb in frames:
            out.write(cv2.rotate(rgb, cv2.ROTATE_90_COUNTERCLOCKWISE))
    return upright, side


def test_rotation_values():
    assert [rotation(v) for v in (None, "", float("nan"), 0, 90.0, "270")] == [0, 0, 0, 0, 90, 270]
    with pytest.raises(ConfigError, match="rotate must be 0, 90, 180 or 270"):
        rotation(45)
    with pytest.raises(ConfigError, match="rotate must be"):
        rotation("sideways")


def test_iter_frames_rotates_clockwise(lying):
    upright, side = lying
    (_, a), (_, b) = next(iter(iter_frames(upright))), next(iter(iter_frames(side, rotate=90)))
    assert a.shape == b.shape
    assert np.abs(a.astype(int) - b.astype(int)).mean() < 6  # the same picture, up to re-encoding
    assert next(iter(iter_frames(side)))[1].shape == a.shape[1::-1] + (3,)


def test_detections_on_the_rotated_video_match_the_upright_ones(lying, detector, tmp_path):
    upright, side = lying
    ref = faces.detect_video(upright, detector, step=3, progress=False)
    ref = ref[ref["frame"] < 30].reset_index(drop=True)
    got = faces.detect_video(side, detector, step=3, progress=False, rotate=90)
    assert got["frame"].tolist() == ref["frame"].tolist()
    both = ref["found"] & got["found"]
    assert both.sum() >= 0.9 * ref["found"].sum() > 0
    boxes = ["x", "y", "w", "h"]
    assert np.abs(got.loc[both, boxes].to_numpy() - ref.loc[both, boxes].to_numpy()).max() <= 4


def test_rotation_is_part_of_the_detection_cache_key(lying, tmp_path):
    _, side = lying
    calls = []

    class Counting:
        def detect(self, rgb):
            calls.append(rgb.shape)
            return [
                Detection(
                    box=np.array([1.0, 1.0, 10.0, 10.0]), landmarks=np.zeros((5, 2)), score=1.0
                )
            ]

    cache = tmp_path / "d.csv"
    faces.detect_video(side, Counting(), cache=cache, step=10, progress=False)
    report: dict = {}
    faces.detect_video(
        side, Counting(), cache=cache, step=10, progress=False, rotate=90, report=report
    )
    assert "rotate 0 -> 90" in report["recomputed"]
    assert calls[0] == calls[-1][1::-1] + (3,)  # the second run saw the turned frames
    # a key written before the rotation was recorded still serves rotate=0, not rotate=90
    key = cache.with_name("d.key.json")
    old = json.loads(key.read_text())
    old.pop("rotate")
    key.write_text(json.dumps(old))
    assert stale_reason(old, {**old, "rotate": 0}) is None
    assert "rotate" in stale_reason(old, {**old, "rotate": 90})


def test_detect_videos_reads_the_manifest_rotate(lying, tmp_path):
    _, side = lying
    seen = []

    class Shape:
        def detect(self, rgb):
            seen.append(rgb.shape[:2])
            return [
                Detection(
                    box=np.array([1.0, 1.0, 10.0, 10.0]), landmarks=np.zeros((5, 2)), score=1.0
                )
            ]

    manifest = pd.DataFrame(
        {"path": [str(side), str(side)], "label": ["pain", "nopain"], "rotate": [90, np.nan]}
    )
    out = faces.detect_videos(
        manifest.iloc[[0]], tmp_path / "a", step=15, detector=Shape(), progress=False
    )
    assert out["rotate"].tolist() == [90]
    stored = next(iter(iter_frames(side)))[1].shape[:2]
    assert set(seen) == {stored[::-1]}
    seen.clear()
    out = faces.detect_videos(
        manifest.iloc[[1]], tmp_path / "b", step=15, detector=Shape(), progress=False
    )
    assert out["rotate"].tolist() == [0] and set(seen) == {stored}


class _MeanModel:
    """Probability = mean brightness of the crop's top half: any crop from another frame differs."""

    batch_size = 4

    def predict(self, crops):
        return np.array([c[: c.shape[0] // 2].mean() / 255.0 for c in crops])


def test_inference_crops_the_frames_the_detections_were_made_on(lying, detector, monkeypatch):
    from painsign_utils import inference
    from painsign_utils.faces import detection_from_row

    _, side = lying
    dets = faces.detect_video(side, detector, step=3, progress=False, rotate=90)
    clf = _MeanModel()
    monkeypatch.setattr(inference, "as_classifier", lambda m: m)
    table = inference.video_probabilities(side, clf, dets, progress=False, rotate=90)
    unrotated = inference.video_probabilities(side, clf, dets, progress=False)
    assert not np.allclose(unrotated["prob"], table["prob"], equal_nan=True)  # the rotation matters
    frames = dict(iter_frames(side, rotate=90))
    want = [
        clf.predict(
            [
                inference.crop_for_model(
                    frames[int(r.frame)], detection_from_row(dets.iloc[i]), inference.CROP_SIZE
                )
            ]
        )[0]
        if r.found
        else np.nan
        for i, r in enumerate(dets.itertuples())
    ]
    np.testing.assert_allclose(table["prob"].to_numpy(), want)


def test_run_inference_passes_the_manifest_rotation(tmp_path, monkeypatch):
    video, dets = tmp_path / "v.mp4", tmp_path / "v.csv"
    video.write_bytes(b"x")
    dets.write_text("frame,time,found\n0,0,False\n")
    ckpt = tmp_path / "best.pt"
    ckpt.write_bytes(b"w")
    monkeypatch.setattr("painsign_utils.models.checkpoint_fingerprint", lambda p: "fp")
    got = {}

    def engine(path, models, detections, caches, progress, **kw):
        got[path.name] = kw
        for cache in caches.values():
            pd.DataFrame({"frame": [0], "time": [0.0], "prob": [np.nan]}).to_csv(cache, index=False)
        return {m: pd.DataFrame() for m in models}

    best = pd.DataFrame({"model": ["ncnn"], "checkpoint": [str(ckpt)], "threshold": [0.5]})
    videos = pd.DataFrame({"path": [str(video)], "detections": [str(dets)], "rotate": [90]})
    evaluation.run_video_inference(
        videos,
        best,
        tmp_path / "inf",
        resolve=lambda p: tmp_path / p,
        loader=lambda p: object(),
        engine=engine,
        progress=False,
    )
    assert got == {"v.mp4": {"rotate": 90}}
    # the same video unrotated is another computation: the cached probabilities are not reused
    evaluation.run_video_inference(
        videos.assign(rotate=0),
        best,
        tmp_path / "inf",
        resolve=lambda p: tmp_path / p,
        loader=lambda p: object(),
        engine=engine,
        progress=False,
    )
    assert got == {"v.mp4": {}}


def test_figure_and_explanation_crops_use_the_same_rotation(lying, detector):
    from painsign_utils import explain
    from painsign_utils.figures.sign import frame_strip

    _, side = lying
    dets = faces.detect_video(side, detector, step=3, progress=False, rotate=90)
    picks = dets[dets["found"]].head(3)
    turned = explain.read_face_crops(side, picks, crop_size=64, rotate=90)
    plain = explain.read_face_crops(side, picks, crop_size=64)
    frames = dict(iter_frames(side, rotate=90))
    for crop, (_, row) in zip(turned, picks.iterrows(), strict=True):
        want = faces.crop_face(
            frames[int(row["frame"])], faces.detection_from_row(row), margin=0.2, size=64
        )
        np.testing.assert_array_equal(crop, want)
    assert any(not np.array_equal(a, b) for a, b in zip(turned, plain, strict=True))
    strip = frame_strip(side, dets, every_s=0.5, rotate=90, size=32)
    first = dets.iloc[0]
    np.testing.assert_array_equal(
        strip[0][1],
        faces.crop_face(frames[int(first["frame"])], faces.detection_from_row(first), size=32),
    )
