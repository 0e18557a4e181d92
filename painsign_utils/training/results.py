"""Results of the trained folds: collected metrics, the two threshold rules, the best fold per
model, Table 2 (validation) next to the paper's, the Friedman test, timing and threshold tables."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from ..metrics import (
    METRICS,
    binary_metrics,
    fold_thresholds,
    friedman_test,
    mean_sd,
    threshold_summary,
)
from ..paper import TABLE2, THRESHOLDS
from ..registry import DISPLAY_NAMES, list_models
from ..storage import artifact_relative, read_json, read_table

#: Threshold rules (:func:`rule_metrics`).
THRESHOLD_RULES: tuple[str, ...] = ("validation_folds", "training_folds")


def collect_metrics(out_dir: str | Path, models: Sequence[str]) -> pd.DataFrame:
    """Every finished fold's ``done.json`` as one table (model, fold, metrics, threshold, timings)."""
    rows = []
    for name in models:
        for done in sorted(Path(out_dir, name).glob("fold*/done.json")):
            rows.append(read_json(done))
    if not rows:
        raise DataError(f"no finished fold under {out_dir}")
    return (
        pd.DataFrame(rows).sort_values(["model", "fold"], key=_model_order).reset_index(drop=True)
    )


def _model_order(col: pd.Series) -> pd.Series:
    order = {m: i for i, m in enumerate(list_models())}
    return col.map(order) if col.name == "model" else col


def best_models(
    metrics: pd.DataFrame, out_dir: str | Path, rule: str = "training_folds"
) -> pd.DataFrame:
    """Per model, the fold with the highest validation AUC (the paper's choice for testing).

    ``threshold`` is the video threshold of ``rule``: under ``training_folds`` the best fold's own
    (training-fold Youden) threshold, ``threshold_sd`` NaN; under ``validation_folds`` the mean of
    the per-fold θ_k in ``metrics`` (:func:`rule_metrics`), ``threshold_sd`` their ``np.std``.
    The AUC, and so the best fold, does not depend on the rule.
    """
    if rule not in THRESHOLD_RULES:
        raise ConfigError(
            f"unknown threshold rule {rule!r}; use one of {', '.join(THRESHOLD_RULES)}"
        )
    rows = []
    for name, g in metrics.groupby("model", sort=False):
        r = g.loc[g["auc"].fillna(-1.0).idxmax()]  # NaN AUC (one class) ranks last
        if rule == "validation_folds":
            summ = threshold_summary(g["threshold"].to_numpy(float))
            thr, sd = summ["mean"], summ["sd"]
        else:
            thr, sd = float(r["threshold"]), float("nan")
        rows.append(
            {
                "model": name,
                "fold": int(r["fold"]),
                "checkpoint": artifact_relative(
                    Path(out_dir) / name / f"fold{int(r['fold'])}" / "best.pt"
                ),
                "val_auc": r["auc"],
                "threshold": thr,
                "weights_source": r["weights_source"],
                "input_size": int(r["input_size"]),
                "threshold_sd": sd,
                "threshold_rule": rule,
            }
        )
    return pd.DataFrame(rows)


def read_predictions(out_dir: str | Path, name: str, fold: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels (1 pain) and probabilities of a fold's validation predictions (``predictions.csv``)."""
    path = Path(out_dir) / name / f"fold{int(fold)}" / "predictions.csv"
    if not path.exists():
        raise DataError(f"no validation predictions at {path}; re-run chapter 2")
    pred = read_table(path)
    return (pred["label"] == "pain").to_numpy(int), pred["prob"].to_numpy(float)


def rule_metrics(metrics: pd.DataFrame, out_dir: str | Path, rule: str) -> pd.DataFrame:
    """Per-fold validation metrics under a threshold rule, from the same trained folds.

    ``training_folds``: ``metrics`` as they are (each fold at its training-fold Youden threshold,
    :func:`collect_metrics`). ``validation_folds`` (the authors' rule): θ_k =
    :func:`painsign_utils.metrics.fold_thresholds` on fold k's validation predictions
    (``predictions.csv``), and the fold's metrics at θ_k; a fold where no threshold beats chance
    (θ_k = inf, ``roc_curve``'s leading value) counts as 1.0, as :func:`youden_threshold` clips.

    Returns
    -------
    DataFrame like ``metrics`` with ``threshold`` and the :data:`METRICS` of the rule, and a
    ``threshold_rule`` column.
    """
    if rule not in THRESHOLD_RULES:
        raise ConfigError(
            f"unknown threshold rule {rule!r}; use one of {', '.join(THRESHOLD_RULES)}"
        )
    out = metrics.copy()
    if rule == "validation_folds":
        for i, r in metrics.iterrows():
            y, p = read_predictions(out_dir, r["model"], int(r["fold"]))
            theta = float(min(fold_thresholds([(y, p)])[0], 1.0))
            out.loc[i, "threshold"] = theta
            for m, v in binary_metrics(y, p, theta).items():
                out.loc[i, m] = v
    return out.assign(threshold_rule=rule)


def table2_rules(metrics: pd.DataFrame, out_dir: str | Path) -> pd.DataFrame:
    """Table 2 (validation) under both threshold rules from the same run, one row per model and rule.

    Returns
    -------
    DataFrame with ``model, rule, accuracy, sensitivity, specificity, auc`` (means over folds),
    their ``*_sd`` (``np.std``), ``threshold`` (mean of the per-fold thresholds) and
    ``threshold_sd``, ``n_folds``. The ``validation_folds`` rows flatter Table 2: their thresholds
    are chosen on the very predictions they score.
    """
    rows = []
    for rule in THRESHOLD_RULES:
        per_fold = rule_metrics(metrics, out_dir, rule)
        for name, g in per_fold.groupby("model", sort=False):
            row: dict[str, Any] = {"model": name, "rule": rule}
            for m in METRICS:
                row[m] = float(g[m].mean())
            for m in METRICS:
                row[f"{m}_sd"] = float(g[m].std(ddof=0))
            row["threshold"] = float(g["threshold"].mean())
            row["threshold_sd"] = float(g["threshold"].std(ddof=0))
            row["n_folds"] = len(g)
            rows.append(row)
    return (
        pd.DataFrame(rows)
        .sort_values(["model", "rule"], key=_model_order, kind="stable")
        .reset_index(drop=True)
    )


def friedman_pvalues(metrics: pd.DataFrame) -> dict[str, float]:
    """Friedman test across models, folds as blocks, for each metric."""
    out = {}
    for m in METRICS:
        wide = metrics.pivot(index="fold", columns="model", values=m)
        out[m] = friedman_test(wide)
    return out


def table2(metrics: pd.DataFrame) -> pd.DataFrame:
    """Table 2 (validation): mean ± sd per metric and model, ours next to the paper's.

    Returns
    -------
    DataFrame indexed by metric with columns ``(<model display name>, "ours"|"paper")`` and
    ``("p-value", "ours"|"paper")``.
    """
    p_ours = friedman_pvalues(metrics) if metrics["model"].nunique() >= 3 else {}
    cols: dict[tuple[str, str], list[str]] = {}
    names = [m for m in list_models() if m in set(metrics["model"])]
    for name in names:
        g = metrics[metrics["model"] == name]
        cols[(DISPLAY_NAMES[name], "ours")] = [mean_sd(g[m]) for m in METRICS]
        cols[(DISPLAY_NAMES[name], "paper")] = [
            f"{100 * TABLE2[name][m][0]:.1f}% ± {100 * TABLE2[name][m][1]:.1f}%" for m in METRICS
        ]
    cols[("p-value", "ours")] = [f"{p_ours[m]:.4f}" if m in p_ours else "–" for m in METRICS]
    cols[("p-value", "paper")] = [f"{TABLE2['p_value'][m]:.4f}" for m in METRICS]
    df = pd.DataFrame(cols, index=[m.capitalize() if m != "auc" else "AUC" for m in METRICS])
    df.columns = pd.MultiIndex.from_tuples(df.columns)
    return df


def timing_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """Where the training time went, per model (display names): augmentation and frozen-feature
    caches (0 when an earlier run made them), training seconds over all folds, mean epochs."""
    return (
        metrics.groupby("model", sort=False)
        .agg(
            augment_s=("augment_s", "max"),
            frozen_features_s=("features_s", "max"),
            train_s=("train_s", "sum"),
            epochs=("epochs", "mean"),
        )
        .rename(index=DISPLAY_NAMES)
    )


def threshold_table(metrics: pd.DataFrame, best: pd.DataFrame) -> pd.DataFrame:
    """Thresholds per model: the per-fold thresholds' mean ± sd (``np.std``), the video threshold
    of ``best_models.csv`` (its rule) and the paper's (the mean of its validation-fold θ_k)."""
    thr = (
        metrics.groupby("model", sort=False)["threshold"]
        .agg(lambda t: f"{t.mean():.1%} ± {t.std(ddof=0):.1%}")
        .rename("ours, per fold")
        .to_frame()
    )
    b = best.set_index("model")
    thr["ours, videos"] = thr.index.map(b["threshold"]).map("{:.1%}".format)
    thr["rule"] = thr.index.map(b["threshold_rule"])
    thr["paper, videos (validation-fold mean)"] = [f"{THRESHOLDS[m]:.1%}" for m in thr.index]
    return thr.rename(index=DISPLAY_NAMES)


def read_logs(out_dir: str | Path, models: Sequence[str]) -> pd.DataFrame:
    """All per-epoch logs as one table with ``model`` and ``fold`` columns."""
    frames = []
    for name in models:
        for log in sorted(Path(out_dir, name).glob("fold*/log.csv")):
            frames.append(pd.read_csv(log).assign(model=name, fold=int(log.parent.name[4:])))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
