"""The comparison page's tables, build facts and re-run boxes, on small hand-made artifacts."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from painsign_utils import report
from painsign_utils.errors import ConfigError
from painsign_utils.paper import TABLE2, TABLE2_TEST

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
                "score": (score := rng.uniform()),
                "mean_prob": score,
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


def test_missing_artifacts_name_the_file_they_wait_for(tmp_path):
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
    assert all(s.table is None for s in sections)
    assert sections[1].missing == "training/metrics.csv"
    assert sections[-1].missing == "tables/agreement.csv"
    assert report.build_protocol(tmp_path / "empty") is None
    assert report.long_table(sections).empty
    assert report.comparison_figure(report.long_table(sections)) is not None


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


def test_every_section_reads_the_build(art):
    _authors_build(art)
    sections = {s.key: s for s in report.compare_all(art=art)}
    assert all(s.missing is None for s in sections.values()), [s.missing for s in sections.values()]
    # Table 1: counted from the manifests, mapped onto the paper's data set names.
    t1 = sections["table1"].table
    assert t1.loc["total samples", ("synthetic-unifesp", "ours")] == 4
    assert t1.loc["total samples", ("synthetic-unifesp", "paper (UNIFESP)")] == 360
    # Table 2 validation: the mean over folds, next to the paper's mean; the numbers its text glues.
    metrics = pd.read_csv(art / "training" / "metrics.csv")
    long = sections["table2_validation"].long.set_index(["quantity", "model"])
    assert long.loc[("AUC", "ncnn"), "ours"] == pytest.approx(
        metrics[metrics.model == "ncnn"]["auc"].mean()
    )
    assert long.loc[("AUC", "ncnn"), "paper"] == TABLE2["ncnn"]["auc"][0]
    assert sections["table2_validation"].facts == {"n_folds": 3, "rule": "validation_folds"}
    # Table 2 test: the video-level rates, paper column from the paper's constants.
    test = sections["table2_test"].long.set_index(["quantity", "model"])
    assert test.loc[("Sensitivity", "vit_b16"), "paper"] == TABLE2_TEST["vit_b16"]["sensitivity"]
    assert sections["table2_test"].table.loc["AUC", "N-CNN (paper)"] == "74.0%"
    assert sections["table2_test"].facts == {"n_videos": 12}
    # Thresholds, Pearson r, Table 3.
    thr = sections["thresholds"].table
    assert thr.loc["N-CNN", "paper (mean θ_k)"] == "54.2% ± 13.5%"
    assert thr.loc["VGG-Face", "paper (mean θ_k)"] == "49.4%"  # no sd known
    assert len(sections["pearson"].long) == 3
    t3 = sections["table3"].table
    assert t3.loc[("VGG-Face", "stable"), ("Entropy", "paper")] == "0.35 ± 0.46"
    long_all = report.long_table(list(sections.values()))
    assert set(long_all["section"]) == set(sections)
    assert long_all[["ours", "paper"]].notna().all().all()


def test_authors_protocol_page(art):
    _authors_build(art)
    assert report.build_protocol(art) == "authors"
    sections = {s.key: s for s in report.compare_all(art=art)}
    # Table 2 under both rules, each beside the paper's; the paper's threshold only on the authors' rule.
    rules = sections["table2_rules"].table
    authors, text = ("N-CNN", "validation_folds"), ("N-CNN", "training_folds")
    assert rules.loc[authors, ("Accuracy", "ours")] == "70.0% ± 5.0%"
    assert rules.loc[text, ("Accuracy", "ours")] == "60.0% ± 5.0%"
    assert rules.loc[text, ("Accuracy", "paper")] == "83.6% ± 7.2%"
    assert rules.loc[authors, ("Threshold", "paper")] == "54.2% ± 13.5%"
    assert rules.loc[text, ("Threshold", "paper")] == "–"
    assert sections["table2_rules"].facts == {"n_folds": 3, "rule": "validation_folds"}
    # only the rule that Table 2 above does not already show adds points to the figure
    assert set(sections["table2_rules"].long["quantity"].str.split(", ").str[1]) == {
        "training folds"
    }
    # Video thresholds: fold mean ± sd under the build's rule, and both rules' means.
    thr = sections["thresholds"].table
    assert thr.loc["VGG-Face", "video threshold (ours)"] == "50.0% ± 20.0%"
    assert thr.loc["N-CNN", "rule"] == "validation_folds"
    assert thr.loc["ViT-B/16", "training_folds, mean ± sd"] == "50.0% ± 10.0%"
    # Table 3: three types plus the indeterminate overlay row (no paper value beside it).
    t3 = sections["table3"].table
    assert ("N-CNN", "indeterminate (overlay)") in t3.index
    assert t3.loc[("N-CNN", "indeterminate (overlay)"), ("Accuracy", "paper")] == "–"
    assert t3.index.get_level_values(0).tolist()[:4] == ["VGG-Face"] * 3 + ["N-CNN"]
    # Pairwise agreement per pair beside the authors' outputs, and the three-way share.
    ag = sections["agreement"].table
    assert ag.loc["VGG-Face / N-CNN", "ours"] == "100.0%"
    assert ag.loc["VGG-Face / N-CNN", "paper (authors' outputs)"] == "57.5%"
    assert ag.loc["N-CNN / ViT-B/16", "ours"] == "0.0%"
    assert ag.loc["VGG-Face / ViT-B/16", "paper (authors' outputs)"] == "65.8%"
    assert ag.loc["all models", "ours"] == "0.0%"
    assert ag.loc["all models", "paper (authors' outputs)"] == "44.2%"
    assert report.comparison_figure(report.long_table(list(sections.values()))) is not None


def test_causal_protocol_page(art):
    _authors_build(art, protocol="causal")
    assert report.build_protocol(art) == "causal"
    (
        art / "tables" / "video_summary.csv"
    ).unlink()  # the protocol then comes from the threshold rule
    assert report.build_protocol(art) == "causal"
    sections = {s.key: s for s in report.compare_all(art=art)}
    assert sections["thresholds"].table.loc["N-CNN", "rule"] == "training_folds"
    assert sections["table2_rules"].facts["rule"] == "training_folds"
    assert set(sections["table2_rules"].long["quantity"].str.split(", ").str[1]) == {
        "validation folds"
    }


def test_a_malformed_artifact_names_the_error(art):
    (art / "tables" / "table3.csv").write_text("model,sign_type\nncnn,stable\n")
    table3 = {s.key: s for s in report.compare_all(art=art)}["table3"]
    assert table3.table is None and table3.missing.startswith("KeyError")


def test_build_info_reads_the_run_and_timings_csv(tmp_path, art):
    from painsign_utils import runner

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
    for stem in ("00_data", "03_test", "04_other"):
        _notebook(tmp_path / "notebooks" / f"{stem}.ipynb", 'profile = "t"')
    # the seconds are timings.csv's, never papermill's duration or the run's JSON
    runner.record_timing(art, "t", "00_data", 3.4, fresh=True)
    runner.record_timing(art, "t", "03_test", 2.6, fresh=True)
    runner.record_timing(art, "t", "03_test", 1.2, fresh=False)
    pd.DataFrame(
        {"model": ["vggface", "ncnn"], "start": ["synthetic-face pretraining", "random start"]}
    ).to_csv(art / "tables" / "model_starts.csv", index=False)
    info = report.build_info("t", root=tmp_path, art=art)
    assert info["description"] == "tiny" and info["data_source"] == "synthetic"
    chapters = info["chapters"].set_index("notebook")
    assert chapters.index.tolist() == ["00_data", "03_test"]
    assert chapters["seconds"].tolist() == [3.4, 1.2]
    assert chapters["start"].tolist() == ["fresh", "cached"]
    assert chapters.loc["03_test", "parameters"] == "seed=1"
    assert (info["n_chapters"], info["n_timed"]) == (3, 2)
    assert info["fresh_minutes"] == round(3.4 / 60, 1) and info["cached"] == ["03_test"]
    datasets = info["datasets"].set_index("dataset")
    assert datasets.loc["synthetic-icopevid", "samples"] == 2
    assert datasets.loc["synthetic-unifesp", "newborns"] == 2
    starts = info["starts"]
    assert starts.loc["VGG-Face", "start"] == "synthetic-face pretraining"
    assert starts.loc["VGG-Face", "paper start"] == "VGG-Face"
    assert starts.loc["N-CNN", "paper start"] == "scratch"
    assert starts.loc["VGG-Face", "input size"] == 64
    assert starts.loc["VGG-Face", "paper input size"] == 224
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
    assert table.loc["flag", "this build"] == "False" and not table["changed"].any()
    params = report.profile_parameters(nb, "t", root=tmp_path)
    cmd = shlex.split(report.papermill_command(nb, params))
    assert cmd[:2] == ["papermill", str(nb)] and cmd[2].endswith("book/03_test.ipynb")
    # strings stay strings (papermill would read "007" as a number with -p), lists go as YAML
    assert ["-r", "name", "007"] == cmd[cmd.index("name") - 1 : cmd.index("name") + 2]
    assert ["-p", "rate", "5.0"] == cmd[cmd.index("rate") - 1 : cmd.index("rate") + 2]
    assert "items: [3]" in cmd
    with pytest.raises(ConfigError, match="no single notebook"):
        report.notebook_source("99", root=tmp_path)


def test_timing_table_never_passes_a_cached_run_off_as_fresh(tmp_path):
    from painsign_utils import runner

    art = tmp_path / "a"
    art.mkdir()
    assert runner.artifacts_are_empty(art)
    for nb, sec in (("00_data", 60.0), ("01_pre", 120.0)):
        runner.record_timing(art, "t", nb, sec, fresh=True)
    (art / "x.csv").write_text("1")
    assert not runner.artifacts_are_empty(art)
    assert report.load_timings(art)["seconds"].sum() == 180.0
    assert report.load_timings(tmp_path / "none").empty
    runner.record_timing(art, "t", "01_pre", 6.0, fresh=False)
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


def test_command_line_prints_one_command_per_notebook(capsys):
    assert report.main(["commands", "smoke"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    assert all(ln.startswith("papermill notebooks/") and "-r profile smoke" in ln for ln in lines)
    assert report.main(["commands", "no-such-profile"]) == 2
    assert "unknown profile" in capsys.readouterr().out
