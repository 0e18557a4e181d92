"""Tests of the streaming monitor: exact equality with the offline sign, alerts, bounded memory."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from painsign_utils import sign
from painsign_utils.errors import ConfigError, DataError
from painsign_utils.faces.detection import Detection
from painsign_utils.monitor import (
    MonitorSettings,
    PainMonitor,
    StreamingSign,
    alert_counts,
    alert_screen,
    iter_source,
    largest_change,
    paper_sign_type,
    pick_alert_video,
    stream_sign,
)


def _probs(rng, n, missing):
    p = rng.random(n)
    p[rng.random(n) < missing] = np.nan
    p[int(rng.integers(n // 2, n))] = rng.random()  # at least one face, after any leading gap
    return p


@pytest.mark.parametrize("seed", range(6))
def test_streaming_sign_equals_offline_sign_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    for missing in (0.0, 0.3, 0.8):
        p = _probs(rng, int(rng.integers(8, 400)), missing)
        p[:3] = np.nan  # a leading gap
        for window in (1, 7, 30):
            got = stream_sign(p, window=window)
            assert np.array_equal(got, sign.pain_sign(p, window))


def test_the_streaming_sign_alone_is_pure_and_bit_exact():
    """StreamingSign needs no frames, clock or alerts: its finalized values are pain_sign's, its
    statistics the offline ones, and its provisional value the sign of the frames so far."""
    rng = np.random.default_rng(7)
    p = _probs(rng, 500, 0.4)
    p[:5] = np.nan
    p[-7:] = np.nan  # a trailing gap
    stream = StreamingSign(window=12, threshold=0.4)
    parts = []
    for i, x in enumerate(p):
        parts.append(stream.push(x))
        if np.isnan(p[: i + 1]).all():
            assert math.isnan(stream.current())
        else:
            assert stream.current() == sign.pain_sign(p[: i + 1], 12)[-1]
    parts.append(stream.finish())
    assert stream.finish() is None
    s = sign.pain_sign(p, 12)
    assert np.array_equal(np.concatenate(parts), s)
    assert (stream.n, stream.n_final) == (500, 500)
    assert stream.crossings == sign.threshold_crossings(s, 0.4)
    assert stream.entropy == sign.shannon_entropy(s)
    with pytest.raises(DataError):
        stream.push(-0.1)
    with pytest.raises(ConfigError, match="window"):
        StreamingSign(window=0)


def test_settings_record_and_keyword_arguments_make_the_same_monitor():
    p = np.r_[np.full(60, 0.1), np.full(30, np.nan), np.full(90, 0.9), np.full(90, 0.1)]
    kwargs = {
        "fps": 10,
        "threshold": 0.4,
        "no_face_seconds": 1.0,
        "alert_seconds": 1.5,
        "window": 7,
    }
    by_kwargs = PainMonitor(**kwargs)
    by_record = PainMonitor(settings=MonitorSettings(**kwargs))
    overridden = PainMonitor(
        settings=MonitorSettings(fps=10, threshold=0.9), **{**kwargs, "fps": 10}
    )
    for mon in (by_kwargs, by_record, overridden):
        for x in p:
            mon.update_prob(x)
        mon.finish()
    assert by_record.settings == by_kwargs.settings == overridden.settings
    for mon in (by_record, overridden):
        assert mon.alert_table().equals(by_kwargs.alert_table())
        assert mon.history().equals(by_kwargs.history())
    assert len(by_kwargs.alerts) == 3  # no face, surge, drop
    with pytest.raises(ConfigError, match="threshold"):
        MonitorSettings(threshold=1.5)
    with pytest.raises(ConfigError, match="MonitorSettings"):
        PainMonitor(None, None, 30.0)  # the frame rate is a keyword (or a settings field) now
    with pytest.raises(TypeError):
        PainMonitor(fsp=30.0)


def test_provisional_sign_is_the_offline_sign_of_the_frames_so_far():
    rng = np.random.default_rng(3)
    p = rng.random(160)
    p[40:90] = np.nan  # interior gap longer than the window
    p[130:] = np.nan  # trailing gap
    mon = PainMonitor()
    for i, x in enumerate(p):
        st = mon.update_prob(x)
        assert st.sign == sign.pain_sign(p[: i + 1])[-1]
        assert st.provisional == bool(np.isnan(x))


def test_statistics_equal_offline_values():
    rng = np.random.default_rng(4)
    p = _probs(rng, 2000, 0.25)
    t = 0.42
    mon = PainMonitor(threshold=t)
    for x in p:
        mon.update_prob(x)
    mon.finish()
    s = sign.pain_sign(p)
    assert mon.crossings == sign.threshold_crossings(s, t)
    assert mon.entropy == sign.shannon_entropy(s)
    assert mon.mean_prob == pytest.approx(np.nanmean(p), abs=1e-12)
    last = s[-mon.type_frames :]
    assert mon.sign_type == paper_sign_type(
        sign.shannon_entropy(last), sign.threshold_crossings(last, t)
    )


def test_surge_and_drop_alerts_fire_once_at_the_change():
    p = np.r_[np.full(60, 0.1), np.full(90, 0.9), np.full(90, 0.1)]
    mon = PainMonitor(fps=30, alert_delta=0.3, alert_seconds=2.0)
    for x in p:
        mon.update_prob(x)
    kinds = [(a.kind, a.frame) for a in mon.alerts]
    s = sign.pain_sign(p)
    first_up = int(np.argmax(s - 0.1 >= 0.3))
    first_down = 150 + int(np.argmax(s[149] - s[150:] >= 0.3))  # from the plateau at 0.9
    assert kinds == [("surge", first_up), ("drop", first_down)]
    assert mon.alerts[0].change >= 0.3 and mon.alerts[1].change <= -0.3
    assert "surge" in mon.alerts[0].message


def test_slow_drift_raises_no_alert():
    p = np.linspace(0.1, 0.9, 30 * 60)  # +0.8 over a minute: never 0.3 within 2 s
    mon = PainMonitor(fps=30)
    for x in p:
        mon.update_prob(x)
    assert not mon.alerts


def test_no_face_alert_once_per_stretch_and_skipped_frames_are_not_missing_faces():
    mon = PainMonitor(fps=10, no_face_seconds=1.0)
    seq = [0.5] * 5 + [np.nan] * 25 + [0.5] * 5 + [np.nan] * 12
    raised = []
    for x in seq:
        raised += [a for a in mon.update_prob(x).alerts if a.kind == "no_face"]
    assert [a.frame for a in raised] == [14, 44]
    mon2 = PainMonitor(fps=10, no_face_seconds=1.0)
    for k in range(100):
        mon2.update_prob(0.5, skipped=k % 2 == 1)
    assert not mon2.alerts


def test_memory_is_bounded_over_long_streams():
    mon = PainMonitor(fps=30, history_s=10, type_window_s=20, window=30)
    rng = np.random.default_rng(5)
    for x in _probs(rng, 30 * 300, 0.1):  # five minutes
        mon.update_prob(x)
    assert len(mon.history()) == 300
    assert len(mon.stream._ma) == 30 and mon._type_ring.data.shape[0] == 600
    h = mon.history()
    assert h["frame"].iloc[-1] == mon.n - 1
    # History holds the finalized sign of every finalized frame it still has.
    final = h[h["frame"] < mon.n_final]
    assert final["sign"].notna().all()


def test_bad_input_gives_clear_errors():
    with pytest.raises(DataError):
        PainMonitor().update_prob(1.5)
    with pytest.raises(ConfigError):
        PainMonitor(fps=0)
    with pytest.raises(ConfigError):
        PainMonitor(alert_delta=0)
    with pytest.raises(ConfigError):
        PainMonitor().update(np.zeros((8, 8, 3), np.uint8))  # frames need a classifier
    with pytest.raises(DataError):
        list(iter_source([np.zeros((4, 4), np.uint8)]))
    assert PainMonitor().finish() is None  # nothing seen, nothing pending


class _FixedDetector:
    """Finds a face in frames whose mean brightness is above 10 (dark frames: no face)."""

    def __init__(self):
        self.calls = 0

    def detect(self, rgb):
        self.calls += 1
        if rgb.mean() < 10:
            return []
        return [Detection(np.array([4.0, 4.0, 24.0, 24.0]), np.full((5, 2), 16.0), 0.99)]


def test_frames_pipeline_matches_offline_sign_of_its_probabilities():
    from painsign_utils.inference import FrameClassifier
    from tests.test_inference import TinyModel

    rng = np.random.default_rng(6)
    frames = [
        rng.integers(0 if k % 7 else 0, 256 if k % 7 else 5, (32, 32, 3), dtype=np.uint8)
        for k in range(40)
    ]
    clf = FrameClassifier(TinyModel(), batch_size=4)
    det = _FixedDetector()
    mon = PainMonitor(clf, detector=det, fps=10)
    states = list(mon.run(iter(frames), max_latency_s=0.4))
    probs = np.array([st.prob for st in states[:40]])
    assert np.isnan(probs).sum() == len(range(0, 40, 7))
    finals = np.concatenate([st.final for st in states])
    assert np.array_equal(finals, sign.pain_sign(probs, mon.window))
    # Detecting every 3rd frame holds the box in between; a frame without a face makes the next
    # one look again, so a face that returns is found at once.
    det2 = _FixedDetector()
    mon2 = PainMonitor(clf, detector=det2, fps=10, detect_every=3)
    probs2 = np.array([st.prob for st in mon2.run(frames)][:40])
    held, looked = False, []
    for k in range(40):
        if not held or k % 3 == 0:
            looked.append(k)
            held = k % 7 != 0
    assert det2.calls == len(looked) > math.ceil(40 / 3)
    lost = [k for k in looked if k % 7 == 0]  # the detector looked and found no face
    assert lost and {k + 1 for k in lost} <= set(looked)
    assert np.flatnonzero(np.isnan(probs2)).tolist() == lost


def test_prefetch_keeps_order_reraises_and_stops_early():
    from painsign_utils.monitor import prefetch

    frames = [np.full((2, 2, 3), k, np.uint8) for k in range(20)]
    assert [int(f[0, 0, 0]) for f in prefetch(iter(frames), 3)] == list(range(20))

    def broken():
        yield frames[0]
        raise DataError("cannot read video")

    with pytest.raises(DataError):
        list(prefetch(broken(), 2))
    gen = prefetch(iter(frames), 2)
    next(gen)
    gen.close()  # the worker thread stops instead of blocking on a full queue


def test_video_command_writes_csv_plot_summary_and_fails_cleanly(tmp_path, capsys):
    from painsign_utils.cli.main import main
    from painsign_utils.models import create_model, save_checkpoint
    from painsign_utils.render import Subject
    from painsign_utils.synthetic import render_gallery_face
    from painsign_utils.video import VideoWriter

    subject = Subject.random(np.random.default_rng(0), "S0")
    video = tmp_path / "clip.mp4"
    with VideoWriter(video, 10.0, (192, 192)) as w:
        for k in range(12):
            w.write(render_gallery_face(subject, k / 12, size=192))
    model = create_model("ncnn")
    model.threshold = 0.5
    ckpt = save_checkpoint(model, tmp_path / "ncnn.pt")
    out = tmp_path / "out"
    assert (
        main(
            [
                "video",
                str(video),
                "--model",
                "ncnn",
                "--weights",
                str(ckpt),
                "--out",
                str(out),
                "-q",
            ]
        )
        == 0
    )
    line = capsys.readouterr().out
    assert "mean probability" in line and "crossings" in line and "sign type" in line
    (exact,) = out.glob("clip_ncnn_*_frames.csv")  # --weights is a setting: its digest
    frames = __import__("pandas").read_csv(exact)
    assert len(frames) == 12 and frames["face"].all()
    prefix = exact.name.removesuffix("_frames.csv")
    for name in ("sign.png", "summary.json", "alerts.csv", "noface.csv"):
        assert (out / f"{prefix}_{name}").exists()
    # Classifying every 3rd frame: only those say whether a face was seen; the sign covers all.
    # Its files get their own names: the exact run's are kept.
    fast = out
    assert (
        main(
            [
                "video",
                str(video),
                "--weights",
                str(ckpt),
                "--out",
                str(fast),
                "--classify-every",
                "3",
                "-q",
            ]
        )
        == 0
    )
    (fast_csv,) = set(fast.glob("clip_ncnn_*_frames.csv")) - {exact}
    frames3 = __import__("pandas").read_csv(fast_csv)
    assert frames3["classified"].tolist() == [k % 3 == 0 for k in range(12)]
    assert (
        frames3.loc[frames3["classified"], "face"].all()
        and frames3.loc[~frames3["classified"], "face"].isna().all()
    )
    assert frames3["sign"].notna().all()
    assert np.allclose(
        frames3.loc[frames3["classified"], "prob"], frames.loc[frames3["classified"], "prob"]
    )
    assert main(["video", str(tmp_path / "nope.mp4"), "--weights", str(ckpt)]) == 2
    assert main(["video", str(video), "--weights", str(tmp_path / "missing.pt")]) == 2
    assert "checkpoint not found" in capsys.readouterr().err


def test_alert_screen_picks_a_video_whose_sign_jumps(tmp_path):
    art = tmp_path / "art"
    (art / "inference" / "ncnn").mkdir(parents=True)
    t = np.arange(60) / 10
    flat = pd.DataFrame({"frame": np.arange(60) * 3, "time": t, "prob": 0.2})
    jump = flat.assign(prob=np.where(t < 3, 0.1, 0.9))
    flat.to_csv(art / "inference" / "ncnn" / "A.csv", index=False)
    jump.to_csv(art / "inference" / "ncnn" / "B.csv", index=False)
    videos = pd.DataFrame(
        {
            "path": ["x/A.mp4", "x/B.mp4", "x/C.mp4"],
            "label": ["nopain", "pain", "pain"],
            "fps": 30.0,
            "scenario": ["irregular", "stable_pain", "unstable"],
        }
    )
    screen = alert_screen(art, "ncnn", videos, alert_delta=0.3, alert_seconds=2.0)
    assert screen["video"].tolist() == ["A", "B"]  # C has no cached probabilities
    assert screen.set_index("video").loc["B", "surges"] == 1
    assert screen.set_index("video").loc["A", "max_change"] == 0.0
    assert screen.set_index("video").loc["B", "max_change"] == pytest.approx(0.8)
    assert pick_alert_video(screen) == "B"  # fires, although A is the preferred scenario
    assert pick_alert_video(screen[screen["video"] == "A"]) == "A"
    assert pick_alert_video(screen.iloc[:0]) is None


def test_largest_change_looks_back_over_the_alert_horizon_and_skips_missing_values():
    ramp = np.r_[np.full(10, 0.2), np.linspace(0.2, 0.5, 31), np.full(10, 0.5)]  # +0.01 a sample
    # 2 s at 10 samples/s: 20 steps back, so at most 0.2 of the 0.3 rise
    assert largest_change(ramp, 10.0, 2.0) == pytest.approx(0.2)
    assert largest_change(ramp, 10.0, 10.0) == pytest.approx(0.3)
    assert largest_change(np.r_[np.nan, ramp], 10.0, 2.0) == pytest.approx(0.2)
    assert largest_change(np.array([]), 10.0, 2.0) == 0.0
    assert math.isnan(largest_change(np.full(5, np.nan), 10.0, 2.0))


def test_alert_counts_has_every_kind():
    alerts = pd.DataFrame({"kind": ["surge", "no_face", "surge"]})
    assert alert_counts(alerts) == {"surge": 2, "drop": 0, "no_face": 1}
    assert alert_counts(alerts.iloc[:0]) == {"surge": 0, "drop": 0, "no_face": 0}


def _state_tuple(st):
    return (
        st.frame,
        repr(st.prob),
        repr(st.sign),
        st.provisional,
        st.crossings,
        st.sign_type,
        tuple(a.message for a in st.alerts),
        st.final_start,
        st.final.tobytes(),
    )


def test_a_recorded_run_replays_as_the_live_run_until_its_key_changes(tmp_path, monkeypatch):
    from painsign_utils.inference import FrameClassifier
    from painsign_utils.monitor import run_recorded
    from painsign_utils.video import VideoWriter
    from tests.test_inference import TinyModel

    rng = np.random.default_rng(7)
    video = tmp_path / "v.mp4"
    with VideoWriter(video, fps=10, size=(32, 32)) as w:
        for k in range(45):  # every 7th frame dark: no face
            w.write(rng.integers(0, 5 if k % 7 == 0 else 256, (32, 32, 3), dtype=np.uint8))
    clf = FrameClassifier(TinyModel(), batch_size=4)

    def monitor(**options):
        return PainMonitor(clf, detector=_FixedDetector(), fps=10, classify_every=2, **options)

    live = monitor(alert_delta=0.05)
    expected = list(live.run(video, max_latency_s=0.4))
    runs = []
    real_run = PainMonitor.run
    monkeypatch.setattr(
        PainMonitor, "run", lambda self, *a, **k: runs.append(1) or real_run(self, *a, **k)
    )
    folder = tmp_path / "cache"
    first = run_recorded(monitor(), video, folder, {"checkpoint": "a"}, max_latency_s=0.4)
    assert len(runs) == 1 and len(first) == len(expected)
    # Replayed with other alert settings: no frame is decoded, the states are the live run's.
    mon = monitor(alert_delta=0.05)
    again = run_recorded(mon, video, folder, {"checkpoint": "a"}, max_latency_s=0.4)
    assert len(runs) == 1
    assert [_state_tuple(s) for s in again] == [_state_tuple(s) for s in expected]
    pd.testing.assert_frame_equal(mon.history(), live.history())
    pd.testing.assert_frame_equal(mon.alert_table(), live.alert_table())
    # Another checkpoint, batching or frame setting records again.
    run_recorded(monitor(), video, folder, {"checkpoint": "b"}, max_latency_s=0.4)
    run_recorded(monitor(), video, folder, {"checkpoint": "b"}, max_latency_s=0.2)
    mon3 = PainMonitor(clf, detector=_FixedDetector(), fps=10, classify_every=3)
    run_recorded(mon3, video, folder, {"checkpoint": "b"}, max_latency_s=0.2)
    assert len(runs) == 4
