"""Verdicts on the explanations: IG steadier than Grad-CAM (chapter 06), the expression rising
above 50 % (chapter 07)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .common import RULES, Verdict, model_name, read_table, share


def gradcam_vs_ig(art: Path) -> Verdict:
    """Grad-CAM changes with the prediction along a video while IG stays static."""
    v = Verdict(
        "gradcam_vs_ig",
        "Grad-CAM changes along a video while Integrated Gradients stays static",
        "qualitative (paper Figs 1-4)",
    )
    stab = read_table(art, "explain/map_stability.csv", "06")
    if isinstance(stab, str):
        v.reason = stab
        return v
    mean = stab.groupby("model", sort=False)[["Grad-CAM", "IG"]].mean()
    parts, flags, flat = [], [], []
    for m, r in mean.iterrows():
        parts.append(
            f"{model_name(m)} GC {r['Grad-CAM']:.2f}, IG {r['IG']:.2f}"
            if np.isfinite(r["Grad-CAM"])
            else f"{model_name(m)} GC flat, IG {r['IG']:.2f}"
        )
        if np.isfinite(r["Grad-CAM"]) and np.isfinite(r["IG"]):
            flags.append(r["IG"] > r["Grad-CAM"])
        else:
            flat.append(model_name(m))
    v.build = "frame-to-frame map correlation: " + "; ".join(parts)
    if not flags:
        v.reason = "no model has both maps measurable (flat Grad-CAM maps have no correlation)."
        return v
    v.verdict = share(flags)
    v.reason = (
        f"IG more stable than Grad-CAM (higher correlation between consecutive maps) for "
        f"{sum(flags)} of {len(flags)} models"
        + (f"; {', '.join(flat)}: flat Grad-CAM, not measurable" if flat else "")
    )
    return v


def expression_rises(art: Path) -> Verdict:
    """Above 50 % probability the average face shows more pain (paper Fig. 6), measured on truth."""
    v = Verdict(
        "expression_rises",
        "Above 50% predicted probability the average face shows a pain "
        "expression that grows with the probability (paper Fig. 6)",
        "qualitative (paper Fig. 6)",
    )
    parts, flags = [], []
    folder = art / "average_faces"
    bins = sorted(folder.glob("*_bins.csv")) if folder.exists() else []
    if not bins:
        v.reason = (
            "`average_faces/*_bins.csv` is missing (chapter 07 has not run under this profile)."
        )
        return v
    trend = read_table(art, "average_faces/intensity_trend.csv", "07")
    trend = trend.set_index("model") if isinstance(trend, pd.DataFrame) else None
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
        rho = trend.loc[model, "rho_bins"] if trend is not None and model in trend.index else np.nan
        p = trend.loc[model, "p_bins"] if trend is not None and model in trend.index else np.nan
        level = lambda x: "no frame" if not np.isfinite(x) else f"mean intensity {x:.2f}"  # noqa: E731
        parts.append(
            f"{model_name(model)}: above 50% {level(above)}, below {level(below)}"
            + (
                f", ρ = {rho:.2f} (p = {p:.3f})"
                if np.isfinite(rho)
                else ", trend undefined (fewer than 3 bins hold frames)"
            )
        )
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
    if not parts:
        v.reason = (
            "the frames carry no latent intensity (real data): this check needs synthetic truth."
        )
        return v
    v.build = "; ".join(parts)
    v.verdict = share(flags)
    v.reason = (
        f"{sum(flags)} of {len(flags)} models: higher true intensity above 50% than below and a "
        f"significant rising trend over the bins (Spearman, p < {RULES['alpha']})"
    )
    return v
