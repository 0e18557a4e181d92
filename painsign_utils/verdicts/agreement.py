"""Verdicts on how alike the models' signs are: a moderate Pearson r between two models' signs,
and no Friedman difference between the models within a sign type (§3 of the paper)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import paper
from .common import (
    NO,
    PARTLY,
    RULES,
    YES,
    Verdict,
    ablation_cause,
    codes,
    mark,
    model_name,
    read_table,
)


def pearson_moderate(art: Path) -> Verdict:
    """Two models' signs correlate moderately: mean Pearson r over videos in a middle band.

    Judged per model pair on chapter 04's ``tables/pearson_pairs.csv`` (r of the two signs of one
    video; a video where a sign is constant has no r and is left out): the pair holds when its
    mean r lies between ``RULES["pearson_low"]`` and ``RULES["pearson_high"]``. A pair whose mean
    is above the band is marked ``stronger``, below it ``weaker``.
    """
    v = Verdict(
        "pearson_moderate",
        "; ".join(
            f"{model_name(a)}/{model_name(b)} {m:.2f} ± {sd:.2f}"
            for (a, b), (m, sd) in paper.PEARSON_R.items()
        ),
    )
    pairs = read_table(v, art, "tables/pearson_pairs.csv")
    if pairs is None:
        return v
    pairs = pairs[np.isfinite(pairs["r"].astype(float))]
    mean = pairs.groupby(["model_a", "model_b"], sort=False)["r"].agg(["mean", "size"])
    if not len(mean):
        v.build, v.reason = "–", "no_pairs"
        return v
    low, high = RULES["pearson_low"], RULES["pearson_high"]
    flags = [bool(low <= r <= high) for r in mean["mean"]]
    v.build = "; ".join(
        f"{model_name(a)}/{model_name(b)} {r['mean']:.2f} ({int(r['size'])} videos) {mark(f)}"
        for ((a, b), r), f in zip(mean.iterrows(), flags)
    )
    stronger = "stronger" if (mean["mean"] > high).any() else ""
    weaker = "weaker" if (mean["mean"] < low).any() else ""
    if all(flags):
        v.verdict, code = YES, "all_pairs"
    else:
        v.verdict, code = (PARTLY, "some_pairs") if any(flags) else (NO, "no_pair")
    paper_r = float(np.mean([m for m, _ in paper.PEARSON_R.values()]))
    v.reason = codes(code, stronger, weaker, ablation_cause(art, "pearson", v.verdict, paper_r))
    return v


def friedman_types(art: Path) -> Verdict:
    """Within each sign type, entropy and crossings do not differ between the models (Friedman).

    Judged on chapter 05's ``tables/friedman_sign_types.csv``, design ``videos``: per sign type,
    the videos that every model put in that type (the matched blocks the test assumes). A type
    holds when neither metric differs at p < ``RULES["alpha"]``; a type with fewer than
    ``RULES["min_type_videos"]`` such videos is not judged (``few_matched_videos``). The p-values
    of the other design (each model's type means, 3 blocks) are shown beside, not judged.
    """
    v = Verdict(
        "friedman_types", f"no difference (p ≥ {RULES['alpha']:.2f}), entropy and crossings"
    )
    table = read_table(v, art, "tables/friedman_sign_types.csv")
    if table is None:
        return v
    alpha, need = RULES["alpha"], RULES["min_type_videos"]
    matched = table[(table["design"] == "videos") & (table["sign_type"] != "all")]
    parts, flags, skipped = [], [], False
    for sign_type, g in matched.groupby("sign_type", sort=False):
        p = dict(zip(g["metric"], g["p_value"].astype(float)))
        n = int(g["n_blocks"].min())
        text = ", ".join(f"{k} p {q:.3f}" for k, q in p.items()).replace("nan", "–")
        if n < need or not all(np.isfinite(q) for q in p.values()):
            skipped = True
            parts.append(f"{sign_type} ({n} videos) –")
            continue
        flags.append(all(q >= alpha for q in p.values()))
        parts.append(f"{sign_type} {text} ({n} videos) {mark(flags[-1])}")
    means = table[table["design"] == "type means"]
    if len(means):
        parts.append(
            "type means "
            + ", ".join(f"{k} p {q:.3f}" for k, q in zip(means["metric"], means["p_value"]))
        )
    v.build = "; ".join(parts).replace("nan", "–") or "–"
    if not flags:
        v.reason = "few_matched_videos"
        return v
    if all(flags):
        v.verdict, code = YES, "all_types"
    else:
        v.verdict, code = (PARTLY, "some_types") if any(flags) else (NO, "no_type")
    v.reason = codes(code, "few_matched_videos" if skipped else "")
    return v
