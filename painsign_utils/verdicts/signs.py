"""Verdicts on the pain sign's types: three types, stable signs classified better, the same type
across models, the rare indeterminate type (Table 3 and §3 of the paper)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import paper
from ..clustering import best_k
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
    pct,
    read_table,
    share,
)


def _fixed_k_silhouettes(art: Path) -> dict[str, dict[int, float]] | None:
    """Silhouettes per model when chapter 05 fixed k (``protocol: authors``), else None.

    Under the authors' protocol k is 3 whatever the silhouettes say, so Table 3's ``k`` cannot test
    the paper's claim; the fitted classifiers (``clustering/sign_types.pkl``) keep the silhouettes.
    """
    from ..clustering import load_classifiers

    path = art / "clustering" / "sign_types.pkl"
    if not path.exists():
        return None
    classifiers = load_classifiers(path)
    if not classifiers or not all(getattr(c, "n_clusters", None) for c in classifiers.values()):
        return None
    return {m: dict(c.silhouettes_) for m, c in classifiers.items()}


def three_types(art: Path) -> Verdict:
    """For every model the silhouette search finds k = 3 sign types.

    Under ``protocol: authors`` k is fixed at 3 (the authors' code), so the verdict reads the
    silhouettes chapter 05 still computes for k = 2..10 and asks whether k = 3 scores best
    (reason code ``k_fixed``); a model with too few distinct signs for a silhouette at k = 3 is
    not judged (``too_few_signs``).
    """
    k3 = RULES["k_paper"]
    v = Verdict("three_types", f"k = {paper.N_SIGN_TYPES}, every model")
    fixed = _fixed_k_silhouettes(art)
    if fixed is not None:
        parts, hits = [], []
        for m, sil in fixed.items():
            if k3 not in sil:  # a silhouette needs k <= distinct signs - 1
                parts.append(f"{model_name(m)} –")
                continue
            best = best_k(sil)
            hits.append(best == k3)
            parts.append(
                f"{model_name(m)} {best} ({sil[best]:.3f}; k = {k3}: {sil[k3]:.3f}) {mark(hits[-1])}"
            )
        v.build = "best k: " + "; ".join(parts)
        skipped = "too_few_signs" if len(hits) < len(fixed) else ""
        if not hits:
            v.reason = codes("k_fixed", skipped)
            return v
        v.verdict, code = share(hits)
        v.reason = codes(code, "k_fixed", skipped, ablation_cause(art, "best_k", v.verdict, k3))
        return v
    t3 = read_table(v, art, "tables/table3.csv")
    if t3 is None:
        return v
    k = t3.groupby("model", sort=False)["k"].first().astype(int)
    hits = [n == k3 for n in k]
    v.build = "; ".join(f"{model_name(m)} k = {n} {mark(h)}" for (m, n), h in zip(k.items(), hits))
    v.verdict, code = share(hits)
    v.reason = codes(code, ablation_cause(art, "best_k", v.verdict, k3))
    return v


def stable_better(art: Path) -> Verdict:
    """Stable signs are classified more accurately than unstable ones (Table 3).

    A model with fewer than ``RULES["min_type_videos"]`` stable or unstable videos is not judged
    (reason code ``fewer_videos``); the claim is about every model, so it then holds at most partly.
    """
    acc_paper = {t: [r[2] for r in paper.TABLE3 if r[1] == t] for t in ("stable", "unstable")}
    v = Verdict(
        "stable_better",
        f"stable {paper.rate_range(acc_paper['stable'])} vs unstable "
        f"{paper.rate_range(acc_paper['unstable'])}",
    )
    t3 = read_table(v, art, "tables/table3.csv")
    if t3 is None:
        return v
    t3_models = list(dict.fromkeys(t3["model"]))
    if "overlay" in t3:  # the indeterminate overlay row is not a cluster type
        t3 = t3[~t3["overlay"].astype(bool)]
    if {"n_pain", "n_nopain"} <= set(t3.columns):  # too few videos give no accuracy worth comparing
        t3 = t3[t3["n_pain"] + t3["n_nopain"] >= RULES["min_type_videos"]]
    acc = t3.pivot_table(index="model", columns="sign_type", values="accuracy", aggfunc="first")
    usable = [
        m
        for m in acc.index
        if {"stable", "unstable"} <= set(acc.columns)
        and np.isfinite(acc.loc[m].get("stable", np.nan))
        and np.isfinite(acc.loc[m].get("unstable", np.nan))
    ]
    acc = acc.reindex(sorted(set(acc.index) | set(t3_models)))
    missing = sorted(set(acc.index) - set(usable))
    if not usable:
        v.build, v.reason = "–", "fewer_videos"
        return v
    flags = [bool(acc.loc[m, "stable"] > acc.loc[m, "unstable"]) for m in usable]
    v.build = "; ".join(
        f"{model_name(m)} {pct(acc.loc[m, 'stable'])} vs {pct(acc.loc[m, 'unstable'])} {mark(f)}"
        for m, f in zip(usable, flags)
    ) + "".join(f"; {model_name(m)} –" for m in missing)
    v.verdict, code = share(flags)
    if missing and v.verdict == YES:  # the claim is about every model
        v.verdict, code = PARTLY, "some_models"
    v.reason = codes(code, "fewer_videos" if missing else "")
    return v


def same_type(art: Path) -> Verdict:
    """About 60 % of the videos get the same sign type from two models (pairwise agreement).

    The paper's "60 %" is a pairwise rate (the authors' outputs: N-CNN/ViT 0.600, VGG/ViT 0.658,
    VGG/N-CNN 0.575; all three models agree on 0.442): the build's mean over model pairs is
    judged against it (reason ``close``, ``near`` or ``far``), and the three-way share is
    reported beside it.
    """
    from ..report.common import AUTHORS_OUTPUTS

    pairs_paper = AUTHORS_OUTPUTS["same_type_pairwise"].values()
    v = Verdict(
        "same_type",
        f"{pct(paper.SAME_TYPE_FRACTION)} (pairs {paper.rate_range(list(pairs_paper))}; "
        f"all {pct(AUTHORS_OUTPUTS['same_type_all'])})",
    )
    table = read_table(v, art, "tables/agreement.csv")
    if table is None:
        return v
    pairs = table[table["models"] != "all"]
    everyone = table.loc[table["models"] == "all", "agreement"]
    all_agree = float(everyone.iloc[0]) if len(everyone) else float("nan")
    mean = float(pairs["agreement"].mean()) if len(pairs) else float("nan")
    if not np.isfinite(mean):
        v.build, v.reason = "–", "no_pairs"
        return v
    gap = abs(mean - RULES["paper_same_type"])
    v.build = (
        f"{pct(mean)} (mean of {len(pairs)} pairs, {pct(pairs['agreement'].min())}-"
        f"{pct(pairs['agreement'].max())}); all {pct(all_agree)}"
    )
    v.verdict, code = (
        (YES, "close")
        if gap <= RULES["same_type_close"]
        else (PARTLY, "near")
        if gap <= RULES["same_type_near"]
        else (NO, "far")
    )
    v.reason = codes(code, ablation_cause(art, "same_type", v.verdict, RULES["paper_same_type"]))
    return v


def indeterminate_rare(art: Path) -> Verdict:
    """The fourth sign type, indeterminate, occurs but is rare (§3: one N-CNN sign, Fig. 4).

    Read from chapter 05's ``tables/sign_types.csv``: a sign counts as indeterminate when its
    ``indeterminate`` flag is set (the ``authors`` overlay) or its type is ``indeterminate`` (the
    ``causal`` fourth type). The claim holds (``rare``) when at least one sign is indeterminate and
    at most ``RULES["indeterminate_rare"]`` of all signs are; none at all holds it in part
    (``none_found``: consistent with its rarity, yet the type is not shown), more is ``common``.
    """
    n_paper = paper.N_INDETERMINATE
    # every model typed every iCOPEvid video: 3 x 120 signs
    n_signs = len(paper.TABLE2_TEST) * int(paper.TABLE1["iCOPEvid"]["total samples"])
    v = Verdict(
        "indeterminate_rare",
        f"{n_paper} of {n_signs} signs ({pct(n_paper / n_signs)}), N-CNN",
    )
    types = read_table(v, art, "tables/sign_types.csv")
    if types is None:
        return v
    flag = types["sign_type"].astype(str).eq("indeterminate")
    if "indeterminate" in types:
        flag |= types["indeterminate"].astype(str).str.lower().isin(("true", "1", "1.0"))
    per_model = flag.groupby(types["model"], sort=False).agg(["sum", "size"])
    n, total = int(flag.sum()), len(flag)
    if not total:
        v.build, v.reason = "no signs", "none_found"
        return v
    share_ = n / total
    v.build = f"{n} of {total} signs ({pct(share_)}): " + "; ".join(
        f"{model_name(m)} {int(r['sum'])}" for m, r in per_model.iterrows()
    )
    v.verdict, v.reason = (
        (PARTLY, "none_found")
        if n == 0
        else (YES, "rare")
        if share_ <= RULES["indeterminate_rare"]
        else (NO, "common")
    )
    return v
