"""Tests of painsign_utils.training: folds, thresholds, resumability, tables."""

from __future__ import annotations

import cv2
import numpy as np
import pandas as pd
import pytest
import torch

from painsign_utils import training
from painsign_utils.errors import ConfigError, DataError
from painsign_utils.metrics import youden_threshold
from painsign_utils.models import create_model, load_checkpoint
from painsign_utils.render import Placement, Subject, expression_from_intensity, place_face
from painsign_utils.storage import read_json
from painsign_utils.training.folds import folds_for
from painsign_utils.training.inputs import augment_keys
from painsign_utils.training.results import best_models


@pytest.fixture(scope="module")
def faces(tmp_path_factory) -> pd.DataFrame:
    """A tiny image table: 8 subjects in 2 data sets, 2 pain and 2 no-pain 64-px crops each."""
    root = tmp_path_factory.mktemp("faces")
    rows = []
    for s in range(8):
        rng = np.random.default_rng(s)
        subject = Subject.random(rng, f"S{s}")
        for j, (label, intensity) in enumerate(
            [("pain", 0.9), ("pain", 0.8), ("nopain", 0.05), ("nopain", 0.1)]
        ):
            frame = np.full((64, 64, 3), 90 + 10 * s, np.uint8)
            expr = expression_from_intensity(intensity, subject, rng)
            place_face(frame, subject, expr, Placement(32, 30, 23, float(rng.uniform(-10, 10))))
            path = root / f"S{s}_{j}.png"
            cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            rows.append(
                {
                    "path": str(path),
                    "subject": f"S{s}",
                    "dataset": "A" if s < 4 else "B",
                    "label": label,
                    "found": True,
                    "crop": str(path),
                }
            )
    return pd.DataFrame(rows)


def _cfg(**kw):
    base = dict(
        n_folds=2,
        max_epochs=2,
        finetune_epochs=1,
        patience=5,
        n_augment=1,
        input_sizes={"vggface": 32, "vit_b16": 32},
        face_check=False,
        seed=0,
    )
    return training.TrainConfig(**{**base, **kw})


# ----------------------------------------------------------------------------------- folds


def test_folds_never_share_a_subject_and_are_stratified():
    subjects = [f"{d}{i}" for d in "ab" for i in range(23)]
    images = pd.DataFrame(
        {"subject": np.repeat(subjects, 3), "dataset": np.repeat([s[0] for s in subjects], 3)}
    )
    folds = training.make_folds(images, n_folds=10, seed=1)
    assert folds["subject"].is_unique
    assert set(folds["subject"]) == set(subjects)
    per_fold = folds.groupby("fold").size()
    assert per_fold.max() - per_fold.min() <= 1
    per_ds = folds.groupby(["fold", "dataset"]).size().unstack()
    assert (per_ds.max() - per_ds.min()).max() <= 1  # each data set spread evenly
    fold_of_image = folds_for(images, folds)
    for f in range(10):
        assert not set(images["subject"][fold_of_image == f]) & set(
            images["subject"][fold_of_image != f]
        )
    assert training.make_folds(images, 10, seed=1).equals(folds)  # seeded


def test_fold_errors_are_clear():
    images = pd.DataFrame({"subject": ["a", "b"], "dataset": ["x", "x"]})
    with pytest.raises(ConfigError, match="n_folds"):
        training.make_folds(images, n_folds=3)
    with pytest.raises(DataError, match="two data sets"):
        training.make_folds(
            pd.DataFrame({"subject": ["a", "a", "b"], "dataset": ["x", "y", "x"]}), 2
        )
    with pytest.raises(DataError, match="has no fold"):
        folds_for(pd.DataFrame({"subject": ["z"]}), training.make_folds(images, 2))


# -------------------------------------------------------------------------------- training


@pytest.mark.slow
def test_youden_threshold_uses_training_folds_only(faces, tmp_path, monkeypatch):
    seen = []
    real = training.loop.youden_threshold

    def spy(y_true, y_prob):
        seen.append(np.asarray(y_true))
        return real(y_true, y_prob)

    monkeypatch.setattr(training.loop, "youden_threshold", spy)
    cfg = _cfg(max_epochs=1)
    training.run_cv(faces, tmp_path, cfg, models=["ncnn"], progress=False)
    folds = pd.read_csv(tmp_path / "folds.csv")
    fold_of = folds_for(faces, folds)
    assert len(seen) == 2
    for k in range(2):
        done = pd.read_json(tmp_path / "ncnn" / f"fold{k}" / "done.json", typ="series")
        train = faces[fold_of != k]
        assert len(seen[k]) == len(train) == done["n_train"]
        # Recompute independently: the stored threshold is Youden's on the training images.
        model = load_checkpoint(tmp_path / "ncnn" / f"fold{k}" / "best.pt")
        crops = [cv2.cvtColor(cv2.imread(p), cv2.COLOR_BGR2RGB) for p in train["crop"]]
        p_train = model.predict_proba(crops)
        assert model.threshold == pytest.approx(
            youden_threshold((train["label"] == "pain").astype(int), p_train), abs=1e-6
        )
    metrics = pd.read_csv(tmp_path / "metrics.csv")
    assert list(metrics.columns) == [
        "model",
        "fold",
        "accuracy",
        "sensitivity",
        "specificity",
        "auc",
        "threshold",
        "threshold_rule",
    ]
    best = pd.read_csv(tmp_path / "best_models.csv")
    assert best.loc[0, "fold"] == metrics.loc[metrics["auc"].idxmax(), "fold"]
    assert best.loc[0, "threshold_rule"] == "training_folds"
    assert best.loc[0, "threshold"] == pytest.approx(
        metrics.loc[metrics["auc"].idxmax(), "threshold"]
    )

    # The authors' rule, from the same folds (nothing retrained): θ_k = roc_curve's Youden on fold
    # k's validation predictions, Table 2 per fold at θ_k, the videos at the mean θ (± np.std).
    from sklearn.metrics import roc_curve

    mtime = (tmp_path / "ncnn" / "fold0" / "done.json").stat().st_mtime_ns
    training.run_cv(
        faces, tmp_path, cfg, models=["ncnn"], progress=False, threshold_rule="validation_folds"
    )
    assert (tmp_path / "ncnn" / "fold0" / "done.json").stat().st_mtime_ns == mtime
    val = pd.read_csv(tmp_path / "metrics.csv")
    thetas = []
    for k in range(2):
        pred = pd.read_csv(tmp_path / "ncnn" / f"fold{k}" / "predictions.csv")
        y = (pred["label"] == "pain").astype(int)
        fpr, tpr, thr = roc_curve(y, pred["prob"])
        theta = min(float(thr[np.argmax(tpr - fpr)]), 1.0)
        thetas.append(theta)
        row = val[val["fold"] == k].iloc[0]
        assert (
            row["threshold"] == pytest.approx(theta) and row["threshold_rule"] == "validation_folds"
        )
        pred_pain = pred["prob"] >= theta
        assert row["accuracy"] == pytest.approx(float((pred_pain == y.astype(bool)).mean()))
    best = pd.read_csv(tmp_path / "best_models.csv")
    assert best.loc[0, "threshold"] == pytest.approx(np.mean(thetas))
    assert best.loc[0, "threshold_sd"] == pytest.approx(np.std(thetas))
    assert best.loc[0, "threshold_rule"] == "validation_folds"
    both = training.table2_rules(training.collect_metrics(tmp_path, ["ncnn"]), tmp_path)
    assert set(both["rule"]) == {"training_folds", "validation_folds"}
    at = both.set_index("rule")
    assert at.loc["validation_folds", "threshold"] == pytest.approx(np.mean(thetas))
    assert at.loc["validation_folds", "auc"] == pytest.approx(at.loc["training_folds", "auc"])


class _Stop(RuntimeError):
    pass


def _stop_at(epoch: int):
    """A training callback that interrupts training after ``epoch``."""

    def callback(row):
        if row["epoch"] == epoch:
            raise _Stop

    return callback


def _assert_same_fold(ref, run, name):
    """Both runs ended fold 0 with the same best checkpoint and the same log."""
    a = torch.load(ref / name / "fold0" / "best.pt", weights_only=False)
    b = torch.load(run / name / "fold0" / "best.pt", weights_only=False)
    assert (
        a["epoch"] == b["epoch"] and a["phase"] == b["phase"] and a["threshold"] == b["threshold"]
    )
    for k, v in a["state_dict"].items():
        assert torch.equal(v, b["state_dict"][k]), k
    la, lb = (pd.read_csv(d / name / "fold0" / "log.csv") for d in (ref, run))
    pd.testing.assert_frame_equal(la.drop(columns="seconds"), lb.drop(columns="seconds"))
    return la


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ncnn", "vggface"])
def test_resume_after_interruption_gives_the_same_checkpoint(faces, tmp_path, name):
    cfg = _cfg(max_epochs=2 if name == "ncnn" else 1)
    folds = training.make_folds(faces, 2, 0)
    ref = tmp_path / "ref"
    training.train_model(
        name, faces, folds, ref, cfg, weights="random", progress=False, only_folds=[0]
    )

    run = tmp_path / "run"
    with pytest.raises(_Stop):
        training.train_model(
            name,
            faces,
            folds,
            run,
            cfg,
            weights="random",
            callback=_stop_at(1),
            progress=False,
            only_folds=[0],
        )
    assert (run / name / "fold0" / "last.pt").exists()
    assert not (run / name / "fold0" / "done.json").exists()
    training.train_model(
        name, faces, folds, run, cfg, weights="random", progress=False, only_folds=[0]
    )
    la = _assert_same_fold(ref, run, name)
    if name == "vggface":
        assert set(la["phase"]) == {1, 2}  # the interruption fell between the two phases
    # A finished fold is skipped: nothing is retrained.
    training.train_model(
        name,
        faces,
        folds,
        run,
        cfg,
        weights="random",
        progress=False,
        only_folds=[0],
        callback=_stop_at(1),
    )


def test_changed_settings_retrain_instead_of_reusing_stale_folds(faces, tmp_path, capsys):
    folds = training.make_folds(faces, 2, 0)
    training.train_model(
        "ncnn", faces, folds, tmp_path, _cfg(max_epochs=1), progress=False, only_folds=[0]
    )
    done = tmp_path / "ncnn" / "fold0" / "done.json"
    first = done.stat().st_mtime_ns
    training.train_model(
        "ncnn", faces, folds, tmp_path, _cfg(max_epochs=1), progress=False, only_folds=[0]
    )
    assert (
        done.stat().st_mtime_ns == first and "discarding" not in capsys.readouterr().out
    )  # reused
    training.train_model(
        "ncnn", faces, folds, tmp_path, _cfg(max_epochs=2), progress=False, only_folds=[0]
    )
    assert "made with other training settings; discarding" in capsys.readouterr().out
    assert read_json(done)["epochs"] == 2
    # A changed protocol (weight decay, fine-tuning lr, augmentation style) retrains too.
    same = {
        k: v
        for k, v in _cfg(max_epochs=2).__dict__.items()
        if k not in ("augment", "weight_decay", "finetune_lr")
    }
    authors = training.config_from_params(protocol="authors", **same)
    assert authors.weight_decay == 1e-5 and authors.augment.style == "albumentations"
    training.train_model("ncnn", faces, folds, tmp_path, authors, progress=False, only_folds=[0])
    assert "made with other training settings; discarding" in capsys.readouterr().out


def test_finished_folds_submit_no_task_so_no_worker_starts(faces, tmp_path, monkeypatch):
    from painsign_utils.tasks import TaskRunner

    cfg = _cfg(max_epochs=1)
    training.run_cv(faces, tmp_path, cfg, models=["ncnn"], progress=False)
    metrics = (tmp_path / "metrics.csv").read_bytes()

    def no_cluster(self):
        raise RuntimeError("a worker was started")

    monkeypatch.setattr(TaskRunner, "_start_local", no_cluster)
    built = []
    create = training.cv.create_model
    monkeypatch.setattr(
        training.cv, "create_model", lambda *a, **k: built.append(a[0]) or create(*a, **k)
    )
    with TaskRunner.start(workers=1, threads=1) as tasks:
        for _ in range(2):
            training.run_cv(faces, tmp_path, cfg, models=["ncnn"], progress=False, tasks=tasks)
            assert (tmp_path / "metrics.csv").read_bytes() == metrics
        assert built == ["ncnn"]  # the stamp, checked once, is then known by its inputs
        with pytest.raises(RuntimeError, match="worker was started"):  # other settings: work
            training.run_cv(
                faces, tmp_path, _cfg(max_epochs=2), models=["ncnn"], progress=False, tasks=tasks
            )


def test_the_stamp_key_follows_settings_folds_and_the_starting_file(faces, tmp_path):
    key = training.config.stamp_key
    folds, cfg = training.make_folds(faces, 2, 0), _cfg()
    start = tmp_path / "w.pt"
    start.write_bytes(b"one")
    first = key("vggface", cfg, folds, start)
    assert key("vggface", _cfg(), folds.copy(), start) == first
    assert key("vggface", _cfg(lr=0.5), folds, start) != first
    assert key("vggface", cfg, training.make_folds(faces, 2, 1), start) != first
    assert key("vit_b16", cfg, folds, start) != first
    start.write_bytes(b"other")
    assert key("vggface", cfg, folds, start) != first


def test_protocol_changes_the_training_stamp():
    model = create_model("ncnn", weights="random", input_size=120)
    folds = pd.DataFrame({"subject": ["a", "b"], "dataset": ["x", "x"], "fold": [0, 1]})
    stamps = {
        name: training.config.settings_stamp(
            model, training.config_from_params(protocol=name), folds
        )
        for name in ("authors", "causal")
    }
    assert stamps["authors"]["training settings"] != stamps["causal"]["training settings"]
    for setting in ({"weight_decay": 1e-4}, {"augment": {"rotate": 10.0}}):
        other = training.config.settings_stamp(
            model, training.config_from_params(protocol="authors", **setting), folds
        )
        assert other["training settings"] != stamps["authors"]["training settings"], setting
    # Another model's settings do not count: N-CNN has no fine-tuning phase and no say in ViT's size.
    for setting in ({"finetune_lr": 1e-5}, {"input_sizes": {"vit_b16": 32}}):
        other = training.config.settings_stamp(
            model, training.config_from_params(protocol="authors", **setting), folds
        )
        assert other["training settings"] == stamps["authors"]["training settings"], setting
    vgg = create_model("vggface", weights="random", input_size=32)
    base, tuned = (
        training.config.settings_stamp(
            vgg, training.config_from_params(protocol="authors", **setting), folds
        )
        for setting in ({}, {"finetune_lr": 1e-5})
    )
    assert base["training settings"] != tuned["training settings"]


@pytest.mark.slow
def test_vit_trains_head_only_from_cached_features(faces, tmp_path):
    cfg = _cfg(max_epochs=1)
    folds = training.make_folds(faces, 2, 0)
    training.train_model("vit_b16", faces, folds, tmp_path, cfg, weights="random", progress=False)
    ck = torch.load(tmp_path / "vit_b16" / "fold0" / "best.pt", weights_only=False)
    assert set(ck["state_dict"]) == {"mean", "std", "vit.head.weight", "vit.head.bias"}
    assert len(list((tmp_path / "cache").glob("vit_b16_phase1_*.npy"))) == 1
    m = load_checkpoint(tmp_path / "vit_b16" / "fold1" / "best.pt")
    assert m.input_size == 32 and m.weights_source == "random init"


def test_vgg_without_fine_tuning_trains_its_head_only_and_caches_no_phase_2_features(
    faces, tmp_path
):
    cfg = _cfg(max_epochs=1, finetune_epochs=0)
    folds = training.make_folds(faces, 2, 0)
    training.train_model("vggface", faces, folds, tmp_path, cfg, weights="random", progress=False)
    done = read_json(tmp_path / "vggface" / "fold0" / "done.json")
    assert done["epochs"] == 1 and done["best_phase"] == 1
    assert len(list((tmp_path / "cache").glob("vggface_phase1_*.npy"))) == 1
    assert not list((tmp_path / "cache").glob("vggface_phase2_*.npy"))


# ---------------------------------------------------------------------------------- tables


def _fake_metrics():
    rng = np.random.default_rng(0)
    rows = []
    for m in ("vggface", "ncnn", "vit_b16"):
        for f in range(5):
            rows.append(
                {
                    "model": m,
                    "fold": f,
                    "accuracy": rng.uniform(0.7, 0.9),
                    "sensitivity": rng.uniform(0.7, 0.9),
                    "specificity": rng.uniform(0.7, 0.9),
                    "auc": rng.uniform(0.8, 0.95),
                    "threshold": 0.5,
                    "weights_source": "random init",
                    "input_size": 64,
                }
            )
    return pd.DataFrame(rows)


def test_table2_has_ours_next_to_paper():
    t = training.table2(_fake_metrics())
    assert list(t.index) == ["Accuracy", "Sensitivity", "Specificity", "AUC"]
    assert t.loc["AUC", ("VGG-Face", "paper")] == "93.0% ± 4.3%"
    assert t.loc["AUC", ("p-value", "paper")] == "0.2016"
    p = float(t.loc["AUC", ("p-value", "ours")])
    assert 0 <= p <= 1


def test_timing_and_threshold_tables(tmp_path):
    m = _fake_metrics().assign(augment_s=1.0, features_s=2.0, train_s=10.0, epochs=3)
    timing = training.timing_table(m)
    assert (
        timing.loc["N-CNN", "train_s"] == 50.0 and timing.loc["N-CNN", "frozen_features_s"] == 2.0
    )
    best = best_models(m, tmp_path)
    thr = training.threshold_table(m, best)
    assert thr.loc["N-CNN", "ours, videos"] == "50.0%"
    assert thr.loc["N-CNN", "paper, videos (validation-fold mean)"] == "54.2%"
    assert thr.loc["N-CNN", "rule"] == "training_folds"


def test_best_models_pick_highest_auc(tmp_path):
    m = _fake_metrics()
    best = best_models(m, tmp_path)
    for _, r in best.iterrows():
        g = m[m["model"] == r["model"]]
        assert r["val_auc"] == g["auc"].max()


def test_config_from_params_and_differences():
    cfg = training.config_from_params(n_augment=2, input_sizes={"vit_b16": 64}, max_epochs=10)
    diff = cfg.differences()
    assert set(diff["setting"]) == {"n_augment", "max_epochs", "input size vit_b16"}
    assert training.TrainConfig().differences().empty
    assert training.config_from_params(protocol="causal").differences().empty
    authors = training.config_from_params(protocol="authors")
    assert (
        authors.weight_decay == 1e-5 and authors.finetune_lr == 1e-6 and authors.phase_lr(2) == 1e-6
    )
    assert authors.phase_lr(1) == 1e-4 and authors.augment.style == "albumentations"
    assert set(authors.differences()["setting"]) == {
        "weight_decay",
        "finetune_lr (VGG-Face)",
        "augmentation style",
    }
    with pytest.raises(ConfigError, match="unknown protocol"):
        training.config_from_params(protocol="nope")
    with pytest.raises(ConfigError, match="unknown training parameter"):
        training.config_from_params(epochs=3)
    over = training.config_from_params(model_overrides={"ncnn": {"n_augment": 1}})
    assert over.for_model("ncnn").n_augment == 1 and over.for_model("vit_b16").n_augment == 20
    assert "n_augment (ncnn)" in set(over.differences()["setting"])
    with pytest.raises(ConfigError, match="model_overrides"):
        training.config_from_params(model_overrides={"ncnn": {"epochs": 1}}).for_model("ncnn")


def test_augmentations_do_not_depend_on_where_the_project_lives():
    """The same images in two clones (other absolute paths) get the same augmentation seeds."""
    rows = {"subject": ["s1", "s2"], "dataset": ["d", "d"], "label": ["pain", "nopain"]}
    here = pd.DataFrame(
        {
            **rows,
            "path": ["/a/data/x1.jpg", "/a/data/x2.jpg"],
            "crop": ["/a/c/x1-1.png", "/a/c/x2-2.png"],
        }
    )
    there = pd.DataFrame(
        {
            **rows,
            "path": ["/b/c/data/x1.jpg", "/b/c/data/x2.jpg"],
            "crop": ["/b/x1-9.png", "/b/x2-8.png"],
        }
    )
    assert augment_keys(here) == augment_keys(there) == ["d/s1/x1.jpg", "d/s2/x2.jpg"]


def test_best_models_store_checkpoints_relative_to_the_artifacts_folder(tmp_path, monkeypatch):
    """Tables keep working when the project is moved: checkpoint paths are relative to artifacts/."""
    from painsign_utils.models import checkpoint_fingerprint, load_checkpoint, save_checkpoint
    from painsign_utils.models.ncnn import NCNN

    monkeypatch.setenv("PAINSIGN_ARTIFACTS", str(tmp_path / "artifacts"))
    out = tmp_path / "artifacts" / "p" / "training"
    save_checkpoint(NCNN(), out / "ncnn" / "fold1" / "best.pt")
    metrics = pd.DataFrame(
        {
            "model": ["ncnn", "ncnn"],
            "fold": [0, 1],
            "auc": [0.6, 0.9],
            "threshold": [0.5, 0.4],
            "weights_source": "random init",
            "input_size": 120,
        }
    )
    best = best_models(metrics, out)
    assert best.loc[0, "checkpoint"] == "p/training/ncnn/fold1/best.pt"
    monkeypatch.chdir(tmp_path / "artifacts" / "p")  # any other folder
    assert load_checkpoint(best.loc[0, "checkpoint"]).name == "ncnn"
    assert checkpoint_fingerprint(best.loc[0, "checkpoint"]) != "missing"


@pytest.mark.slow
def test_resume_from_an_older_resume_point_replays_the_same_epochs(faces, tmp_path, monkeypatch):
    """Resume points are paced (one a minute); an interruption later in a phase replays from an
    earlier one and must end with the same best checkpoint and log."""
    from painsign_utils.training import loop

    cfg = _cfg(max_epochs=3)
    folds = training.make_folds(faces, 2, 0)
    ref, run = tmp_path / "ref", tmp_path / "run"
    training.train_model("ncnn", faces, folds, ref, cfg, progress=False, only_folds=[0])
    monkeypatch.setattr(loop, "RESUME_EVERY_S", 1e9)  # only the phase's first epoch is saved
    with pytest.raises(_Stop):
        training.train_model(
            "ncnn", faces, folds, run, cfg, callback=_stop_at(3), progress=False, only_folds=[0]
        )
    last = torch.load(run / "ncnn" / "fold0" / "last.pt", weights_only=False)
    assert last["state"]["epoch"] == 1  # the resume point is older than the interruption
    training.train_model("ncnn", faces, folds, run, cfg, progress=False, only_folds=[0])
    _assert_same_fold(ref, run, "ncnn")


# ----------------------------------------------------------------------------------- tasks


def _fold_files(root, name: str, n_folds: int) -> list:
    """What a fold leaves behind, without its timings: predictions (bytes) and done.json metrics."""
    out = []
    for k in range(n_folds):
        done = read_json(root / name / f"fold{k}" / "done.json")
        out.append((root / name / f"fold{k}" / "predictions.csv").read_bytes())
        out.append({k: v for k, v in done.items() if not k.endswith("_s")})
        out.append((root / name / f"fold{k}" / "log.csv").read_text().count("\n"))
    return out


@pytest.mark.slow
def test_folds_are_identical_here_on_a_local_cluster_and_on_an_external_scheduler(
    faces, tmp_path, dask_scheduler
):
    from painsign_utils.tasks import TaskRunner, default_threads

    cfg, threads = _cfg(max_epochs=2), default_threads()
    folds = training.make_folds(faces, 2, seed=0)
    here = tmp_path / "here"
    training.train_model("ncnn", faces, folds, here, cfg, progress=False)
    reference = _fold_files(here, "ncnn", 2)
    for where, runner in (
        ("local", lambda: TaskRunner.start(workers=2, threads=threads)),
        ("external", lambda: TaskRunner.start(scheduler=dask_scheduler, threads=threads)),
    ):
        with runner() as tasks:
            assert tasks.workers >= 1
            training.train_model(
                "ncnn", faces, folds, tmp_path / where, cfg, progress=False, tasks=tasks
            )
        assert _fold_files(tmp_path / where, "ncnn", 2) == reference, where


def test_task_runner_here_keeps_order_and_dependencies():
    from painsign_utils.tasks import TaskRunner

    tasks = TaskRunner(None, threads=1)
    first = tasks.submit(pow, 2, 3)
    later = [tasks.submit(pow, first, k) for k in range(3)]
    assert tasks.gather(later, progress=False) == [1, 8, 64]
    with pytest.raises(ZeroDivisionError):
        tasks.gather([tasks.submit(divmod, 1, 0)], progress=False)


def test_unreachable_scheduler_is_one_clear_error():
    from painsign_utils.tasks import TaskRunner

    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler"):
        TaskRunner.start(scheduler="tcp://127.0.0.1:9", timeout=2)
