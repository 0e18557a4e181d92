"""Verdicts on the models' metrics: the best model (Table 2, validation), sensitivity over
specificity on the test videos, the drop from validation to test."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import paper
from .common import (
    METHOD,
    NO,
    PARTLY,
    RULES,
    YES,
    Verdict,
    ablation_cause,
    codes,
    mark,
    model_name,
    pct,
    read_table,
    share,
)


def best_model(art: Path) -> Verdict:
    """VGG-Face has the best validation metrics, yet no metric differs significantly (Friedman)."""
    from ..training import friedman_pvalues

    auc_paper = ", ".join(
        f"{model_name(m)} {pct(row['auc'][0])}" for m, row in paper.TABLE2_VALIDATION.items()
    )
    v = Verdict("best_model", f"AUC {auc_paper}; Friedman p ≥ {min(paper.FRIEDMAN_P.values()):.3f}")
    metrics = read_table(v, art, "training/metrics.csv")
    if metrics is None:
        return v
    if metrics["model"].nunique() < 3:
        v.build, v.reason = f"{metrics['model'].nunique()} model(s)", "too_few_models"
        return v
    auc = metrics.groupby("model", sort=False)["auc"].mean()
    best = auc.idxmax()
    p = friedman_pvalues(metrics)
    sig = [m for m, q in p.items() if np.isfinite(q) and q < RULES["alpha"]]
    n_folds = metrics["fold"].nunique()
    p_min = min((q for q in p.values() if np.isfinite(q)), default=float("nan"))
    v.build = (
        "AUC "
        + ", ".join(f"{model_name(m)} {pct(a)}" for m, a in auc.items())
        + f"; Friedman p min {'–' if np.isnan(p_min) else f'{p_min:.3f}'}; {n_folds} folds"
    )
    first, second = best == "vggface", not sig
    v.verdict = YES if first and second else PARTLY if first or second else NO
    v.reason = codes(
        "vggface_leads" if first else "other_model_leads",
        "no_significant_difference" if second else "significant_difference",
        "few_folds" if n_folds < RULES["few_folds"] else "",
        METHOD if v.verdict != YES else "",  # the photos are the same in every world
    )
    return v


def _paper_mean(first: str, second: str = "") -> float:
    """The paper's mean over the models of a test finding: validation minus test AUC for
    ``("auc")``, test ``first`` minus ``second`` otherwise (Table 2)."""
    if not second:
        return float(
            np.mean(
                [
                    paper.TABLE2_VALIDATION[m][first][0] - t[first]
                    for m, t in paper.TABLE2_TEST.items()
                ]
            )
        )
    return float(np.mean([t[first] - t[second] for t in paper.TABLE2_TEST.values()]))


def sens_spec(art: Path) -> Verdict:
    """On the test videos: high sensitivity, low specificity (a single label per video)."""
    from ..evaluation import video_metrics

    test = paper.TABLE2_TEST.values()
    v = Verdict(
        "sens_spec",
        f"sens {paper.rate_range([r['sensitivity'] for r in test])}, "
        f"spec {paper.rate_range([r['specificity'] for r in test])}",
    )
    summary = read_table(v, art, "tables/video_summary.csv")
    if summary is None:
        return v
    ours = video_metrics(summary)
    flags = [
        bool(
            r["sensitivity"] >= RULES["high_sensitivity"]
            and r["specificity"] <= RULES["low_specificity"]
            and r["sensitivity"] - r["specificity"] >= RULES["sens_minus_spec"]
        )
        for _, r in ours.iterrows()
    ]
    v.build = "; ".join(
        f"{model_name(m)} sens {pct(r['sensitivity'])}, spec {pct(r['specificity'])} {mark(f)}"
        for (m, r), f in zip(ours.iterrows(), flags)
    )
    v.verdict, code = share(flags)
    v.reason = codes(
        code,
        ablation_cause(art, "sens_over_spec", v.verdict, _paper_mean("sensitivity", "specificity")),
    )
    return v


def test_drop(art: Path) -> Verdict:
    """Performance drops from validation (images) to test (one label per video)."""
    from ..evaluation import video_metrics

    v = Verdict(
        "test_drop",
        "; ".join(
            f"{model_name(m)} {pct(row['auc'][0])} → {pct(paper.TABLE2_TEST[m]['auc'])}"
            for m, row in paper.TABLE2_VALIDATION.items()
        ),
    )
    metrics = read_table(v, art, "training/metrics.csv")
    summary = read_table(v, art, "tables/video_summary.csv") if metrics is not None else None
    if summary is None:
        return v
    val = metrics.groupby("model")["auc"].mean()
    test = video_metrics(summary)["auc"]
    models = [m for m in test.index if m in val.index]
    flags = [bool(val[m] - test[m] >= RULES["drop_points"]) for m in models]
    v.build = "; ".join(
        f"{model_name(m)} {pct(val[m])} → {pct(test[m])} {mark(f)}" for m, f in zip(models, flags)
    )
    v.verdict, code = share(flags)
    v.reason = codes(code, ablation_cause(art, "test_drop", v.verdict, _paper_mean("auc")))
    return v
