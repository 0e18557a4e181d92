"""The model registry is the one source of model facts: a model registered in a test trains,
runs on a video and is offered by the command line, with nothing else edited."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from torch import nn

from painsign_utils import registry, training
from painsign_utils.errors import ModelError
from painsign_utils.models import PainModel, create_model, load_checkpoint
from painsign_utils.registry import (
    ModelSpec,
    get_spec,
    list_models,
    register_model,
    unregister_model,
)
from painsign_utils.render import Placement, Subject, expression_from_intensity, place_face

TINY = "tiny_cnn"


class TinyCNN(PainModel):
    """A 32-px, two-layer pain classifier: the smallest model that follows the PainModel contract."""

    name = TINY

    def __init__(self, input_size: int = 32) -> None:
        super().__init__(input_size)
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.head = nn.Sequential(nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 1))

    def _normalize(self, x: torch.Tensor) -> torch.Tensor:
        return x / 255.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.conv(x)).squeeze(1)

    def split(self, phase: int = 1) -> tuple[nn.Module, nn.Module]:
        return nn.Identity(), self


@pytest.fixture
def tiny():
    """TinyCNN in the registry for one test, then out again."""
    spec = register_model(
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
    try:
        yield spec
    finally:
        unregister_model(TINY)
    assert TINY not in list_models()


@pytest.fixture(scope="module")
def faces(tmp_path_factory) -> pd.DataFrame:
    """4 subjects, 2 pain and 2 no-pain 48-px face crops each."""
    root = tmp_path_factory.mktemp("faces")
    rows = []
    for s in range(4):
        rng = np.random.default_rng(s)
        subject = Subject.random(rng, f"S{s}")
        for j, (label, intensity) in enumerate(
            [("pain", 0.9), ("pain", 0.8), ("nopain", 0.05), ("nopain", 0.1)]
        ):
            frame = np.full((48, 48, 3), 90 + 10 * s, np.uint8)
            place_face(
                frame,
                subject,
                expression_from_intensity(intensity, subject, rng),
                Placement(24, 23, 17, 0.0),
            )
            path = root / f"S{s}_{j}.png"
            cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            rows.append(
                {
                    "path": str(path),
                    "subject": f"S{s}",
                    "dataset": "A",
                    "label": label,
                    "found": True,
                    "crop": str(path),
                }
            )
    return pd.DataFrame(rows)


def test_the_papers_models_and_their_facts():
    assert list_models() == ["vggface", "ncnn", "vit_b16"]
    assert registry.DISPLAY_NAMES == {"vggface": "VGG-Face", "ncnn": "N-CNN", "vit_b16": "ViT-B/16"}
    assert [get_spec(m).input_size for m in list_models()] == [224, 120, 224]
    assert get_spec("vggface").phases == (1, 2) and get_spec("vit_b16").phases == (1,)
    assert registry.pretrainable() == ["vggface", "vit_b16"]
    with pytest.raises(
        ModelError, match="unknown model 'nope'; choose one of vggface, ncnn, vit_b16"
    ):
        get_spec("nope")
    with pytest.raises(ModelError, match="already registered"):
        register_model(get_spec("ncnn"))
    with pytest.raises(ModelError, match="transfer"):
        ModelSpec(name="x", display="X", factory=TinyCNN, input_size=32, transfer="all")


def test_grad_cam_layer_comes_from_the_registry():
    m = create_model("ncnn")
    assert m.gradcam_layer is m.merge[0] and m.phases == (1,)
    vgg = create_model("vggface", weights="random", input_size=224)
    assert vgg.gradcam_layer is vgg.features[28] and vgg.phases == (1, 2)
    # Below the paper's size the registry's finer layer: conv4_3, not a 4 x 4 (or 2 x 2) conv5_3.
    small = create_model("vggface", weights="random", input_size=64)
    assert small.gradcam_layer_name == "features.21" and small.gradcam_layer is small.features[21]
    vit = create_model("vit_b16", weights="random", input_size=32)
    assert vit.gradcam_layer is vit.vit.blocks[10]


def test_cpu_profiles_use_the_registrys_cpu_sizes():
    root = Path(__file__).resolve().parents[1]
    prof = yaml.safe_load((root / "profiles" / "demo.yml").read_text())["notebooks"]["02_training"]
    for name in list_models():
        want = get_spec(name).cpu_input_size
        assert prof.get(f"input_size_{name}") == want, name


def test_decorator_form_registers_the_class():
    @register_model(name="deco_cnn", display="Deco", input_size=32, gradcam_layer="conv")
    class Deco(TinyCNN):
        name = "deco_cnn"

    try:
        assert get_spec("deco_cnn").load() is Deco and registry.display_name("deco_cnn") == "Deco"
        assert isinstance(create_model("deco_cnn"), Deco)
    finally:
        unregister_model("deco_cnn")


def test_a_registered_model_trains_runs_on_a_video_and_is_offered_by_the_cli(
    tiny, faces, tiny_synth, tmp_path, capsys
):
    from painsign_utils.cli.main import build_parser, main

    # Facts derived from the registry, with nothing else edited.
    assert TINY in list_models() and registry.DISPLAY_NAMES[TINY] == "Tiny CNN"
    assert training.TrainConfig().input_size(TINY) == 32

    # Training: one fold, one epoch.
    cfg = training.TrainConfig(n_folds=2, max_epochs=1, n_augment=1, face_check=False, seed=0)
    folds = training.make_folds(faces, 2, 0)
    metrics = training.train_model(
        TINY, faces, folds, tmp_path / "training", cfg, progress=False, only_folds=[0]
    )
    assert list(metrics["model"]) == [TINY] and int(metrics["epochs"].iloc[0]) == 1
    ckpt = tmp_path / "training" / TINY / "fold0" / "best.pt"
    model = load_checkpoint(ckpt)
    assert isinstance(model, TinyCNN) and model.gradcam_layer is model.conv
    assert model.threshold is not None and 0 <= model.threshold <= 1  # one epoch: any Youden cut

    # The command line offers it, and runs it over a short synthetic video.
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert TINY in next(a for a in sub.choices["video"]._actions if a.dest == "model").choices
    videos = pd.read_csv(tiny_synth["videos"], dtype={"subject": str})
    video = tiny_synth["root"] / "videos" / videos["path"].iloc[0]
    out = tmp_path / "video"
    code = main(
        [
            "video",
            str(video),
            "--model",
            TINY,
            "--weights",
            str(ckpt),
            "--out",
            str(out),
            "-q",
            "--threshold",
            "0.5",
            "--detect-every",
            "5",
        ]
    )
    assert code == 0, capsys.readouterr().err
    summary = json.loads(next(out.glob(f"*_{TINY}_*_summary.json")).read_text())
    frames = pd.read_csv(next(out.glob(f"*_{TINY}_*_frames.csv")))
    assert summary["model"] == TINY and summary["frames_with_face"] > 0
    assert frames["prob"].dropna().between(0, 1).all()


def test_a_registered_model_is_drawn_by_every_figure_that_takes_a_model(tiny, tmp_path):
    """Colour, marker and name come from the registry: a fourth model draws like the paper's."""
    import matplotlib

    matplotlib.use("Agg")
    from painsign_utils import figures, paper
    from painsign_utils.clustering import SignTypeClassifier
    from painsign_utils.figures import explain as fig_explain
    from painsign_utils.figures import fairness as fig_fairness
    from painsign_utils.figures import monitor as fig_monitor
    from painsign_utils.figures import sign as fig_sign
    from painsign_utils.figures import training as fig_training

    assert figures.model_colour(TINY) == get_spec(TINY).colour
    assert figures.model_marker(TINY) == get_spec(TINY).marker
    models = ["ncnn", TINY]
    rng = np.random.default_rng(0)
    t = np.arange(200) / 10
    sign = 0.5 + 0.3 * np.sin(t)
    plt.close("all")  # figures left open by earlier tests would trip matplotlib's 20-figure warning
    drawn = []

    logs = pd.DataFrame(
        [
            {"model": m, "fold": f, "phase": 1, "epoch": e, "train_loss": 0.5, "val_loss": 0.6}
            for m in models
            for f in range(2)
            for e in range(3)
        ]
    )
    drawn.append(fig_training.plot_learning_curves(logs, models))
    metrics = pd.DataFrame({"model": np.repeat(models, 3), "auc": rng.random(6)})
    drawn.append(fig_training.plot_fold_metrics(metrics, paper.TABLE2, "auc"))

    traces = {m: pd.DataFrame({"time": t, "sign": sign}) for m in models}
    summaries = {m: {"score": 0.6, "prediction": 1, "entropy": 1.0, "crossings": 4} for m in models}
    drawn.append(fig_sign.plot_sign(traces, {m: 0.5 for m in models}, summaries, "pain"))
    probs = pd.DataFrame({"time": t, "prob": sign})
    drawn.append(fig_sign.plot_sign_steps(probs, sign, 0.5, TINY))
    summary = pd.DataFrame(
        {
            "model": np.repeat(models, 10),
            "label": np.tile([0, 1], 10),
            "score": rng.random(20),
            "threshold": 0.5,
        }
    )
    drawn.append(fig_sign.plot_video_scores(summary))
    truth_r = pd.DataFrame({"model": np.repeat(models, 5), "r": rng.random(10), "varying": True})
    drawn.append(fig_sign.plot_truth_r(truth_r))
    segments = pd.DataFrame(
        {"start_s": [0.0, 10.0], "end_s": [10.0, 20.0], "sign_type": ["stable", "unstable"]}
    )
    drawn.append(fig_sign.plot_long_recording(t, sign, 0.5, segments, model=TINY))
    features = pd.DataFrame(
        {
            "model": np.repeat(models, 30),
            "entropy": np.tile(np.r_[np.full(10, 0.3), np.full(10, 2.0), np.full(10, 2.6)], 2)
            + rng.normal(0, 0.05, 60),
            "crossings": np.tile(np.r_[np.zeros(10), np.full(10, 2), np.full(10, 7)], 2),
        }
    )
    classifiers = {
        m: SignTypeClassifier(k_max=4).fit(features[features["model"] == m]) for m in models
    }
    features["sign_type"] = np.concatenate(
        [classifiers[m].predict(features[features["model"] == m]) for m in models]
    )
    drawn.append(fig_sign.plot_sign_types(features, classifiers))
    drawn.append(fig_sign.plot_silhouettes(classifiers))

    history = pd.DataFrame({"frame": np.arange(t.size), "time": t, "prob": sign, "sign": sign})
    drawn.append(fig_monitor.plot_monitor(history, threshold=0.5, model=TINY))
    speed = pd.DataFrame({"model": models, "e2e naive": [10.0, 20.0], "e2e optimized": [30, 40]})
    drawn.append(fig_monitor.plot_speed(speed))

    bins = pd.DataFrame({"centre": [0.25, 0.75], "mean_intensity": [0.2, 0.8], "sd_intensity": 0.1})
    drawn.append(fig_explain.intensity_figure({m: bins for m in models}))
    face = np.zeros((32, 32, 3), np.uint8)
    heat = np.ones((32, 32))
    drawn.append(
        fig_explain.explanation_strip(
            t, sign, 0.5, [0.0, 1.0], [face, face], [heat, heat], [heat, heat], TINY, probs=sign
        )
    )
    groups = pd.DataFrame(
        [
            {
                "attribute": "skin_tone",
                "model": m,
                "group": g,
                "n": 5,
                **{k: 0.8 for k in ("auc", "video_acc", "truth_r")},
                **{k: 0.7 for k in ("auc_lo", "acc_lo", "r_lo")},
                **{k: 0.9 for k in ("auc_hi", "acc_hi", "r_hi")},
            }
            for m in models
            for g in ("light", "dark")
        ]
    )
    drawn.append(fig_fairness.plot_subgroups(groups))

    for i, fig in enumerate(drawn):
        figures.save(fig, tmp_path / f"{i}.png")
        plt.close(fig)
    assert len(list(tmp_path.glob("*.png"))) == len(drawn)
