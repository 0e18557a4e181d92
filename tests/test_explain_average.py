"""Tests of chapter 07's reuse of its heavy steps (painsign_utils.align_cache) and of the
vectorized rank statistic of the intensity trend."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from painsign_utils import align, align_cache
from tests.test_align import video_set  # noqa: F401 - the fixture


def _counting(monkeypatch, name):
    calls = []
    real = getattr(align_cache, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(align_cache, name, counted)
    return calls


def test_frames_are_reused_until_a_csv_or_threshold_changes(video_set, monkeypatch):  # noqa: F811
    videos, _, _, tmp = video_set
    calls = _counting(monkeypatch, "collect_frames")
    probs = lambda m, v: tmp / "probs.csv"  # noqa: E731
    folder = tmp / "cache" / "frames"
    first = align_cache.frames_by_model(videos, probs, {"a": 0.5, "b": 0.3}, folder)
    assert len(calls) == 2 and list(first) == ["a", "b"]
    again = align_cache.frames_by_model(videos, probs, {"a": 0.5, "b": 0.3}, folder)
    assert len(calls) == 2  # reused
    for m in first:
        pd.testing.assert_frame_equal(again[m], first[m])
    assert list(align_cache.frames_by_model(videos, probs, {"b": 0.3, "a": 0.5}, folder)) == [
        "b",
        "a",
    ]  # another order is another result
    align_cache.frames_by_model(videos, probs, {"a": 0.4, "b": 0.3}, folder)
    assert len(calls) == 6
    # A corrected probability file recomputes.
    df = pd.read_csv(tmp / "probs.csv")
    df.loc[0, "prob"] = 0.99
    df.to_csv(tmp / "probs.csv", index=False)
    fixed = align_cache.frames_by_model(videos, probs, {"a": 0.4, "b": 0.3}, folder)
    assert len(calls) == 8 and fixed["a"]["prob"].iloc[0] == 0.99


def test_average_faces_are_reused_until_frames_video_or_settings_change(video_set, monkeypatch):  # noqa: F811
    videos, _, _, tmp = video_set
    frames = {"a": align.collect_frames(videos, lambda v: tmp / "probs.csv", 0.5)}
    calls = _counting(monkeypatch, "average_faces_by_model")
    folder = tmp / "cache" / "faces"
    first = align_cache.cached_average_faces(frames, folder, size=32, seed=1)
    again = align_cache.cached_average_faces(frames, folder, size=32, seed=1)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(again["a"].table, first["a"].table)
    assert again["a"].images.keys() == first["a"].images.keys()
    for k, img in first["a"].images.items():
        assert np.array_equal(again["a"].images[k], img)
    align_cache.cached_average_faces(frames, folder, size=48, seed=1)
    assert len(calls) == 2
    other = {"a": frames["a"].assign(prob=1 - frames["a"]["prob"])}
    align_cache.cached_average_faces(other, folder, size=48, seed=1)
    assert len(calls) == 3
    video = tmp / "v.mp4"
    os.utime(video, ns=(video.stat().st_atime_ns, video.stat().st_mtime_ns + 10**9))
    align_cache.cached_average_faces(other, folder, size=48, seed=1)
    assert len(calls) == 4  # a replaced video decodes again
    assert align_cache.cached_average_faces(other, None, size=48, seed=1).keys() == {"a"}
    assert len(calls) == 5


@pytest.mark.parametrize("seed", range(4))
def test_vectorized_spearman_equals_scipy_row_by_row(seed):
    from scipy.stats import spearmanr

    rng = np.random.default_rng(seed)
    a = rng.random((50, 9))
    b = np.round(rng.random((50, 9)), 1)  # with ties
    got = align._spearman_rows(a, b)
    expected = [spearmanr(x, y)[0] for x, y in zip(a, b, strict=True)]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert np.isnan(align._spearman_rows(np.arange(5.0), np.ones(5)))
