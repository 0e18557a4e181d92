"""Verdicts on the explanations: IG steadier than Grad-CAM (chapter 06), the expression rising
above 50 % (chapter 07)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .common import RULES, Verdict, codes, mark, model_name, read_table, share


def _num(x: float, spec: str = ".2f") -> str:
    return format(x, spec) if np.isfinite(x) else "–"


def gradcam_vs_ig(art: Path) -> Verdict:
    """Grad-CAM changes with the prediction along a video while IG stays static.

    Measured by chapter 06's frame-to-frame correlation of consecutive maps (``GC``, ``IG``); a
    flat Grad-CAM has no correlation and its model is not judged (reason code ``flat_gradcam``).
    Nor is a model whose Grad-CAM puts no more of its mass on the face than the face's share of
    the crop (chapter 06's ``tables/attribution_regions.csv``): maps of the cap or the background
    changing along a video say nothing about the face (code ``gradcam_off_face``).
    """
    v = Verdict("gradcam_vs_ig", "Figs 1-4 (qualitative)")
    stab = read_table(v, art, "explain/map_stability.csv")
    if stab is None:
        return v
    mean = stab.groupby("model", sort=False)[["Grad-CAM", "IG"]].mean()
    off_face = _gradcam_off_face(art)
    parts, flags = [], []
    for m, r in mean.iterrows():
        if m in off_face:
            parts.append(f"{model_name(m)} GC off-face")
            continue
        measurable = bool(np.isfinite(r["Grad-CAM"]) and np.isfinite(r["IG"]))
        if measurable:
            flags.append(bool(r["IG"] > r["Grad-CAM"]))
        parts.append(
            f"{model_name(m)} GC {_num(r['Grad-CAM'])}, IG {_num(r['IG'])}"
            + (f" {mark(flags[-1])}" if measurable else "")
        )
    v.build = "; ".join(parts)
    flat = "flat_gradcam" if len(flags) + len(off_face & set(mean.index)) < len(mean) else ""
    off = "gradcam_off_face" if off_face & set(mean.index) else ""
    if not flags:
        v.reason = codes(flat, off)
        return v
    v.verdict, code = share(flags)
    v.reason = codes(code, flat, off)
    return v


def _gradcam_off_face(art: Path) -> set[str]:
    """Models whose Grad-CAM face share is not above the face's area (empty without the table)."""
    path = art / "tables" / "attribution_regions.csv"
    if not path.exists():
        return set()
    t = pd.read_csv(path)
    off = t["gradcam_face_share"].notna() & (t["gradcam_face_share"] <= t["face_area"])
    return set(t.loc[off, "model"])


def expression_rises(art: Path) -> Verdict:
    """Above 50 % probability the average face shows more pain (paper Fig. 6), measured on truth.

    Per model: the mean latent intensity of the frames above 50 % against those below, and the
    Spearman ρ (p) of the per-bin trend (chapter 07). Reason codes: ``no_truth`` (real data: no
    latent intensity), ``few_bins`` (a model whose trend is undefined, fewer than 3 bins with
    frames).
    """
    v = Verdict("expression_rises", "Fig. 6 (qualitative)")
    folder = art / "average_faces"
    bins = sorted(folder.glob("*_bins.csv")) if folder.exists() else []
    if not bins:
        v.build, v.reason = "average_faces/*_bins.csv", "missing_artifact"
        return v
    trend_path = folder / "intensity_trend.csv"
    trend = pd.read_csv(trend_path).set_index("model") if trend_path.exists() else None
    parts, flags, undefined = [], [], False
    for path in bins:
        model = path.stem.removesuffix("_bins")
        t = pd.read_csv(path)
        if "mean_intensity" not in t or t["mean_intensity"].isna().all():
            continue
        t = t[t["n_frames"] > 0]
        w = t["n_frames"] * t["mean_intensity"]
        hi, lo = t["centre"] > 0.5, t["centre"] < 0.5
        above = w[hi].sum() / t.loc[hi, "n_frames"].sum() if t.loc[hi, "n_frames"].sum() else np.nan
        below = w[lo].sum() / t.loc[lo, "n_frames"].sum() if t.loc[lo, "n_frames"].sum() else np.nan
        known = trend is not None and model in trend.index
        rho = trend.loc[model, "rho_bins"] if known else np.nan
        p = trend.loc[model, "p_bins"] if known else np.nan
        undefined |= not np.isfinite(rho)
        flags.append(
            bool(
                np.isfinite(above)
                and np.isfinite(below)
                and above > below
                and np.isfinite(rho)
                and rho > 0
                and p < RULES["alpha"]
            )
        )
        parts.append(
            f"{model_name(model)} {_num(above)} vs {_num(below)}, "
            f"ρ {_num(rho)} (p {_num(p, '.3f')}) {mark(flags[-1])}"
        )
    if not parts:
        v.reason = "no_truth"
        return v
    v.build = "; ".join(parts)
    v.verdict, code = share(flags)
    v.reason = codes(code, "few_bins" if undefined else "")
    return v
