"""The command line as a careless or hostile user meets it (issue 13): every bad input ends in
exactly one line ``painsign: error: ...`` on stderr with exit status 2, no traceback, and nothing
new on disk; ``--debug`` shows the traceback; SIGTERM ends the workers; artifacts are found from
any folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _env(**extra: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PAINSIGN_DEBUG", None)
    env.update(PAINSIGN_PROGRESS="0", MPLBACKEND="Agg", **extra)
    return env


def painsign(
    *args: str, cwd: Path, env: dict | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "painsign_utils.cli", *map(str, args)],
        cwd=cwd,
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def painsign_here(
    *args: str, cwd: Path, monkeypatch, capsys, env: dict | None = None
) -> subprocess.CompletedProcess:
    """:func:`painsign` in this process (no interpreter to start, torch already imported): for the
    errors found before any work, where a process would only add seconds."""
    from painsign_utils.cli.main import main

    monkeypatch.chdir(cwd)
    monkeypatch.delenv("PAINSIGN_DEBUG", raising=False)
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    capsys.readouterr()
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    out = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), code, out.out, out.err)


def snapshot(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    err = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert len(err) == 1 and err[0].startswith("painsign: error: "), proc.stderr
    for needle in needles:
        assert needle in err[0], err[0]
    return err[0]


@pytest.fixture(scope="module")
def kit(tmp_path_factory, tiny_synth):
    """A video, a truncated AVI copy of it, and checkpoints good and bad, outside the work folder."""
    import pandas as pd
    import torch

    from painsign_utils.models import create_model, save_base, save_checkpoint

    base = tmp_path_factory.mktemp("kit")
    videos = pd.read_csv(tiny_synth["videos"], dtype={"subject": str})
    video = tiny_synth["root"] / "videos" / videos["path"].iloc[0]
    cap = cv2.VideoCapture(str(video))
    w = None
    n = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if w is None:
            w = cv2.VideoWriter(
                str(base / "clip.avi"),
                cv2.VideoWriter_fourcc(*"MJPG"),
                30,
                (frame.shape[1], frame.shape[0]),
            )
        w.write(frame)
        n += 1
    w.release()
    raw = (base / "clip.avi").read_bytes()
    (base / "cut.avi").write_bytes(raw[: len(raw) // 2])
    model = create_model("ncnn")
    model.threshold = 0.5
    art = base / "artifacts"
    ckpt = save_checkpoint(model, art / "demo" / "training" / "ncnn" / "fold0" / "best.pt")
    pd.DataFrame(
        {"model": ["ncnn"], "checkpoint": ["training/ncnn/fold0/best.pt"], "threshold": [0.5]}
    ).to_csv(art / "demo" / "training" / "best_models.csv", index=False)
    torch.save(model, base / "whole.pt")
    save_base(model, base / "split" / "base.pt")
    save_checkpoint(model, base / "split" / "fold0" / "best.pt", base="../base.pt")
    (base / "split" / "base.pt").unlink()
    misfit = torch.load(ckpt, weights_only=True)
    misfit["state_dict"] = {k: v[..., :1] if v.ndim else v for k, v in misfit["state_dict"].items()}
    torch.save(misfit, base / "misfit.pt")
    return {
        "base": base,
        "video": video,
        "avi": base / "clip.avi",
        "cut": base / "cut.avi",
        "frames": n,
        "ckpt": ckpt,
        "art": art,
    }


# ----------------------------------------------------------------------------- video

BAD_VIDEO_OPTIONS = [
    (["--detect-side", "0"], "--detect-side"),
    (["--alert-seconds", "nan"], "--alert-seconds"),
    (["--alert-delta", "2"], "--alert-delta"),
    (["--threshold", "2"], "--threshold"),
    (["--threshold", "-1"], "--threshold"),
    (["--threshold", "nan"], "--threshold"),
    (["--batch", "0"], "--batch"),
    (["--classify-every", "x"], "--classify-every"),
    (["--profile", "my.yml"], "profile must be a name"),
    (["--profile", "../../../escaped"], "profile must be a name"),
]


@pytest.mark.parametrize("extra, needle", BAD_VIDEO_OPTIONS)
def test_video_bad_options(tmp_path, kit, extra, needle, monkeypatch, capsys):
    before = snapshot(tmp_path)
    proc = painsign_here(
        "video",
        kit["avi"],
        "--weights",
        kit["ckpt"],
        "--out",
        tmp_path / "out",
        *extra,
        cwd=tmp_path,
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert_one_line_error(proc, needle)
    assert snapshot(tmp_path) == before


def test_video_unwritable_out(tmp_path, kit):
    afile = tmp_path / "afile"
    afile.write_text("x")
    before = snapshot(tmp_path)
    for out, needle in (
        (afile, "is a file"),
        (afile / "sub", "is a file"),
        ("/proc/x", "not writable"),
    ):
        proc = painsign("video", kit["avi"], "--weights", kit["ckpt"], "--out", out, cwd=tmp_path)
        assert_one_line_error(proc, needle)
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_video_read_only_out(tmp_path, kit):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        assert_one_line_error(
            painsign("video", kit["avi"], "--weights", kit["ckpt"], "--out", ro, cwd=tmp_path),
            "not writable",
        )
    finally:
        ro.chmod(0o755)


@pytest.mark.parametrize(
    "weights, needle",
    [
        ("whole.pt", "a state dict is expected"),
        ("split/fold0/best.pt", "base.pt, which is missing"),
        ("misfit.pt", "do not fit a ncnn model"),
        ("nowhere.pt", "checkpoint not found"),
    ],
)
def test_video_refused_checkpoints(tmp_path, kit, weights, needle):
    before = snapshot(tmp_path)
    proc = painsign(
        "video",
        kit["avi"],
        "--weights",
        kit["base"] / weights,
        "--out",
        tmp_path / "o",
        cwd=tmp_path,
    )
    assert_one_line_error(proc, needle)
    assert snapshot(tmp_path) == before


def test_video_damaged_file_and_allow_partial(tmp_path, kit):
    before = snapshot(tmp_path)
    proc = painsign(
        "video", kit["cut"], "--weights", kit["ckpt"], "--out", tmp_path / "o", "-q", cwd=tmp_path
    )
    line = assert_one_line_error(proc, f"of {kit['frames']} frames from", "cut.avi")
    assert line.startswith("painsign: error: read ")
    assert snapshot(tmp_path) == before
    proc = painsign(
        "video",
        kit["cut"],
        "--weights",
        kit["ckpt"],
        "--out",
        tmp_path / "o",
        "-q",
        "--allow-partial",
        "--classify-every",
        "3",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "PARTIAL" in proc.stdout and "warning: read" in proc.stderr
    summary = json.loads(next((tmp_path / "o").glob("cut_ncnn_*_summary.json")).read_text())
    assert (
        summary["frames_expected"] == kit["frames"] and summary["frames_read"] < kit["frames"] - 1
    )
    assert summary["partial"] and summary["frames"] == summary["frames_read"]


def test_video_finds_artifacts_from_any_folder(tmp_path, kit):
    env = _env(PAINSIGN_ARTIFACTS=str(kit["art"]))
    proc = painsign(
        "video",
        kit["avi"],
        "--out",
        tmp_path / "o",
        "-q",
        "--classify-every",
        "5",
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert (
        json.loads(next((tmp_path / "o").glob("clip_ncnn_*_summary.json")).read_text())["frames"]
        == kit["frames"]
    )
    assert not (tmp_path / "artifacts").exists()
    empty = tmp_path / "none"
    before = snapshot(tmp_path)
    proc = painsign(
        "video",
        kit["avi"],
        "--profile",
        "other",
        cwd=tmp_path,
        env=_env(PAINSIGN_ARTIFACTS=str(empty)),
    )
    assert_one_line_error(proc, "no trained ncnn model", str(empty / "other"))
    assert snapshot(tmp_path) == before


# ----------------------------------------------------------------------------- check


def test_check_bad_manifests(tmp_path, kit):
    img = tmp_path / "img.jpg"
    cv2.imwrite(str(img), np.zeros((8, 8, 3), np.uint8))
    fake = tmp_path / "fake.jpg"
    fake.write_text("hello")
    cases = {
        "trailing.csv": f"path,subject,dataset,label\n{img},S1,d,pain,\n",
        "extra.csv": f"path,subject,dataset,label\n{img},S1,d,pain,oops\n",
        "fake.csv": f"path,subject,dataset,label\n{fake},S1,d,pain\n",
        "fps.csv": f"path,subject,dataset,label,fps\n{kit['avi']},S1,d,pain,fast\n",
        "imgvid.csv": f"path,subject,dataset,label\n{img},S1,d,pain\n",
        "dup.csv": f"path,subject,dataset,label\n{img},S1,d,pain\n{tmp_path}/./img.jpg,S2,d,pain\n",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    before = snapshot(tmp_path)
    expect = [
        (tmp_path, "image", "is a folder"),
        (tmp_path / "trailing.csv", "image", "5 cells"),
        (tmp_path / "extra.csv", "image", "5 cells"),
        (tmp_path / "fake.csv", "image", "cannot decode"),
        (tmp_path / "fps.csv", "video", "not a number"),
        (tmp_path / "imgvid.csv", "video", "is an image file"),
        (tmp_path / "dup.csv", "image", "listed twice"),
    ]
    for manifest, kind, needle in expect:
        assert_one_line_error(
            painsign("check", manifest, "--kind", kind, "-q", cwd=tmp_path), needle
        )
    assert snapshot(tmp_path) == before


# ----------------------------------------------------------------------------- synth


@pytest.mark.parametrize(
    "extra, needle",
    [
        (["--scale", "nan"], "--scale"),
        (["--scale", "inf"], "--scale"),
        (["--scale", "-1"], "--scale"),
        (["--scale", "0"], "--scale"),
        (["--scale", "1e4"], "too large"),
        (["--seed", "-1"], "--seed"),
        (["--fps", "nan"], "--fps"),
        (["--seconds", "0"], "--seconds"),
        (["--video-size", "10", "10"], "--video-size"),
        (["--images-only", "--videos-only"], "not allowed with"),
        (["--jobs", "0"], "--jobs"),
        (["--world", "wild"], "unknown world 'wild'"),
        (["--cause", "rain=on"], "unknown world cause"),
        (["--cause", "distress=maybe"], "on, off or a number"),
    ],
)
def test_synth_bad_options(tmp_path, extra, needle, monkeypatch, capsys):
    proc = painsign_here(
        "synth",
        "--out",
        tmp_path / "s",
        *extra,
        cwd=tmp_path,
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert_one_line_error(proc, needle)
    assert snapshot(tmp_path) == set()


def test_synth_out_is_a_file_and_debug_shows_the_traceback(tmp_path):
    (tmp_path / "f").write_text("x")
    assert_one_line_error(painsign("synth", "--out", tmp_path / "f", cwd=tmp_path), "is a file")
    proc = painsign("--debug", "synth", "--out", tmp_path / "f", cwd=tmp_path)
    assert proc.returncode != 0 and "Traceback" in proc.stderr
    proc = painsign("synth", "--out", tmp_path / "f", cwd=tmp_path, env=_env(PAINSIGN_DEBUG="1"))
    assert "Traceback" in proc.stderr
    assert snapshot(tmp_path) == {"f"}


def _start_synth(tmp_path):
    """``painsign synth`` on two workers in the background (for the signal tests)."""
    args = ["synth", "--out", str(tmp_path / "s"), "--scale", "0.5", "--jobs", "2", "-q"]
    return subprocess.Popen(
        [sys.executable, "-m", "painsign_utils.cli", *args],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigterm_ends_synth_and_its_workers(tmp_path):
    import psutil

    proc = _start_synth(tmp_path)
    main = psutil.Process(proc.pid)
    workers: list = []
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        workers = [
            c
            for c in main.children(recursive=True)
            if "resource_tracker" not in " ".join(c.cmdline())
        ]
        if len(workers) >= 2:
            break
        time.sleep(0.2)
    assert len(workers) >= 2, "the workers never started"
    time.sleep(1.0)  # let them start rendering
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert err.strip().splitlines() == ["painsign: terminated"], err

    def alive(p: psutil.Process) -> bool:
        try:
            return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.time() + 10
    while time.time() < deadline and any(alive(w) for w in workers):
        time.sleep(0.2)
    assert not [w.pid for w in workers if alive(w)]
    assert not (tmp_path / "s" / "config.json").exists()  # unfinished: no finished-set marker


@pytest.mark.parametrize("profile", ["../../../escaped", "new.yml", "nosuch"])
def test_book_profile_must_be_a_known_name(tmp_path, profile, monkeypatch, capsys):
    env = {"PAINSIGN_ARTIFACTS": str(tmp_path / "arts")}
    proc = painsign_here(
        "book", "--profile", profile, "--no-build", cwd=tmp_path, env=env,
        monkeypatch=monkeypatch, capsys=capsys,
    )  # fmt: skip
    assert_one_line_error(proc, "unknown profile")
    assert snapshot(tmp_path) == set()


def test_video_given_a_folder_or_a_missing_file(tmp_path, kit):
    for target, needle in ((tmp_path, "is a folder"), (tmp_path / "none.mp4", "video not found")):
        assert_one_line_error(
            painsign("video", target, "--weights", kit["ckpt"], cwd=tmp_path), needle
        )
    assert snapshot(tmp_path) == set()


def test_a_killed_worker_is_one_line(tmp_path):
    import psutil

    proc = _start_synth(tmp_path)
    main = psutil.Process(proc.pid)
    deadline = time.time() + 60
    workers: list = []
    while time.time() < deadline and proc.poll() is None and len(workers) < 2:
        workers = [c for c in main.children() if "resource_tracker" not in " ".join(c.cmdline())]
        time.sleep(0.2)
    assert workers, "the workers never started"
    time.sleep(1.0)
    workers[0].kill()  # kill -9: out of memory looks like this
    _, err = proc.communicate(timeout=60)
    assert_one_line_error(
        subprocess.CompletedProcess(proc.args, proc.returncode, "", err), "a worker process died"
    )


def test_check_warns_about_videos_sharing_a_file_name(tmp_path, kit):
    for sub in ("A", "B"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "clip.avi").write_bytes(kit["avi"].read_bytes())
    (tmp_path / "v.csv").write_text(
        "path,subject,dataset,label\nA/clip.avi,1,d,nopain\nB/clip.avi,2,d,pain\n"
    )
    proc = painsign("check", tmp_path / "v.csv", "--kind", "video", "-q", cwd=tmp_path)
    assert proc.returncode == 0 and "every file opened" in proc.stdout
    assert proc.stderr.strip().startswith(
        "painsign: warning: 1 file name(s) used by more than one video"
    )
