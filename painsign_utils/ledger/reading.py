"""Reading one run for the ledger: its models, each fold's validation predictions, both signs of every video."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ..sign import pain_sign, shannon_entropy, threshold_crossings, window_for_fps
from .elements import SIGN_MODES


def run_models(art: Path) -> list[str]:
    best = art / "training" / "best_models.csv"
    if not best.exists():
        raise DataError(f"{best} is missing: run chapter 02 first")
    return [str(m) for m in pd.read_csv(best, dtype={"model": str})["model"]]


def fold_predictions(art: Path, model: str) -> list[tuple[int, pd.DataFrame, float]]:
    """``(fold, validation predictions, training-fold θ)`` of every finished fold of ``model``."""
    out = []
    for fold_dir in sorted((art / "training" / model).glob("fold*")):
        pred, done = fold_dir / "predictions.csv", fold_dir / "done.json"
        if not (pred.exists() and done.exists()):
            continue
        info = json.loads(done.read_text())
        preds = pd.read_csv(pred, dtype={"subject": str})
        labels = preds["label"].map(lambda v: 1 if str(v).strip().lower() in ("1", "pain") else 0)
        out.append(
            (
                int(info.get("fold", fold_dir.name[4:] or 0)),
                pd.DataFrame({"label": labels.to_numpy(), "prob": preds["prob"].to_numpy(float)}),
                float(info["threshold"]),
            )
        )
    return out


def _video_summary(art: Path) -> pd.DataFrame:
    path = art / "tables" / "video_summary.csv"
    if not path.exists():
        raise DataError(f"{path} is missing: run chapter 03 first")
    summary = pd.read_csv(path, dtype={"model": str, "video": str, "subject": str})
    need = {"model", "video", "label", "threshold"}
    if missing := need - set(summary.columns):
        raise DataError(f"{path} lacks column(s) {sorted(missing)}")
    return summary


def _window(row: pd.Series, probs: pd.DataFrame) -> int:
    if "window" in row.index and pd.notna(row["window"]):
        return int(row["window"])
    t = probs["time"].to_numpy(float)
    dt = np.diff(t[np.isfinite(t)])
    dt = dt[dt > 0]
    return window_for_fps(1.0 / np.median(dt)) if dt.size else 30


def video_variants(art: str | Path) -> pd.DataFrame:
    """Both signs of every (model, video) of the run, summarized.

    Parameters
    ----------
    art : path
        ``artifacts/<profile>``.

    Returns
    -------
    DataFrame, one row per (model, video) with a face and at least ``window`` samples: ``model,
    video, label, scenario, threshold, window``, then per mode ``m`` in :data:`SIGN_MODES`:
    ``entropy_m, crossings_m, sign_mean_m`` (entropy and crossings at the run's θ), and
    ``face_mean`` (mean probability over frames with a face). ``attrs["skipped"]`` counts the
    videos left out (no face, too short for the ``valid`` sign, or no probability file).
    """
    art = Path(art)
    summary = _video_summary(art)
    rows, skipped = [], 0
    for _, row in summary.iterrows():
        path = art / "inference" / row["model"] / f"{row['video']}.csv"
        if not path.exists():
            skipped += 1
            continue
        probs = pd.read_csv(path)
        p = probs["prob"].to_numpy(float)
        w = _window(row, probs)
        if np.isnan(p).all() or p.size < w:
            skipped += 1
            continue
        theta = float(row["threshold"])
        out = {
            "model": row["model"],
            "video": row["video"],
            "label": int(row["label"]),
            "scenario": row.get("scenario", np.nan),
            "threshold": theta,
            "window": w,
            "face_mean": float(np.nanmean(p)),
        }
        for mode in SIGN_MODES:
            sign = pain_sign(p, w, mode=mode)
            out[f"entropy_{mode}"] = shannon_entropy(sign)
            out[f"crossings_{mode}"] = threshold_crossings(sign, theta)
            out[f"sign_mean_{mode}"] = float(sign.mean())
        rows.append(out)
    table = pd.DataFrame(rows)
    table.attrs["skipped"] = skipped
    return table
