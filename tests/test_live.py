"""``painsign monitor`` on live sources (issue 24): a synthetic MJPEG stream served on 127.0.0.1.

The stream's parts are the very JPEG packets of a synthetic clip's MJPG file (read raw with
OpenCV), so the stream and the file decode to the same pixels: where no frame was dropped, the
monitor's CSV of the stream equals that of the file. A slow model drops frames instead of lagging.
Hostile sources (no camera, refused or unknown URL, a stream that stalls) end in one error line,
exit 2, and nothing half-written; SIGTERM ends a live run with its summary.
"""

from __future__ import annotations

import http.server
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from painsign_utils.cli.main import main
from painsign_utils.errors import DataError
from painsign_utils.monitor.live import Captured, FrameQueue, LiveCapture
from painsign_utils.monitor.sources import parse_source
from tests.test_cli_errors import _env, assert_one_line_error, snapshot

FPS = 30
N_FRAMES = 45
NO_FACE = range(15, 24)  # frames without a face (a hand over it, in effect)


class MJPEGHandler(http.server.BaseHTTPRequestHandler):
    """``/video.mjpg`` plays the clip once at 30 fps; ``/loop.mjpg`` forever; ``/stall.mjpg``
    sends 5 frames, then nothing; ``/silent.mjpg`` sends no frame; anything else is a 404."""

    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def do_GET(self) -> None:
        server = self.server
        plays = {"/video.mjpg": 1, "/loop.mjpg": 10**6, "/stall.mjpg": 1, "/silent.mjpg": 0}
        if self.path not in plays:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        packets = server.packets[:5] if self.path == "/stall.mjpg" else server.packets
        try:
            for _ in range(plays[self.path]):
                for data in packets:
                    if server.closing.is_set():
                        return
                    head = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                    self.wfile.write(head % len(data) + data + b"\r\n")
                    self.wfile.flush()
                    time.sleep(1 / FPS)
            if self.path in ("/stall.mjpg", "/silent.mjpg"):
                server.closing.wait(60)  # connected, silent: a stalled camera
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def stream(tmp_path_factory):
    """A synthetic clip as an MJPG file, checkpoints (N-CNN for other processes, a registered
    32-px CNN in this one, for speed), and an MJPEG server of the clip's packets."""
    from painsign_utils.models import create_model, save_checkpoint
    from painsign_utils.registry import ModelSpec, register_model, unregister_model
    from painsign_utils.render import Subject
    from painsign_utils.synthetic import render_gallery_face
    from tests.test_registry import TINY, TinyCNN

    base = tmp_path_factory.mktemp("live")
    subject = Subject.random(np.random.default_rng(3), "S3")
    clip = base / "clip.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (128, 128))
    for k in range(N_FRAMES):
        rgb = render_gallery_face(subject, k / N_FRAMES, size=128)
        writer.write(np.zeros_like(rgb) if k in NO_FACE else cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    writer.release()
    cap = cv2.VideoCapture(str(clip), cv2.CAP_FFMPEG)
    cap.set(cv2.CAP_PROP_FORMAT, -1)  # the encoded packets, not decoded frames
    packets = []
    while (got := cap.read())[0]:
        packets.append(got[1].tobytes())
    cap.release()
    assert len(packets) == N_FRAMES
    model = create_model("ncnn")
    model.threshold = 0.5
    ckpt = save_checkpoint(model, base / "ncnn.pt")
    register_model(
        ModelSpec(
            name=TINY,
            display="Tiny CNN",
            factory=TinyCNN,
            input_size=32,
            normalization="RGB in [0, 1]",
            transfer="scratch",
            gradcam_layer="conv",
        )
    )
    tiny = TinyCNN()
    tiny.threshold = 0.5
    tiny_ckpt = save_checkpoint(tiny, base / "tiny.pt")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), MJPEGHandler)
    server.daemon_threads = True
    server.packets, server.closing = packets, threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {
            "clip": clip,
            "ckpt": ckpt,
            "tiny": ["--model", TINY, "--weights", str(tiny_ckpt)],
            "url": f"http://127.0.0.1:{server.server_address[1]}",
            "base": base,
        }
    finally:
        unregister_model(TINY)
        server.closing.set()
        server.shutdown()
        server.server_close()


def _run(*args: str) -> int:
    return main(["monitor", *map(str, args), "-q"])


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, (pattern, [p.name for p in folder.iterdir()])
    return found[0]


# ----------------------------------------------------------------------------- the pieces


def test_queue_drops_the_oldest_and_sources_are_recognised():
    q = FrameQueue(2)
    for k in range(5):
        q.put(Captured(k, float(k), np.zeros((1, 1, 3), np.uint8)))
    assert q.dropped == 3 and [c.index for c in q.take(10, 0)] == [3, 4]
    assert parse_source("0").kind == "camera" and parse_source("0").target == 0
    assert parse_source("rtsp://u:secret@cam.local:554/live").kind == "url"
    assert "secret" not in parse_source("rtsp://u:secret@cam.local:554/live").name
    assert parse_source("rtsp://u:secret@cam.local:554/live").stem == "cam.local-554-live"
    assert parse_source("clip.mp4").kind == "file" and parse_source("camera0").kind == "file"


def test_a_capture_that_stalls_ends_instead_of_waiting():
    def read():
        time.sleep(10)
        return False, None

    capture = LiveCapture(read, queue_size=4, stall_seconds=0.3)
    start = time.monotonic()
    assert list(capture.batches(4)) == []
    assert capture.ended == "stalled" and time.monotonic() - start < 2


# ----------------------------------------------------------------------------- the stream


def test_the_stream_gives_the_files_sign_where_no_frame_was_dropped(stream, tmp_path, capsys):
    common = [*stream["tiny"], "--batch", "1", "--no-face-seconds", "0.2"]
    common += ["--out", tmp_path]
    assert _run(stream["clip"], *common) == 0
    assert _run(f"{stream['url']}/video.mjpg", *common, "--queue", "1000", "--fps", FPS) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "no face for 0.3 s in 1 interval(s)" in lines[0]
    assert f"{N_FRAMES} frames received, {N_FRAMES} analysed, 0 dropped" in lines[1]
    file_csv = pd.read_csv(_one(tmp_path, "clip_tiny_cnn_*_frames.csv"))
    live_csv = pd.read_csv(_one(tmp_path, "127.0.0.1-*-video_*_tiny_cnn_*_frames.csv"))
    assert len(live_csv) == len(file_csv) == N_FRAMES and not live_csv["dropped"].any()
    same = ["frame", "time", "classified", "face", "prob", "sign", "state", "x", "y", "w", "h"]
    pd.testing.assert_frame_equal(live_csv[same], file_csv[same])
    assert (file_csv.loc[list(NO_FACE), "state"] == "no_face").all()  # the pain states see it
    assert file_csv.loc[list(NO_FACE), ["x", "prob"]].isna().all().all()
    assert file_csv.drop(index=list(NO_FACE))[["x", "y", "w", "h"]].notna().all().all()
    noface = pd.read_csv(_one(tmp_path, "127.0.0.1-*_noface.csv"))
    assert noface[["start_frame", "end_frame"]].values.tolist() == [[NO_FACE[0], NO_FACE[-1] + 1]]
    summary = json.loads(_one(tmp_path, "127.0.0.1-*_summary.json").read_text())
    assert summary["ended"] == "source ended" and summary["frames_dropped"] == 0
    assert summary["latency_ms"]["p95"] >= summary["latency_ms"]["p50"] > 0
    assert summary["alerts_by_kind"]["no_face"] == 1  # 0.3 s without a face, alert after 0.2 s
    alerts = pd.read_csv(_one(tmp_path, "127.0.0.1-*_alerts.csv"))
    assert alerts["kind"].tolist() == ["no_face"] and alerts["frame"].iloc[0] == NO_FACE[0] + 5
    assert not list(tmp_path.glob("*.partial.csv"))


def test_a_slow_model_drops_frames_instead_of_lagging(stream, tmp_path, monkeypatch, capsys):
    from painsign_utils.inference import FrameClassifier

    predict = FrameClassifier.predict

    def slow(self, crops):
        time.sleep(0.1)  # a model at 10 frames/s on a 30-fps stream
        return predict(self, crops)

    monkeypatch.setattr(FrameClassifier, "predict", slow)
    url = f"{stream['url']}/video.mjpg"
    assert _run(url, *stream["tiny"], "--batch", "1", "--out", tmp_path) == 0
    summary = json.loads(_one(tmp_path, "*_summary.json").read_text())
    frames = pd.read_csv(_one(tmp_path, "*_frames.csv"))
    assert summary["frames_dropped"] > N_FRAMES // 3 and frames["dropped"].sum() > 0
    assert summary["frames_analysed"] + summary["frames_dropped"] <= summary["frames_received"]
    # Without the queue, the last frame would wait for 45 x 0.1 s of model time (3 s behind).
    assert summary["latency_ms"]["max"] < 1500, summary["latency_ms"]
    assert frames["sign"].notna().all()  # dropped frames are interpolated like skipped ones
    assert "dropped" in capsys.readouterr().out


# ----------------------------------------------------------------------------- hostile sources


@pytest.mark.parametrize(
    "source, needle",
    [
        ("97", "cannot open camera 97 (no such camera"),
        ("nosuch://example/video", "cannot open nosuch://example/video"),
        ("{url}/missing.mjpg", "cannot open http://127.0.0.1:"),
    ],
)
def test_sources_that_cannot_be_opened_are_one_line(stream, tmp_path, capsys, source, needle):
    before = snapshot(tmp_path)
    assert _run(source.format(url=stream["url"]), *stream["tiny"], "--stall-seconds", "2") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("painsign: error: ") and needle in err[0], err
    assert snapshot(tmp_path) == before


def test_a_refused_url_is_one_line_from_the_command(stream, tmp_path):
    """In a process of its own: not one line of OpenCV's or FFmpeg's own on stderr either."""
    before = snapshot(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "painsign_utils.cli", "monitor", "http://127.0.0.1:1/video.mjpg"]
        + ["--weights", str(stream["ckpt"])],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_one_line_error(proc, "cannot open http://127.0.0.1:1/video.mjpg (refused")
    assert snapshot(tmp_path) == before


def test_a_stream_that_stalls_is_reported_and_its_frames_kept(stream, tmp_path, capsys):
    out = tmp_path / "o"
    url = f"{stream['url']}/stall.mjpg"
    assert _run(url, *stream["tiny"], "--stall-seconds", "1", "--fps", "30", "--out", out) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "delivered no frame for 1 s (stalled)" in err[0], err
    summary = json.loads(_one(out, "*_summary.json").read_text())
    frames = pd.read_csv(_one(out, "*_frames.csv"))
    assert summary["ended"] == "stalled" and len(frames) == summary["frames"] == 5
    assert not list(out.glob("*.partial.csv"))
    # A stream that never delivers a frame: one line, nothing written.
    before = snapshot(tmp_path)
    url = f"{stream['url']}/silent.mjpg"
    assert _run(url, *stream["tiny"], "--stall-seconds", "1", "--out", tmp_path / "p") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("painsign: error: "), err
    assert snapshot(tmp_path) == before


def _monitor(stream, tmp_path: Path, path: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "painsign_utils.cli", "monitor", f"{stream['url']}{path}", "-q"]
        + ["--weights", str(stream["ckpt"]), "--out", str(tmp_path / "o"), *extra],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigterm_ends_a_live_run_with_its_summary(stream, tmp_path):
    proc = _monitor(stream, tmp_path, "/loop.mjpg", "--fps", "30")
    try:
        deadline = time.monotonic() + 60
        partial = tmp_path / "o"
        # The CSV is written as the run goes: wait for rows in it, then stop the run.
        while time.monotonic() < deadline:
            rows = [len(p.read_text().splitlines()) for p in partial.glob("*_frames.partial.csv")]
            if rows and rows[0] > 10:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "ended: terminated" in out and err == ""
    summary = json.loads(_one(tmp_path / "o", "*_summary.json").read_text())
    assert summary["ended"] == "terminated"
    assert len(pd.read_csv(_one(tmp_path / "o", "*_frames.csv"))) == summary["frames"] > 10
    assert not list((tmp_path / "o").glob("*.partial.csv"))


def test_the_packages_mjpeg_server_plays_a_clip_at_its_rate(stream, tmp_path):
    from painsign_utils.monitor.mjpeg import MJPEGServer, jpeg_frames

    frames = jpeg_frames(stream["clip"], max_frames=6)
    assert len(frames) == 6 and all(f[:2] == b"\xff\xd8" for f in frames)  # JPEG start marker
    with MJPEGServer(frames, fps=30) as server:
        assert server.url.startswith("http://127.0.0.1:")
        cap = cv2.VideoCapture(server.url)
        t0, n = time.monotonic(), 0
        while cap.read()[0]:
            n += 1
        cap.release()
        assert n == 6 and time.monotonic() - t0 >= 5 / 30  # paced, not as fast as it can
        missing = cv2.VideoCapture(server.url.replace("video", "other"))
        assert not missing.isOpened() or not missing.read()[0]
        missing.release()
    with pytest.raises(DataError):
        jpeg_frames(tmp_path / "none.mp4")


def test_annotate_writes_the_runs_frames_as_a_playable_video_or_one_error(stream, tmp_path, capsys):
    out = tmp_path / "o"
    video = tmp_path / "v" / "watch.webm"
    video.parent.mkdir()
    assert _run(stream["clip"], *stream["tiny"], "--out", out, "--annotate", video) == 0
    cap = cv2.VideoCapture(str(video))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    assert n == N_FRAMES  # every frame of the file, annotated
    assert not list(video.parent.glob(".*")) and video.stat().st_size > 0  # no temporary left
    capsys.readouterr()
    (tmp_path / "afile").write_text("")
    for bad, needle in (
        (tmp_path / "v" / "watch.avi", "codec"),
        (tmp_path / "afile" / "y.webm", ""),
    ):
        before = {p for p in tmp_path.rglob("*")}
        assert _run(stream["clip"], *stream["tiny"], "--out", out, "--annotate", bad) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("painsign: error: ") and needle in err[0]
        assert {p for p in tmp_path.rglob("*")} == before  # nothing half-written


def test_the_live_view_shows_the_run_in_a_browser_while_the_stream_plays(stream, tmp_path):
    import re

    from tests.test_browser import _chromium_or_skip

    import browser_check as browser

    _chromium_or_skip()
    proc = _monitor(stream, tmp_path, "/loop.mjpg", "--fps", "30", "--serve", "127.0.0.1:0")
    try:
        first = proc.stdout.readline()  # printed before the first frame
        found = re.match(r"live view: (http://127\.0\.0\.1:\d+/)", first)
        assert found, (first, proc.poll())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the first frame reached the page
            dom = browser._run_chromium(["--virtual-time-budget=3000", "--dump-dom", found[1]], 60)
            if 'data-frame-width="' in dom and "data-state=" in dom:
                break
            assert proc.poll() is None, proc.communicate()
        width = int(re.search(r'data-frame-width="(\d+)"', dom)[1])
        state = re.search(r'data-state="(\w+)"', dom)[1]
        assert width == 128 and state in ("calm", "rising", "pain", "recovering", "no_face")
        assert "sign" in re.search(r'<p id="state">([^<]*)<', dom)[1]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        proc.kill()


def test_the_live_benchmark_measures_each_scenario_on_a_paced_stream(stream, tmp_path, monkeypatch):
    """Chapter 08's live table: every (model, scenario) streams the clip at 30 fps; each frame is
    analysed or dropped, and a re-run on this machine with the same inputs reuses the table."""
    import importlib

    from painsign_utils import speed
    from painsign_utils.errors import ConfigError, DataError
    from painsign_utils.models import load_checkpoint

    tiny = Path(stream["tiny"][-1])
    chains = {"tiny": [tiny, tiny, tiny]}  # the best model, then two "folds"
    args = dict(seconds=0.5, scenarios=["single", "mc_dropout", "ensemble"], passes=3)
    table = speed.cached_live_benchmark(tmp_path / "cache", stream["clip"], chains, **args)
    assert list(table["scenario"]) == ["single", "mc_dropout", "ensemble"]
    assert list(table["samples"]) == [1, 3, 2]
    n = round(0.5 * 30)
    assert (table["received"] == n).all()
    assert (table["analysed"] + table["dropped"] == table["received"]).all()
    assert (table["latency p95 ms"] >= table["latency p50 ms"]).all()
    assert (table["latency p50 ms"] > 0).all() and (table["analysed fps"] > 0).all()

    module = importlib.import_module("painsign_utils.speed.live")
    monkeypatch.setattr(module, "live_benchmark", lambda *a, **k: pytest.fail("measured again"))
    again = speed.cached_live_benchmark(tmp_path / "cache", stream["clip"], chains, **args)
    pd.testing.assert_frame_equal(again, table)  # the very table measured, timings included
    model = load_checkpoint(tiny)
    with pytest.raises(ConfigError, match="unknown scenario"):
        speed.live_benchmark([b""], {"tiny": ([model], 0.5)}, ["twice"])
    # a missing checkpoint is one clear error, and nothing is cached for it
    gone = {"tiny": [tmp_path / "gone.pt"]}
    with pytest.raises(DataError, match="no such file") as err:
        speed.cached_live_benchmark(tmp_path / "cache2", stream["clip"], gone, **args)
    assert "\n" not in str(err.value) and not (tmp_path / "cache2").exists()
