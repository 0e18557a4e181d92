"""Verdicts on what the authors' later work claims about trusting the number (chapter 11):
recalibration fitted on the validation folds lowers the test calibration error, and MC-dropout's
spread flags the wrong frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..recalibration import best
from .common import RULES, YES, Verdict, codes, mark, model_name, read_table, share


def recalibration_helps(art: Path) -> Verdict:
    """A recalibration fitted on the validation folds lowers a miscalibrated model's test ECE.

    Judged on chapter 11's ``tables/calibration.csv`` (equal-width ECE on the test frames against
    their synthetic truth), for each model whose raw test ECE exceeds ``RULES["ece_miscalibrated"]``;
    a model already below it is listed but not judged (reason code ``calibrated_already``).
    """
    v = Verdict("recalibration_helps", "ECE lower after recalibration (authors' later code)")
    table = read_table(v, art, "tables/calibration.csv")
    if table is None:
        return v
    per_model = best(table)
    parts, flags = [], []
    for model, r in per_model.iterrows():
        judged = r["raw"] > RULES["ece_miscalibrated"]
        text = f"{model_name(model)} {r['raw']:.3f} → {r['best']:.3f} ({r['best_method']})"
        if judged:
            flags.append(bool(r["lowered"]))
            text += f" {mark(flags[-1])}"
        parts.append(text)
    v.build = "; ".join(parts)
    if not flags:
        v.verdict, v.reason = YES, "calibrated_already"
        return v
    v.verdict, code = share(flags)
    v.reason = codes(code, "calibrated_already" if len(flags) < len(per_model) else "")
    return v


def mc_dropout_flags_errors(art: Path) -> Verdict:
    """MC-dropout's spread finds the wrong frames: error AUROC >= ``RULES["error_auroc"]``.

    Judged on chapter 11's ``tables/uncertainty.csv`` (the sampled test frames against their
    synthetic truth); the ensemble's AUROC is shown beside it. A model that made no error on the
    sampled frames has no AUROC and is not judged (reason code ``no_errors``).
    """
    v = Verdict("mc_dropout_flags_errors", "MC-dropout spread flags wrong frames (later code)")
    table = read_table(v, art, "tables/uncertainty.csv")
    if table is None:
        return v
    models = list(dict.fromkeys(table["model"]))
    auroc = table.pivot(index="model", columns="method", values="error_auroc").loc[models]
    parts, flags = [], []
    for model, r in auroc.iterrows():
        mc, ens = r.get("mc_dropout", np.nan), r.get("ensemble", np.nan)
        text = f"{model_name(model)} MC {mc:.2f}, ensemble {ens:.2f}"
        if np.isfinite(mc):
            flags.append(bool(mc >= RULES["error_auroc"]))
            text += f" {mark(flags[-1])}"
        parts.append(text.replace("nan", "–"))
    v.build = "; ".join(parts)
    if not flags:
        v.reason = "no_errors"
        return v
    v.verdict, code = share(flags)
    v.reason = codes(code, "no_errors" if len(flags) < len(auroc) else "")
    return v
