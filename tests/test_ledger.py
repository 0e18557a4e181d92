"""The methods ledger's measured effects, on a tiny fake artifacts tree built in tmp_path."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_curve

from painsign_utils import ledger
from painsign_utils.errors import DataError

MODELS = ("ncnn", "vggface")
SCENARIOS = ("stable_rest", "stable_pain", "unstable")
WINDOW = 10
N_FRAMES = 60


def _probs(rng: np.random.Generator, scenario: str, model: str) -> np.ndarray:
    t = np.arange(N_FRAMES)
    if scenario == "stable_rest":
        p = 0.1 + 0.05 * rng.random(N_FRAMES)
    elif scenario == "stable_pain":
        p = 0.85 + 0.1 * rng.random(N_FRAMES)
    else:
        p = 0.5 + 0.4 * np.sign(np.sin(t / (3 + rng.integers(0, 3)))) * rng.random(N_FRAMES)
    if model == "vggface":
        p = np.clip(p + 0.05 * rng.standard_normal(N_FRAMES), 0, 1)
    p[rng.choice(N_FRAMES, 5, replace=False)] = np.nan  # frames without a face
    return p


def make_run(root, ig: bool = False):
    """artifacts/<profile> with 3 folds per model, 15 videos, per-frame CSVs and a summary."""
    rng = np.random.default_rng(0)
    art = root / "artifacts" / "fake"
    best = []
    for model in MODELS:
        for fold in range(3):
            d = art / "training" / model / f"fold{fold}"
            d.mkdir(parents=True)
            labels = np.array(["pain"] * 10 + ["nopain"] * 10)
            probs = np.clip(
                np.where(labels == "pain", 0.6, 0.35) + 0.2 * rng.standard_normal(20), 0, 1
            )
            pd.DataFrame(
                {
                    "crop": [f"c{i}.png" for i in range(20)],
                    "subject": "001",
                    "dataset": "x",
                    "label": labels,
                    "prob": probs,
                }
            ).to_csv(d / "predictions.csv", index=False)
            (d / "done.json").write_text(json.dumps({"fold": fold, "threshold": 0.3 + 0.1 * fold}))
        best.append(
            {"model": model, "fold": 1, "checkpoint": "x", "val_auc": 0.9, "threshold": 0.4}
        )
    pd.DataFrame(best).to_csv(art / "training" / "best_models.csv", index=False)
    rows = []
    for i in range(15):
        scenario = SCENARIOS[i % 3]
        video = f"V{i:03d}"
        for model in MODELS:
            p = _probs(rng, scenario, model)
            d = art / "inference" / model
            d.mkdir(parents=True, exist_ok=True)
            pd.DataFrame(
                {"frame": np.arange(N_FRAMES), "time": np.arange(N_FRAMES) / 10, "prob": p}
            ).to_csv(d / f"{video}.csv", index=False)
            rows.append(
                {
                    "model": model,
                    "video": video,
                    "subject": video,
                    "label": int(scenario != "stable_rest"),
                    "scenario": scenario,
                    "threshold": 0.5,
                    "window": WINDOW,
                }
            )
    (art / "tables").mkdir()
    pd.DataFrame(rows).to_csv(art / "tables" / "video_summary.csv", index=False)
    if ig:
        d = art / "explain" / "ncnn"
        d.mkdir(parents=True)
        m = np.zeros((2, 8, 8))
        m[:, :4] = 1.0
        m[:, 4:6] = -1.0  # a third of the absolute mass is negative
        np.savez(d / "V000.npz", ig=m, gradcam=np.abs(m))
    return art


def _value(numbers, element, quantity, model, variant):
    hit = numbers[
        (numbers["element"] == element)
        & (numbers["quantity"] == quantity)
        & (numbers["model"] == model)
        & (numbers["variant"] == variant)
    ]
    assert len(hit) == 1, (element, quantity, model, variant)
    return float(hit["value"].iloc[0])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    art = make_run(tmp_path_factory.mktemp("ledger"), ig=True)
    return art, ledger.effect_numbers(art, augmentation=False)


def test_numbers_are_one_long_table_of_ledger_elements(run):
    _, numbers = run
    assert list(numbers.columns) == ledger.NUMBER_COLUMNS
    assert set(numbers["element"]) <= set(ledger.ELEMENTS)
    assert not numbers.duplicated(["element", "quantity", "model", "variant"]).any()
    assert len(numbers.attrs["videos"]) == 30  # 15 videos x 2 models
    assert np.isnan(ledger.effect_value(numbers, ledger.SMOOTHING, "k", "ncnn", "valid"))


def test_sign_modes_match_the_authors_formulas(run):
    art, numbers = run
    crossings, entropy, causal = [], [], []
    for i in range(15):
        p = pd.read_csv(art / "inference" / "ncnn" / f"V{i:03d}.csv")["prob"].to_numpy()
        idx = np.arange(p.size)
        ok = ~np.isnan(p)
        x = np.interp(idx, idx[ok], p[ok])
        sign = np.convolve(x, np.ones(WINDOW), "valid") / WINDOW
        crossings.append(len(np.where(np.diff(np.sign(sign - 0.5)))[0]))
        trailing = pd.Series(x).rolling(WINDOW, min_periods=1).mean().to_numpy()
        causal.append(int(np.sum((trailing[1:] >= 0.5) != (trailing[:-1] >= 0.5))))
        counts, _ = np.histogram(sign, bins=np.linspace(0, 1, 11))
        q = counts[counts > 0] / sign.size
        entropy.append(float(-(q * np.log2(q)).sum()))
    smoothing = ledger.SMOOTHING
    assert _value(numbers, smoothing, "mean crossings", "ncnn", "valid") == pytest.approx(
        np.mean(crossings)
    )
    assert _value(numbers, smoothing, "mean entropy (bits)", "ncnn", "valid") == pytest.approx(
        np.mean(entropy)
    )
    assert _value(numbers, smoothing, "mean crossings", "ncnn", "causal") == pytest.approx(
        np.mean(causal)
    )


def test_threshold_rule_recomputed_from_the_folds(run):
    art, numbers = run
    thetas, j_k, j_train = [], [], []
    for fold in range(3):
        preds = pd.read_csv(art / "training" / "ncnn" / f"fold{fold}" / "predictions.csv")
        y = (preds["label"] == "pain").astype(int).to_numpy()
        fpr, tpr, thr = roc_curve(y, preds["prob"])
        theta = thr[np.argmax(tpr - fpr)]
        thetas.append(theta)
        for t, out in ((theta, j_k), (0.3 + 0.1 * fold, j_train)):
            pred = preds["prob"].to_numpy() >= t
            out.append(pred[y == 1].mean() + (~pred[y == 0]).mean())
    rule_k, rule_train = ledger.THRESHOLD_RULES
    assert _value(numbers, ledger.THRESHOLD, "θ mean", "ncnn", rule_k) == pytest.approx(
        np.mean(thetas)
    )
    assert _value(numbers, ledger.THRESHOLD, "θ sd", "ncnn", rule_k) == pytest.approx(
        np.std(thetas)
    )
    assert _value(numbers, ledger.THRESHOLD, "θ best fold", "ncnn", rule_train) == pytest.approx(
        0.4
    )
    # Youden's θ_k maximizes sensitivity + specificity on its own fold: never below the other rule
    sens_spec = {
        rule: _value(numbers, ledger.THRESHOLD, "validation sensitivity", "ncnn", rule)
        + _value(numbers, ledger.THRESHOLD, "validation specificity", "ncnn", rule)
        for rule in ledger.THRESHOLD_RULES
    }
    assert sens_spec[rule_k] == pytest.approx(np.mean(j_k))
    assert sens_spec[rule_train] == pytest.approx(np.mean(j_train))
    assert sens_spec[rule_k] >= sens_spec[rule_train]


def test_video_score_face_mean_is_the_mean_over_faces(run):
    art, numbers = run
    summary = pd.read_csv(art / "tables" / "video_summary.csv")
    g = summary[summary["model"] == "vggface"]
    scores = [
        np.nanmean(pd.read_csv(art / "inference" / "vggface" / f"{v}.csv")["prob"])
        for v in g["video"]
    ]
    accuracy = np.mean((np.array(scores) >= 0.5) == g["label"].to_numpy())
    assert _value(
        numbers, ledger.VIDEO_SCORE, "video accuracy", "vggface", "face mean"
    ) == pytest.approx(accuracy)


def test_clustering_both_ways_with_agreement(run):
    _, numbers = run
    authors, causal = ledger.CLUSTERINGS
    assert _value(numbers, ledger.CLUSTERING, "k", "ncnn", authors) == 3
    assert 2 <= _value(numbers, ledger.CLUSTERING, "k", "ncnn", causal) <= 10
    sizes = numbers[
        (numbers["element"] == ledger.CLUSTERING)
        & (numbers["model"] == "ncnn")
        & (numbers["variant"] == authors)
        & numbers["quantity"].str.startswith("n ")
    ]
    assert sizes["value"].sum() == 15
    ari = _value(numbers, ledger.CLUSTERING, "ARI authors vs causal", "ncnn", "both")
    assert -1 <= ari <= 1
    assert -1 <= _value(numbers, ledger.CLUSTERING, "ARI with scenarios", "ncnn", authors) <= 1
    agree = numbers[numbers["element"] == ledger.AGREEMENT]
    assert set(agree["model"]) == {"ncnn / vggface", "all"}


def test_ig_measured_only_from_cached_maps(run, tmp_path):
    _, numbers = run
    assert _value(
        numbers, ledger.IG, "share of |IG| that is negative", "ncnn", "abs"
    ) == pytest.approx(1 / 3)
    assert _value(numbers, ledger.IG, "maps", "ncnn", "both") == 2
    bare = ledger.effect_numbers(make_run(tmp_path), augmentation=False)
    assert ledger.IG not in set(bare["element"])


def test_training_choices_are_never_given_a_number(run):
    _, numbers = run
    assert not {ledger.OPTIMIZER, ledger.FINETUNE} & set(numbers["element"])


def test_augmentation_test_card(tmp_path):
    art = make_run(tmp_path)
    numbers = ledger.effect_numbers(art)
    area = {
        s: _value(
            numbers, ledger.AUGMENTATION, "median visible face area (× original)", "test card", s
        )
        for s in ledger.AUGMENT_STYLES
    }
    # Keras' zoom above 1 zooms out, albumentations' scale above 1 zooms in
    assert area["albumentations"] > area["keras"]
    # The seed draws the test card's augmentations only: every other number stays
    other = ledger.effect_numbers(art, seed=1)
    same = numbers["element"] != ledger.AUGMENTATION
    pd.testing.assert_frame_equal(numbers[same], other[same])
    assert not numbers[~same]["value"].equals(other[~same]["value"])


def test_missing_artifacts_say_which_chapter(tmp_path):
    with pytest.raises(DataError, match="chapter 02"):
        ledger.effect_numbers(tmp_path / "nothing")
    art = make_run(tmp_path)
    (art / "tables" / "video_summary.csv").unlink()
    with pytest.raises(DataError, match="chapter 03"):
        ledger.effect_numbers(art)


def test_paired_table_and_figures(run):
    import matplotlib

    matplotlib.use("Agg")
    from painsign_utils.figures import ledger as figs

    _, numbers = run
    paired = ledger.paired_table(numbers)
    row = paired[
        (paired["element"] == ledger.THRESHOLD)
        & (paired["quantity"] == "validation accuracy")
        & (paired["model"] == "ncnn")
    ].iloc[0]
    assert row["difference"] == pytest.approx(row["authors"] - row["causal"])
    assert len(figs.plot_effects(paired).axes) == 1
    assert (
        len(figs.plot_fold_thresholds(numbers, ledger.THRESHOLD, ledger.THRESHOLD_RULES).axes) == 2
    )
