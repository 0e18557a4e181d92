"""No silent partial or mixed results: damaged videos, text subject IDs, resolved duplicates, files
that are opened, caches keyed by what they depend on, safe checkpoint loading, failed notebooks kept,
workers ended, stale temporaries cleaned (issue 13)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from painsign_utils import data, faces, storage
from painsign_utils.errors import ConfigError, DataError, ModelError, PainsignError
from painsign_utils.faces.detection import Detection
from painsign_utils.video import check_frame_count, iter_frames

os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # damaged files make FFmpeg chatty


def make_avi(path: Path, n: int = 45, size: tuple[int, int] = (64, 48), value: int = 0) -> Path:
    """A small MJPG AVI whose frames are numbered; MJPG keeps frames independent, so a truncated
    copy still decodes its first part."""
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, size)
    for i in range(n):
        frame = np.full((size[1], size[0], 3), (value + i * 5) % 256, np.uint8)
        cv2.putText(frame, str(i), (5, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2)
        w.write(frame)
    w.release()
    return path


def truncate_half(src: Path, dst: Path) -> Path:
    raw = src.read_bytes()
    dst.write_bytes(raw[: len(raw) // 2])
    return dst


# ----------------------------------------------------------------------------- damaged videos


def test_truncated_video_is_an_error_unless_partial_is_allowed(tmp_path, capsys):
    whole = make_avi(tmp_path / "whole.avi")
    half = truncate_half(whole, tmp_path / "half.avi")
    report: dict = {}
    assert len(list(iter_frames(whole, report=report))) == 45
    assert report == {"frames_expected": 45, "frames_read": 45, "partial": False}
    with pytest.raises(DataError, match=r"^read \d+ of 45 frames from .*half\.avi") as info:
        list(iter_frames(half))
    assert "\n" not in str(info.value)
    report = {}
    frames = list(iter_frames(half, allow_partial=True, report=report))
    assert report["partial"] and report["frames_read"] == len(frames) < 44
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "warning: read" in err[0]


def test_one_missing_frame_is_tolerated():
    assert not check_frame_count("v.mp4", 44, 45)["partial"]
    assert check_frame_count("v.mp4", 45, 0)["frames_expected"] == 0  # unknown count: not checked
    with pytest.raises(DataError, match="read 43 of 45 frames from v.mp4"):
        check_frame_count("v.mp4", 43, 45)


def test_book_detection_applies_the_same_rule(tmp_path):
    half = truncate_half(make_avi(tmp_path / "whole.avi"), tmp_path / "half.avi")
    det = CountingDetector()
    with pytest.raises(DataError, match="read .* of 45 frames"):
        faces.detect_video(half, det, cache=tmp_path / "d.csv", progress=False)
    assert not (tmp_path / "d.csv").exists()
    report: dict = {}
    faces.detect_video(
        half, det, cache=tmp_path / "d.csv", progress=False, allow_partial=True, report=report
    )
    assert report["partial"] and report["frames_expected"] == 45


# ----------------------------------------------------------------------------- manifests


def _images(tmp_path: Path, n: int) -> list[Path]:
    out = []
    for i in range(n):
        p = tmp_path / f"a{i}.jpg"
        cv2.imwrite(str(p), np.full((32, 32, 3), 40 * i, np.uint8))
        out.append(p)
    return out


def test_subject_ids_are_text(tmp_path):
    paths = _images(tmp_path, 4)
    csv = tmp_path / "m.csv"
    csv.write_text(
        "path,subject,dataset,label\n"
        + "".join(f"{p.name},{s},d,pain\n" for p, s in zip(paths, ["001", "1", "1.10", "1.1"]))
    )
    df = data.read_manifest(csv)
    assert list(df["subject"]) == ["001", "1", "1.10", "1.1"]
    assert len(data.subject_table(df)) == 4
    storage.write_csv(df, tmp_path / "copy.csv")
    assert list(storage.read_table(tmp_path / "copy.csv")["subject"]) == ["001", "1", "1.10", "1.1"]


def test_duplicates_are_compared_by_resolved_path(tmp_path):
    (tmp_path / "img").mkdir()
    p = _images(tmp_path / "img", 1)[0]
    df = pd.DataFrame(
        {
            "path": [str(p), str(tmp_path / "img" / "." / p.name)],
            "subject": ["a", "b"],
            "dataset": "d",
            "label": "pain",
        }
    )
    with pytest.raises(DataError, match="listed twice.*row 2"):
        data.validate_manifest(df)


@pytest.mark.parametrize(
    "col, value, message",
    [
        ("nfcs", "high", "nfcs 'high', not a number"),
        ("fps", "thirty", "fps 'thirty', not a number"),
        ("fps", "-5", "must be a positive number"),
        ("fps", "inf", "must be a positive number"),
    ],
)
def test_non_numeric_fps_and_nfcs_are_errors(tmp_path, col, value, message):
    p = _images(tmp_path, 2)
    df = pd.DataFrame(
        {
            "path": [str(x) for x in p],
            "subject": ["a", "b"],
            "dataset": "d",
            "label": "pain",
            col: ["3", value],
        }
    )
    with pytest.raises(DataError, match=message):
        data.validate_manifest(df, "image")


def test_empty_fps_is_unknown_not_an_error(tmp_path):
    p = _images(tmp_path, 2)
    df = pd.DataFrame(
        {
            "path": [str(x) for x in p],
            "subject": ["a", "b"],
            "dataset": "d",
            "label": "pain",
            "fps": ["30", ""],
        }
    )
    out = data.validate_manifest(df, "image")
    assert out["fps"].iloc[0] == 30 and np.isnan(out["fps"].iloc[1])


@pytest.mark.parametrize(
    "row, message",
    [
        ("{p},S1,d,pain,", "row 2 has 5 cells but the header has 4"),
        ("{p},S1,d,pain,extra", "row 2 has 5 cells"),
    ],
)
def test_rows_with_extra_cells_are_refused(tmp_path, row, message):
    p = _images(tmp_path, 1)[0]
    csv = tmp_path / "m.csv"
    csv.write_text("path,subject,dataset,label\n" + row.format(p=p) + "\n")
    with pytest.raises(DataError, match=message):
        data.read_manifest(csv)


def test_a_folder_as_manifest_is_refused(tmp_path):
    with pytest.raises(DataError, match="is a folder"):
        data.read_manifest(tmp_path)


def test_verify_files_opens_every_file(tmp_path):
    good = _images(tmp_path, 1)[0]
    fake = tmp_path / "fake.jpg"
    fake.write_text("not an image")
    folder = tmp_path / "dir.jpg"
    folder.mkdir()
    base = {"subject": ["a", "b"], "dataset": "d", "label": "pain"}
    with pytest.raises(DataError, match="row 3: cannot decode .*fake.jpg"):
        data.verify_files(
            pd.DataFrame({"path": [str(good), str(fake)], **base}), "image", progress=False
        )
    with pytest.raises(DataError, match="is a folder"):
        data.verify_files(
            pd.DataFrame(
                {
                    "path": [str(folder)],
                    **{k: v[:1] for k, v in base.items() if isinstance(v, list)},
                    "dataset": "d",
                    "label": "pain",
                }
            ),
            "image",
            progress=False,
        )
    video = make_avi(tmp_path / "v.avi", n=10)
    half = truncate_half(make_avi(tmp_path / "w.avi"), tmp_path / "half.avi")
    vids = pd.DataFrame({"path": [str(video), str(good)], **base})
    with pytest.raises(DataError, match="row 3: .*is an image file"):
        data.verify_files(vids, "video", progress=False)
    assert data.verify_files(vids.iloc[:1], "video", progress=False)["frames"].tolist() == [10]
    with pytest.raises(DataError, match=r"read \d+ of 45 frames"):
        data.verify_files(
            pd.DataFrame({"path": [str(half)], "subject": ["a"], "dataset": "d", "label": "pain"}),
            "video",
            progress=False,
        )


# ----------------------------------------------------------------------------- storage


def test_profile_names_and_artifacts_from_any_folder(tmp_path, monkeypatch):
    for bad in ("../../../escaped", "my.yml", "a/b", "", ".hidden"):
        with pytest.raises(ConfigError, match="profile must be a name"):
            storage.artifacts_dir(bad, root=tmp_path)
    assert not any(tmp_path.iterdir())
    monkeypatch.delenv(storage.ARTIFACTS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    root = storage.artifacts_root()
    assert root.is_absolute() and root == storage.PACKAGE_PARENT / "artifacts"
    assert storage.artifacts_dir("demo", create=False) == root / "demo"
    monkeypatch.setenv(storage.ARTIFACTS_ENV, "arts")
    assert storage.artifacts_root() == tmp_path / "arts"
    assert not (tmp_path / "arts").exists() and not (tmp_path / "artifacts").exists()


def test_resolve_artifact_from_stored_relative_paths(tmp_path, monkeypatch):
    monkeypatch.setenv(storage.ARTIFACTS_ENV, str(tmp_path / "artifacts"))
    ck = tmp_path / "artifacts" / "demo" / "training" / "best.pt"
    ck.parent.mkdir(parents=True)
    ck.write_bytes(b"x")
    monkeypatch.chdir(tmp_path.parent)
    assert storage.resolve_artifact("training/best.pt", "demo") == ck


def test_check_writable_dir_creates_nothing(tmp_path):
    afile = tmp_path / "f"
    afile.write_text("x")
    for bad, msg in (
        (afile, "is a file"),
        (afile / "sub", "is a file"),
        (Path("/proc/x"), "not writable"),
    ):
        with pytest.raises(ConfigError, match=msg):
            storage.check_writable_dir(bad)
    assert storage.check_writable_dir(tmp_path / "new" / "deep") == tmp_path / "new" / "deep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_stale_temporaries_of_dead_writers_are_removed(tmp_path):
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    stale = [tmp_path / f".V000.{dead}.tmp.mp4", tmp_path / f".I001.{dead}.tmpab_c12.jpg"]
    live = tmp_path / f".V001.{os.getppid()}.tmp.mp4"
    keep = tmp_path / "V002.mp4"
    for p in (*stale, live, keep):
        p.write_bytes(b"x")
    assert storage.remove_stale_temporaries(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, keep.name])


# ----------------------------------------------------------------------------- caches


class CountingDetector:
    """A fake detector: one fixed face per frame; counts calls; settings are part of cache keys."""

    def __init__(self, threshold: float = 0.9):
        self.calls = 0
        self.settings = {"name": "counting", "threshold": threshold}

    def detect(self, rgb):
        self.calls += 1
        h, w = rgb.shape[:2]
        box = np.array([w * 0.25, h * 0.25, w * 0.5, h * 0.5])
        lms = np.tile(box[:2] + box[2:] / 2, (5, 1))
        return [Detection(box=box, landmarks=lms, score=0.99)]


def _touch_later(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_video_detections_recompute_exactly_what_changed(tmp_path, capsys):
    video = make_avi(tmp_path / "v.avi", n=12)
    cache = tmp_path / "d.csv"
    det = CountingDetector()
    faces.detect_video(video, det, cache=cache, step=2, progress=False)
    assert det.calls == 6
    faces.detect_video(video, det, cache=cache, step=2, progress=False)
    assert det.calls == 6  # reused
    capsys.readouterr()
    table = faces.detect_video(video, det, cache=cache, step=1, progress=False)
    assert det.calls == 18 and len(table) == 12
    assert "recomputed (frame_step 2 -> 1)" in capsys.readouterr().out
    make_avi(video, n=8, value=100)  # a corrected video replaces the old one
    _touch_later(video)
    table = faces.detect_video(video, det, cache=cache, step=1, progress=False)
    assert len(table) == 8 and "the input file changed" in capsys.readouterr().out
    other = make_avi(tmp_path / "elsewhere.avi", n=8, value=100)
    faces.detect_video(other, det, cache=cache, step=1, progress=False)
    assert "the input is another file" in capsys.readouterr().out
    faces.detect_video(other, CountingDetector(threshold=0.5), cache=cache, step=1, progress=False)
    assert "detector" in capsys.readouterr().out


def test_detect_videos_names_caches_by_resolved_path(tmp_path):
    (tmp_path / "A").mkdir()
    (tmp_path / "B").mkdir()
    a = make_avi(tmp_path / "A" / "clip.avi", n=6)
    b = make_avi(tmp_path / "B" / "clip.avi", n=4, value=90)
    videos = pd.DataFrame(
        {
            "path": [str(a), str(b)],
            "subject": ["1", "2"],
            "dataset": "d",
            "label": ["nopain", "pain"],
            "fps": [np.nan, 30.0],
        }
    )
    det = CountingDetector()
    out = faces.detect_videos(videos, tmp_path / "det", step=1, detector=det, progress=False)
    assert out["detections"].nunique() == 2 and out["n_analysed"].tolist() == [6, 4]
    assert out["fps"].tolist() == [30.0, 30.0] and out["frames_read"].tolist() == [6, 4]
    faces.detect_videos(videos, tmp_path / "det", step=1, detector=det, progress=False)
    assert det.calls == 10  # both reused


def test_same_named_images_never_share_a_crop_and_changes_recompute(tmp_path, capsys):
    (tmp_path / "A").mkdir()
    (tmp_path / "B").mkdir()
    a = tmp_path / "A" / "img1.jpg"
    b = tmp_path / "B" / "img1.jpg"
    cv2.imwrite(str(a), np.full((80, 80, 3), 30, np.uint8))
    cv2.imwrite(str(b), np.full((80, 80, 3), 220, np.uint8))
    manifest = pd.DataFrame(
        {
            "path": [str(a), str(b)],
            "subject": ["1", "2"],
            "dataset": "d",
            "label": ["nopain", "pain"],
        }
    )
    crops = tmp_path / "crops"
    table = faces.preprocess_images(manifest, crops, CountingDetector(), size=32, progress=False)
    assert table["crop"].nunique() == 2
    ca, cb = (cv2.imread(c) for c in table["crop"])
    assert ca.mean() < 100 < cb.mean()  # each crop is its own image's face
    stamp = {c: Path(c).stat().st_mtime_ns for c in table["crop"]}
    time.sleep(0.01)
    faces.preprocess_images(manifest, crops, CountingDetector(), size=32, progress=False)
    assert {c: Path(c).stat().st_mtime_ns for c in table["crop"]} == stamp  # reused
    capsys.readouterr()
    cv2.imwrite(str(b), np.full((80, 80, 3), 120, np.uint8))  # B replaced: only its crop is redone
    _touch_later(b)
    faces.preprocess_images(manifest, crops, CountingDetector(), size=32, progress=False)
    assert Path(table["crop"][0]).stat().st_mtime_ns == stamp[table["crop"][0]]
    assert Path(table["crop"][1]).stat().st_mtime_ns != stamp[table["crop"][1]]
    assert "crops: recomputed 1 of 2 (1: the input file changed)" in capsys.readouterr().out
    faces.preprocess_images(
        manifest, crops, CountingDetector(), margin=0.3, size=32, progress=False
    )
    assert "recomputed 2 of 2 (2: margin 0.2 -> 0.3)" in capsys.readouterr().out


# ----------------------------------------------------------------------------- checkpoints


def test_checkpoint_loading_is_safe_and_explains_refusals(tmp_path):
    import torch

    from painsign_utils.models import create_model, load_checkpoint, save_base, save_checkpoint

    model = create_model("ncnn")
    model.threshold = np.float64(0.42)  # NumPy metadata is stored as plain numbers
    ck = save_checkpoint(model, tmp_path / "ok.pt", metrics={"auc": np.float32(0.9)})
    assert load_checkpoint(ck).threshold == pytest.approx(0.42)
    torch.save(model, tmp_path / "whole.pt")
    with pytest.raises(
        ModelError, match="refused: it holds pickled Python objects .*state dict is expected"
    ):
        load_checkpoint(tmp_path / "whole.pt")
    torch.save(model.state_dict(), tmp_path / "bare.pt")
    with pytest.raises(ModelError, match="not a painsign checkpoint"):
        load_checkpoint(tmp_path / "bare.pt")
    save_base(model, tmp_path / "m" / "base.pt")
    best = save_checkpoint(model, tmp_path / "m" / "fold0" / "best.pt", base="../base.pt")
    assert load_checkpoint(best).name == "ncnn"
    (tmp_path / "m" / "base.pt").unlink()
    with pytest.raises(
        ModelError, match=r"needs its shared base weights .*m/base.pt, which is missing"
    ):
        load_checkpoint(best)
    payload = torch.load(ck, weights_only=True)
    payload["state_dict"] = {
        k: v[..., :1] if v.ndim else v for k, v in payload["state_dict"].items()
    }
    torch.save(payload, tmp_path / "misfit.pt")
    with pytest.raises(ModelError, match="do not fit a ncnn model") as info:
        load_checkpoint(tmp_path / "misfit.pt")
    assert "\n" not in str(info.value)


def test_require_weights_stops_at_once(tmp_path, monkeypatch):
    from painsign_utils import models, runner

    monkeypatch.setenv("PAINSIGN_WEIGHTS", str(tmp_path))
    monkeypatch.setattr(models.weights, "weight_dirs", lambda: [tmp_path])
    monkeypatch.setattr(models.weights, "hf_cache_file", lambda repo: None)
    with pytest.raises(ModelError, match="require_weights: no pretrained VGG-Face weights found"):
        models.require_pretrained(["ncnn", "vggface"])
    assert models.require_pretrained(["ncnn"]) == {}
    monkeypatch.setenv(models.weights.REQUIRE_WEIGHTS_ENV, "1")
    with pytest.raises(ModelError, match="require_weights"):
        models.create_model("vggface", input_size=32)
    monkeypatch.delenv(models.weights.REQUIRE_WEIGHTS_ENV)
    prof = runner.load_profile("paper")
    assert prof["common"]["require_weights"] is True
    assert runner.load_profile("demo")["common"].get("require_weights") is False
    nbs = runner.notebook_paths()
    with pytest.raises(ModelError, match="require_weights"):
        runner.check_required_weights(prof, nbs)
    monkeypatch.delenv(models.weights.REQUIRE_WEIGHTS_ENV, raising=False)
    runner.check_required_weights(prof, [p for p in nbs if p.stem.startswith("00")])


def test_find_weights_reports_the_hugging_face_cache(tmp_path, monkeypatch):
    from painsign_utils import models

    cached = tmp_path / "hub" / "model.safetensors"
    monkeypatch.setattr(models.weights, "weight_dirs", lambda: [tmp_path / "none"])
    monkeypatch.setattr(models.weights, "hf_cache_file", lambda repo: cached)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    assert models.find_weights("vit_b16") is None  # timm would not read the cache
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert models.find_weights("vit_b16") == cached
    assert models.find_weights("vggface") is None


# ----------------------------------------------------------------------------- runner, synth


def test_failed_notebook_is_kept_with_its_error(tmp_path):
    import nbformat

    from painsign_utils import runner

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("raise ValueError('boom at x=%d' % x)"),
    ]
    src = tmp_path / "07_broken.ipynb"
    nbformat.write(nb, src)
    with pytest.raises(PainsignError) as info:
        runner.execute(src, {"x": 3}, tmp_path / "book", failed_dir=tmp_path / "failed")
    message = str(info.value)
    kept = tmp_path / "failed" / "07_broken.ipynb"
    assert "ValueError: boom at x=3" in message and str(kept) in message and "\n" not in message
    assert kept.is_file() and "boom at x=3" in kept.read_text()
    assert not (tmp_path / "book" / "07_broken.ipynb").exists()


def test_a_dying_worker_is_one_line():
    from painsign_utils.synthetic.workers import run_jobs

    with pytest.raises(PainsignError, match="a worker process died while rendering videos"):
        list(run_jobs([3, 3], os._exit, 2, "videos", False))


def test_synth_config_is_written_last_and_interrupted_runs_do_not_block(tmp_path, capsys):
    from dataclasses import asdict

    from painsign_utils.synthetic import SynthConfig, generate

    cfg = SynthConfig(
        seed=1,
        icope_subjects=1,
        icope_pain=1,
        icope_nopain=1,
        unifesp_subjects=1,
        unifesp_pain=1,
        unifesp_nopain=1,
        video_subjects=1,
        video_pain=1,
        video_nopain=1,
        video_seconds=0.2,
        video_fps=10,
    )
    out = tmp_path / "s"
    (out / "images").mkdir(parents=True)
    (out / "videos").mkdir()
    other = {**asdict(cfg), "seed": 99}
    (out / ".config.partial.json").write_text(json.dumps(other))  # a killed run, other settings
    (out / "images" / "I000.jpg").write_bytes(b"from the other run")
    dead = tmp_path / f".V000.{2**22 + 12345}.tmp.mp4"
    (out / "videos" / dead.name).write_bytes(b"half")
    generate(out, cfg, n_jobs=1, progress=False)
    said = capsys.readouterr().out
    assert "removed 1 temporary file" in said and "other settings left" in said
    assert not (out / "videos" / dead.name).exists()
    assert json.loads((out / "config.json").read_text())["seed"] == 1
    assert not (out / ".config.partial.json").exists()
    assert all(p.read_bytes()[:2] == b"\xff\xd8" for p in (out / "images").glob("*.jpg"))


# ----------------------------------------------------------------------------- monitor, --fast


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"alert_seconds": float("nan")}, "alert_seconds"),
        ({"history_s": float("inf")}, "history_s"),
        ({"threshold": 2.0}, "threshold"),
        ({"threshold": float("nan")}, "threshold"),
        ({"detect_side": 0}, "detect_side"),
        ({"classify_every": 1.5}, "classify_every"),
        ({"alert_delta": float("nan")}, "alert_delta"),
        ({"window": 0}, "window"),
    ],
)
def test_monitor_refuses_bad_settings(kwargs, message):
    from painsign_utils.monitor import PainMonitor

    with pytest.raises(ConfigError, match=message):
        PainMonitor(**kwargs)


def test_video_fast_prints_agreement_where_bf16_is_native(
    tiny_synth, tmp_path, monkeypatch, capsys
):
    """``--fast`` with bf16 forced "native" (whatever this CPU has) prints one agreement line and
    records bf16 in the summary; without native bf16 it says it stays in float32."""
    from painsign_utils import inference
    from painsign_utils.cli.main import main
    from painsign_utils.models import create_model, save_checkpoint

    model = create_model("ncnn")
    model.threshold = 0.5
    ckpt = save_checkpoint(model, tmp_path / "m.pt")
    video = tiny_synth["root"] / "videos" / storage.read_table(tiny_synth["videos"])["path"].iloc[0]
    args = [
        "video",
        str(video),
        "--weights",
        str(ckpt),
        "--out",
        str(tmp_path / "o"),
        "-q",
        "--fast",
        "--classify-every",
        "5",
    ]
    monkeypatch.setattr(inference, "bf16_supported", lambda device="cpu": True)
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "--fast: bf16 autocast on; largest probability difference from float32 on" in out
    summary = json.loads(next((tmp_path / "o").glob("*_summary.json")).read_text())
    assert summary["bf16"] is True and summary["frames_read"] == summary["frames_expected"]
    monkeypatch.setattr(inference, "bf16_supported", lambda device="cpu": False)
    assert main(args) == 0
    assert "no native bf16 on this machine; using exact float32" in capsys.readouterr().out


def test_benchmark_bf16_option_prints_agreement(tiny_synth, monkeypatch, capsys):
    import importlib.util

    from painsign_utils import runtime, speed

    spec = importlib.util.spec_from_file_location(
        "bench_realtime", Path(__file__).parent.parent / "benchmarks" / "realtime.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    video = tiny_synth["root"] / "videos" / storage.read_table(tiny_synth["videos"])["path"].iloc[0]
    paths = speed.default_paths({"ncnn": 120}, models=["ncnn"], batch_size=4)
    monkeypatch.setattr(runtime, "bf16_supported", lambda device="cpu": False)
    table = bench.bf16_table(video, paths, "auto", budget_s=0.2)
    assert "bf16 not measured" in capsys.readouterr().out and "bf16 crops/s" not in table
    table = bench.bf16_table(video, paths, "on", budget_s=0.2)
    assert "largest |dp| vs float32" in capsys.readouterr().out
    assert 0 <= table["max |dp| vs float32"].iloc[0] < 0.1


def test_browser_check_skips_without_chromium_unless_ci_requires_it(monkeypatch, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "browser_tests", Path(__file__).parent / "test_browser.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setenv("PATH", str(tmp_path))  # no Chromium anywhere
    monkeypatch.delenv("PAINSIGN_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="browser check skipped: chromium not found"):
        mod._chromium_or_skip()
    monkeypatch.setenv("PAINSIGN_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="PAINSIGN_REQUIRE_BROWSER is set"):
        mod._chromium_or_skip()
