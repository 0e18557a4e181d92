"""The ledger's calibration row: raw against temperature-scaled probabilities, from chapter 11.

The paper reads the sigmoid output as the sign; the authors' later code recalibrates it. Chapter 11
fits the maps on the validation folds and measures what each does; this module reads its tables
(``tables/calibration.csv``, ``tables/calibration_effect.csv``) and keeps the map the ledger compares
with the raw probabilities: temperature scaling, the one-parameter map that keeps the order of the
frames (Guo et al. 2017), fixed before looking at the results.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .elements import CALIBRATION, CALIBRATION_MAP, CALIBRATIONS


def calibration_rows(art: str | Path) -> list[dict]:
    """The calibration element's numbers in the long ledger table; none before chapter 11 ran.

    Per model: ``test ECE``, ``test Brier``, ``video accuracy`` and ``mean entropy (bits)`` under
    each variant of :data:`CALIBRATIONS`, and, for the variant ``both``, ``videos changing type``
    and ``ARI raw vs recalibrated`` (chapter 11's sign types refitted on the recalibrated signs).
    """
    tables = Path(art) / "tables"
    cal_path, eff_path = tables / "calibration.csv", tables / "calibration_effect.csv"
    if not (cal_path.exists() and eff_path.exists()):
        return []
    cal = pd.read_csv(cal_path)
    cal = cal[cal["split"] == "test"].set_index(["model", "method"])
    eff = pd.read_csv(eff_path).set_index(["model", "method"])
    raw, rec = CALIBRATIONS
    rows = []
    for model in dict.fromkeys(m for m, _ in eff.index):
        if (model, CALIBRATION_MAP) not in eff.index or (model, CALIBRATION_MAP) not in cal.index:
            continue
        e = eff.loc[model, CALIBRATION_MAP]
        for variant, method, suffix in (
            (raw, "raw", "raw"),
            (rec, CALIBRATION_MAP, "recalibrated"),
        ):
            c = cal.loc[model, method]
            values = {
                "test ECE": c["ece_width"],
                "test Brier": c["brier"],
                "video accuracy": e[f"video accuracy {suffix}"],
                "mean entropy (bits)": e[f"mean entropy {suffix}"],
            }
            rows += [_row(q, model, variant, v) for q, v in values.items()]
        rows.append(_row("videos changing type", model, "both", e["videos changing type"]))
        rows.append(_row("ARI raw vs recalibrated", model, "both", e["ari"]))
    return rows


def _row(quantity: str, model: str, variant: str, value: float) -> dict:
    return {
        "element": CALIBRATION,
        "quantity": quantity,
        "model": model,
        "variant": variant,
        "value": float(value),
    }
