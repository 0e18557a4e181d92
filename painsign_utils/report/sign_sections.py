"""Comparison sections on the signs: Pearson's r between models, Table 3, same sign type across models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .common import (
    AUTHORS_OUTPUTS,
    METRIC_LABELS,
    METRICS,
    Section,
    long_frame,
    missing_section,
    model_names,
    pm,
)


def agreement_section(art: Path) -> Section:
    """Same sign type across models: pairwise agreement per model pair and the three-way share."""
    path = art / "tables" / "agreement.csv"
    if not path.exists():
        return missing_section("agreement", path, art)
    agree = pd.read_csv(path)
    pairs = AUTHORS_OUTPUTS["same_type_pairwise"]
    names, ours, ref_col, n, rows = [], [], [], [], []
    for r in agree.itertuples():
        if r.models == "all":
            label, ref = "all models", AUTHORS_OUTPUTS["same_type_all"]
        else:
            a, b = (m.strip() for m in str(r.models).split("/"))
            label = f"{model_names().get(a, a)} / {model_names().get(b, b)}"
            ref = pairs.get((a, b), pairs.get((b, a)))
        names.append(label)
        n.append(int(r.n_videos))
        ours.append(pm(r.agreement))
        ref_col.append(pm(ref) if ref is not None else "–")
        if ref is not None and np.isfinite(r.agreement):
            rows.append((f"same type: {label}", "", float(r.agreement), float(ref)))
    table = pd.DataFrame(
        {"videos": n, "ours": ours, "paper (authors' outputs)": ref_col},
        index=pd.Index(names, name="models"),
    )
    return Section("agreement", table, long_frame("agreement", rows))


def pearson_section(art: Path) -> Section:
    """Pearson's r between the signs of two models, mean ± sd over videos."""
    from ..evaluation import pearson_summary
    from ..paper import pearson_r

    path = art / "tables" / "pearson_pairs.csv"
    if not path.exists():
        return missing_section("pearson", path, art)
    pairs = pd.read_csv(path)
    table = pearson_summary(pairs, model_names())
    rows = []
    for (a, b), g in pairs.groupby(["model_a", "model_b"]):
        paper = pearson_r(a, b)
        if paper and g["r"].notna().any():
            rows.append(
                (
                    f"r {model_names().get(a, a)} – {model_names().get(b, b)}",
                    "",
                    float(g["r"].mean()),
                    paper[0],
                )
            )
    return Section(
        "pearson", table.drop(columns="r_mean").set_index("pair"), long_frame("pearson", rows)
    )


def table3_section(art: Path) -> Section:
    """Table 3: classification and temporal metrics per model and sign type."""
    from ..evaluation import paper_table3

    path = art / "tables" / "table3.csv"
    if not path.exists():
        return missing_section("table3", path, art)
    ours = pd.read_csv(path).set_index(["model", "sign_type"])
    paper = paper_table3().set_index(["model", "sign_type"])
    from ..clustering import SIGN_TYPES

    # Ours then the paper's rows, grouped by model (build order) and sign type (SIGN_TYPES order).
    index = ours.index.union(paper.index, sort=False)
    models = list(dict.fromkeys(index.get_level_values(0)))
    index = sorted(
        index,
        key=lambda k: (
            models.index(k[0]),
            SIGN_TYPES.index(k[1]) if k[1] in SIGN_TYPES else len(SIGN_TYPES),
        ),
    )
    out, rows = {}, []
    for key in index:
        o = ours.loc[key] if key in ours.index else None
        p = paper.loc[key] if key in paper.index else None
        rec = {}
        for m in METRICS:
            rec[(METRIC_LABELS[m], "ours")] = (
                "–" if o is None or pd.isna(o[m]) else f"{100 * o[m]:.1f}%"
            )
            rec[(METRIC_LABELS[m], "paper")] = "–" if p is None else f"{100 * p[m]:.1f}%"
            if o is not None and p is not None and not pd.isna(o[m]):
                rows.append((f"{key[1]}: {METRIC_LABELS[m]}", key[0], float(o[m]), float(p[m])))
        for q in ("entropy", "crossings"):
            rec[(q.capitalize(), "ours")] = "–" if o is None else str(o[q])
            rec[(q.capitalize(), "paper")] = (
                "–" if p is None else f"{p[f'{q}_mean']:.2f} ± {p[f'{q}_sd']:.2f}"
            )
        rec[("Videos pain / no pain", "ours")] = (
            "–" if o is None else f"{int(o['n_pain'])} / {int(o['n_nopain'])}"
        )
        rec[("Videos pain / no pain", "paper")] = (
            "–" if p is None else f"{int(p['n_pain'])} / {int(p['n_nopain'])}"
        )
        overlay = o is not None and bool(o.get("overlay", False))
        out[(model_names().get(key[0], key[0]), f"{key[1]} (overlay)" if overlay else key[1])] = rec
    table = pd.DataFrame.from_dict(out, orient="index")
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    table.index.names = ["model", "sign type"]
    return Section("table3", table, long_frame("table3", rows))
