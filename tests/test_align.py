"""Tests of painsign_utils.align: similarity alignment, probability bins, average faces, trend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from painsign_utils.align import (
    LANDMARK_COLUMNS,
    align_face,
    average_faces,
    average_faces_by_model,
    collect_frames,
    intensity_by_bin,
    intensity_trend,
    mark_correct,
    probability_bins,
    reference_landmarks,
    similarity_transform,
)
from painsign_utils.errors import DataError


def _similar(points, angle_deg, scale, shift):
    a = np.deg2rad(angle_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return points @ (scale * rot).T + shift


def test_similarity_transform_recovers_a_known_transform():
    src = reference_landmarks(100)
    dst = _similar(src, 25.0, 1.7, np.array([12.0, -4.0]))
    m = similarity_transform(src, dst)
    np.testing.assert_allclose(src @ m[:, :2].T + m[:, 2], dst, atol=1e-9)
    assert np.linalg.det(m[:, :2]) > 0
    np.testing.assert_allclose(np.sqrt(np.linalg.det(m[:, :2])), 1.7, rtol=1e-9)


def test_similarity_transform_never_reflects():
    src = reference_landmarks(100)
    mirrored = src * [-1, 1]
    m = similarity_transform(src, mirrored)
    assert np.linalg.det(m[:, :2]) > 0


def test_similarity_transform_rejects_bad_landmarks():
    ref = reference_landmarks()
    with pytest.raises(DataError, match="NaN"):
        similarity_transform(np.full((5, 2), np.nan), ref)
    with pytest.raises(DataError, match="matching"):
        similarity_transform(ref[:4], ref)
    with pytest.raises(DataError, match="degenerate"):
        similarity_transform(np.ones((5, 2)), ref)


def _dot(x, y, shape=(200, 240)):
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    img = np.zeros((*shape, 3), np.uint8)
    img[(yy - y) ** 2 + (xx - x) ** 2 <= 9] = 255
    return img


def test_align_face_puts_landmarks_on_the_template():
    lms = _similar(reference_landmarks(112), -20.0, 1.3, np.array([40.0, 30.0]))
    for (x0, y0), (x, y) in zip(lms, reference_landmarks(112), strict=True):
        out = align_face(_dot(x0, y0), lms, size=112)
        assert out.shape == (112, 112, 3) and out.dtype == np.uint8
        w = out[..., 0].astype(float)
        yy, xx = np.mgrid[:112, :112]
        cx, cy = (w * xx).sum() / w.sum(), (w * yy).sum() / w.sum()
        assert np.hypot(cx - x, cy - y) < 0.5


def test_probability_bins_are_ten_percent_wide_and_close_at_one():
    b = probability_bins([0.0, 0.0999, 0.1, 0.55, 0.9999, 1.0])
    assert b.tolist() == [0, 0, 1, 5, 9, 9]


def _write_video(path, n, shape=(96, 128)):
    from painsign_utils.video import VideoWriter

    values = (np.arange(n) * 255 // max(n - 1, 1)).astype(np.uint8)
    with VideoWriter(path, fps=10, size=(shape[1], shape[0])) as w:
        for v in values:
            w.write(np.full((*shape, 3), v, np.uint8))
    return values


@pytest.fixture()
def video_set(tmp_path):
    n = 20
    video = tmp_path / "v.mp4"
    values = _write_video(video, n)
    lms = _similar(reference_landmarks(112), 10.0, 0.6, np.array([30.0, 10.0])).ravel()
    probs = np.linspace(0.02, 0.98, n)
    det = pd.DataFrame({"frame": range(n), "found": True})
    for c, v in zip(LANDMARK_COLUMNS, lms, strict=True):
        det[c] = v
    det.loc[3, list(LANDMARK_COLUMNS)] = np.nan  # no face in frame 3
    det.to_csv(tmp_path / "det.csv", index=False)
    pd.DataFrame({"frame": range(n), "time": np.arange(n) / 10, "prob": probs}).to_csv(
        tmp_path / "probs.csv", index=False
    )
    pd.DataFrame({"frame": range(n), "intensity": probs**2}).to_csv(
        tmp_path / "truth.csv", index=False
    )
    videos = pd.DataFrame(
        [
            {
                "path": str(video),
                "label": "pain",
                "detections": str(tmp_path / "det.csv"),
                "truth": str(tmp_path / "truth.csv"),
            }
        ]
    )
    return videos, values, probs, tmp_path


def test_collect_frames_joins_and_drops_faceless_frames(video_set):
    videos, _, probs, tmp = video_set
    frames = collect_frames(videos, lambda v: tmp / "probs.csv", threshold=0.5)
    assert 3 not in frames["frame"].tolist() and len(frames) == len(probs) - 1
    assert {"video", "label", "prob", "intensity", "correct", *LANDMARK_COLUMNS} <= set(frames)
    np.testing.assert_array_equal(frames["correct"], frames["prob"] >= 0.5)


def test_average_faces_mean_of_the_right_frames(video_set):
    videos, values, probs, tmp = video_set
    frames = collect_frames(videos, lambda v: tmp / "probs.csv", threshold=0.5)
    res = average_faces(frames, size=64)
    assert len(res.table) == 20  # 10 bins x {correct, incorrect}
    assert res.table["n_frames"].sum() == len(frames)
    for (b, ok), img in res.images.items():
        assert img.shape == (64, 64, 3)
        sel = frames[(probability_bins(frames["prob"]) == b) & (frames["correct"] == ok)]
        expected = values[sel["frame"].to_numpy()].mean()
        assert abs(float(img.mean()) - expected) < 4.0  # mp4 compression of flat frames
    # Bins below the threshold hold only incorrect frames of this "pain" video.
    low = res.table[(res.table["hi"] <= 0.5) & res.table["correct"]]
    assert (low["n_frames"] == 0).all()
    # Capped sampling: at most 1 frame averaged per group, every frame still counted.
    capped = average_faces(frames, size=64, max_per_group=1)
    assert capped.table["n_averaged"].max() == 1
    assert capped.table["n_frames"].sum() == len(frames)


def test_average_faces_by_model_matches_one_model_at_a_time(video_set):
    videos, _, _, tmp = video_set
    frames = collect_frames(videos, lambda v: tmp / "probs.csv")
    a, b = mark_correct(frames, 0.5), mark_correct(frames.assign(prob=1 - frames["prob"]), 0.3)
    both = average_faces_by_model({"a": a, "b": b}, size=32, max_per_group=2, seed=1)
    for name, df in (("a", a), ("b", b)):
        alone = average_faces(df, size=32, max_per_group=2, seed=1)
        pd.testing.assert_frame_equal(both[name].table, alone.table)
        assert both[name].images.keys() == alone.images.keys()
        for key, img in alone.images.items():
            np.testing.assert_allclose(both[name].images[key], img, atol=1e-3)


def test_average_faces_requires_correct_column(video_set):
    videos, _, _, tmp = video_set
    frames = collect_frames(videos, lambda v: tmp / "probs.csv")
    with pytest.raises(DataError, match="correct"):
        average_faces(frames)
    assert "correct" in mark_correct(frames, 0.3)


def test_intensity_trend_detects_monotone_and_flat_relations():
    rng = np.random.default_rng(0)
    prob = rng.random(500)
    rising = pd.DataFrame({"prob": prob, "intensity": prob + 0.05 * rng.standard_normal(500)})
    t = intensity_trend(rising)
    assert t["rho_bins"] > 0.9 and t["rho_frames"] > 0.9 and t["n_bins"] == 10
    flat = pd.DataFrame({"prob": prob, "intensity": rng.random(500)})
    assert abs(intensity_trend(flat)["rho_frames"]) < 0.2
    # Four bins in perfect order: the exact two-sided chance is 2 of the 4! orders.
    four = rising[rising["prob"] < 0.4]
    t4 = intensity_trend(four)
    assert t4["n_bins"] == 4 and t4["rho_bins"] == 1.0 and t4["p_bins"] == pytest.approx(2 / 24)
    from painsign_utils.metrics import format_p

    assert [format_p(p) for p in (2 / 24, 3e-5, 0.0)] == ["p = 0.083", "p = 3e-05", "p < 1e-300"]
    table = intensity_by_bin(rising)
    assert table["n_frames"].sum() == 500
    with pytest.raises(DataError, match="intensity"):
        intensity_by_bin(pd.DataFrame({"prob": prob}))
