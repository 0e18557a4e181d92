"""The comparison page's tables, build facts and re-run boxes, on small hand-made artifacts."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from painsign_utils import report
from painsign_utils.errors import ConfigError
from painsign_utils.evaluation import PAPER
from painsign_utils.training import PAPER_TABLE2

ROOT = Path(__file__).resolve().parent.parent
MODELS = ["vggface", "ncnn", "vit_b16"]


def _notebook(path: Path, params: str) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# T"),
        cell,
        nbformat.v4.new_code_cell("# figure: fig-demo | A demo figure.\nx = 1"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def art(tmp_path):
    """Artifacts of a tiny build: manifests, training metrics, video summary, Pearson pairs, Table 3."""
    from painsign_utils.clustering import table3

    a = tmp_path / "artifacts" / "t"
    rng = np.random.default_rng(0)
    (a / "manifests").mkdir(parents=True)
    pd.DataFrame(
        {
            "path": [f"i{i}.png" for i in range(6)],
            "subject": ["s1", "s1", "s2", "s2", "s3", "s3"],
            "dataset": ["synthetic-icope"] * 2 + ["synthetic-unifesp"] * 4,
            "label": ["pain", "nopain"] * 3,
        }
    ).to_csv(a / "manifests" / "images.csv", index=False)
    pd.DataFrame(
        {
            "path": ["v1.mp4", "v2.mp4"],
            "subject": ["s4", "s5"],
            "dataset": "synthetic-icopevid",
            "label": ["pain", "nopain"],
        }
    ).to_csv(a / "manifests" / "videos.csv", index=False)
    (a / "training").mkdir()
    rows = [
        {
            "model": m,
            "fold": f,
            "accuracy": rng.uniform(0.5, 1),
            "sensitivity": rng.uniform(0.5, 1),
            "specificity": rng.uniform(0.5, 1),
            "auc": rng.uniform(0.5, 1),
            "threshold": 0.5,
        }
        for m in MODELS
        for f in range(3)
    ]
    pd.DataFrame(rows).to_csv(a / "training" / "metrics.csv", index=False)
    pd.DataFrame(
        {
            "model": MODELS,
            "fold": [0, 1, 2],
            "checkpoint": "x.pt",
            "val_auc": [0.9, 0.8, 0.7],
            "threshold": [0.45, 0.55, 0.40],
            "weights_source": ["random init", "random init", "/w/vit.pth"],
            "input_size": [64, 120, 224],
        }
    ).to_csv(a / "training" / "best_models.csv", index=False)
    (a / "tables").mkdir()
    videos = [f"v{i}" for i in range(12)]
    summary = pd.DataFrame(
        [
            {
                "model": m,
                "video": v,
                "label": i % 2,
                "mean_prob": rng.uniform(),
                "threshold": 0.5,
                "entropy": rng.uniform(0, 3),
                "crossings": int(rng.integers(0, 8)),
                "sign_type": ["stable", "irregular", "unstable"][i % 3],
            }
            for m in MODELS
            for i, v in enumerate(videos)
        ]
    )
    summary.to_csv(a / "tables" / "video_summary.csv", index=False)
    summary.to_csv(a / "tables" / "sign_types.csv", index=False)
    table3(summary).to_csv(a / "tables" / "table3.csv", index=False)
    pd.DataFrame(
        [
            {"video": v, "model_a": x, "model_b": y, "r": rng.uniform(-1, 1)}
            for v in videos
            for x, y in [("vggface", "ncnn"), ("vggface", "vit_b16"), ("ncnn", "vit_b16")]
        ]
    ).to_csv(a / "tables" / "pearson_pairs.csv", index=False)
    return a


def test_missing_artifacts_give_sentences_not_errors(tmp_path):
    sections = report.compare_all(art=tmp_path / "empty")
    assert [s.key for s in sections] == [
        "table1",
        "table2_validation",
        "table2_rules",
        "table2_test",
        "thresholds",
        "pearson",
        "table3",
        "agreement",
    ]
    for s in sections:
        assert s.table is None and s.missing.startswith(
            (
                "Not reproduced in this build: chapter",
                "Not in this build: `tables/table2_rules.csv`",
            )
        )
    assert "02_training" in sections[1].missing and "training/metrics.csv" in sections[1].missing
    assert report.long_table(sections).empty
    assert report.comparison_figure(report.long_table(sections)) is not None


def test_every_section_reads_the_build(art):
    sections = {s.key: s for s in report.compare_all(art=art)}
    assert [k for k, s in sections.items() if s.missing] == ["table2_rules"]  # older artifacts
    # Table 1: counted from the manifests, mapped onto the paper's data set names.
    t1 = sections["table1"].table
    assert t1.loc["total samples", ("synthetic-unifesp", "ours")] == 4
    assert t1.loc["total samples", ("synthetic-unifesp", "paper (UNIFESP)")] == 360
    # Table 2 validation: the mean over folds, next to the paper's mean.
    metrics = pd.read_csv(art / "training" / "metrics.csv")
    long = sections["table2_validation"].long.set_index(["quantity", "model"])
    assert long.loc[("AUC", "ncnn"), "ours"] == pytest.approx(
        metrics[metrics.model == "ncnn"]["auc"].mean()
    )
    assert long.loc[("AUC", "ncnn"), "paper"] == PAPER_TABLE2["ncnn"]["auc"][0]
    # Table 2 test: the video-level rates, paper column from the paper's constants.
    test = sections["table2_test"].long.set_index(["quantity", "model"])
    assert (
        test.loc[("Sensitivity", "vit_b16"), "paper"]
        == PAPER["table2_test"]["vit_b16"]["sensitivity"]
    )
    assert sections["table2_test"].table.loc["AUC", "N-CNN (paper)"] == "74.0%"
    # Thresholds, Pearson r, Table 3.
    assert sections["thresholds"].table.loc["N-CNN", "video threshold (ours)"] == "55.0%"
    assert sections["thresholds"].table.loc["N-CNN", "paper (mean θ_k)"] == "54.2% ± 13.5%"
    assert (
        sections["thresholds"].table.loc["VGG-Face", "paper (mean θ_k)"] == "49.4%"
    )  # no sd known
    assert "predate the threshold rules" in sections["thresholds"].note
    assert len(sections["pearson"].long) == 3
    t3 = sections["table3"].table
    assert t3.loc[("VGG-Face", "stable"), ("Entropy", "paper")] == "0.35 ± 0.46"
    # Agreement: older artifacts without tables/agreement.csv fall back on sign_types.csv.
    agree = sections["agreement"]
    assert agree.table.loc["all models", "ours"] == "100.0%" and "older artifacts" in agree.note
    assert agree.table.loc["N-CNN / ViT-B/16", "paper (authors' outputs)"] == "60.0%"
    # Older artifacts: Table 2 under both rules says why it is absent, the rest renders.
    assert sections["table2_rules"].missing.startswith("Not in this build")
    assert report.protocol_line(art).startswith("**Protocol of this build: not recorded**")
    long_all = report.long_table(list(sections.values()))
    assert set(long_all["section"]) == set(sections) - {"table2_rules"}
    assert long_all[["ours", "paper"]].notna().all().all()


def _authors_build(art: Path, protocol: str = "authors") -> None:
    """Add what chapters 02-05 write under the protocol switch: both rules, agreement, the overlay."""
    from painsign_utils.clustering import agreement_table, table3

    rule = {"authors": "validation_folds", "causal": "training_folds"}[protocol]
    rows = []
    for i, m in enumerate(MODELS):
        for r, shift in (("training_folds", 0.0), ("validation_folds", 0.1)):
            rows.append(
                {
                    "model": m,
                    "rule": r,
                    "accuracy": 0.6 + shift,
                    "sensitivity": 0.7 + shift,
                    "specificity": 0.5 + shift,
                    "auc": 0.8,
                    "accuracy_sd": 0.05,
                    "sensitivity_sd": 0.1,
                    "specificity_sd": 0.1,
                    "auc_sd": 0.02,
                    "threshold": 0.40 + 0.05 * i + shift,
                    "threshold_sd": 0.1,
                    "n_folds": 3,
                }
            )
    pd.DataFrame(rows).to_csv(art / "tables" / "table2_rules.csv", index=False)
    metrics = pd.read_csv(art / "training" / "metrics.csv").assign(threshold_rule=rule)
    metrics.to_csv(art / "training" / "metrics.csv", index=False)
    best = pd.read_csv(art / "training" / "best_models.csv")
    best = best.assign(
        threshold=[0.50, 0.45, 0.55] if protocol == "authors" else best["threshold"],
        threshold_sd=[0.2, 0.1, 0.05] if protocol == "authors" else np.nan,
        threshold_rule=rule,
    )
    best.to_csv(art / "training" / "best_models.csv", index=False)
    summary = pd.read_csv(art / "tables" / "video_summary.csv")
    summary.insert(2, "protocol", protocol)
    summary["indeterminate"] = (summary["model"] == "ncnn") & (summary["video"].isin(["v0", "v3"]))
    summary.to_csv(art / "tables" / "video_summary.csv", index=False)
    # two models agree on every video, the third on none of them
    typed = summary.assign(sign_type=np.where(summary["model"] == "vit_b16", "unstable", "stable"))
    agreement_table(typed, MODELS).to_csv(art / "tables" / "agreement.csv", index=False)
    table3(summary).to_csv(art / "tables" / "table3.csv", index=False)


def test_authors_protocol_page(art):
    _authors_build(art)
    assert report.protocol_line(art).startswith("**Protocol of this build: `authors`**")
    sections = {s.key: s for s in report.compare_all(art=art)}
    assert all(s.missing is None for s in sections.values()), [s.missing for s in sections.values()]
    # Table 2 under both rules, each beside the paper's; the paper's threshold only on the authors' rule.
    rules = sections["table2_rules"].table
    authors, text = (
        ("N-CNN", report.RULE_LABELS["validation_folds"]),
        ("N-CNN", report.RULE_LABELS["training_folds"]),
    )
    assert rules.loc[authors, ("Accuracy", "ours")] == "70.0% ± 5.0%"
    assert rules.loc[text, ("Accuracy", "ours")] == "60.0% ± 5.0%"
    assert rules.loc[text, ("Accuracy", "paper")] == "83.6% ± 7.2%"
    assert rules.loc[authors, ("Threshold", "paper")] == "54.2% ± 13.5%"
    assert rules.loc[text, ("Threshold", "paper")] == "–"
    # only the rule that Table 2 above does not already show adds points to the figure
    assert set(sections["table2_rules"].long["quantity"].str.split(", ").str[1]) == {
        "training folds"
    }
    assert "validation-folds rule" in sections["table2_rules"].note
    # Video thresholds: fold mean ± sd under the build's rule, and both rules' means.
    thr = sections["thresholds"].table
    assert thr.loc["VGG-Face", "video threshold (ours)"] == "50.0% ± 20.0%"
    assert thr.loc["N-CNN", "rule"] == report.RULE_LABELS["validation_folds"]
    assert (
        thr.loc["ViT-B/16", f"{report.RULE_LABELS['training_folds']}, mean ± sd"] == "50.0% ± 10.0%"
    )
    assert "not the thresholds of single best models" in sections["thresholds"].note
    # Table 3: three types plus the indeterminate overlay row (no paper value beside it).
    t3 = sections["table3"].table
    assert ("N-CNN", "indeterminate (overlay)") in t3.index
    assert t3.loc[("N-CNN", "indeterminate (overlay)"), ("Accuracy", "paper")] == "–"
    assert t3.index.get_level_values(0).tolist()[:4] == ["VGG-Face"] * 3 + ["N-CNN"]
    assert "counted in their cluster's row" in sections["table3"].note
    # Pairwise agreement per pair beside the authors' outputs, and the three-way share.
    ag = sections["agreement"].table
    assert (
        ag.loc["VGG-Face / N-CNN", "ours"] == "100.0%"
        and ag.loc["VGG-Face / N-CNN", "paper (authors' outputs)"] == "57.5%"
    )
    assert (
        ag.loc["N-CNN / ViT-B/16", "ours"] == "0.0%"
        and ag.loc["VGG-Face / ViT-B/16", "paper (authors' outputs)"] == "65.8%"
    )
    assert (
        ag.loc["all models", "ours"] == "0.0%"
        and ag.loc["all models", "paper (authors' outputs)"] == "44.2%"
    )
    assert "`tables/agreement.csv`" in sections["agreement"].note
    assert report.comparison_figure(report.long_table(list(sections.values()))) is not None


def test_causal_protocol_page_renders_and_says_so(art):
    _authors_build(art, protocol="causal")
    assert report.protocol_line(art).startswith("**Protocol of this build: `causal`**")
    (
        art / "tables" / "video_summary.csv"
    ).unlink()  # the protocol then comes from the threshold rule
    assert report.protocol_line(art).startswith("**Protocol of this build: `causal`**")
    sections = {s.key: s for s in report.compare_all(art=art)}
    assert sections["thresholds"].table.loc["N-CNN", "rule"] == report.RULE_LABELS["training_folds"]
    assert "training-folds rule" in sections["table2_rules"].note
    assert set(sections["table2_rules"].long["quantity"].str.split(", ").str[1]) == {
        "validation folds"
    }


def test_a_malformed_artifact_is_a_sentence(art):
    (art / "tables" / "table3.csv").write_text("model,sign_type\nncnn,stable\n")
    table3 = {s.key: s for s in report.compare_all(art=art)}["table3"]
    assert table3.table is None and table3.missing.startswith("Could not read")


def test_build_info_from_run_json_and_executed_notebooks(tmp_path, art):
    (art / "run_00.json").write_text(
        json.dumps(
            {
                "profile": "t",
                "description": "tiny",
                "seconds": {"00_data": 3.0},
                "params": {"00_data": {"profile": "t", "synthetic_scale": 0.1}},
            }
        )
    )
    nb = _notebook(tmp_path / "book" / "03_test.ipynb", 'profile = "t"')
    data = json.loads(nb.read_text())
    data["metadata"]["papermill"] = {"parameters": {"profile": "t", "seed": 1}, "duration": 2.5}
    nb.write_text(json.dumps(data))
    _notebook(tmp_path / "book" / "04_other.ipynb", 'profile = "x"')  # another profile: ignored
    info = report.build_info("t", root=tmp_path, art=art)
    assert info["description"] == "tiny"
    assert info["notebooks"]["notebook"].tolist() == ["00_data", "03_test"]
    assert info["notebooks"]["seconds"].tolist() == [3.0, 2.5]
    assert (
        info["data"]["source"] == "synthetic" and "synthetic-icopevid" in info["data"]["datasets"]
    )
    assert info["weights"].set_index("model").loc["VGG-Face", "weights_source"] == "random init"
    html = report.build_summary_html(info)
    assert "<code>t</code>" in html and "VGG-Face: random init, 64 px input" in html
    why = " ".join(report.why_they_differ(info))
    assert "VGG-Face, N-CNN started from random" in why and "VGG-Face 64 px (paper 224 px)" in why
    # Chapter 02's words for each start replace the weight file's path.
    pd.DataFrame(
        {"model": ["vit_b16"], "start": ["synthetic-face pretraining, not ImageNet: 2880 faces"]}
    ).to_csv(art / "tables" / "model_starts.csv", index=False)
    info = report.build_info("t", root=tmp_path, art=art)
    assert (
        info["weights"]
        .set_index("model")
        .loc["ViT-B/16", "weights_source"]
        .startswith("synthetic-face")
    )
    assert "Synthetic-face pretraining, not VGG-Face / ImageNet.** ViT-B/16" in " ".join(
        report.why_they_differ(info)
    )
    assert report.built_profile(tmp_path / "book") == "t"


def test_parameters_table_and_papermill_command(tmp_path):
    nb = _notebook(
        tmp_path / "notebooks" / "03_test.ipynb",
        'profile = "demo"\nrate = 2.5  # samples per second\nname = "a"\nitems = [1, 2]\nflag = False',
    )
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "t.yml").write_text(
        "common: {profile: t, seed: 0}\nnotebooks:\n  03_test: {rate: 5.0, name: '007', items: [3]}\n"
    )
    table = report.parameters_table(nb, "t", root=tmp_path)
    assert table.loc["rate", "meaning"] == "samples per second"
    assert table.loc["rate", "default"] == "2.5" and table.loc["rate", "this build"] == "5.0"
    assert table.loc["flag", "this build"] == "default"
    params = report.profile_parameters(nb, "t", root=tmp_path)
    cmd = shlex.split(report.papermill_command(nb, params))
    assert cmd[:2] == ["papermill", str(nb)] and cmd[2].endswith("book/03_test.ipynb")
    # strings stay strings (papermill would read "007" as a number with -p), lists go as YAML
    assert ["-r", "name", "007"] == cmd[cmd.index("name") - 1 : cmd.index("name") + 2]
    assert ["-p", "rate", "5.0"] == cmd[cmd.index("rate") - 1 : cmd.index("rate") + 2]
    assert "items: [3]" in cmd
    with pytest.raises(ConfigError, match="no single notebook"):
        report.notebook_source("99", root=tmp_path)


def test_exercises_have_hints_and_solutions_in_myst():
    for stem, items in report.EXERCISES.items():
        assert items, stem
        for ex in items:
            assert isinstance(ex, report.Exercise) and ex.task and ex.hint and ex.solution, stem
    text = report.exercises_markdown("04_pain_sign", report.EXERCISES["04_pain_sign"])
    assert text.count(":::{exercise}") == len(report.EXERCISES["04_pain_sign"])
    assert ":label: ex-04_pain_sign-1" in text and ":::{solution} ex-04_pain_sign-1" in text
    assert ":class: dropdown" in text and "Hint" in text
    # a plain string is still accepted (no hint, no solution)
    plain = report.exercises_markdown("x", ["Do this."])
    assert "Do this." in plain and "solution" not in plain


def test_run_time_line_never_passes_a_cached_run_off_as_fresh(tmp_path):
    from painsign_utils import runner

    assert "not recorded" in report.run_time_line(None, 3)
    art = tmp_path / "a"
    art.mkdir()
    assert runner.artifacts_are_empty(art)
    for nb, sec in (("00_data", 60.0), ("01_pre", 120.0)):
        runner.record_timing(art, "t", nb, sec, fresh=True)
    (art / "x.csv").write_text("1")
    assert not runner.artifacts_are_empty(art)
    t = report.load_timings(art)
    line = report.run_time_line(t, 2)
    assert "a fresh run (nothing cached) took 3.0 min" in line and "re-run" not in line
    runner.record_timing(art, "t", "01_pre", 6.0, fresh=False)
    line = report.run_time_line(report.load_timings(art), 2)
    assert "a fresh run (nothing cached) took 3.0 min" in line
    assert (
        "re-run since, reusing cached work: 01_pre (0.1 min, not the time of a fresh run)" in line
    )
    assert "of which the runner timed 2" in report.run_time_line(report.load_timings(art), 5)
    only_cached = tmp_path / "b"
    only_cached.mkdir()
    runner.record_timing(only_cached, "t", "00_data", 6.0, fresh=False)
    assert "no fresh run is recorded" in report.run_time_line(report.load_timings(only_cached), 1)
    runner.record_timing(art, "t", "00_data", 6.0, fresh=False)
    table = report.timing_table([art])
    assert (
        table.loc["01_pre", "t fresh (min)"] == 2.0 and table.loc["01_pre", "t cached (min)"] == 0.1
    )
    assert report.timing_table([tmp_path / "none"]).empty
    runner.record_timing(art, "t", "02_train", 30.0, fresh=False)
    shown = report.timing_table([art], text=True)
    assert (
        shown.loc["02_train", "t fresh (min)"] == "–"
        and shown.loc["02_train", "t cached (min)"] == "0.5"
    )


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
    screen = report.alert_screen(art, "ncnn", videos, alert_delta=0.3, alert_seconds=2.0)
    assert screen["video"].tolist() == ["A", "B"]  # C has no cached probabilities
    assert screen.set_index("video").loc["B", "surges"] == 1
    assert report.pick_alert_video(screen) == "B"  # fires, although A is the preferred scenario
    assert report.pick_alert_video(screen[screen["video"] == "A"]) == "A"
    assert report.pick_alert_video(screen.iloc[:0]) is None


@pytest.mark.parametrize("stem", sorted(report.EXERCISES))
def test_exercises_name_parameters_their_notebook_declares(stem):
    path = ROOT / "notebooks" / f"{stem}.ipynb"
    if not path.exists():
        pytest.skip(f"{stem} not written yet")
    import papermill

    declared = set(papermill.inspect_notebook(str(path)))
    named = {t for e in report.EXERCISES[stem] for t in re.findall(r"`([A-Za-z_]\w*)`", e.task)}
    named -= {"demo", "smoke", "paper"}  # profile names
    assert named <= declared, f"{stem}: exercises name undeclared parameters {named - declared}"


def test_command_line_prints_one_command_per_notebook(capsys):
    assert report.main(["commands", "smoke"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    assert all(ln.startswith("papermill notebooks/") and "-r profile smoke" in ln for ln in lines)
    assert report.main(["commands", "no-such-profile"]) == 2
    assert "unknown profile" in capsys.readouterr().out


def test_monitor_prose_follows_what_fired_and_what_was_measured():
    history = pd.DataFrame({"sign": np.r_[np.full(30, 0.2), np.linspace(0.2, 0.25, 30)]})
    none = pd.DataFrame(columns=["kind", "frame", "time", "value", "change", "message"])
    screen = pd.DataFrame({"video": ["a"], "surges": [0], "drops": [0], "max_change": [0.05]})
    text = report.alert_text(none, history, 30.0, 0.3, 2.0, 1.0, screen)
    assert text.startswith("**No surge or drop alert fired") and "0.050" in text
    assert "No test video of this build raised one either" in text and "no no-face alert" in text
    fired = pd.DataFrame(
        {
            "kind": ["surge", "no_face"],
            "frame": [10, 40],
            "time": [0.3, 1.3],
            "value": [0.7, np.nan],
            "change": [0.4, 1.0],
            "message": ["", ""],
        }
    )
    text = report.alert_text(fired, history, 30.0, 0.3, 2.0, 1.0, screen)
    assert (
        text.startswith("1 surge/drop alert(s) fired on this video (1 surge)")
        and "1 no-face alert" in text
    )
    speed = pd.DataFrame(
        {
            "model": ["ncnn", "vggface"],
            "classify naive": [159.0, 12.0],
            "e2e optimized": [64.0, 9.0],
        }
    )
    summary = report.monitor_summary("V002", 180, none, speed, 30.0, 2, False)
    assert "180 frames identical" in summary and "On video V002 no alert fired" in summary
    assert "N-CNN 159, VGG-Face 12 faces a second" in summary
    assert "N-CNN keeps up with the 30-fps camera, VGG-Face does not" in summary
    assert "native bfloat16: no" in summary
    slow = report.monitor_summary(
        "V1", 10, fired, speed.assign(**{"e2e optimized": [5.0, 2.0]}), 30.0, 2, True
    )
    assert "no model keeps up" in slow and "raised 2 alert(s) (1 surge, 1 no_face)" in slow
    assert "not measured" in report.monitor_summary("V1", 10, none, None, 30.0, 2, True)
