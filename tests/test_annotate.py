"""The annotated monitor video: decodable WebM, state colour in the strip, atomic, private."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pandas as pd
import pytest

from painsign_utils.errors import ConfigError, PainsignError
from painsign_utils.monitor.annotate import AnnotatedWriter
from painsign_utils.monitor.clips import (
    annotate_video,
    busiest_window,
    clips_html,
    frames_table,
    scenario_clips,
    video_clip,
)
from painsign_utils.monitor.painstates import STATE_COLOURS
from painsign_utils.video import VideoWriter

W, H = 96, 72


def _frames(n: int) -> list[np.ndarray]:
    """Frames with a sharp checkerboard (so a blur shows) and a moving bright square."""
    yy, xx = np.mgrid[:H, :W]
    board = (((yy // 4) + (xx // 4)) % 2 * 255).astype(np.uint8)
    out = []
    for i in range(n):
        f = np.repeat(board[..., None], 3, axis=2)
        f[20:40, 10 + i : 30 + i] = (250, 200, 150)
        out.append(f)
    return out


def _read(path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(f, cv2.COLOR_BGR2RGB))
    cap.release()
    return frames


def _write(path, state="pain", n=12, faces_allowed=True) -> AnnotatedWriter:
    with AnnotatedWriter(
        path, 10, (W, H), threshold=0.5, strip_seconds=2, faces_allowed=faces_allowed
    ) as w:
        for i, f in enumerate(_frames(n)):
            w.write(
                f,
                box=(10 + i, 20, 20, 20),
                landmarks=np.array([[15, 25], [25, 25], [20, 30], [16, 35], [24, 35]]) + [i, 0],
                sign=0.2 + 0.05 * i,
                state=state,
                band=(0.1 + 0.05 * i, 0.3 + 0.05 * i),
                alerts=("surge",) if i == 5 else (),
            )
    return w


def test_writer_makes_a_decodable_webm_of_the_right_size_and_length(tmp_path):
    w = _write(tmp_path / "clip.webm")
    frames = _read(tmp_path / "clip.webm")
    assert len(frames) == 12 == w.n
    assert frames[0].shape == (H + w.strip_height, W, 3)
    assert w.codec == "vp8"
    assert [p.name for p in tmp_path.iterdir()] == ["clip.webm"]  # no temporary left


@pytest.mark.parametrize("state", ["pain", "calm", "no_face"])
def test_the_strip_shows_the_state_colour(tmp_path, state):
    w = _write(tmp_path / "clip.webm", state=state, n=3)
    last = _read(tmp_path / "clip.webm")[-1].astype(int)
    # The state bar (the strip's first rows): mostly the state's colour, text aside.
    bar = last[H : H + 12].reshape(-1, 3)
    want = np.array([int(STATE_COLOURS[state][k : k + 2], 16) for k in (1, 3, 5)])
    near = np.abs(bar - want).max(axis=1) < 30
    assert near.mean() > 0.5, (state, near.mean())
    assert w.strip_height == 60


def test_unwritable_path_is_one_error_and_leaves_nothing(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="is a file") as caught:
        _write(blocker / "sub" / "clip.webm")
    assert "\n" not in str(caught.value)
    assert [p.name for p in tmp_path.iterdir()] == ["a_file"]
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        if not os.access(locked, os.W_OK):  # root writes anywhere
            with pytest.raises(ConfigError, match="not writable"):
                _write(locked / "clip.webm")
            assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_a_codec_the_machine_lacks_or_a_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(ConfigError, match="codec"):
        AnnotatedWriter(tmp_path / "clip.avi", 10, (W, H), 0.5)
    with pytest.raises(RuntimeError):
        with AnnotatedWriter(tmp_path / "clip.webm", 10, (W, H), 0.5) as w:
            w.write(_frames(1)[0], state="calm")
            raise RuntimeError("the model failed")
    with pytest.raises(PainsignError, match="unknown pain state"):
        _write(tmp_path / "bad.webm", state="sleepy")
    assert list(tmp_path.iterdir()) == []


def test_real_faces_are_blurred_unless_allowed(tmp_path):
    _write(tmp_path / "shown.webm", n=2, faces_allowed=True)
    _write(tmp_path / "blurred.webm", n=2, faces_allowed=False)
    shown = _read(tmp_path / "shown.webm")[0][:H, 40:].astype(float)
    blurred = _read(tmp_path / "blurred.webm")[0][:H, 40:].astype(float)
    # The checkerboard's sharp edges are gone once blurred.
    assert np.abs(np.diff(shown, axis=1)).mean() > 4 * np.abs(np.diff(blurred, axis=1)).mean()


def test_annotate_video_from_a_table(tmp_path):
    src = tmp_path / "v.mp4"
    with VideoWriter(src, 10, (W, H)) as vw:
        for f in _frames(30):
            vw.write(f)
    frame = np.arange(0, 30, 2)
    trace = pd.DataFrame(
        {"time": frame / 10, "sign": np.linspace(0, 1, len(frame)), "states": "calm"}
    )
    trace.loc[10:, "states"] = "pain"
    det = pd.DataFrame({"frame": frame, "found": True, "x": 10, "y": 20, "w": 20, "h": 20})
    table = frames_table(trace, frame, det, "states")
    assert list(table.columns[:4]) == ["frame", "time", "sign", "state"]
    start = busiest_window(table["time"], table["sign"], table["state"], 1.0)
    out = annotate_video(
        src,
        table,
        tmp_path / "a.webm",
        0.5,
        start_s=start,
        duration_s=1.0,
        faces_allowed=True,
        alerts=pd.DataFrame({"kind": ["surge"], "time": [1.5]}),
    )
    assert len(_read(out)) == 5  # 1 s at the table's 5 rows per second
    assert 0.0 <= start <= 2.0


def test_video_clip_writes_once_and_plays_in_html(tmp_path):
    src = tmp_path / "v.mp4"
    with VideoWriter(src, 10, (W, H)) as vw:
        for f in _frames(40):
            vw.write(f)
    frame = np.arange(0, 40, 2)
    probs = pd.DataFrame({"frame": frame, "time": frame / 10, "prob": np.linspace(0, 1, 20)})
    det = tmp_path / "det.csv"
    pd.DataFrame({"frame": frame, "found": True, "x": 10, "y": 20, "w": 20, "h": 20}).to_csv(det)
    video = {"path": str(src), "dataset": "synthetic-icopevid", "detections": str(det)}
    row = {"video": "v", "threshold": 0.5, "window": 5}
    out = tmp_path / "clips" / "irregular.webm"
    timings = {"hysteresis": 0.05, "confirm_s": 0.3, "recover_s": 0.3, "uncertain_s": 1.0}
    clip = video_clip(video, row, probs, timings, out, seconds=2.0, strip_seconds=2.0)
    assert clip["frames"] == 10 and len(_read(out)) == 10
    before = out.stat().st_mtime_ns
    again = video_clip(video, pd.Series(row), probs, timings, out, seconds=2.0, strip_seconds=2.0)
    assert again == clip
    assert out.stat().st_mtime_ns == before  # kept, not re-encoded
    page = clips_html(pd.DataFrame([{"scenario": "irregular", **clip}]))
    assert f'src="{out.resolve()}"' in page and "<video controls" in page

    # Chapter 08's clip per scenario: a scenario without a test video is left out.
    inference = tmp_path / "art" / "inference" / "ncnn"
    inference.mkdir(parents=True)
    probs.to_csv(inference / "v.csv", index=False)
    summary = pd.DataFrame([{**row, "model": "ncnn", "scenario": "unstable"}])
    clips = scenario_clips(
        tmp_path / "art",
        summary,
        pd.DataFrame([video]),
        "ncnn",
        timings,
        tmp_path / "clips",
        seconds=2.0,
        strip_seconds=2.0,
    )
    assert clips[["scenario", "video", "frames"]].values.tolist() == [["unstable", "v", 10]]
    assert (tmp_path / "clips" / "unstable.webm").exists()
