"""Verdicts on the models' metrics: the best model (Table 2, validation), sensitivity over
specificity on the test videos, the drop from validation to test."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import paper
from .common import NO, PARTLY, RULES, YES, Verdict, model_name, pct, read_table, share


def _best_model_paper() -> str:
    """``"VGG-Face AUC 93.0% vs 89.0% and 89.1%; every Friedman p ≥ 0.055"`` (Table 2)."""
    auc = {m: row["auc"][0] for m, row in paper.TABLE2_VALIDATION.items()}
    others = " and ".join(pct(auc[m]) for m in auc if m != "vggface")
    return (
        f"VGG-Face AUC {pct(auc['vggface'])} vs {others}; every Friedman p ≥ "
        f"{min(paper.FRIEDMAN_P.values()):.3f}"
    )


def _sens_spec_paper() -> str:
    """``"sensitivity 81.6-85.7%, specificity 38.0-56.3%"`` (Table 2, test)."""
    test = paper.TABLE2_TEST.values()
    return (
        f"sensitivity {paper.rate_range([r['sensitivity'] for r in test])}, "
        f"specificity {paper.rate_range([r['specificity'] for r in test])}"
    )


def best_model(art: Path) -> Verdict:
    """VGG-Face has the best validation metrics, yet no metric differs significantly (Friedman)."""
    from ..training import friedman_pvalues

    v = Verdict(
        "best_model",
        "VGG-Face scores best in validation, with no significant difference between the models",
        _best_model_paper(),
    )
    metrics = read_table(art, "training/metrics.csv", "02")
    if isinstance(metrics, str):
        v.reason = metrics
        return v
    if metrics["model"].nunique() < 3:
        v.reason = (
            f"only {metrics['model'].nunique()} model(s) trained: the comparison needs three."
        )
        return v
    auc = metrics.groupby("model")["auc"].mean()
    best = auc.idxmax()
    p = friedman_pvalues(metrics)
    sig = {m: q for m, q in p.items() if np.isfinite(q) and q < RULES["alpha"]}
    n_folds = metrics["fold"].nunique()
    v.build = (
        f"best mean AUC: {model_name(best)} ({pct(auc[best])}); Friedman p = "
        + ", ".join(f"{m} {q:.3f}" for m, q in p.items() if np.isfinite(q))
        + f" over {n_folds} folds"
    )
    first, second = best == "vggface", not sig
    v.verdict = YES if first and second else PARTLY if first or second else NO
    v.reason = (
        ("VGG-Face leads" if first else f"{model_name(best)} leads, not VGG-Face")
        + "; "
        + (
            "no metric differs at p < 0.05"
            if second
            else f"{', '.join(sig)} differ(s) at p < {RULES['alpha']}"
        )
    )
    if n_folds < 5:
        v.reason += f" (only {n_folds} folds: the test has little power)"
    return v


def sens_spec(art: Path) -> Verdict:
    """On the test videos: high sensitivity, low specificity (a single label per video)."""
    from ..evaluation import video_metrics

    v = Verdict(
        "sens_spec",
        "On the test videos, high sensitivity with low specificity (many false positives)",
        _sens_spec_paper(),
    )
    summary = read_table(art, "tables/video_summary.csv", "03")
    if isinstance(summary, str):
        v.reason = summary
        return v
    ours = video_metrics(summary)
    v.build = "; ".join(
        f"{model_name(m)} sens {pct(r['sensitivity'])}, spec {pct(r['specificity'])}"
        for m, r in ours.iterrows()
    )
    flags = [
        (
            r["sensitivity"] >= RULES["high_sensitivity"]
            and r["specificity"] <= RULES["low_specificity"]
            and r["sensitivity"] - r["specificity"] >= RULES["sens_minus_spec"]
        )
        for _, r in ours.iterrows()
    ]
    v.verdict = share(flags)
    v.reason = (
        f"{sum(flags)} of {len(flags)} models have sensitivity ≥ {pct(RULES['high_sensitivity'])}, "
        f"specificity ≤ {pct(RULES['low_specificity'])} and a gap ≥ "
        f"{100 * RULES['sens_minus_spec']:.0f} points"
    )
    return v


def test_drop(art: Path) -> Verdict:
    """Performance drops from validation (images) to test (one label per video)."""
    from ..evaluation import video_metrics

    v = Verdict(
        "test_drop",
        "AUC drops from validation on images to one label per test video",
        ", ".join(
            f"{model_name(m)} {100 * row['auc'][0]:.1f} → {pct(paper.TABLE2_TEST[m]['auc'])}"
            for m, row in paper.TABLE2_VALIDATION.items()
        ),
    )
    metrics = read_table(art, "training/metrics.csv", "02")
    summary = read_table(art, "tables/video_summary.csv", "03")
    for x in (metrics, summary):
        if isinstance(x, str):
            v.reason = x
            return v
    val = metrics.groupby("model")["auc"].mean()
    test = video_metrics(summary)["auc"]
    models = [m for m in test.index if m in val.index]
    v.build = "; ".join(f"{model_name(m)} {pct(val[m])} → {pct(test[m])}" for m in models)
    flags = [val[m] - test[m] >= RULES["drop_points"] for m in models]
    v.verdict = share(flags)
    v.reason = f"{sum(flags)} of {len(flags)} models lose at least {100 * RULES['drop_points']:.0f} AUC points"
    return v
