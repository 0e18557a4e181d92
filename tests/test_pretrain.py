"""Synthetic-face pretraining: a disjoint corpus, a cache keyed by its settings, a useful backbone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from painsign_utils import pretrain, synthetic
from painsign_utils.errors import ConfigError, ModelError
from painsign_utils.models import create_model
from painsign_utils.pretrain.config import PREFIX, TARGETS, config_for
from painsign_utils.pretrain.corpus import (
    corpus_path,
    corpus_subjects,
    render_corpus,
    render_corpus_sizes,
)
from painsign_utils.pretrain.train import export_weights

TINY = pretrain.PretrainConfig(
    subjects=16,
    per_subject=8,
    val_per_subject=2,
    unseen_subjects=8,
    epochs=2,
    batch_size=16,
    lr=1e-4,
)


def _looks(s) -> tuple:
    return (tuple(np.round(s.skin, 3)), round(s.aspect, 5), tuple(np.round(s.gains, 4)))


def test_corpus_identities_are_disjoint_from_the_books_subjects():
    cfg = synthetic.SynthConfig()
    book = (
        synthetic.make_subjects(cfg.seed, "I", cfg.icope_subjects)
        + synthetic.make_subjects(cfg.seed, "U", cfg.unifesp_subjects)
        + synthetic.make_subjects(cfg.seed, "V", cfg.video_subjects)
    )
    corpus = corpus_subjects(cfg.seed, 200 + 24)
    assert not {s.id for s in book} & {s.id for s in corpus}
    assert not {_looks(s) for s in book} & {_looks(s) for s in corpus}
    # The book's own subject ids never start with the pretraining prefix.
    plan = synthetic.image_plan(cfg)
    assert not plan["subject"].str.startswith(PREFIX).any()
    assert not synthetic.video_plan(cfg)["subject"].str.startswith(PREFIX).any()


def test_corpus_is_seeded_and_labelled():
    subjects = corpus_subjects(0, 3)
    a, ida, ta = render_corpus(subjects, 4, 48, seed=0, progress=False)
    b, _, tb = render_corpus(subjects, 4, 48, seed=0, progress=False)
    assert a.shape == (12, 48, 48, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b) and np.array_equal(ta, tb)
    assert list(ida) == [0] * 4 + [1] * 4 + [2] * 4
    assert ta.shape == (12, len(TARGETS)) and (ta >= 0).all() and (ta <= 1).all()
    assert len({x.tobytes() for x in a}) == 12  # every render differs


def test_one_rendering_serves_every_crop_size_exactly(tmp_path):
    subjects = corpus_subjects(1, 2)
    both = render_corpus_sizes(subjects, 3, [32, 48, 224], seed=1, progress=False)
    for size in (32, 48, 224):  # 224 is cut from larger frames: rendered on its own
        alone = render_corpus(subjects, 3, size, seed=1, progress=False)
        assert all(np.array_equal(a, b) for a, b in zip(both[size], alone))
    # The cache renders a corpus once for all sizes asked, keyed by the faces, not the recipe.
    cfg = replace(TINY, subjects=2, per_subject=2, unseen_subjects=2, val_per_subject=1)
    assert pretrain.prepare_corpus(cfg, [32, 48], root=tmp_path, progress=False) > 0
    assert pretrain.prepare_corpus(replace(cfg, epochs=9), [48], root=tmp_path) == 0
    parts, seconds = pretrain.load_corpus(cfg, 32, root=tmp_path)
    assert seconds == 0 and parts["train"][0].shape == (4, 32, 32, 3)
    assert corpus_path(replace(cfg, per_subject=3), 32, tmp_path) != corpus_path(cfg, 32, tmp_path)


@pytest.mark.slow  # pretrains backbones: 40-110 s; left out of make test-fast
def test_pretraining_is_cached_reused_and_invalidated(tmp_path):
    run = pretrain.pretrain("vggface", 32, TINY, root=tmp_path, progress=False)
    card = pretrain.read_card(run)
    assert card["corpus"]["faces"] == 16 * 8 and card["epochs"] == 2
    assert card["digest"] == TINY.digest("vggface", 32) and run.name.endswith(card["digest"])
    assert len(pd.read_csv(run / "log.csv")) == 2 and not (run / "last.pt").exists()
    stamp = (run / "weights.pt").stat().st_mtime_ns
    again = pretrain.pretrain("vggface", 32, TINY, root=tmp_path, progress=False)
    assert again == run and (run / "weights.pt").stat().st_mtime_ns == stamp
    other = pretrain.pretrain("vggface", 32, replace(TINY, epochs=1), root=tmp_path, progress=False)
    assert other != run and pretrain.read_card(other)["epochs"] == 1
    # The weights load like real pretrained weights and carry the pretrained base.
    model = create_model("vggface", weights=run / "weights.pt", input_size=32)
    saved = export_weights(model)
    for k, v in saved.items():
        assert np.array_equal(v.numpy(), __import__("torch").load(run / "weights.pt")[k].numpy())
    # The linear probe of chapter 02 scores a random start and this start on labelled faces.
    crops, ids, targets = render_corpus(corpus_subjects(5, 6), 8, 32, seed=5, progress=False)
    y = (targets[:, -1] >= 0.5).astype(int)
    probe = pretrain.probe_starts(
        crops, y, ids, {"vggface": run / "weights.pt", "ncnn": None}, {"vggface": 32}
    )
    assert list(probe["model"]) == ["vggface"]
    assert probe[["random_start", "this_start"]].notna().all(axis=None)
    assert (
        (probe[["random_start", "this_start"]] >= 0) & (probe[["random_start", "this_start"]] <= 1)
    ).all(axis=None)


@pytest.mark.slow  # pretrains backbones: 40-110 s; left out of make test-fast
def test_a_pretrained_vit_separates_unseen_identities_better_than_a_random_one(tmp_path):
    card = pretrain.read_card(pretrain.pretrain("vit_b16", 32, TINY, root=tmp_path, progress=False))
    assert card["unseen_identity_1nn"] > card["unseen_identity_1nn_random"]
    assert card["unseen_identity_1nn"] > card["chance_identity_1nn"]


def test_starting_weights_prefer_real_files_and_say_which_start(tmp_path, monkeypatch):
    monkeypatch.setenv("PAINSIGN_WEIGHTS", str(tmp_path / "none"))
    w, start = pretrain.starting_weights("ncnn", 120)
    assert w is None and start == "scratch"
    w, start = pretrain.starting_weights("vggface", 32, pretrain_cfg=None)
    assert (w, start) == ("random", "random")
    real = tmp_path / "vgg_face.pth"
    real.write_bytes(b"")
    w, start = pretrain.starting_weights(
        "vggface", 32, weights=real, pretrain_cfg=TINY, root=tmp_path
    )
    assert w == real and start == "weights" and not list(tmp_path.glob("vggface-*"))


def test_bad_settings_fail_in_one_line():
    with pytest.raises(ConfigError, match="unknown pretraining setting"):
        config_for("vggface", {"epochz": 3})
    with pytest.raises(ConfigError, match="epochs"):
        pretrain.pretrain("vggface", 32, replace(TINY, epochs=0), progress=False)
    with pytest.raises(ModelError, match="cannot pretrain"):
        pretrain.pretrain("ncnn", 120, TINY, progress=False)


def test_smoke_profile_plans_what_chapter_02_pretrains():
    plan = pretrain.profile_plan("smoke")
    assert set(plan) == {"vggface", "vit_b16"}
    size, cfg = plan["vit_b16"]
    assert size == 32 and cfg.subjects <= 20


def test_cli_offers_exactly_the_pretrainable_models_and_refuses_bad_input(capsys):
    from painsign_utils.cli.main import build_parser, main

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    choices = next(a for a in sub.choices["pretrain"]._actions if a.dest == "model").choices
    from painsign_utils.registry import pretrainable

    assert list(choices) == pretrainable() == ["vggface", "vit_b16"]
    assert main(["pretrain", "--profile", "no-such-profile"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("painsign: error:")


def test_a_finished_pretraining_is_read_here_and_submits_no_task(tmp_path, monkeypatch):
    from painsign_utils.pretrain.train import run_folder
    from painsign_utils.tasks import TaskRunner

    monkeypatch.setenv("PAINSIGN_WEIGHTS", str(tmp_path / "none"))
    monkeypatch.setenv("PAINSIGN_CACHE", str(tmp_path / "cache"))
    settings = {"subjects": 16, "per_subject": 8, "epochs": 2}
    run = run_folder("vggface", 32, config_for("vggface", settings))
    assert pretrain.pretraining_due("vggface", 32, None, config_for("vggface", settings))
    run.mkdir(parents=True)
    card = {"corpus": {"faces": 128, "identities": 16}, "epochs": 2, "total_seconds": 60.0}
    card |= dict.fromkeys(
        ("identity_top1", "unseen_action_r", "unseen_identity_1nn", "unseen_identity_1nn_random"),
        0.5,
    )
    (run / "card.json").write_text(__import__("json").dumps(card))
    (run / "weights.pt").write_bytes(b"")
    assert not pretrain.pretraining_due("vggface", 32, None, config_for("vggface", settings))

    def no_cluster(self):
        raise RuntimeError("a worker was started")

    monkeypatch.setattr(TaskRunner, "_start_local", no_cluster)
    with TaskRunner.start(workers=1, threads=1) as tasks:
        weights, table = pretrain.prepare_starts(
            ["ncnn", "vggface"], {"ncnn": 120, "vggface": 32}, {}, ["vggface"], settings,
            progress=False, tasks=tasks,
        )  # fmt: skip
        assert weights == {"ncnn": None, "vggface": run / "weights.pt"}
        assert list(table["model"]) == ["ncnn", "vggface"] and table.loc[1, "minutes"] == 1.0
        with pytest.raises(RuntimeError, match="worker was started"):  # still to pretrain: a task
            pretrain.prepare_starts(
                ["vggface"], {"vggface": 32}, {}, ["vggface"], {**settings, "epochs": 3},
                progress=False, tasks=tasks,
            )  # fmt: skip


def test_the_start_probe_is_reused_until_a_crop_or_a_start_changes(tmp_path, monkeypatch):
    import cv2

    from painsign_utils.pretrain import starts

    calls = []

    def fake_probe(crops, y, groups, weights, sizes, seed=0):
        calls.append(len(crops))
        return pd.DataFrame({"model": ["vggface"], "random_start": [0.5], "this_start": [1 / 3]})

    monkeypatch.setattr(starts, "probe_starts", fake_probe)
    crops = []
    for i in range(4):
        crops.append(tmp_path / f"c{i}.png")
        cv2.imwrite(str(crops[-1]), np.full((8, 8, 3), 40 * i, np.uint8))
    images = pd.DataFrame(
        {"crop": map(str, crops), "label": ["pain", "nopain"] * 2, "subject": list("aabb")}
    )
    w = tmp_path / "weights.pt"
    w.write_bytes(b"first")
    args = ({"vggface": w, "ncnn": None}, {"vggface": 32})
    first = pretrain.probe_images(images, *args, cache=tmp_path / "probe")
    again = pretrain.probe_images(images, *args, cache=tmp_path / "probe")
    assert calls == [4] and again.to_csv(index=False) == first.to_csv(index=False)
    w.write_bytes(b"other")  # another start
    pretrain.probe_images(images, *args, cache=tmp_path / "probe")
    cv2.imwrite(str(crops[0]), np.full((8, 8, 3), 7, np.uint8))  # another crop
    pretrain.probe_images(images, *args, cache=tmp_path / "probe")
    pretrain.probe_images(images, *args, seed=1, cache=tmp_path / "probe")
    assert calls == [4] * 4
