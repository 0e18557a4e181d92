"""Verdicts on the paper's claims, from small hand-made artifacts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from painsign_utils import verdicts

MODELS = ["vggface", "ncnn", "vit_b16"]


@pytest.fixture
def art(tmp_path):
    from painsign_utils.clustering import agreement_table

    a = tmp_path / "art"
    (a / "training").mkdir(parents=True)
    (a / "tables").mkdir()
    (a / "explain").mkdir()
    (a / "average_faces").mkdir()
    rng = np.random.default_rng(1)
    rows = [
        {
            "model": m,
            "fold": f,
            "accuracy": 0.8,
            "sensitivity": 0.8,
            "specificity": 0.8,
            "auc": base + rng.normal(0, 0.05),
        }
        for m, base in zip(MODELS, (0.93, 0.89, 0.89))
        for f in range(10)
    ]
    pd.DataFrame(rows).to_csv(a / "training" / "metrics.csv", index=False)
    # test videos: every model says "pain" to 9 of 10 pain videos and to 6 of 10 no-pain videos
    vids = []
    for m in MODELS:
        for i in range(20):
            label = int(i < 10)
            pred = int(i < 9) if label else int(i < 16)
            vids.append(
                {
                    "model": m,
                    "video": f"v{i}",
                    "label": label,
                    "prediction": pred,
                    "score": 0.2 + 0.6 * pred + 0.01 * i,
                    "mean_prob": 0.2 + 0.6 * pred + 0.01 * i,
                    "threshold": 0.5,
                    "sign_type": "stable"
                    if i % 3 == 0
                    else "unstable"
                    if i % 3 == 1
                    else "irregular",
                }
            )
    summary = pd.DataFrame(vids)
    summary.to_csv(a / "tables" / "video_summary.csv", index=False)
    agreement_table(summary, MODELS).to_csv(a / "tables" / "agreement.csv", index=False)
    pd.DataFrame(
        [
            {"model": m, "sign_type": t, "accuracy": acc, "k": 3}
            for m in MODELS
            for t, acc in (("stable", 0.8), ("irregular", 0.6), ("unstable", 0.4))
        ]
    ).to_csv(a / "tables" / "table3.csv", index=False)
    pd.DataFrame([{"model": m, "video": "v1", "Grad-CAM": 0.3, "IG": 0.9} for m in MODELS]).to_csv(
        a / "explain" / "map_stability.csv", index=False
    )
    trend = []
    for m in MODELS:
        bins = pd.DataFrame(
            {
                "bin": range(10),
                "centre": np.arange(10) / 10 + 0.05,
                "correct": True,
                "n_frames": 20,
                "mean_intensity": np.linspace(0.1, 0.9, 10),
            }
        )
        bins.to_csv(a / "average_faces" / f"{m}_bins.csv", index=False)
        trend.append({"model": m, "rho_bins": 1.0, "p_bins": 0.0001, "n_bins": 10})
    pd.DataFrame(trend).to_csv(a / "average_faces" / "intensity_trend.csv", index=False)
    # chapter 11: every model miscalibrated on the test frames (ECE 0.12), temperature halves it
    pd.DataFrame(
        [
            {"model": m, "split": split, "method": method, "ece_width": ece}
            for m in MODELS
            for split, method, ece in (
                ("validation", "raw", 0.03),
                ("test", "raw", 0.12),
                ("test", "temperature", 0.06),
                ("test", "isotonic", 0.09),
            )
        ]
    ).to_csv(a / "tables" / "calibration.csv", index=False)
    pd.DataFrame(
        [
            {"model": m, "method": method, "error_auroc": auroc}
            for m in MODELS
            for method, auroc in (("mc_dropout", 0.8), ("ensemble", 0.6))
        ]
    ).to_csv(a / "tables" / "uncertainty.csv", index=False)
    # chapter 05: one indeterminate sign of 60 (N-CNN, video v1), as rare as the paper's
    types = summary.assign(indeterminate=(summary["model"] == "ncnn") & (summary["video"] == "v1"))
    types.to_csv(a / "tables" / "sign_types.csv", index=False)
    # chapter 04: every pair of signs correlates moderately, r 0.3-0.7 (mean 0.5); one constant sign
    pd.DataFrame(
        [
            {
                "video": f"v{i}",
                "model_a": x,
                "model_b": y,
                "r": np.nan if i == 0 else 0.3 + 0.02 * i,
            }
            for x, y in (("ncnn", "vggface"), ("ncnn", "vit_b16"), ("vggface", "vit_b16"))
            for i in range(21)
        ]
    ).to_csv(a / "tables" / "pearson_pairs.csv", index=False)
    # chapter 05: no Friedman difference between the models within any sign type
    pd.DataFrame(
        [
            {"design": "videos", "sign_type": t, "metric": metric, "n_blocks": 6, "p_value": 0.4}
            for metric in ("entropy", "crossings")
            for t in ("all", "stable", "irregular", "unstable")
        ]
        + [
            {"design": "type means", "sign_type": "all", "metric": m, "n_blocks": 3, "p_value": 0.7}
            for m in ("entropy", "crossings")
        ]
    ).to_csv(a / "tables" / "friedman_sign_types.csv", index=False)
    # chapter 08: every model's optimized path runs end to end at 45 fps
    (a / "monitor").mkdir()
    pd.DataFrame({"model": MODELS, "e2e optimized": 45.0}).to_csv(
        a / "monitor" / "speed_summary.csv", index=False
    )
    return a


def test_every_claim_is_judged_when_artifacts_agree_with_the_paper(art):
    checked = verdicts.verdicts(art=art)
    by_key = {v.key: v for v in checked}
    assert list(by_key) == [c.__name__ for c in verdicts.CHECKS]
    for key in (
        "sens_spec",
        "three_types",
        "stable_better",
        "gradcam_vs_ig",
        "expression_rises",
        "recalibration_helps",
        "mc_dropout_flags_errors",
        "real_time",
    ):
        assert (by_key[key].verdict, by_key[key].reason) == ("yes", "all_models"), key
    assert (by_key["indeterminate_rare"].verdict, by_key["indeterminate_rare"].reason) == (
        "yes",
        "rare",
    )
    assert (by_key["pearson_moderate"].verdict, by_key["pearson_moderate"].reason) == (
        "yes",
        "all_pairs",
    )
    assert (by_key["friedman_types"].verdict, by_key["friedman_types"].reason) == (
        "yes",
        "all_types",
    )
    # every model agrees on every video: 100%, 40 points off the paper's 60%
    assert (by_key["same_type"].verdict, by_key["same_type"].reason) == ("no", "far")
    assert by_key["best_model"].verdict in ("yes", "partly")
    assert by_key["best_model"].reason.startswith("vggface_leads+")
    assert "few_folds" not in by_key["best_model"].reason  # ten folds
    table = verdicts.verdict_table(checked)
    assert list(table.columns) == ["claim", "paper", "this build", "verdict", "reason"]
    assert table["claim"].tolist() == list(by_key)
    counts = verdicts.verdict_counts(checked)
    assert sum(counts.values()) == len(checked) and counts[verdicts.NA] == 0


def test_a_claim_about_every_model_marks_each_model(art):
    v = verdicts.sens_spec(art)  # 90% sensitivity, 40% specificity for every model
    assert v.build.count("✓") == 3 and "✗" not in v.build
    metrics = pd.read_csv(art / "training" / "metrics.csv")
    metrics[metrics["fold"] < 2].to_csv(art / "training" / "metrics.csv", index=False)
    assert verdicts.best_model(art).reason.endswith("+few_folds")


def test_same_type_is_pairwise_agreement_against_sixty_percent(art):
    from painsign_utils.clustering import agreement_table

    types = pd.read_csv(art / "tables" / "video_summary.csv")
    # ViT changes its type on v0-v5, N-CNN on v6-v11: pairs agree on 70%, 70% and 40% of 20 videos,
    # mean 60%; all three agree on 8 of 20 (40%)
    for model, videos in (("vit_b16", range(6)), ("ncnn", range(6, 12))):
        mask = (types["model"] == model) & (types["video"].isin([f"v{i}" for i in videos]))
        types.loc[mask, "sign_type"] = "indeterminate"
    agreement_table(types, MODELS).to_csv(art / "tables" / "agreement.csv", index=False)
    v = verdicts.same_type(art)
    assert (v.verdict, v.reason) == ("yes", "close")
    assert v.build == "60.0% (mean of 3 pairs, 40.0%-70.0%); all 40.0%"


def test_failing_claims_say_no_with_a_reason_code(art):
    pd.DataFrame(
        [
            {"model": m, "sign_type": t, "accuracy": acc, "k": 2}
            for m in MODELS
            for t, acc in (("stable", 0.3), ("unstable", 0.6))
        ]
    ).to_csv(art / "tables" / "table3.csv", index=False)
    three = verdicts.three_types(art)
    assert (three.verdict, three.reason) == ("no", "no_model") and three.build.count("✗") == 3
    assert verdicts.stable_better(art).verdict == "no"
    pd.DataFrame(
        [
            {"model": m, "video": "v1", "Grad-CAM": 0.9, "IG": np.nan if m == "ncnn" else 0.2}
            for m in MODELS
        ]
    ).to_csv(art / "explain" / "map_stability.csv", index=False)
    v = verdicts.gradcam_vs_ig(art)
    assert (v.verdict, v.reason) == ("no", "no_model+flat_gradcam")
    # A model whose Grad-CAM lights the cap or the background more than the face is not judged.
    pd.DataFrame(
        {
            "model": MODELS,
            "face_area": 0.4,
            "gradcam_face_share": [0.2 if m == MODELS[0] else 0.6 for m in MODELS],
        }
    ).to_csv(art / "tables" / "attribution_regions.csv", index=False)
    v = verdicts.gradcam_vs_ig(art)
    assert (v.verdict, v.reason) == ("no", "no_model+flat_gradcam+gradcam_off_face")
    assert v.build.count("✗") == len(MODELS) - 2


def test_stable_better_needs_enough_videos_of_both_types(art):
    pd.DataFrame(
        [
            {"model": m, "sign_type": t, "accuracy": acc, "n_pain": n, "n_nopain": 0}
            for m in MODELS
            for t, acc, n in (("stable", 0.8, 5), ("unstable", 0.4, 1 if m == "ncnn" else 5))
        ]
    ).to_csv(art / "tables" / "table3.csv", index=False)
    v = verdicts.stable_better(art)
    assert (v.verdict, v.reason) == ("partly", "some_models+fewer_videos")
    assert "N-CNN –" in v.build


def test_missing_artifacts_read_not_available(tmp_path):
    out = verdicts.verdicts(art=tmp_path / "empty")
    assert len(out) == len(verdicts.CHECKS)
    assert all(v.verdict == verdicts.NA and v.reason == "missing_artifact" for v in out)
    assert {v.build for v in out} >= {"training/metrics.csv", "tables/agreement.csv"}
    assert verdicts.model_quality(tmp_path) is None


def test_a_malformed_artifact_is_a_row_not_an_exception(art):
    (art / "tables" / "table3.csv").write_text("model,sign_type\nncnn,stable\n")
    v = {x.key: x for x in verdicts.verdicts(art=art)}["stable_better"]
    assert (v.verdict, v.reason) == (verdicts.NA, "unreadable_artifact")
    assert v.build.startswith("KeyError")


def test_model_quality_is_shown_when_present(tmp_path):
    (tmp_path / "tables").mkdir()
    pd.DataFrame({"model": ["ncnn"], "val_auc": [0.8], "frame_auc": [0.7]}).to_csv(
        tmp_path / "tables" / "model_quality.csv", index=False
    )
    assert verdicts.model_quality(tmp_path).loc["N-CNN", "val_auc"] == 0.8


def test_same_type_reads_chapter_05s_agreement_table(art):
    pd.DataFrame(
        {
            "models": ["vggface / ncnn", "vggface / vit_b16", "ncnn / vit_b16", "all"],
            "n_videos": 20,
            "agreement": [0.55, 0.65, 0.60, 0.45],
        }
    ).to_csv(art / "tables" / "agreement.csv", index=False)
    v = verdicts.same_type(art)
    assert v.verdict == "yes" and v.build == "60.0% (mean of 3 pairs, 55.0%-65.0%); all 45.0%"


def test_three_types_under_the_authors_protocol_reads_the_silhouettes(art):
    from painsign_utils.clustering import AuthorsSignTypeClassifier, save_classifiers

    rng = np.random.default_rng(0)
    # two tight blobs: k = 2 has the best silhouette, yet the authors' classifier keeps k = 3
    X = pd.DataFrame(
        {
            "entropy": np.r_[rng.normal(0.2, 0.02, 15), rng.normal(2.5, 0.02, 15)],
            "crossings": np.r_[rng.integers(0, 1, 15), rng.integers(6, 7, 15)].astype(float),
        }
    )
    classifiers = {m: AuthorsSignTypeClassifier().fit(X) for m in MODELS}
    assert all(c.k_ == 3 for c in classifiers.values())  # table3.csv would say k = 3: not evidence
    save_classifiers(classifiers, art / "clustering" / "sign_types.pkl")
    v = verdicts.three_types(art)
    assert (v.verdict, v.reason) == ("no", "no_model+k_fixed")
    assert v.build.startswith("best k: VGG-Face 2 (") and v.build.count("✗") == 3
    # a model with too few distinct signs for k = 3 is not judged
    few = AuthorsSignTypeClassifier().fit(
        pd.DataFrame({"entropy": [0.2, 0.2, 2.5, 2.5, 1.0], "crossings": [0.0, 0.0, 6.0, 6.0, 3.0]})
    )
    save_classifiers({**classifiers, "ncnn": few}, art / "clustering" / "sign_types.pkl")
    v = verdicts.three_types(art)
    assert v.reason == "no_model+k_fixed+too_few_signs" and "N-CNN –" in v.build
    # the causal classifier chooses k itself: the verdict reads table3's k as before
    (art / "clustering" / "sign_types.pkl").unlink()
    assert verdicts.three_types(art).verdict == "yes"


def test_calibration_verdicts_judge_only_what_needs_judging(art):
    cal = pd.read_csv(art / "tables" / "calibration.csv")
    # VGG-Face is calibrated already (not judged); no map helps N-CNN
    cal.loc[(cal["model"] == "vggface") & (cal["method"] == "raw"), "ece_width"] = 0.02
    cal.loc[(cal["model"] == "ncnn") & (cal["method"] != "raw"), "ece_width"] = 0.2
    cal.to_csv(art / "tables" / "calibration.csv", index=False)
    v = verdicts.recalibration_helps(art)
    assert (v.verdict, v.reason) == ("partly", "some_models+calibrated_already")
    assert v.build.count("✓") == 1 and v.build.count("✗") == 1
    unc = pd.read_csv(art / "tables" / "uncertainty.csv")
    unc.loc[unc["model"] == "ncnn", "error_auroc"] = np.nan  # no error on its sampled frames
    unc.loc[unc["model"] == "vit_b16", "error_auroc"] = 0.55
    unc.to_csv(art / "tables" / "uncertainty.csv", index=False)
    v = verdicts.mc_dropout_flags_errors(art)
    assert (v.verdict, v.reason) == ("partly", "some_models+no_errors")
    assert "N-CNN MC –" in v.build


def test_indeterminate_signs_must_exist_and_be_rare(art):
    v = verdicts.indeterminate_rare(art)
    assert v.paper == "1 of 360 signs (0.3%), N-CNN"
    assert v.build == "1 of 60 signs (1.7%): VGG-Face 0; N-CNN 1; ViT-B/16 0"
    types = pd.read_csv(art / "tables" / "sign_types.csv")
    types["indeterminate"] = False
    types.to_csv(art / "tables" / "sign_types.csv", index=False)
    assert (verdicts.indeterminate_rare(art).verdict, verdicts.indeterminate_rare(art).reason) == (
        "partly",
        "none_found",
    )
    # the causal protocol's fourth type, on 6 of 60 signs (10%): not rare
    types.loc[types["video"].isin(["v0", "v1"]), "sign_type"] = "indeterminate"
    types.drop(columns="indeterminate").to_csv(art / "tables" / "sign_types.csv", index=False)
    v = verdicts.indeterminate_rare(art)
    assert (v.verdict, v.reason) == ("no", "common") and v.build.startswith("6 of 60 signs")


def test_pearson_r_between_models_must_be_moderate(art):
    v = verdicts.pearson_moderate(art)
    assert v.build.count("✓") == 3 and "(20 videos)" in v.build  # the constant sign is left out
    pairs = pd.read_csv(art / "tables" / "pearson_pairs.csv")
    pairs.loc[pairs["model_b"] == "vit_b16", "r"] = 0.95
    pairs.to_csv(art / "tables" / "pearson_pairs.csv", index=False)
    v = verdicts.pearson_moderate(art)
    assert (v.verdict, v.reason) == ("partly", "some_pairs+stronger")
    assert v.build.startswith("N-CNN/VGG-Face 0.51 (20 videos) ✓; N-CNN/ViT-B/16 0.95")
    pairs["r"] = 0.1
    pairs.to_csv(art / "tables" / "pearson_pairs.csv", index=False)
    assert verdicts.pearson_moderate(art).reason == "no_pair+weaker"
    pairs["r"] = np.nan
    pairs.to_csv(art / "tables" / "pearson_pairs.csv", index=False)
    v = verdicts.pearson_moderate(art)
    assert (v.verdict, v.reason) == (verdicts.NA, "no_pairs")


def test_friedman_within_types_judges_matched_videos_only(art):
    table = pd.read_csv(art / "tables" / "friedman_sign_types.csv")
    v = verdicts.friedman_types(art)
    assert v.build.endswith("type means entropy p 0.700, crossings p 0.700")
    assert "all " not in v.build  # the test over every video is not a sign type
    # stable differs in entropy; unstable has too few matched videos to be judged
    row = (table["design"] == "videos") & (table["sign_type"] == "stable")
    table.loc[row & (table["metric"] == "entropy"), "p_value"] = 0.001
    table.loc[(table["sign_type"] == "unstable"), "n_blocks"] = 2
    table.to_csv(art / "tables" / "friedman_sign_types.csv", index=False)
    v = verdicts.friedman_types(art)
    assert (v.verdict, v.reason) == ("partly", "some_types+few_matched_videos")
    assert "unstable (2 videos) –" in v.build and v.build.count("✗") == 1
    table.loc[table["design"] == "videos", "p_value"] = 0.01
    table.to_csv(art / "tables" / "friedman_sign_types.csv", index=False)
    assert verdicts.friedman_types(art).reason == "no_type+few_matched_videos"
    table["n_blocks"] = 1
    table.to_csv(art / "tables" / "friedman_sign_types.csv", index=False)
    v = verdicts.friedman_types(art)
    assert (v.verdict, v.reason) == (verdicts.NA, "few_matched_videos")


def test_real_time_needs_every_model_to_keep_up_with_the_camera(art):
    assert verdicts.real_time(art).build == "VGG-Face 45 fps ✓; N-CNN 45 fps ✓; ViT-B/16 45 fps ✓"
    pd.DataFrame({"model": MODELS, "e2e optimized": [45.0, 12.0, 29.9]}).to_csv(
        art / "monitor" / "speed_summary.csv", index=False
    )
    v = verdicts.real_time(art)
    assert (v.verdict, v.reason) == ("partly", "some_models") and v.build.count("✗") == 2
    (art / "monitor" / "speed_summary.csv").unlink()  # chapter 08 skipped the benchmark
    v = verdicts.real_time(art)
    assert (v.verdict, v.reason, v.build) == (
        verdicts.NA,
        "missing_artifact",
        "monitor/speed_summary.csv",
    )


def test_verdicts_name_the_cause_the_world_ablation_finds(art):
    from painsign_utils.evaluation import ablation

    before = {k: getattr(verdicts, k)(art).reason for k in ("test_drop", "sens_spec", "same_type")}
    rows = {  # cause: val-video AUC drop via video_auc, sensitivity, specificity, agreement, best k
        ablation.ALL_ON: (0.70, 0.90, 0.40, 0.90, 2),
        ablation.without("distress"): (0.75, 0.85, 0.80, 0.85, 2),
        ablation.without("compression"): (0.90, 0.90, 0.45, 0.95, 2),
        ablation.ALL_OFF: (0.95, 0.90, 0.88, 0.70, 2),
    }
    table = pd.DataFrame(
        [
            {"cause": c, "model": m, "val_auc": 0.96, "video_auc": a, "sensitivity": se}
            | {"specificity": sp, "accuracy": 0.5, "agreement": ag, "best_k": k}
            | {"frame_auc": 0.9, "truth_r": 0.9, "scenario_ari": 0.5, "pearson": 0.9}
            for c, (a, se, sp, ag, k) in rows.items()
            for m in MODELS
        ]
    )
    table.to_csv(art / "tables" / "domain_ablation.csv", index=False)
    # A reproduced claim names no cause: the fixture reproduces the drop and sens > spec.
    for name in ("test_drop", "sens_spec"):
        v = getattr(verdicts, name)(art)
        assert (v.verdict, v.reason) == (verdicts.YES, before[name])
    # The causes take the agreement from 0.70 (all off) to 0.90, away from the paper's 60 %:
    # the world does not explain the difference, so the reason says it is the method's.
    v = verdicts.same_type(art)
    assert v.verdict != verdicts.YES and v.reason == before["same_type"] + "+method"
    # Validation below the videos (their AUC is 0.36): no drop, and the cause is named.
    metrics = pd.read_csv(art / "training" / "metrics.csv")
    metrics.assign(auc=0.3).to_csv(art / "training" / "metrics.csv", index=False)
    v = verdicts.test_drop(art)
    assert v.verdict == verdicts.NO and v.reason.endswith("+cause_compression")
    # best k is 2 with every cause on and all off: no cause to name, the method's
    assert "cause_" not in verdicts.three_types(art).reason
    # Pearson r is the same in every world: a "no" is the method's
    v = verdicts.pearson_moderate(art)
    assert v.verdict == verdicts.YES or v.reason.endswith("+method")
    # Which model leads on the validation photos: the photos are the same in every world.
    v = verdicts.best_model(art)
    assert v.verdict == verdicts.YES or v.reason.endswith("+method")
