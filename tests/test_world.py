"""The world of the videos: matched output unchanged, photos identical across worlds, each cause bites."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from painsign_utils.errors import ConfigError
from painsign_utils.synthetic import CAUSES, SynthConfig, data_folder, generate, make_world
from painsign_utils.synthetic.videos import video_job
from painsign_utils.video import iter_frames

#: sha256 (first 16 hex digits) of V000's frames and truth, made by the code before worlds existed
#: (SynthConfig(seed=0, video_seconds=1.0), nopain irregular): the matched world must keep them.
MATCHED_FRAMES = "de6b50793373678c"
MATCHED_TRUTH = "d6a4495ff37393f6"

REC = dict(video_id="V000", subject="V000", subject_index=0, label="nopain", scenario="irregular")


def _render(tmp_path, world, rec=REC, seconds=1.0):
    out = tmp_path / f"{world.name}-{abs(hash(tuple(world.strengths().items())))}"
    cfg = SynthConfig(seed=0, video_seconds=seconds, world=world)
    video_job((cfg, rec, str(out)))
    frames = np.stack([f for _, f in iter_frames(out / f"{rec['video_id']}.mp4")])
    return frames, pd.read_csv(out / "truth" / f"{rec['video_id']}.csv"), out


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def test_matched_world_keeps_the_old_videos(tmp_path):
    frames, _, out = _render(tmp_path, make_world("matched"))
    assert _sha(frames.tobytes()) == MATCHED_FRAMES
    assert _sha((out / "truth" / "V000.csv").read_bytes()) == MATCHED_TRUTH
    assert "world" not in SynthConfig().record()  # config.json of existing sets unchanged
    assert data_folder(make_world("matched")) == "data"


def test_photos_identical_across_worlds(tmp_path):
    small = dict(video_pain=2, video_nopain=2, video_subjects=2)
    cfg = SynthConfig.scaled(0.05, **small)
    a = generate(tmp_path / "a", cfg, videos=False, n_jobs=1, progress=False)["images"].parent
    world = make_world("icopevid-like")
    b = generate(tmp_path / "b", replace(cfg, world=world), videos=False, n_jobs=1, progress=False)
    b = b["images"].parent
    files = sorted(p.name for p in a.iterdir())
    assert files == sorted(p.name for p in b.iterdir()) and len(files) > 5
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    assert data_folder(world) != "data"


@pytest.mark.parametrize("cause", list(CAUSES))
def test_each_cause_changes_the_video_only_when_on(tmp_path, cause):
    rec = dict(REC, label="nopain", scenario="stable_rest")
    base, _, _ = _render(tmp_path, make_world("matched"), rec)
    off, _, _ = _render(tmp_path, make_world("icopevid-like", {c: False for c in CAUSES}), rec)
    assert np.array_equal(base, off)
    # strong enough to act within one second: the pain and distress shares at their maximum
    strength = {"procedure_labels": 0.45, "distress": 0.45, "occluders": 2.0}.get(
        cause, CAUSES[cause].strength
    )
    moving = cause in ("procedure_labels", "motion_blur")  # act on a crying newborn
    rec_on = dict(rec, label="pain", scenario="stable_pain") if moving else rec
    ref = _render(tmp_path, make_world("matched"), rec_on)[0] if moving else base
    # hand-picking chooses among distressed segments: it acts beside distress
    also = {"distress": 0.45} if cause == "handpicked" else {}
    if also:
        ref = _render(tmp_path, make_world("matched", also), rec_on)[0]
    overrides = {c: (strength if c == cause else also.get(c, False)) for c in CAUSES}
    on, _, _ = _render(tmp_path, make_world("matched", overrides), rec_on)
    assert not np.array_equal(ref, on)


def test_distress_channel(tmp_path):
    calm = dict(REC, scenario="stable_rest")
    _, truth, _ = _render(tmp_path, make_world("icopevid-like", {"distress": False}), calm, 3.0)
    assert truth["distress"].max() == 0
    _, truth, _ = _render(tmp_path, make_world("matched", {"distress": 0.45}), calm, 3.0)
    assert truth["distress"].max() > 0 and truth["intensity"].max() < 0.5
    assert (truth.loc[truth["distress"] > 0.5, "nfcs"] > 0).all()  # pain-like actions, no pain


def test_bad_world_is_one_line_config_error():
    with pytest.raises(ConfigError, match="unknown world 'wild'") as err:
        make_world("wild")
    assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="unknown world cause"):
        make_world("matched", {"rain": True})
    with pytest.raises(ConfigError, match="strength >= 0"):
        make_world("matched", {"distress": -1})


def test_synth_cli_world_options(tmp_path):
    from painsign_utils.cli.synth import parse_causes

    assert parse_causes(["distress=off", "compression=0.3", "colour=on"]) == {
        "distress": False,
        "compression": 0.3,
        "colour": True,
    }
    with pytest.raises(ConfigError, match="NAME=on"):
        parse_causes(["distress"])
    with pytest.raises(ConfigError, match="on, off or a number"):
        parse_causes(["distress=maybe"])


def test_collect_shares_the_photos_and_keeps_videos_apart(tmp_path):
    from painsign_utils import data

    small = dict(video_pain=1, video_nopain=1, video_subjects=2, video_seconds=1.0)
    cfg = SynthConfig.scaled(0.05, **small)
    world = make_world("icopevid-like")
    kw = dict(source="synthetic", synth_dir=tmp_path / "data", progress=False)
    img_a, vid_a = data.collect(tmp_path / "m1", synth=cfg, **kw)
    img_b, vid_b = data.collect(tmp_path / "m2", synth=replace(cfg, world=world), **kw)
    assert list(img_a["path"]) == list(img_b["path"])  # the very same photo files
    assert all(f"/{data_folder(world)}/videos/" in p for p in vid_b["path"])
    assert all("/data/videos/" in p for p in vid_a["path"])
