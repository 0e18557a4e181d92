"""The book as a product: our numbers next to the paper's, the facts of a build, re-run boxes.

This module owns three things the chapters and the closing comparison page share:

* **Comparison** — :func:`compare_all` reads a build's artifacts (``artifacts/<profile>/``) and sets
  every number we reproduce beside the paper's: Table 1, Table 2 (validation, under both threshold
  rules, and test), the video thresholds (fold means ± sd), Pearson's r between models, Table 3 (with
  the indeterminate overlay) and the pairwise agreement of sign types. The paper's numbers are not
  typed here: they come from :mod:`painsign_utils.paper`, the one place that holds them;
  :data:`AUTHORS_OUTPUTS` holds the few numbers that only the authors' saved outputs give. :func:`protocol_line` says which protocol produced a
  build's numbers. A chapter that has not run yet gives a :class:`Section` with a ``missing``
  sentence instead of an exception.
* **Build facts** — :func:`build_info` says which profile, data and weights produced a build, from
  the runner's ``run_*.json``, the executed notebooks' papermill metadata and the artifacts.
* **Re-running** — :func:`parameters_table` (from the notebook's ``parameters`` cell),
  :func:`papermill_command` and :func:`chapter_end` (exercises + parameters + command) for the end
  of every chapter, with exercises that carry a hint and a hidden solution (sphinx-exercise).
  Figure captions are not made here: the runner applies the ``# figure:`` lines of each code cell
  (:func:`painsign_utils.runner.split_figures`).
* **Timings** — :func:`load_timings`, :func:`run_time_line` and :func:`timing_table` read the
  runner's ``artifacts/<profile>/timings.csv`` and keep fresh runs apart from cached re-runs.
"""

from __future__ import annotations

import ast
import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .storage import artifacts_dir

#: Repository root (holds ``notebooks/``, ``profiles/``, ``book/``).
ROOT = Path(__file__).resolve().parent.parent
#: The four classification metrics, in the paper's order.
METRICS = ("accuracy", "sensitivity", "specificity", "auc")
_METRIC_LABELS = {"accuracy": "Accuracy", "sensitivity": "Sensitivity", "specificity": "Specificity",
                  "auc": "AUC"}
#: Which chapter writes what the comparison reads (for the "not run yet" sentences).
CHAPTERS = {"00": "00_data", "01": "01_preprocessing", "02": "02_training",
            "03": "03_test_evaluation", "04": "04_pain_sign", "05": "05_sign_clustering"}


def _names() -> dict[str, str]:
    from .registry import DISPLAY_NAMES

    return DISPLAY_NAMES


@dataclass
class Section:
    """One block of the comparison page.

    Attributes
    ----------
    key : str
        Short identifier (``"table2_test"``).
    title : str
        Heading text (``"Table 2, test on iCOPEvid"``).
    table : DataFrame or None
        Display table, ours next to the paper's; None when ``missing``.
    long : DataFrame
        Numeric pairs for plotting, columns ``section, quantity, model, ours, paper`` (one row a
        reproduced number; fractions for rates, r for correlations).
    missing : str or None
        One sentence saying which chapter must run first, when its artifacts are absent.
    note : str
        A sentence under the table (where the number comes from, how to read it).
    """

    key: str
    title: str
    table: pd.DataFrame | None = None
    long: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["section", "quantity", "model", "ours", "paper"]))
    missing: str | None = None
    note: str = ""


def _missing(key: str, title: str, chapter: str, path: Path, art: Path) -> Section:
    rel = path.relative_to(art) if path.is_relative_to(art) else path
    return Section(key, title, missing=(
        f"Not reproduced in this build: chapter {chapter} has not run under this profile yet "
        f"(`{rel}` is missing)."
    ))


def _long(key: str, rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame([(key, *r) for r in rows], columns=["section", "quantity", "model", "ours", "paper"])


# -- the comparison sections ----------------------------------------------------------------------


def _dataset_key(name: str) -> str | None:
    """Map one of our dataset names (``synthetic-icopevid``, ``iCOPE``...) to the paper's column."""
    low = str(name).lower()
    for paper_name in ("iCOPEvid", "UNIFESP", "iCOPE"):  # iCOPEvid before its prefix iCOPE
        if paper_name.lower() in low:
            return paper_name
    return None


def table1_section(art: Path) -> Section:
    """Table 1: newborns, samples, pain and no pain per dataset, counted from the manifests."""
    from .data import dataset_summary
    from .paper import TABLE1

    title = "Table 1: the data sets"
    images, videos = art / "manifests" / "images.csv", art / "manifests" / "videos.csv"
    for path in (images, videos):
        if not path.exists():
            return _missing("table1", title, CHAPTERS["00"], path, art)
    ours = dataset_summary(pd.read_csv(images), pd.read_csv(videos))
    quantities = ["newborns", "total samples", "pain", "no pain"]
    cols, rows = {}, []
    for name in ours.columns:
        paper_name = _dataset_key(name)
        cols[(name, "ours")] = [int(ours.loc[q, name]) for q in quantities]
        if paper_name is None:
            cols[(name, "paper")] = ["–"] * len(quantities)
            continue
        cols[(name, f"paper ({paper_name})")] = [int(TABLE1[paper_name][q]) for q in quantities]
        rows += [(f"{paper_name}: {q}", "", float(ours.loc[q, name]), float(TABLE1[paper_name][q]))
                 for q in quantities]
    table = pd.DataFrame(cols, index=quantities)
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return Section("table1", title, table, _long("table1", rows),
                   note="Counted from this build's manifests (chapter 00).")


def table2_validation_section(art: Path) -> Section:
    """Table 2 (validation): mean ± sd over the cross-validation folds, and Friedman p-values."""
    from .paper import TABLE2_VALIDATION
    from .training import table2

    title = "Table 2: validation on the image sets (cross-validation folds)"
    path = art / "training" / "metrics.csv"
    if not path.exists():
        return _missing("table2_validation", title, CHAPTERS["02"], path, art)
    metrics = pd.read_csv(path)
    rows = [(_METRIC_LABELS[m], model, float(g[m].mean()), TABLE2_VALIDATION[model][m][0])
            for model, g in metrics.groupby("model", sort=False) if model in TABLE2_VALIDATION
            for m in METRICS]
    n_folds = metrics["fold"].nunique()
    rule = (str(metrics["threshold_rule"].dropna().iloc[0])
            if "threshold_rule" in metrics and metrics["threshold_rule"].notna().any() else None)
    return Section("table2_validation", title, table2(metrics), _long("table2_validation", rows),
                   note=f"Mean ± standard deviation over this build's {n_folds} validation fold(s) "
                        "(`training/metrics.csv`); the p-value is the Friedman test across models. "
                        + (f"Each fold is scored at its {RULE_LABELS.get(rule, rule)}; the next table "
                           "gives both rules." if rule else
                           "Each fold is scored at its training-fold threshold (older artifacts)."))


def table2_test_section(art: Path) -> Section:
    """Table 2 (test): one label per video, the video's mean probability against the threshold."""
    from .evaluation import table2_test, video_metrics
    from .paper import BRAHNAM_AUC, TABLE2_TEST

    title = "Table 2: test on the video set"
    path = art / "tables" / "video_summary.csv"
    if not path.exists():
        return _missing("table2_test", title, CHAPTERS["03"], path, art)
    ours = video_metrics(pd.read_csv(path))
    rows = [(_METRIC_LABELS[m], model, float(ours.loc[model, m]), TABLE2_TEST[model][m])
            for model in ours.index if model in TABLE2_TEST for m in METRICS]
    n = int(ours["n"].iloc[0]) if len(ours) else 0
    return Section("table2_test", title, table2_test(ours, _names()), _long("table2_test", rows),
                   note=f"{n} test videos (`tables/video_summary.csv`). For scale: the best AUC of "
                        f"Brahnam et al. on iCOPEvid is {100 * BRAHNAM_AUC:.1f}%.")


#: Numbers from the authors' saved notebook outputs (``lancet.ipynb``), which the paper rounds or
#: leaves out: the pairwise "same sign type" rates behind its "60 %", the three-way rate, and the sd
#: (``np.std``) of N-CNN's ten per-fold thresholds. The paper gives no sd for the other two models.
AUTHORS_OUTPUTS: dict = {
    "same_type_pairwise": {("ncnn", "vit_b16"): 0.600, ("vggface", "vit_b16"): 0.658,
                           ("vggface", "ncnn"): 0.575},
    "same_type_all": 0.442,
    "threshold_sd": {"ncnn": 0.135},
}
#: The two threshold rules of chapter 02 (``training.THRESHOLD_RULES``), in words.
RULE_LABELS = {"validation_folds": "validation-fold θ_k (authors' code)",
               "training_folds": "training-fold θ (paper's text, no leak)"}
_RULE_PROTOCOL = {"validation_folds": "authors", "training_folds": "causal"}


def build_protocol(art: Path) -> str | None:
    """The protocol (``authors`` or ``causal``) that produced a build's numbers, read from its artifacts.

    ``tables/video_summary.csv`` records it (chapter 03); otherwise the threshold rule of
    ``training/best_models.csv`` (chapter 02) says which; None for older artifacts that record neither.
    """
    art = Path(art)
    summary, best = art / "tables" / "video_summary.csv", art / "training" / "best_models.csv"
    try:
        if summary.exists():
            col = pd.read_csv(summary, usecols=lambda c: c == "protocol")
            if "protocol" in col and col["protocol"].notna().any():
                return str(col["protocol"].dropna().iloc[0])
        if best.exists():
            col = pd.read_csv(best, usecols=lambda c: c == "threshold_rule")
            if "threshold_rule" in col and col["threshold_rule"].notna().any():
                return _RULE_PROTOCOL.get(str(col["threshold_rule"].dropna().iloc[0]))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    return None


def protocol_line(art: Path) -> str:
    """One sentence for the top of the comparison page: which protocol produced its numbers."""
    proto = build_protocol(art)
    if proto == "authors":
        return ("**Protocol of this build: `authors`** — the numbers below were computed as the authors' "
                "code computed the paper's (centred sign, sign-mean video score, thresholds θ_k on each "
                "fold's validation predictions with their mean for the videos, k-means with k = 3 on "
                "unscaled features and the indeterminate overlay), so each is comparable with the "
                "paper's.")
    if proto == "causal":
        return ("**Protocol of this build: `causal`** — the numbers below come from the book's leak-free "
                "variant (trailing sign, mean probability over frames with a face, training-fold "
                "thresholds, z-scored k-means with k by silhouette), not from the computation behind "
                "the paper's numbers: expect differences from the method as well as from the data.")
    return ("**Protocol of this build: not recorded** — these artifacts predate the `protocol` switch "
            "(chapters 02-05 of an older version wrote them); re-run them to know which rules produced "
            "the numbers.")


def _pm(mean: float, sd: float | None = None) -> str:
    """A rate as ``"54.2% ± 13.5%"`` (or ``"54.2%"`` without a finite sd)."""
    if mean is None or not np.isfinite(mean):
        return "–"
    return f"{100 * mean:.1f}%" + (f" ± {100 * sd:.1f}%" if sd is not None and np.isfinite(sd) else "")


def _paper_threshold(model: str) -> str:
    from .paper import PAPER

    if model not in PAPER["thresholds"]:
        return "–"
    return _pm(PAPER["thresholds"][model], AUTHORS_OUTPUTS["threshold_sd"].get(model))


def table2_rules_section(art: Path) -> Section:
    """Table 2 (validation) under both threshold rules of the same run (``tables/table2_rules.csv``)."""
    from .training import PAPER_TABLE2

    title = "Table 2 (validation) under both threshold rules"
    path = art / "tables" / "table2_rules.csv"
    if not path.exists():
        return Section("table2_rules", title, missing=(
            "Not in this build: `tables/table2_rules.csv` is missing (artifacts written before chapter "
            "02 recorded both threshold rules; re-run chapter 02 under this profile)."))
    rules = pd.read_csv(path)
    build_rule = None
    metrics_path = art / "training" / "metrics.csv"
    if metrics_path.exists():
        rule_col = pd.read_csv(metrics_path, usecols=lambda c: c == "threshold_rule")
        if "threshold_rule" in rule_col and rule_col["threshold_rule"].notna().any():
            build_rule = str(rule_col["threshold_rule"].dropna().iloc[0])
    out, rows = {}, []
    for r in rules.itertuples():
        paper = PAPER_TABLE2.get(r.model)
        rec = {}
        for m in METRICS:
            rec[(_METRIC_LABELS[m], "ours")] = _pm(getattr(r, m), getattr(r, f"{m}_sd", None))
            rec[(_METRIC_LABELS[m], "paper")] = "–" if paper is None else _pm(*paper[m])
            # The build's own rule is already in the Table 2 section: only the other rule adds points.
            if paper is not None and r.rule != build_rule and np.isfinite(getattr(r, m)):
                rows.append((f"{_METRIC_LABELS[m]}, {r.rule.replace('_', ' ')}", r.model,
                             float(getattr(r, m)), float(paper[m][0])))
        rec[("Threshold", "ours")] = _pm(r.threshold, getattr(r, "threshold_sd", None))
        rec[("Threshold", "paper")] = _paper_threshold(r.model) if r.rule == "validation_folds" else "–"
        out[(_names().get(r.model, r.model), RULE_LABELS.get(r.rule, r.rule))] = rec
    table = pd.DataFrame.from_dict(out, orient="index")
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    table.index.names = ["model", "threshold rule"]
    n = int(rules["n_folds"].max()) if "n_folds" in rules and len(rules) else 0
    return Section("table2_rules", title, table, _long("table2_rules", rows), note=(
        f"Both rows of a model come from the same {n} trained fold(s); only the threshold differs. "
        "Mean ± sd (`np.std`) over the folds. The paper's Table 2 was computed with the validation-fold "
        "rule (each fold scored at the θ_k chosen on its own validation predictions), which flatters "
        "it: the training-fold row is what the same models score when the threshold is chosen without "
        "looking at the validation folds. The AUC does not depend on the threshold."
        + (f" This build's Table 2 above used the {build_rule.replace('_', '-')} rule." if build_rule else "")))


def thresholds_section(art: Path) -> Section:
    """The video thresholds: the mean ± sd of the per-fold Youden thresholds, beside the paper's."""
    title = "Video thresholds: means of the per-fold Youden thresholds"
    path = art / "training" / "best_models.csv"
    if not path.exists():
        return _missing("thresholds", title, CHAPTERS["02"], path, art)
    from .paper import PAPER

    best = pd.read_csv(path)
    rules_path = art / "tables" / "table2_rules.csv"
    rules = pd.read_csv(rules_path).set_index(["model", "rule"]) if rules_path.exists() else None
    has_rule = "threshold_rule" in best
    cols: dict[str, list] = {"model": [], "video threshold (ours)": [], "rule": []}
    if rules is not None:
        for rule in RULE_LABELS:
            cols[f"{RULE_LABELS[rule]}, mean ± sd"] = []
    cols["paper (mean θ_k)"] = []
    long_rows = []
    for r in best.itertuples():
        sd = getattr(r, "threshold_sd", float("nan")) if has_rule else float("nan")
        rule = str(r.threshold_rule) if has_rule else "training_folds"
        cols["model"].append(_names().get(r.model, r.model))
        cols["video threshold (ours)"].append(_pm(r.threshold, sd))
        cols["rule"].append(RULE_LABELS.get(rule, rule) if has_rule
                            else "best fold's own threshold (older artifacts)")
        if rules is not None:
            for rl in RULE_LABELS:
                hit = (r.model, rl) in rules.index
                cols[f"{RULE_LABELS[rl]}, mean ± sd"].append(
                    _pm(rules.loc[(r.model, rl), "threshold"], rules.loc[(r.model, rl), "threshold_sd"])
                    if hit else "–")
        cols["paper (mean θ_k)"].append(_paper_threshold(r.model))
        if r.model in PAPER["thresholds"]:
            long_rows.append((f"video threshold ({rule.replace('_', ' ')})", r.model, float(r.threshold),
                              PAPER["thresholds"][r.model]))
    table = pd.DataFrame(cols).set_index("model")
    sds = ", ".join(f"{_names().get(m, m)} ± {100 * v:.1f}%" for m, v in AUTHORS_OUTPUTS["threshold_sd"].items())
    published = ", ".join(f"{100 * v:.1f} % ({_names().get(m, m)})" for m, v in PAPER["thresholds"].items())
    note = ("Each fold k has a Youden threshold θ_k. Under the validation-fold rule (the authors' code) the "
            "videos are scored at the mean of the θ_k, ± their sd (`np.std`); under the training-fold rule "
            f"at the best fold's own threshold. The paper's {published} are such means over its ten "
            "validation-fold θ_k (the authors' code), not "
            f"the thresholds of single best models; their sds are not published (the authors' outputs "
            f"give {sds}; none is known for the other models).")
    if not has_rule:
        note += (" These artifacts predate the threshold rules: their threshold is the best fold's own, "
                 "from its training folds.")
    if rules is None:
        note += " `tables/table2_rules.csv` is missing, so the per-rule means are not shown (re-run chapter 02)."
    return Section("thresholds", title, table, _long("thresholds", long_rows), note=note)


def agreement_section(art: Path) -> Section:
    """Same sign type across models: pairwise agreement per model pair and the three-way share."""
    from .paper import PAPER

    title = "Same sign type across models"
    path = art / "tables" / "agreement.csv"
    source = "`tables/agreement.csv`"
    if path.exists():
        agree = pd.read_csv(path)
    else:
        types = art / "tables" / "sign_types.csv"
        if not types.exists():
            return _missing("agreement", title, CHAPTERS["05"], path, art)
        from .clustering import agreement_table

        typed = pd.read_csv(types, dtype={"video": str, "model": str})
        agree = agreement_table(typed)
        source = "`tables/sign_types.csv` (older artifacts without `tables/agreement.csv`)"
    pairs = AUTHORS_OUTPUTS["same_type_pairwise"]
    names, ours, paper, n, rows = [], [], [], [], []
    for r in agree.itertuples():
        if r.models == "all":
            label, ref = "all models", AUTHORS_OUTPUTS["same_type_all"]
        else:
            a, b = (m.strip() for m in str(r.models).split("/"))
            label = f"{_names().get(a, a)} / {_names().get(b, b)}"
            ref = pairs.get((a, b), pairs.get((b, a)))
        names.append(label)
        n.append(int(r.n_videos))
        ours.append(_pm(r.agreement))
        paper.append(_pm(ref) if ref is not None else "–")
        if ref is not None and np.isfinite(r.agreement):
            rows.append((f"same type: {label}", "", float(r.agreement), float(ref)))
    table = pd.DataFrame({"videos": n, "ours": ours, "paper (authors' outputs)": paper},
                         index=pd.Index(names, name="models"))
    return Section("agreement", title, table, _long("agreement", rows), note=(
        f"Share of the videos typed by the models that they put in the same sign type ({source}). "
        f"The paper's \"{100 * PAPER['same_type_fraction']:.0f} % of the videos were classified under "
        "the same sign type across models\" is the pairwise rate of the authors' code (N-CNN / ViT-B/16 "
        "60.0 %); all three models agree less often (44.2 %)."))


def pearson_section(art: Path) -> Section:
    """Pearson's r between the signs of two models, mean ± sd over videos."""
    from .evaluation import pearson_summary
    from .paper import pearson_r

    title = "Pearson's r between the models' signs"
    path = art / "tables" / "pearson_pairs.csv"
    if not path.exists():
        return _missing("pearson", title, CHAPTERS["04"], path, art)
    pairs = pd.read_csv(path)
    table = pearson_summary(pairs, _names())
    rows = []
    for (a, b), g in pairs.groupby(["model_a", "model_b"]):
        paper = pearson_r(a, b)
        if paper and g["r"].notna().any():
            rows.append((f"r {_names().get(a, a)} – {_names().get(b, b)}", "", float(g["r"].mean()), paper[0]))
    return Section("pearson", title, table.drop(columns="r_mean").set_index("pair"), _long("pearson", rows),
                   note="Over the videos where both signs vary (`tables/pearson_pairs.csv`).")


def table3_section(art: Path) -> Section:
    """Table 3: classification and temporal metrics per model and sign type."""
    from .evaluation import paper_table3

    title = "Table 3: metrics per sign type"
    path = art / "tables" / "table3.csv"
    if not path.exists():
        return _missing("table3", title, CHAPTERS["05"], path, art)
    ours = pd.read_csv(path).set_index(["model", "sign_type"])
    paper = paper_table3().set_index(["model", "sign_type"])
    from .clustering import SIGN_TYPES

    # Ours then the paper's rows, grouped by model (build order) and sign type (SIGN_TYPES order).
    index = ours.index.union(paper.index, sort=False)
    models = list(dict.fromkeys(index.get_level_values(0)))
    index = sorted(index, key=lambda k: (models.index(k[0]), SIGN_TYPES.index(k[1])
                                         if k[1] in SIGN_TYPES else len(SIGN_TYPES)))
    out, rows = {}, []
    for key in index:
        o = ours.loc[key] if key in ours.index else None
        p = paper.loc[key] if key in paper.index else None
        rec = {}
        for m in METRICS:
            rec[(_METRIC_LABELS[m], "ours")] = "–" if o is None or pd.isna(o[m]) else f"{100 * o[m]:.1f}%"
            rec[(_METRIC_LABELS[m], "paper")] = "–" if p is None else f"{100 * p[m]:.1f}%"
            if o is not None and p is not None and not pd.isna(o[m]):
                rows.append((f"{key[1]}: {_METRIC_LABELS[m]}", key[0], float(o[m]), float(p[m])))
        for q in ("entropy", "crossings"):
            rec[(q.capitalize(), "ours")] = "–" if o is None else str(o[q])
            rec[(q.capitalize(), "paper")] = "–" if p is None else f"{p[f'{q}_mean']:.2f} ± {p[f'{q}_sd']:.2f}"
        rec[("Videos pain / no pain", "ours")] = "–" if o is None else f"{int(o['n_pain'])} / {int(o['n_nopain'])}"
        rec[("Videos pain / no pain", "paper")] = "–" if p is None else f"{int(p['n_pain'])} / {int(p['n_nopain'])}"
        overlay = o is not None and bool(o.get("overlay", False))
        out[(_names().get(key[0], key[0]), f"{key[1]} (overlay)" if overlay else key[1])] = rec
    table = pd.DataFrame.from_dict(out, orient="index")
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    table.index.names = ["model", "sign type"]
    note = "A dash: no video of that type in this build, or a type the paper's table does not list."
    if "overlay" in ours and ours["overlay"].astype(bool).any():
        note += (" *indeterminate (overlay)*: the videos flagged by the authors' overlay (low entropy, more "
                 "crossings than every irregular sign), counted in their cluster's row as well; the paper's "
                 "Table 3 lists the three cluster types only (its single indeterminate N-CNN video, §3, "
                 "was left out).")
    elif "indeterminate" in set(ours.index.get_level_values("sign_type")):
        note += " *indeterminate* is a fourth type here (the causal protocol), not an overlay."
    return Section("table3", title, table, _long("table3", rows), note=note)


#: The comparison page's sections, in the order the paper presents them.
SECTIONS = (table1_section, table2_validation_section, table2_rules_section, table2_test_section,
            thresholds_section, pearson_section, table3_section, agreement_section)


def compare_all(profile: str | None = None, art: str | Path | None = None) -> list[Section]:
    """Every reproduced number next to the paper's, read from one build's artifacts.

    Parameters
    ----------
    profile : str, optional
        Profile whose ``artifacts/<profile>/`` is read.
    art : path, optional
        The artifacts folder itself (overrides ``profile``).

    Returns
    -------
    list of Section
        One per table, in the paper's order; a section whose chapter has not run (or whose file
        cannot be read) carries a ``missing`` sentence and no table.
    """
    art = Path(art) if art is not None else artifacts_dir(profile or "demo")
    out = []
    for make in SECTIONS:
        try:
            out.append(make(art))
        except (KeyError, ValueError, IndexError, pd.errors.ParserError) as exc:
            name = make.__name__.removesuffix("_section")
            out.append(Section(name, name, missing=f"Could not read this build's {name} artifacts "
                                                   f"({type(exc).__name__}: {exc})."))
    return out


def long_table(sections: list[Section]) -> pd.DataFrame:
    """All numeric (ours, paper) pairs of the sections, one row each."""
    parts = [s.long for s in sections if s.missing is None and len(s.long)]
    if not parts:
        return pd.DataFrame(columns=["section", "quantity", "model", "ours", "paper"])
    return pd.concat(parts, ignore_index=True)


def comparison_figure(long: pd.DataFrame):
    """Scatter of our rates against the paper's (fractions in [0, 1]), one colour per model.

    Parameters
    ----------
    long : DataFrame
        :func:`long_table` output. Table 1's counts are left out (not on a 0-1 scale).

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    from .figures import MODEL_COLOURS

    rates = long[long["section"] != "table1"]
    markers = {"table2_validation": "o", "table2_rules": "P", "table2_test": "s", "thresholds": "D",
               "pearson": "^", "table3": "v", "agreement": "X"}
    labels = {"table2_validation": "Table 2 validation", "table2_rules": "Table 2, other threshold rule",
              "table2_test": "Table 2 test", "thresholds": "video threshold", "pearson": "Pearson r",
              "table3": "Table 3", "agreement": "same sign type"}
    fig, ax = plt.subplots(figsize=(5.2, 5.0))
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", zorder=0)
    ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), xlabel="paper", ylabel="this build", aspect="equal")
    if rates.empty:
        ax.text(0.5, 0.5, "no rate reproduced yet in this build", ha="center", va="center", color="0.4")
        return fig
    for section, g in rates.groupby("section", sort=False):
        colours = [MODEL_COLOURS.get(m, "0.3") for m in g["model"]]
        ax.scatter(g["paper"], g["ours"], c=colours, marker=markers.get(section, "o"), s=28,
                   alpha=0.8, edgecolors="none", label=labels.get(section, section))
    handles = [plt.Line2D([], [], ls="", marker=markers.get(s, "o"), color="0.3", label=labels.get(s, s))
               for s in rates["section"].unique()]
    handles += [plt.Line2D([], [], ls="", marker="o", color=c, label=_names()[m])
                for m, c in MODEL_COLOURS.items() if m in set(rates["model"])]
    ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False)
    return fig


# -- facts of a build -----------------------------------------------------------------------------


def _executed_notebooks(profile: str, book_dir: Path) -> dict[str, dict]:
    """Papermill metadata of the executed notebooks in ``book_dir`` that ran under ``profile``."""
    out = {}
    for path in sorted(book_dir.glob("[0-9][0-9]_*.ipynb")):
        try:
            meta = json.loads(path.read_text()).get("metadata", {}).get("papermill", {})
        except (OSError, json.JSONDecodeError):
            continue
        params = meta.get("parameters") or {}
        if params.get("profile") != profile:
            continue
        out[path.stem] = {"params": params, "seconds": meta.get("duration"),
                          "finished": meta.get("end_time"), "failed": bool(meta.get("exception"))}
    return out


def build_info(profile: str, root: str | Path | None = None, art: str | Path | None = None) -> dict:
    """Which profile, data and weights produced a build, read from the run itself.

    Sources, later ones winning: the runner's ``artifacts/<profile>/run_*.json`` (oldest first);
    the papermill metadata of the executed notebooks in ``book/`` (so a notebook executed in the
    current run, before the runner writes its JSON, still counts); the manifests; and
    ``training/best_models.csv`` for the weights.

    Returns
    -------
    dict
        ``profile``, ``description``, ``notebooks`` (DataFrame: notebook, seconds, parameters),
        ``data`` (dict: source "synthetic"|"real", per-dataset counts), ``weights`` (DataFrame:
        model, weights_source, input_size, or empty).
    """
    root = Path(root) if root is not None else ROOT
    art = Path(art) if art is not None else artifacts_dir(profile)
    description, runs = "", {}
    for path in sorted(art.glob("run_*.json"), key=lambda p: p.stat().st_mtime):
        run = json.loads(path.read_text())
        description = run.get("description") or description
        for nb, params in run.get("params", {}).items():
            runs[nb] = {"params": params, "seconds": run.get("seconds", {}).get(nb)}
    runs.update(_executed_notebooks(profile, root / "book"))
    if not description:
        try:
            from .runner import load_profile

            description = load_profile(profile, root)["description"]
        except Exception:  # noqa: BLE001 - a profile given as a path elsewhere; description is optional
            description = ""
    notebooks = pd.DataFrame(
        [{"notebook": nb, "seconds": r.get("seconds"),
          "parameters": ", ".join(f"{k}={v!r}" for k, v in sorted(r["params"].items()) if k != "profile")}
         for nb, r in sorted(runs.items())],
        columns=["notebook", "seconds", "parameters"],
    )
    return {"profile": profile, "description": description, "notebooks": notebooks,
            "data": _data_facts(art), "weights": _weights(art), "timings": load_timings(art)}


# -- how long the chapters take ---------------------------------------------------------------------


def load_timings(art: str | Path) -> pd.DataFrame:
    """The runner's ``timings.csv`` of one artifacts folder (empty table when absent).

    One row per chapter execution: ``profile, notebook, seconds, start, finished, cpus``; ``start``
    is ``fresh`` (the run began with an empty artifacts folder) or ``cached`` (earlier work could
    be reused). See :func:`painsign_utils.runner.record_timing`.
    """
    from .runner import TIMING_COLUMNS

    path = Path(art) / "timings.csv"
    if not path.exists():
        return pd.DataFrame(columns=TIMING_COLUMNS)
    try:
        table = pd.read_csv(path, dtype={"notebook": str, "profile": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        return pd.DataFrame(columns=TIMING_COLUMNS)
    table["seconds"] = pd.to_numeric(table["seconds"], errors="coerce")
    return table


def _latest(timings: pd.DataFrame, start: str | None = None) -> pd.Series:
    rows = timings if start is None else timings[timings["start"] == start]
    return rows.groupby("notebook", sort=True)["seconds"].last()


def run_time_line(timings: pd.DataFrame | None, n_chapters: int) -> str:
    """One sentence on how long this build's chapters took, never passing a re-run off as fresh.

    Parameters
    ----------
    timings : DataFrame or None
        :func:`load_timings` output.
    n_chapters : int
        Chapters executed under the profile (from :func:`build_info`).
    """
    if timings is None or timings.empty:
        return (f"{n_chapters} (execution times not recorded by the runner: whether they were "
                "fresh or reused cached work is unknown)")
    latest = timings.groupby("notebook", sort=True).last()
    cpus = latest["cpus"].iloc[-1]
    timed = (f"{n_chapters}" if len(latest) >= n_chapters else
             f"{n_chapters}, of which the runner timed {len(latest)}")
    fresh = _latest(timings, "fresh")
    if fresh.empty:
        head = "no fresh run is recorded on this machine"
    elif set(latest.index) <= set(fresh.index):
        head = f"a fresh run (nothing cached) took {fresh.sum() / 60:.1f} min on {cpus} CPU cores"
    else:
        head = (f"a fresh run of {len(fresh)} of them took {fresh.sum() / 60:.1f} min on {cpus} CPU "
                "cores")
    rerun = latest[latest["start"] == "cached"]
    if rerun.empty:
        return f"{timed}; {head}"
    return (f"{timed}; {head}; re-run since, reusing cached work: {', '.join(rerun.index)} "
            f"({rerun['seconds'].sum() / 60:.1f} min, not the time of a fresh run)")


def timing_table(roots: list[str | Path] | None = None, text: bool = False) -> pd.DataFrame:
    """Fresh-run and cached re-run minutes per chapter and profile, from every ``timings.csv``.

    Parameters
    ----------
    roots : list of path, optional
        Artifacts folders to read; default every ``artifacts/*/`` of this checkout.
    text : bool
        Return display text: minutes with one decimal, "–" where no run of that kind is recorded.

    Returns
    -------
    DataFrame indexed by chapter, two columns per profile found (``<profile> fresh (min)``,
    ``<profile> cached (min)``): the most recent time of each kind, NaN where none is recorded.
    """
    if roots is None:
        import os

        from .storage import ARTIFACTS_ENV

        base = Path(os.environ.get(ARTIFACTS_ENV, "artifacts"))
        roots = sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    cols = {}
    for root in roots:
        t = load_timings(root)
        if t.empty:
            continue
        prof = str(t["profile"].iloc[-1])
        for start in ("fresh", "cached"):
            cols[f"{prof} {start} (min)"] = (_latest(t, start) / 60).round(1)
    if not cols:
        return pd.DataFrame()
    table = pd.DataFrame(cols)
    table.index.name = "chapter"
    if text:
        table = table.apply(lambda col: col.map(lambda v: "–" if pd.isna(v) else f"{v:.1f}"))
    return table


def _data_facts(art: Path) -> dict:
    from .data import is_synthetic

    facts: dict[str, Any] = {"source": None, "datasets": {}}
    names = []
    for kind in ("images", "videos"):
        path = art / "manifests" / f"{kind}.csv"
        if path.exists():
            df = pd.read_csv(path)
            for name, g in df.groupby("dataset", sort=False):
                facts["datasets"][str(name)] = f"{len(g)} {kind} of {g['subject'].nunique()} newborns"
                names.append(str(name))
    if names:
        facts["source"] = "synthetic" if is_synthetic(names) else "real"
    return facts


def _weights(art: Path) -> pd.DataFrame:
    path = art / "training" / "best_models.csv"
    cols = ["model", "weights_source", "input_size"]
    if not path.exists():
        return pd.DataFrame(columns=cols)
    best = pd.read_csv(path)
    for c in cols:
        if c not in best.columns:
            best[c] = "not recorded"
    starts = art / "tables" / "model_starts.csv"
    if starts.exists():  # chapter 02's plain words for each start (e.g. synthetic-face pretraining)
        said = pd.read_csv(starts).set_index("model")["start"]
        best["weights_source"] = best["model"].map(said).fillna(best["weights_source"])
    return best[cols].assign(model=best["model"].map(_names()).fillna(best["model"]))


def build_summary_html(info: dict) -> str:
    """A short HTML block of :func:`build_info` for the book's front page."""
    import html

    data = info["data"]
    if data["source"] is None:
        data_line = "no data set prepared yet (chapter 00 has not run)"
    else:
        kind = ("built-in synthetic newborn faces (not health data)" if data["source"] == "synthetic"
                else "real data sets given through manifests")
        data_line = f"{kind}: " + "; ".join(f"{k} — {v}" for k, v in data["datasets"].items())
    w = info["weights"]
    weights_line = ("no model trained yet (chapter 02 has not run)" if w.empty else
                    "; ".join(f"{r.model}: {r.weights_source}, {r.input_size} px input" for r in w.itertuples()))
    nb = info["notebooks"]
    items = [("Profile", f"<code>{html.escape(info['profile'])}</code> — {html.escape(info['description'])}"),
             ("Data", html.escape(data_line)),
             ("Starting weights", html.escape(weights_line)),
             ("Chapters executed", html.escape(run_time_line(info.get("timings"), len(nb))))]
    body = "".join(f"<li><strong>{k}:</strong> {v}</li>" for k, v in items)
    return f'<ul class="painsign-build">{body}</ul>'


# -- re-running a chapter -------------------------------------------------------------------------


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        return text.strip()


def notebook_source(name: str, root: str | Path | None = None) -> Path:
    """``notebooks/<name>.ipynb`` for a stem (``"04_pain_sign"``) or a number prefix (``"04"``)."""
    from .errors import ConfigError

    folder = Path(root or ROOT) / "notebooks"
    hits = sorted(folder.glob(f"{name}.ipynb")) or sorted(folder.glob(f"{name}_*.ipynb"))
    if len(hits) != 1:
        raise ConfigError(f"no single notebook named {name!r} in {folder}")
    return hits[0]


def parameters_table(notebook_path: str | Path, profile: str | None = None,
                     root: str | Path | None = None) -> pd.DataFrame:
    """The notebook's ``parameters`` cell as a table, with the values a profile gives it.

    Parameters
    ----------
    notebook_path : path
        A source notebook (``notebooks/NN_name.ipynb``).
    profile : str, optional
        Adds the column ``this build``: the value the runner passes under that profile, or
        "default" when the profile leaves the notebook's default.

    Returns
    -------
    DataFrame indexed by parameter name with columns ``default``, ``meaning`` (the comment in the
    parameters cell) and, with a profile, ``this build``.
    """
    import papermill

    from .errors import ConfigError

    declared = papermill.inspect_notebook(str(notebook_path))
    if not declared:
        raise ConfigError(f"{Path(notebook_path).name}: no cell tagged 'parameters'")
    table = pd.DataFrame(
        {"default": [spec["default"].strip() for spec in declared.values()],
         "meaning": [spec.get("help") or "" for spec in declared.values()]},
        index=pd.Index(list(declared), name="parameter"),
    )
    if profile is not None:
        given = profile_parameters(notebook_path, profile, root)
        table.insert(0, "this build", [repr(given[k]) if k in given else "default" for k in table.index])
    return table


def profile_parameters(notebook_path: str | Path, profile: str, root: str | Path | None = None) -> dict:
    """The parameters the runner gives ``notebook_path`` under ``profile`` (the runner's own rule)."""
    from .runner import load_profile, notebook_parameters

    return notebook_parameters(Path(notebook_path), load_profile(profile, Path(root or ROOT)))


def papermill_command(notebook_path: str | Path, params: dict | None = None,
                      out: str | Path | None = None) -> str:
    """A copyable shell command that re-runs one notebook with papermill from the repository root.

    Scalars are passed with ``-p`` (papermill types numbers and booleans itself; strings are kept
    strings with ``-r``), lists and dicts with ``-y`` as YAML.
    """
    nb = Path(notebook_path)
    src = nb.relative_to(ROOT) if nb.is_absolute() and nb.is_relative_to(ROOT) else nb
    out = out if out is not None else Path("book") / nb.name
    parts = ["papermill", str(src), str(out), "-k", "python3"]
    for key, value in (params or {}).items():
        if isinstance(value, str):
            parts += ["-r", key, value]
        elif isinstance(value, bool | int | float) or value is None:
            parts += ["-p", key, repr(value)]
        else:
            parts += ["-y", f"{key}: {json.dumps(value)}"]
    return " ".join(shlex.quote(p) for p in parts)


@dataclass(frozen=True)
class Exercise:
    """One exercise: a task (a parameter to change, what to look for), a hint, a worked answer.

    The answer says what to expect and how to reason about it, never a number of one build: the
    numbers depend on the profile and the machine. Parameter names are written in backticks;
    tests/test_report.py checks that each one is declared by the chapter's notebook.
    """

    task: str
    hint: str
    solution: str


#: A few exercises per chapter, each with a hint and a hidden solution.
EXERCISES: dict[str, list[Exercise]] = {
    "00_data": [
        Exercise(
            "Set `synthetic_scale` to 0.3 and compare Table 1 with the paper's: which counts shrink, "
            "and does the pain / no-pain balance hold?",
            "The scale multiplies the number of newborns and samples of each data set, not the "
            "share of each label.",
            "Every count shrinks to about 30%, but the proportion of pain and no-pain samples stays "
            "close to the paper's (e.g. 60 / 63 in iCOPE): the generator draws labels per subject in "
            "the paper's ratios. Fewer newborns per fold make the validation metrics of chapter 02 "
            "noisier, which is why the smoke profile's numbers should not be compared with the paper."),
        Exercise(
            "Set `video_seconds` to 60: longer clips hold more changes of expression. Look at the "
            "scenario strip: where would a single label per video be most wrong?",
            "Look at the *irregular* and *unstable* scenarios: how much of the clip lies on each side "
            "of the pain / no-pain boundary?",
            "In stable scenarios one label describes every second; in unstable and indeterminate ones "
            "the intensity spends long stretches on both sides of the boundary, so any single label "
            "is wrong for a large part of the clip. This is the paper's argument for a sign instead "
            "of a label (paper §3)."),
        Exercise(
            "Raise `gallery_subjects` and look for the confounders (sleep, yawns, fussing): which "
            "ones would fool a human observer?",
            "Compare the mouth in a yawn with the mouth in pain, and the eyes in sleep with the eye "
            "squeeze of pain.",
            "A yawn opens the mouth like the vertical mouth stretch of pain but without brow bulge "
            "or eye squeeze; sleep closes the eyes without squeezing them. A rater (or model) that "
            "looks at one facial action alone is fooled; the NFCS scores several actions together "
            "for this reason."),
    ],
    "01_preprocessing": [
        Exercise(
            "Raise `score_threshold` to 0.99: how many frames lose their face, and in which scenarios?",
            "The detection table gives the share of frames with a face per data set; the scenario "
            "column of the video manifest tells which videos hold occlusions.",
            "More frames lose their face, mostly where a hand covers it or the head is rolled: "
            "the detector is less sure there. Each lost frame becomes a gap that the sign fills by "
            "interpolation (chapter 04), so a strict detector makes the sign smoother but blinder."),
        Exercise(
            "Set `video_frame_step` to 1 (the paper's every frame) and compare the time taken with "
            "this build's; the sign's one-second window then holds 30 samples.",
            "Detection time grows about linearly with the number of frames analysed.",
            "With step 1 detection takes about `step` times longer than with the build's step. The "
            "sign's window is one second whatever the step, so the sign changes little: a face "
            "does not change much in a tenth of a second."),
        Exercise(
            "Set `margin` to 0 and look at the crops: what part of the face does a tight box cut off?",
            "RetinaFace's box is fitted to the face, not to the head.",
            "The forehead and chin are cut: the brow bulge and chin quiver of the NFCS sit at the "
            "edges of the box, so a model trained on tight crops sees less of them."),
    ],
    "02_training": [
        Exercise(
            "Lower `max_epochs` and watch the learning curves: where does early stopping end training?",
            "Early stopping ends a fold when the validation loss has not improved for `patience` "
            "epochs; the best checkpoint is kept.",
            "With fewer epochs most folds stop at the limit rather than by early stopping; their "
            "validation loss is still falling, so the models are under-trained and the validation "
            "AUC drops. The learning curves show it as lines that end while still descending."),
        Exercise(
            "Set `n_augment` to 0 and compare the validation AUC across folds: how much does "
            "augmentation help on so few newborns?",
            "Compare the spread of the fold AUCs, not only their mean.",
            "Without augmentation the models see each face once and overfit faster: the mean AUC "
            "usually falls and the fold-to-fold spread grows, most for the model trained from "
            "scratch (N-CNN). The paper used 20 augmentations per image (its Appendix A)."),
    ],
    "03_test_evaluation": [
        Exercise(
            "Set `window_seconds` to 3: the sign smooths more. Do entropy and crossings fall, and does "
            "the video-level AUC change?",
            "The video's label is the mean of its sign; a moving average hardly changes a mean.",
            "Entropy and crossings fall (a smoother sign visits fewer bins and crosses the threshold "
            "less often), but the video-level AUC barely moves, because the mean of a moving average "
            "is almost the mean of the probabilities. The window changes how the sign *looks*, not "
            "the single label."),
        Exercise(
            "Move `pain_cut` to 0.3 and 0.7: how does the frame-level AUC respond, and why does the "
            "video-level AUC not move?",
            "`pain_cut` only defines which *frames* count as pain in the synthetic ground truth.",
            "The frame-level AUC changes because the frame truth changes; the video labels come "
            "from the manifest and do not depend on `pain_cut`, so the video-level AUC is the same."),
    ],
    "04_pain_sign": [
        Exercise(
            "Set `focus_model` to another model: is its sign built from noisier probabilities?",
            "Compare how far the grey dots (frame probabilities) scatter around the coloured line.",
            "A model whose frame probabilities jump between 0 and 1 gives a sign with more "
            "crossings and higher entropy even on a steady face; the one-second average hides part "
            "of that noise but not all. The correlation with the true intensity (section 4) says "
            "which model's noise is noise and which follows the face."),
        Exercise(
            "Set `strip_every_s` to 0.5 and find a crossing marker: what did the face do at that moment?",
            "The sign is a trailing one-second average: look at the faces up to a second *before* "
            "the marker.",
            "A crossing usually follows a change of expression (eye squeeze, mouth opening) or a "
            "hand coming over the face by about half a second, the lag of a one-second causal "
            "average."),
    ],
    "05_sign_clustering": [
        Exercise(
            "Set `k_max` to 3 so k-means may find at most three clusters, as the paper did: which videos "
            "move between types?",
            "Compare the sign-type column of `tables/sign_types.csv` between the two runs.",
            "With k at most 3 the videos of any extra cluster merge into a neighbour, usually the "
            "videos near the boundary between irregular and unstable. The paper's k = 3 came out of "
            "the silhouette search; here the search may choose otherwise on synthetic data."),
        Exercise(
            "Lower `n_init` to 1 and re-run with another `seed`: are the sign types stable?",
            "k-means starts from random centres and can end in a different local optimum.",
            "With one start the clusters can change between seeds, most for small data sets; with "
            "several starts k-means keeps the best of them and the types become reproducible. The "
            "authors used scikit-learn's default number of starts."),
    ],
    "06_explainability": [
        Exercise(
            "Set `ig_baseline` to \"blur\": do the Integrated Gradients maps still point at the brow, "
            "eyes and mouth?",
            "IG attributes the change of output between the baseline and the face: a blurred face "
            "already holds the face's colours and shape.",
            "With a blurred baseline IG attributes only what blurring removed, the fine detail of "
            "furrows and edges, so the maps concentrate on creases around eyes, brow and mouth and "
            "lose the skin areas a black baseline highlights. The choice of baseline is part of the "
            "explanation."),
        Exercise(
            "Change `mask_levels` to 3: is the red / yellow / green picture easier to read?",
            "The post-processing of Carlini et al. quantizes the map into that many k-means levels.",
            "Fewer levels give larger, flatter regions: easier to read at a glance, coarser in "
            "where exactly the model looks. It changes the picture, not the model."),
    ],
    "07_average_faces": [
        Exercise(
            "Set `bin_width` to 0.2: fewer, fuller bins. Is the rise of the expression above 50% clearer?",
            "Each bin averages more faces, so each average face is less noisy, but there are only "
            "five of them.",
            "The average faces are smoother and the trend of the mean intensity per bin is "
            "estimated from fewer points; with only five bins a rank correlation needs a perfect "
            "order to be significant."),
        Exercise(
            "Restrict `models` to one model and compare its correct and incorrect frames.",
            "Incorrect frames disagree with the label of their *video*, not with the face.",
            "Many incorrect frames with high probability show a pain-like face in a no-pain video: "
            "they are errors of the single video label, not of the model (paper Fig. 6b)."),
    ],
    "08_realtime_monitor": [
        Exercise(
            "Lower `alert_delta` to 0.15 and re-run: how many alerts fire now, and how many of them "
            "would you want at the bedside?",
            "An alert fires when the sign changes by `alert_delta` within `alert_seconds`.",
            "A lower delta fires more alerts, many on changes a nurse would not act on: the price "
            "of sensitivity is alarm fatigue (see the ethics page). A clinical team would tune "
            "both parameters on recordings of its own unit."),
        Exercise(
            "Re-run under another profile and compare the measured frames per second with the 30 fps "
            "of the paper's videos: could this machine keep up at the bedside?",
            "Look at the end-to-end column of the speed table, not the classification alone: face "
            "detection and decoding also take time.",
            "A model keeps up when its end-to-end rate is at or above the camera's frame rate; "
            "classifying every n-th frame multiplies the rate by about n at the small cost in the "
            "sign the table measures."),
    ],
    "09_paper_comparison": [
        Exercise(
            "Run the book under the `demo` and the `smoke` profiles and compare this page: which of "
            "our numbers move most with the amount of data?",
            "The verdict table gives the measured reason of each verdict: compare those.",
            "The validation metrics and the per-type rates of Table 3 move most: they rest on a "
            "few newborns or videos per fold or type. Counts and thresholds move less."),
        Exercise(
            "Put pretrained VGG-Face and ViT-B/16 weights in `$PAINSIGN_WEIGHTS` (see \"Run it on the "
            "real datasets\") and re-run: which rows move toward the paper's?",
            "The paper's VGG-Face starts from face-recognition weights; the offline stand-in starts "
            "from synthetic-face pretraining or random weights.",
            "Validation AUC of VGG-Face and ViT-B/16 rises most, and with it the claim that VGG-Face "
            "leads; N-CNN, trained from scratch in both, moves least."),
        Exercise(
            "In the fairness section, change the number of bootstrap resamples `n_boot` and the "
            "`seed`: which subgroup differences survive?",
            "A difference between two groups is only worth reporting when their confidence "
            "intervals do not overlap much; the intervals are widest for the smallest groups.",
            "The point estimates do not move, the intervals move a little with the seed, and "
            "narrow with more resamples only up to the limit set by the number of frames and "
            "videos per group. On few videos per skin-tone group most differences lie within the "
            "intervals: absence of evidence, not evidence of fairness."),
    ],
    "10_methods_ledger": [
        Exercise(
            "Set `protocol` to causal in the profile's common section, re-run the book "
            "and open this page again: which column did the chapters follow, and which measured "
            "effects changed?",
            "The measured effects are recomputed both ways from the same predictions; what the "
            "protocol changes is what the chapters trained, reported and classified with.",
            "The chapters now follow the causal column. The sign, video-score and clustering rows "
            "are measured on this build's per-frame probabilities both times, so they move only as "
            "much as the models do (training follows the protocol's augmentation and weight decay, "
            "so the models differ a little). The threshold row keeps its direction: θ_k is the best "
            "cut for its own fold under either protocol."),
        Exercise(
            "Change `seed` and re-run this chapter alone: which numbers of the ledger move?",
            "`seed` draws only the augmentations of the test card; k-means runs with a fixed "
            "random_state.",
            "Only the augmentation row moves, a little: every other effect is computed without "
            "randomness from the artifacts of the run. A difference that depended on the seed would "
            "not be a measured effect of the protocol."),
        Exercise(
            "Compare this page under the `smoke` and `demo` profiles: which effects keep their "
            "direction, and which flip?",
            "With two folds and a few videos, one video more or less changes a rate by several "
            "points.",
            "Sensitivity + specificity at θ_k is never below the training-fold rule's, by "
            "construction, under every profile. The valid-vs-causal and sign-mean-vs-face-mean rows "
            "are small and can flip on a small build; the clustering ARI varies most, since few "
            "videos per type make k-means unstable."),
    ],
}


def exercises_markdown(stem: str, items: list[Exercise | str]) -> str:
    """MyST for a chapter's exercises: sphinx-exercise blocks, a folded hint, a hidden solution.

    Labels are ``ex-<stem>-<i>``, so any page can refer to an exercise with ``{ref}``.
    """
    blocks = []
    for i, item in enumerate(items, 1):
        ex = item if isinstance(item, Exercise) else Exercise(item, "", "")
        label = f"ex-{stem}-{i}"
        block = f":::{{exercise}}\n:label: {label}\n\n{ex.task}\n:::\n"
        if ex.hint:
            block += f"\n:::{{admonition}} Hint\n:class: dropdown tip\n\n{ex.hint}\n:::\n"
        if ex.solution:
            block += f"\n:::{{solution}} {label}\n:class: dropdown\n\n{ex.solution}\n:::\n"
        blocks.append(block)
    return "\n".join(blocks)


def chapter_end(name: str, profile: str, exercises: list[Exercise | str] | None = None,
                root: str | Path | None = None) -> None:
    """Display a chapter's closing box: exercises, its parameters, the command that re-runs it.

    Call it in the last code cell of a chapter, under a ``## Exercises and re-running`` heading
    (the runner folds the cell's input)::

        report.chapter_end("04_pain_sign", profile)

    Parameters
    ----------
    name : str
        The notebook's stem (``"04_pain_sign"``) or number (``"04"``).
    profile : str
        The profile of this run (the notebook's ``profile`` parameter).
    exercises : list of Exercise or str, optional
        Default :data:`EXERCISES` for the chapter; each gets a hint and a hidden solution.
    """
    from IPython.display import Markdown, display

    nb = notebook_source(name, root)
    items = exercises if exercises is not None else EXERCISES.get(nb.stem, [])
    if items:
        display(Markdown("**Exercises.** Change one parameter, re-run, and look again. Each has a "
                         "hint and a solution to unfold.\n\n" + exercises_markdown(nb.stem, items)))
    display(Markdown(f"**This chapter's parameters** (from its `parameters` cell; *this build* is "
                     f"what the `{profile}` profile passed):"))
    with pd.option_context("display.max_colwidth", None):  # the meanings wrap, never "..."
        display(parameters_table(nb, profile, root))
    cmd = papermill_command(nb, profile_parameters(nb, profile, root))
    display(Markdown(
        "**Re-run it** from the repository root with the environment active "
        "(`. .venv/bin/activate`); change any `-p` value, then `jupyter-book build .` shows the "
        f"result in the book:\n\n```bash\n{cmd}\n```\n\n"
        f"Or open `notebooks/{nb.name}` in JupyterLab (`jupyter lab notebooks/{nb.name}`), edit the "
        "parameters cell and run all cells; the download button at the top of this page gives "
        "this executed notebook."
    ))


# -- chapter 08: a video the alerts have something to say about --------------------------------------


def alert_screen(art: str | Path, model: str, videos: pd.DataFrame, alert_delta: float,
                 alert_seconds: float) -> pd.DataFrame:
    """Which test videos would make the monitor raise a surge or drop alert, from chapter 03's cache.

    Feeds each video's cached per-frame probabilities (``inference/<model>/<video>.csv``, at the
    analysis rate) through :class:`~painsign_utils.monitor.PainMonitor` with the same alert settings.

    Returns
    -------
    DataFrame
        One row per video with cached probabilities: ``video, scenario, label, surges, drops,
        max_change`` (the largest change of the sign within ``alert_seconds``).
    """
    from .evaluation import samples_per_second
    from .monitor import PainMonitor
    from .sign import pain_sign, window_for_fps

    rows = []
    for _, v in videos.iterrows():
        stem = Path(v["path"]).stem
        path = Path(art) / "inference" / model / f"{stem}.csv"
        if not path.exists():
            continue
        probs = pd.read_csv(path)
        rate = samples_per_second(probs["time"], float(v.get("fps", 30.0)))
        mon = PainMonitor(fps=rate, alert_delta=alert_delta, alert_seconds=alert_seconds,
                          no_face_seconds=1e9, history_s=1.0)
        for p in probs["prob"]:
            mon.update_prob(p)
        mon.finish()
        kinds = [a.kind for a in mon.alerts]
        trace = pain_sign(probs["prob"].to_numpy(), window=window_for_fps(rate))
        h = max(1, int(round(alert_seconds * rate)))
        change = max((float(np.ptp(trace[max(0, i - h): i + 1])) for i in range(len(trace))), default=0.0)
        rows.append({"video": stem, "scenario": v.get("scenario", ""), "label": v["label"],
                     "surges": kinds.count("surge"), "drops": kinds.count("drop"), "max_change": change})
    return pd.DataFrame(rows, columns=["video", "scenario", "label", "surges", "drops", "max_change"])


def pick_alert_video(screen: pd.DataFrame, prefer: tuple[str, ...] = ("irregular", "unstable")) -> str | None:
    """The video to show on the monitor: one that raises an alert (preferred scenarios first),
    else the one whose sign changes most within the alert horizon; None when nothing was screened."""
    if screen.empty:
        return None
    ranked = screen.assign(
        fires=(screen["surges"] + screen["drops"]) > 0,
        preferred=screen["scenario"].isin(prefer),
    ).sort_values(["fires", "preferred", "max_change"], ascending=False, kind="stable")
    return str(ranked["video"].iloc[0])


def alert_text(alerts: pd.DataFrame, history: pd.DataFrame, fps: float, alert_delta: float,
               alert_seconds: float, no_face_seconds: float, screen: pd.DataFrame | None = None) -> str:
    """Markdown under the monitor figure: what fired on this video, or why nothing did.

    Parameters
    ----------
    alerts : DataFrame
        :meth:`PainMonitor.alert_table` (``kind`` in surge, drop, no_face).
    history : DataFrame
        :meth:`PainMonitor.history` (``sign`` per frame).
    screen : DataFrame, optional
        :func:`alert_screen` of every test video, to say whether any other video fires.
    """
    kinds = alerts["kind"].value_counts().to_dict() if len(alerts) else {}
    changes = [k for k in ("surge", "drop") if kinds.get(k)]
    if changes:
        text = (f"{sum(kinds[k] for k in changes)} surge/drop alert(s) fired on this video "
                f"({', '.join(f'{kinds[k]} {k}' for k in changes)}): the triangles in the figure, up "
                "for a surge, down for a drop. A rise of the sign raises one alert, not one per step: "
                "after an alert the reference follows the sign for as long as it keeps rising (or "
                "falling).")
    else:
        window = max(1, int(round(alert_seconds * fps)))
        sign = history["sign"].astype(float) if len(history) else pd.Series(dtype=float)
        biggest = (float(np.nanmax(sign.rolling(window, min_periods=1).apply(np.ptp, raw=True)))
                   if sign.notna().any() else float("nan"))
        none_anywhere = screen is not None and len(screen) and not ((screen["surges"] + screen["drops"]) > 0).any()
        text = (f"**No surge or drop alert fired on this video**: the sign never changed by "
                f"{alert_delta:g} within {alert_seconds:g} s (its largest change within that horizon "
                f"was {biggest:.3f}), so the figure has no triangle."
                + (" No test video of this build raised one either (section 1): this model's "
                   "probabilities barely move, as a briefly trained model's may; lower `alert_delta` "
                   "or train longer (another profile) to see the triggers at work." if none_anywhere else ""))
    if kinds.get("no_face"):
        text += (f" {kinds['no_face']} no-face alert(s) (crosses) fired after {no_face_seconds:g} s "
                 "without a face.")
    else:
        text += f" No stretch without a face lasted {no_face_seconds:g} s, so no no-face alert fired."
    return text


def monitor_summary(video: str, identical_frames: int, alerts: pd.DataFrame, speed: pd.DataFrame | None,
                    fps: float, cpus: int | None, bf16: bool) -> str:
    """Chapter 08's summary, every number from this run: exactness, alerts, measured speed.

    Parameters
    ----------
    speed : DataFrame or None
        :func:`painsign_utils.speed.speedup_table` (``model, classify naive, e2e optimized``), or
        None when the benchmark was skipped.
    """
    from .registry import display_name

    kinds = alerts["kind"].value_counts().to_dict() if len(alerts) else {}
    bullets = [
        f"The monitor reproduced the book's pain sign exactly once each face gap was closed "
        f"({identical_frames} frames identical to the offline sign, section 3), showing a provisional "
        "value while a face was hidden.",
        (f"On video {video} it raised {len(alerts)} alert(s) ({', '.join(f'{n} {k}' for k, n in kinds.items())})."
         if len(alerts) else f"On video {video} no alert fired (section 2 says why)."),
        "The alert thresholds are parameters (`alert_delta`, `alert_seconds`, `no_face_seconds`) that a "
        "clinical team would tune on recordings of its own unit.",
    ]
    if speed is not None and len(speed):
        name = display_name
        keep = [name(m) for m, v in zip(speed["model"], speed["e2e optimized"]) if v >= fps]
        slow = [name(m) for m, v in zip(speed["model"], speed["e2e optimized"]) if v < fps]
        rates = ", ".join(f"{name(m)} {c:.0f}" for m, c in zip(speed["model"], speed["classify naive"]))
        verdict = (f"{', '.join(keep)} keep{'s' if len(keep) == 1 else ''} up with the {fps:.0f}-fps camera"
                   if keep else f"no model keeps up with the {fps:.0f}-fps camera")
        if keep and slow:
            verdict += f", {', '.join(slow)} do{'es' if len(slow) == 1 else ''} not"
        bullets.append(
            f"Measured on this machine ({cpus} cores, native bfloat16: {'yes' if bf16 else 'no'}; the "
            f"benchmark runs float32): classification alone on the naive path (the paper's input size, "
            f"one face at a time) manages {rates} faces a second; end to end on the optimized path "
            f"{verdict}. What each speed-up costs in the sign is in the table of section 4.")
    else:
        bullets.append("Speed was not measured in this build (`bench_models` is empty).")
    bullets.append("From the command line: `painsign video FILE --model ncnn --out DIR` writes the "
                   "per-frame CSV, the sign plot and a one-line summary for any video.")
    return "\n".join(f"- {b}" for b in bullets)


def why_they_differ(info: dict) -> list[str]:
    """Plain sentences on why this build's numbers differ from the paper's, from :func:`build_info`.

    Returns
    -------
    list of str
        Markdown sentences: the data, the starting weights, the input sizes and the profile.
    """
    from .registry import get_spec

    out = []
    source = info["data"]["source"]
    if source == "synthetic":
        out.append("**Different newborns.** This build ran on rendered synthetic faces, not on iCOPE, "
                   "UNIFESP and iCOPEvid: same kind of task (pain and rest, confounders, occlusions), "
                   "different faces, counts and difficulty. The numbers test the method, not the paper's "
                   "values; only a run on the real data sets can reproduce those.")
    elif source == "real":
        out.append("**Real data.** This build read real data sets through manifests; differences in "
                   "subjects, splits into folds and face detection still move the numbers.")
    w = info["weights"]
    if not w.empty:
        random = [r.model for r in w.itertuples() if "random" in str(r.weights_source).lower()]
        if random:
            out.append(f"**Different starting weights.** {', '.join(random)} started from random "
                       "weights here (no pretrained file was found locally), whereas the paper "
                       "fine-tuned VGG-Face from face-recognition weights and ViT-B/16 from ImageNet "
                       "weights. N-CNN is trained from scratch in both.")
        synthetic = [r.model for r in w.itertuples() if "synthetic-face pretraining" in str(r.weights_source)]
        if synthetic:
            out.append(f"**Synthetic-face pretraining, not VGG-Face / ImageNet.** {', '.join(synthetic)} "
                       "started from a backbone pretrained here on rendered newborn faces of other "
                       "identities (identity and facial-action labels), a stand-in for the paper's "
                       "face-recognition and ImageNet weights, which cannot ship with this book.")
        names = {v: k for k, v in _names().items()}
        small = [f"{r.model} {r.input_size} px (paper {get_spec(names[r.model]).input_size} px)"
                 for r in w.itertuples()
                 if r.model in names and str(r.input_size).isdigit()
                 and int(r.input_size) != get_spec(names[r.model]).input_size]
        if small:
            out.append(f"**Smaller inputs.** To run on a CPU the profile shrank the inputs: {'; '.join(small)}.")
    if info["profile"] != "paper":
        out.append(f"**A shorter protocol.** The `{info['profile']}` profile changes the paper's protocol "
                   "to fit its time budget (each chapter states what it changes); the `paper` profile "
                   "keeps it, for a GPU.")
    from .paper import TABLE2_VALIDATION

    top = max(sd for row in TABLE2_VALIDATION.values() for _, sd in row.values())
    out.append("**Small samples.** Each sign type holds only some of the test videos (Table 3 gives the "
               "counts), so one video moves a rate by 100 / (videos of the type) points; the paper's own "
               f"standard deviations over folds reach {100 * top:.1f} points.")
    return out


def show_section(section: Section) -> None:
    """Display one comparison section in a notebook: its table and note, or why it is missing."""
    from IPython.display import Markdown, display

    if section.missing:
        display(Markdown(section.missing))
        return
    display(section.table)
    if section.note:
        display(Markdown(section.note))


def profile_commands(profile: str | Path, root: str | Path | None = None) -> list[str]:
    """One papermill command per notebook, in order, with the parameters ``profile`` gives each.

    The same parameters the runner (``painsign book --profile ...``) would pass, written out so
    a researcher can run, inspect or schedule each chapter on its own (e.g. on a GPU node).
    """
    from .runner import load_profile, notebook_parameters, notebook_paths

    root = Path(root or ROOT)
    prof = load_profile(profile, root)
    return [papermill_command(nb, notebook_parameters(nb, prof)) for nb in notebook_paths(root)]


def built_profile(book_dir: str | Path | None = None) -> str | None:
    """The profile the executed notebooks in ``book/`` ran under (the most common one), or None."""
    from collections import Counter

    book_dir = Path(book_dir) if book_dir is not None else ROOT / "book"
    seen = Counter()
    for path in book_dir.glob("[0-9][0-9]_*.ipynb"):
        try:
            params = json.loads(path.read_text()).get("metadata", {}).get("papermill", {}).get("parameters") or {}
        except (OSError, json.JSONDecodeError):
            continue
        if params.get("profile"):
            seen[params["profile"]] += 1
    return seen.most_common(1)[0][0] if seen else None


def main(argv: list[str] | None = None) -> int:
    """``python -m painsign_utils.report commands PROFILE``: print the papermill commands of a profile."""
    import argparse

    from .errors import PainsignError

    parser = argparse.ArgumentParser(prog="python -m painsign_utils.report",
                                     description="Print the papermill command of every chapter under a profile.")
    parser.add_argument("action", choices=["commands"])
    parser.add_argument("profile", help="smoke, demo, paper, or a profile YAML file")
    args = parser.parse_args(argv)
    try:
        print("\n".join(profile_commands(args.profile)))
    except PainsignError as exc:
        print(f"painsign: error: {exc}")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
