"""Comparison sections for Tables 1 and 2 and the video thresholds, ours beside the paper's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import paper
from .common import (
    METRIC_LABELS,
    METRICS,
    Section,
    long_frame,
    missing_section,
    model_names,
    paper_threshold,
    pm,
)


def _dataset_key(name: str) -> str | None:
    """Map one of our dataset names (``synthetic-icopevid``, ``iCOPE``...) to the paper's column."""
    low = str(name).lower()
    for paper_name in ("iCOPEvid", "UNIFESP", "iCOPE"):  # iCOPEvid before its prefix iCOPE
        if paper_name.lower() in low:
            return paper_name
    return None


def _build_rule(art: Path) -> str | None:
    """The threshold rule this build's Table 2 used (``training/metrics.csv``), or None."""
    path = art / "training" / "metrics.csv"
    if not path.exists():
        return None
    rules = pd.read_csv(path, usecols=["threshold_rule"])["threshold_rule"].dropna()
    return str(rules.iloc[0]) if len(rules) else None


def table1_section(art: Path) -> Section:
    """Table 1: newborns, samples, pain and no pain per dataset, counted from the manifests."""
    from ..data import dataset_summary

    images, videos = art / "manifests" / "images.csv", art / "manifests" / "videos.csv"
    for path in (images, videos):
        if not path.exists():
            return missing_section("table1", path, art)
    ours = dataset_summary(pd.read_csv(images), pd.read_csv(videos))
    quantities = ["newborns", "total samples", "pain", "no pain"]
    cols, rows = {}, []
    for name in ours.columns:
        paper_name = _dataset_key(name)
        cols[(name, "ours")] = [int(ours.loc[q, name]) for q in quantities]
        if paper_name is None:
            cols[(name, "paper")] = ["–"] * len(quantities)
            continue
        cols[(name, f"paper ({paper_name})")] = [
            int(paper.TABLE1[paper_name][q]) for q in quantities
        ]
        rows += [
            (f"{paper_name}: {q}", "", float(ours.loc[q, name]), float(paper.TABLE1[paper_name][q]))
            for q in quantities
        ]
    table = pd.DataFrame(cols, index=quantities)
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return Section("table1", table, long_frame("table1", rows))


def table2_validation_section(art: Path) -> Section:
    """Table 2 (validation): mean ± sd over the cross-validation folds, and Friedman p-values."""
    from ..training import table2

    path = art / "training" / "metrics.csv"
    if not path.exists():
        return missing_section("table2_validation", path, art)
    metrics = pd.read_csv(path)
    rows = [
        (METRIC_LABELS[m], model, float(g[m].mean()), paper.TABLE2_VALIDATION[model][m][0])
        for model, g in metrics.groupby("model", sort=False)
        if model in paper.TABLE2_VALIDATION
        for m in METRICS
    ]
    return Section(
        "table2_validation",
        table2(metrics),
        long_frame("table2_validation", rows),
        facts={"n_folds": int(metrics["fold"].nunique()), "rule": _build_rule(art)},
    )


def table2_test_section(art: Path) -> Section:
    """Table 2 (test): one label per video, the video's mean probability against the threshold."""
    from ..evaluation import table2_test, video_metrics

    path = art / "tables" / "video_summary.csv"
    if not path.exists():
        return missing_section("table2_test", path, art)
    ours = video_metrics(pd.read_csv(path))
    rows = [
        (METRIC_LABELS[m], model, float(ours.loc[model, m]), paper.TABLE2_TEST[model][m])
        for model in ours.index
        if model in paper.TABLE2_TEST
        for m in METRICS
    ]
    return Section(
        "table2_test",
        table2_test(ours, model_names()),
        long_frame("table2_test", rows),
        facts={"n_videos": int(ours["n"].iloc[0]) if len(ours) else 0},
    )


def table2_rules_section(art: Path) -> Section:
    """Table 2 (validation) under both threshold rules of the same run (``tables/table2_rules.csv``).

    The rows are indexed by model and rule code (``validation_folds``, ``training_folds``).
    """
    path = art / "tables" / "table2_rules.csv"
    if not path.exists():
        return missing_section("table2_rules", path, art)
    rules = pd.read_csv(path)
    build_rule = _build_rule(art)
    out, rows = {}, []
    for r in rules.itertuples():
        ref = paper.TABLE2_VALIDATION.get(r.model)
        rec = {}
        for m in METRICS:
            rec[(METRIC_LABELS[m], "ours")] = pm(getattr(r, m), getattr(r, f"{m}_sd", None))
            rec[(METRIC_LABELS[m], "paper")] = "–" if ref is None else pm(*ref[m])
            # The build's own rule is already in the Table 2 section: only the other rule adds points.
            if ref is not None and r.rule != build_rule and np.isfinite(getattr(r, m)):
                rows.append(
                    (
                        f"{METRIC_LABELS[m]}, {r.rule.replace('_', ' ')}",
                        r.model,
                        float(getattr(r, m)),
                        float(ref[m][0]),
                    )
                )
        rec[("Threshold", "ours")] = pm(r.threshold, getattr(r, "threshold_sd", None))
        rec[("Threshold", "paper")] = (
            paper_threshold(r.model) if r.rule == "validation_folds" else "–"
        )
        out[(model_names().get(r.model, r.model), r.rule)] = rec
    table = pd.DataFrame.from_dict(out, orient="index")
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    table.index.names = ["model", "threshold rule"]
    n = int(rules["n_folds"].max()) if "n_folds" in rules and len(rules) else 0
    return Section(
        "table2_rules",
        table,
        long_frame("table2_rules", rows),
        facts={"n_folds": n, "rule": build_rule},
    )


def thresholds_section(art: Path) -> Section:
    """The video thresholds: the mean ± sd of the per-fold Youden thresholds, beside the paper's.

    Columns: this build's video threshold and its rule code, the mean ± sd under each rule of
    ``tables/table2_rules.csv`` (chapter 02) and the paper's mean θ_k.
    """
    path = art / "training" / "best_models.csv"
    rules_path = art / "tables" / "table2_rules.csv"
    for need in (path, rules_path):
        if not need.exists():
            return missing_section("thresholds", need, art)
    best = pd.read_csv(path)
    rules = pd.read_csv(rules_path).set_index(["model", "rule"])
    names = ("validation_folds", "training_folds")
    cols: dict[str, list] = {"model": [], "video threshold (ours)": [], "rule": []}
    cols.update({f"{rule}, mean ± sd": [] for rule in names})
    cols["paper (mean θ_k)"] = []
    long_rows = []
    for r in best.itertuples():
        cols["model"].append(model_names().get(r.model, r.model))
        cols["video threshold (ours)"].append(pm(r.threshold, r.threshold_sd))
        cols["rule"].append(str(r.threshold_rule))
        for rule in names:
            hit = (r.model, rule) in rules.index
            cols[f"{rule}, mean ± sd"].append(
                pm(
                    rules.loc[(r.model, rule), "threshold"],
                    rules.loc[(r.model, rule), "threshold_sd"],
                )
                if hit
                else "–"
            )
        cols["paper (mean θ_k)"].append(paper_threshold(r.model))
        if r.model in paper.THRESHOLDS:
            long_rows.append(
                (
                    f"video threshold ({str(r.threshold_rule).replace('_', ' ')})",
                    r.model,
                    float(r.threshold),
                    paper.THRESHOLDS[r.model],
                )
            )
    table = pd.DataFrame(cols).set_index("model")
    return Section("thresholds", table, long_frame("thresholds", long_rows))
