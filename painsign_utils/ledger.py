"""The measured effect of each difference between the two protocols, from the artifacts of one run.

:func:`painsign_utils.protocol.ledger_rows` says, for every method element, what the paper wrote,
what the authors' code does and what the book does under ``protocol: authors`` and ``causal``. This
module adds what the difference *does* on the data of one run: it reads the run's artifacts under
``artifacts/<profile>/`` and recomputes both variants of each element itself, with the package's
own functions, so the effect is measured on the same predictions and never typed in.

What it reads (all written by chapters 02 and 03):

* ``training/<model>/fold*/predictions.csv`` — each fold's validation predictions
  (``label, prob``);
* ``training/<model>/fold*/done.json`` — its ``threshold``, Youden on the training folds;
* ``training/best_models.csv`` — the models of the run;
* ``inference/<model>/<video>.csv`` — per-frame ``frame, time, prob`` (NaN without a face);
* ``tables/video_summary.csv`` — per (model, video): ``label``, ``threshold`` (the θ this run used
  for the videos), ``window`` and, on synthetic data, ``scenario``;
* optionally ``explain/<model>/<video>.npz`` (chapter 06's signed IG maps).

What it measures, per model:

* **sign mode** ``valid`` vs ``causal``: mean entropy, mean crossings, video AUC and accuracy (video
  score = mean of that sign, at the run's θ), and Pearson's r between models;
* **threshold rule**: validation accuracy, sensitivity and specificity with each fold at its own
  θ_k (Youden on that fold's validation predictions, :func:`~painsign_utils.metrics.fold_thresholds`)
  vs at the training-fold θ; the video threshold, mean θ_k ± sd vs the training-fold θ of the fold
  whose checkpoint classifies the videos (``best_models.csv``); video accuracy at both;
* **video score**: mean of the ``valid`` sign vs mean over frames with a face;
* **clustering**: the authors' k-means (k = 3, unscaled) vs z-scored k chosen by silhouette, on the
  same (entropy, crossings) of the ``valid`` sign: k, types and their sizes, indeterminate signs,
  the adjusted Rand index (ARI) between the two labelings and with the synthetic scenarios, and the
  pairwise / three-way agreement of sign types between models;
* **IG clamp vs abs** on chapter 06's cached signed maps when they exist: the share of the absolute
  attribution that is negative (what the clamp drops) and the overlap of the top 10 % pixels;
* **augmentation** semantics on a test card (a bright square "face" on a dark crop): the visible
  face area after each style's draws. What they do to the trained models, and the effect of weight
  decay and of VGG-Face's fine-tuning rate, need a second training run and are reported as not
  measured.

:func:`effect_numbers` returns the long numeric table (for figures), :func:`measured_effects` the
text column that joins :func:`~painsign_utils.protocol.ledger_rows` on ``element`` (the long table
rides along in ``attrs["numbers"]``), and :func:`ledger_table` the joined ledger.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from .clustering import agreement_table, classify_signs
from .errors import DataError
from .evaluation import pearson_between_models
from .metrics import binary_metrics, fold_thresholds
from .protocol import LEDGER, ledger_rows
from .sign import pain_sign, shannon_entropy, threshold_crossings, window_for_fps

#: Columns of the long numeric table of :func:`effect_numbers`.
NUMBER_COLUMNS = ["element", "quantity", "model", "variant", "value"]
#: Variant names of the long table (the first of each pair is what the authors' code does).
SIGN_MODES = ("valid", "causal")
THRESHOLD_RULES = ("θ_k (validation folds)", "θ (training folds)")
VIDEO_SCORES = ("sign mean", "face mean")
CLUSTERINGS = ("authors (k = 3, unscaled)", "causal (z-scored, silhouette k)")
IG_MODES = ("clamp", "abs")
AUGMENT_STYLES = ("albumentations", "keras")


def element(prefix: str) -> str:
    """The ledger element whose name starts with ``prefix`` (e.g. ``"Pain-sign smoothing"``)."""
    for e in LEDGER:
        if e.element.startswith(prefix):
            return e.element
    raise KeyError(f"no ledger element starts with {prefix!r}")


SMOOTHING = element("Pain-sign smoothing")
VIDEO_SCORE = element("Video score")
THRESHOLD = element("Classification threshold")
CLUSTERING = element("Sign-type clustering")
INDETERMINATE = element("Indeterminate sign")
AGREEMENT = element("Same sign type")
PEARSON = element("Pearson r")
IG = element("Integrated Gradients")
AUGMENTATION = element("Data augmentation")
OPTIMIZER = element("Optimizer")
FINETUNE = element("VGG-Face fine-tuning")


# -- reading one run -------------------------------------------------------------------------------


def _models(art: Path) -> list[str]:
    best = art / "training" / "best_models.csv"
    if not best.exists():
        raise DataError(f"{best} is missing: run chapter 02 first")
    return [str(m) for m in pd.read_csv(best, dtype={"model": str})["model"]]


def _folds(art: Path, model: str) -> list[tuple[int, pd.DataFrame, float]]:
    """``(fold, validation predictions, training-fold θ)`` of every finished fold of ``model``."""
    out = []
    for fold_dir in sorted((art / "training" / model).glob("fold*")):
        pred, done = fold_dir / "predictions.csv", fold_dir / "done.json"
        if not (pred.exists() and done.exists()):
            continue
        info = json.loads(done.read_text())
        preds = pd.read_csv(pred, dtype={"subject": str})
        labels = preds["label"].map(lambda v: 1 if str(v).strip().lower() in ("1", "pain") else 0)
        out.append((int(info.get("fold", fold_dir.name[4:] or 0)),
                    pd.DataFrame({"label": labels.to_numpy(), "prob": preds["prob"].to_numpy(float)}),
                    float(info["threshold"])))
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
        out = {"model": row["model"], "video": row["video"], "label": int(row["label"]),
               "scenario": row.get("scenario", np.nan), "threshold": theta, "window": w,
               "face_mean": float(np.nanmean(p))}
        for mode in SIGN_MODES:
            sign = pain_sign(p, w, mode=mode)
            out[f"entropy_{mode}"] = shannon_entropy(sign)
            out[f"crossings_{mode}"] = threshold_crossings(sign, theta)
            out[f"sign_mean_{mode}"] = float(sign.mean())
        rows.append(out)
    table = pd.DataFrame(rows)
    table.attrs["skipped"] = skipped
    return table


# -- the measurements ------------------------------------------------------------------------------


def _row(elem: str, quantity: str, model: str, variant: str, value: float) -> dict:
    return {"element": elem, "quantity": quantity, "model": model, "variant": variant,
            "value": float(value)}


def _video_rates(g: pd.DataFrame, score: str, theta: float | None = None) -> dict[str, float]:
    t = float(g["threshold"].iloc[0]) if theta is None else theta
    return binary_metrics(g["label"], g[score], t)


def _sign_mode_rows(videos: pd.DataFrame) -> list[dict]:
    rows = []
    for model, g in videos.groupby("model", sort=False):
        for mode in SIGN_MODES:
            rates = _video_rates(g, f"sign_mean_{mode}")
            rows += [
                _row(SMOOTHING, "mean entropy (bits)", model, mode, g[f"entropy_{mode}"].mean()),
                _row(SMOOTHING, "mean crossings", model, mode, g[f"crossings_{mode}"].mean()),
                _row(SMOOTHING, "video AUC", model, mode, rates["auc"]),
                _row(SMOOTHING, "video accuracy", model, mode, rates["accuracy"]),
            ]
    return rows


def _video_score_rows(videos: pd.DataFrame) -> list[dict]:
    rows = []
    for model, g in videos.groupby("model", sort=False):
        for variant, col in zip(VIDEO_SCORES, ("sign_mean_valid", "face_mean"), strict=True):
            rates = _video_rates(g, col)
            rows += [_row(VIDEO_SCORE, "video accuracy", model, variant, rates["accuracy"]),
                     _row(VIDEO_SCORE, "video AUC", model, variant, rates["auc"])]
    return rows


def _best_fold(art: Path) -> dict[str, int]:
    best = pd.read_csv(art / "training" / "best_models.csv", dtype={"model": str})
    if "fold" not in best.columns:
        return {}
    return {str(m): int(f) for m, f in zip(best["model"], best["fold"], strict=True)}


def _threshold_rows(art: Path, models: Sequence[str], videos: pd.DataFrame) -> list[dict]:
    rows = []
    best_fold = _best_fold(art)
    for model in models:
        folds = [f for f in _folds(art, model) if f[1]["label"].nunique() == 2]
        if not folds:
            continue
        thetas = fold_thresholds((f[1]["label"], f[1]["prob"]) for f in folds)
        at = {THRESHOLD_RULES[0]: [], THRESHOLD_RULES[1]: []}
        for (_, preds, train_theta), theta_k in zip(folds, thetas, strict=True):
            at[THRESHOLD_RULES[0]].append(binary_metrics(preds["label"], preds["prob"], theta_k))
            at[THRESHOLD_RULES[1]].append(binary_metrics(preds["label"], preds["prob"], train_theta))
        for rule, metrics in at.items():
            for name in ("accuracy", "sensitivity", "specificity"):
                rows.append(_row(THRESHOLD, f"validation {name}", model, rule,
                                 np.nanmean([m[name] for m in metrics])))
        finite = thetas[np.isfinite(thetas)]
        if not finite.size:
            continue
        for (fold, _, train_theta), theta_k in zip(folds, thetas, strict=True):
            rows += [_row(THRESHOLD, f"θ fold {fold}", model, THRESHOLD_RULES[0], theta_k),
                     _row(THRESHOLD, f"θ fold {fold}", model, THRESHOLD_RULES[1], train_theta)]
        rows += [_row(THRESHOLD, "θ mean", model, THRESHOLD_RULES[0], finite.mean()),
                 _row(THRESHOLD, "θ sd", model, THRESHOLD_RULES[0], finite.std())]
        # The video threshold of each rule: the mean θ_k (authors) or the training-fold θ of the
        # fold whose checkpoint the videos are classified with (causal).
        video_theta = {THRESHOLD_RULES[0]: float(finite.mean())}
        train = {f[0]: f[2] for f in folds}
        if best_fold.get(model) in train:
            video_theta[THRESHOLD_RULES[1]] = train[best_fold[model]]
            rows.append(_row(THRESHOLD, "θ best fold", model, THRESHOLD_RULES[1],
                             video_theta[THRESHOLD_RULES[1]]))
        g = videos[videos["model"] == model]
        if len(g):
            rows.append(_row(THRESHOLD, "video θ", model, "this run", g["threshold"].iloc[0]))
            for variant, theta in video_theta.items():
                rates = _video_rates(g, "sign_mean_valid", theta)
                rows.append(_row(THRESHOLD, "video accuracy", model, variant, rates["accuracy"]))
    return rows


def _clustering_rows(videos: pd.DataFrame) -> list[dict]:
    """k-means both ways on the same ``valid``-sign features; labels kept for the agreement rows."""
    feats = videos[["model", "video", "scenario"]].assign(
        entropy=videos["entropy_valid"].to_numpy(), crossings=videos["crossings_valid"].to_numpy())
    feats = feats.reset_index(drop=True)
    rows: list[dict] = []
    labelled = {}
    for variant, protocol in zip(CLUSTERINGS, ("authors", "causal"), strict=True):
        labels, fitted = classify_signs(feats, protocol)
        labelled[variant] = feats.assign(sign_type=labels["sign_type"].to_numpy(),
                                         indeterminate=labels["indeterminate"].to_numpy(),
                                         cluster=labels["cluster"].to_numpy())
        for model, clf in fitted.items():
            g = labelled[variant][labelled[variant]["model"] == model]
            rows.append(_row(CLUSTERING, "k", model, variant, clf.k_))
            for name, n in g["sign_type"].value_counts().items():
                rows.append(_row(CLUSTERING, f"n {name}", model, variant, n))
            rows.append(_row(INDETERMINATE, "n indeterminate", model, variant, g["indeterminate"].sum()))
            scen = g["scenario"]
            if scen.notna().all() and scen.nunique() > 1:
                rows.append(_row(CLUSTERING, "ARI with scenarios", model, variant,
                                 adjusted_rand_score(scen.astype(str), g["cluster"])))
        table = agreement_table(labelled[variant][["video", "model", "sign_type"]])
        for r in table.itertuples():
            rows.append(_row(AGREEMENT, "same type", r.models, variant, r.agreement))
    a, c = labelled[CLUSTERINGS[0]], labelled[CLUSTERINGS[1]]
    for model in a["model"].drop_duplicates():
        ma, mc = a["model"] == model, c["model"] == model
        rows.append(_row(CLUSTERING, "ARI authors vs causal", model, "both",
                         adjusted_rand_score(a.loc[ma, "cluster"], c.loc[mc, "cluster"])))
    return rows


def _pearson_rows(art: Path, videos: pd.DataFrame) -> list[dict]:
    rows = []
    for mode in SIGN_MODES:
        signs = {}
        for r in videos.itertuples():
            probs = pd.read_csv(art / "inference" / r.model / f"{r.video}.csv")
            signs[(r.model, r.video)] = pd.DataFrame(
                {"sign": pain_sign(probs["prob"].to_numpy(float), int(r.window), mode=mode)})
        pairs = pearson_between_models(signs)
        for (a, b), g in pairs.groupby(["model_a", "model_b"], sort=False):
            rows.append(_row(PEARSON, "mean r", f"{a} / {b}", mode, g["r"].mean()))
    return rows


def _ig_rows(art: Path, models: Sequence[str], top: float = 0.1) -> list[dict]:
    from .explain import ig_importance  # torch: imported only when chapter 06 left maps

    rows = []
    for model in models:
        files = sorted((art / "explain" / model).glob("*.npz"))
        maps = []
        for f in files:
            with np.load(f, allow_pickle=False) as z:
                if "ig" in z.files:
                    maps.append(np.asarray(z["ig"], float))
        if not maps:
            continue
        m = np.concatenate([x.reshape(-1, *x.shape[-2:]) for x in maps])
        absolute = ig_importance(m, "abs")
        negative = float(np.abs(np.minimum(m, 0)).sum() / max(absolute.sum(), 1e-12))
        ious = []
        for signed in m:
            tops = []
            for mode in IG_MODES:
                imp = ig_importance(signed, mode).ravel()
                k = max(1, int(round(top * imp.size)))
                tops.append(set(np.argpartition(-imp, k - 1)[:k]))
            ious.append(len(tops[0] & tops[1]) / len(tops[0] | tops[1]))
        rows += [_row(IG, "share of |IG| that is negative", model, "abs", negative),
                 _row(IG, "top-10% pixel IoU clamp vs abs", model, "both", float(np.mean(ious))),
                 _row(IG, "maps", model, "both", len(m))]
    return rows


def _augmentation_rows(size: int = 96, draws: int = 100, seed: int = 0) -> list[dict]:
    """Visible face area after augmentation, relative to the original, on a test card."""
    from .augment import augment_image, augment_params

    card = np.full((size, size, 3), 20, np.uint8)
    side = int(round(size / 1.4))
    lo = (size - side) // 2
    card[lo:lo + side, lo:lo + side] = 235
    base = float((card[..., 0] > 128).sum())
    rows = []
    for style in AUGMENT_STYLES:
        params = augment_params(style)
        areas = np.array([(augment_image(card, seed, "test-card", k, params)[..., 0] > 128).sum() / base
                          for k in range(1, draws + 1)])
        rows += [_row(AUGMENTATION, "median visible face area (× original)", "test card", style,
                      np.median(areas)),
                 _row(AUGMENTATION, "share of draws that enlarge the face", "test card", style,
                      np.mean(areas > 1.0))]
    return rows


def effect_numbers(art: str | Path, augmentation: bool = True) -> pd.DataFrame:
    """The measured effects of one run as a long table (one number a row).

    Parameters
    ----------
    art : path
        ``artifacts/<profile>`` of a run in which chapters 02 and 03 finished.
    augmentation : bool, default True
        Also measure the two augmentation styles on a test card (about a second).

    Returns
    -------
    DataFrame with columns :data:`NUMBER_COLUMNS`: ``element`` (a ledger element), ``quantity``,
    ``model`` (a model, a model pair ``"a / b"``, ``"all"`` or ``"test card"``), ``variant`` (the
    protocol variant measured, e.g. ``"valid"`` / ``"causal"``) and ``value``.
    ``attrs["videos"]`` is the per-video table of :func:`video_variants`.

    Raises
    ------
    DataError
        When ``training/best_models.csv`` or ``tables/video_summary.csv`` is missing, or no video
        could be read.
    """
    art = Path(art)
    models = _models(art)
    videos = video_variants(art)
    if videos.empty:
        raise DataError(f"no video of {art} could be summarized: run chapter 03 first")
    rows = (_sign_mode_rows(videos) + _video_score_rows(videos)
            + _threshold_rows(art, models, videos) + _clustering_rows(videos)
            + _pearson_rows(art, videos) + _ig_rows(art, models))
    if augmentation:
        rows += _augmentation_rows()
    out = pd.DataFrame(rows, columns=NUMBER_COLUMNS)
    out.attrs["videos"] = videos
    return out


#: The two variants each element's numbers compare, the authors' first.
VARIANTS: dict[str, tuple[str, str]] = {
    SMOOTHING: SIGN_MODES, VIDEO_SCORE: VIDEO_SCORES, THRESHOLD: THRESHOLD_RULES,
    CLUSTERING: CLUSTERINGS, INDETERMINATE: CLUSTERINGS, AGREEMENT: CLUSTERINGS,
    PEARSON: SIGN_MODES, IG: IG_MODES, AUGMENTATION: AUGMENT_STYLES,
}


def paired_table(numbers: pd.DataFrame) -> pd.DataFrame:
    """The quantities measured under both variants, side by side.

    Returns
    -------
    DataFrame with columns ``element, quantity, model, authors, causal, difference``
    (``authors - causal``; ``authors`` is the variant the authors' code uses), in the order of
    ``numbers``; quantities measured under one variant only are left out.
    """
    rows = []
    keys = numbers[["element", "quantity", "model"]].drop_duplicates()
    for elem, quantity, model in keys.itertuples(index=False):
        if elem not in VARIANTS:
            continue
        a, c = (_get(numbers, elem, quantity, model, v) for v in VARIANTS[elem])
        if np.isnan(a) or np.isnan(c):
            continue
        rows.append({"element": elem, "quantity": quantity, "model": model, "authors": a,
                     "causal": c, "difference": a - c})
    return pd.DataFrame(rows, columns=["element", "quantity", "model", "authors", "causal",
                                       "difference"])


# -- from numbers to words -------------------------------------------------------------------------


def _get(numbers: pd.DataFrame, elem: str, quantity: str, model: str, variant: str) -> float:
    hit = numbers[(numbers["element"] == elem) & (numbers["quantity"] == quantity)
                  & (numbers["model"] == model) & (numbers["variant"] == variant)]["value"]
    return float(hit.iloc[0]) if len(hit) else float("nan")


def _f(x: float, digits: int = 2) -> str:
    return "–" if not np.isfinite(x) else f"{x:.{digits}f}"


def _pair(numbers, elem, quantity, model, variants, digits=2) -> str:
    a, b = (_get(numbers, elem, quantity, model, v) for v in variants)
    return f"{_f(a, digits)} vs {_f(b, digits)}"


def _per_model(numbers: pd.DataFrame, elem: str, text) -> str:
    models = numbers.loc[numbers["element"] == elem, "model"].drop_duplicates()
    return "; ".join(f"{m}: {text(m)}" for m in models)


_NOT_MEASURED = "not measured: needs a second training run under the other protocol"


def effects_text(numbers: pd.DataFrame) -> pd.DataFrame:
    """One sentence per ledger element from :func:`effect_numbers`' table.

    Returns
    -------
    DataFrame with columns ``element, measured effect``, one row per element of
    :data:`painsign_utils.protocol.LEDGER`, in its order. Pairs read *authors vs causal*.
    """
    n = numbers
    text: dict[str, str] = {}
    text[SMOOTHING] = "valid vs causal — " + _per_model(n, SMOOTHING, lambda m: (
        f"entropy {_pair(n, SMOOTHING, 'mean entropy (bits)', m, SIGN_MODES)} bits, crossings "
        f"{_pair(n, SMOOTHING, 'mean crossings', m, SIGN_MODES, 1)}, video AUC "
        f"{_pair(n, SMOOTHING, 'video AUC', m, SIGN_MODES)}, accuracy "
        f"{_pair(n, SMOOTHING, 'video accuracy', m, SIGN_MODES)}"))
    text[VIDEO_SCORE] = "sign mean vs face mean — " + _per_model(n, VIDEO_SCORE, lambda m: (
        f"video accuracy {_pair(n, VIDEO_SCORE, 'video accuracy', m, VIDEO_SCORES)}, AUC "
        f"{_pair(n, VIDEO_SCORE, 'video AUC', m, VIDEO_SCORES)}"))
    if (n["element"] == THRESHOLD).any():
        def thr(m: str) -> str:
            acc = _pair(n, THRESHOLD, "validation accuracy", m, THRESHOLD_RULES)
            sens = _pair(n, THRESHOLD, "validation sensitivity", m, THRESHOLD_RULES)
            spec = _pair(n, THRESHOLD, "validation specificity", m, THRESHOLD_RULES)
            mean = _get(n, THRESHOLD, "θ mean", m, THRESHOLD_RULES[0])
            sd = _get(n, THRESHOLD, "θ sd", m, THRESHOLD_RULES[0])
            best = _get(n, THRESHOLD, "θ best fold", m, THRESHOLD_RULES[1])
            vid = _pair(n, THRESHOLD, "video accuracy", m, THRESHOLD_RULES)
            return (f"Table 2 validation accuracy {acc}, sensitivity {sens}, specificity {spec}; "
                    f"video θ {_f(mean, 3)} ± {_f(sd, 3)} vs {_f(best, 3)} (best fold), video "
                    f"accuracy {vid}")
        text[THRESHOLD] = "θ_k on validation folds vs training-fold θ — " + _per_model(n, THRESHOLD, thr)
    else:
        text[THRESHOLD] = "not measured: no fold with both classes in its validation predictions"

    def clu(m: str) -> str:
        parts = []
        for v, short in zip(CLUSTERINGS, ("authors", "causal"), strict=True):
            sizes = n[(n["element"] == CLUSTERING) & (n["model"] == m) & (n["variant"] == v)
                      & n["quantity"].str.startswith("n ")]
            sz = ", ".join(f"{q[2:]} {int(val)}" for q, val in zip(sizes["quantity"], sizes["value"],
                                                                  strict=True))
            ari = _get(n, CLUSTERING, "ARI with scenarios", m, v)
            scen = f", ARI with scenarios {_f(ari)}" if np.isfinite(ari) else ""
            parts.append(f"{short} k = {int(_get(n, CLUSTERING, 'k', m, v))} ({sz}{scen})")
        ari = _get(n, CLUSTERING, "ARI authors vs causal", m, "both")
        return " vs ".join(parts) + f"; ARI between them {_f(ari)}"
    text[CLUSTERING] = _per_model(n, CLUSTERING, clu)
    text[INDETERMINATE] = "overlay vs fourth type — " + _per_model(n, INDETERMINATE, lambda m: (
        f"{_pair(n, INDETERMINATE, 'n indeterminate', m, CLUSTERINGS, 0)} signs"))
    text[AGREEMENT] = "same type, authors' vs causal clustering — " + _per_model(
        n, AGREEMENT, lambda m: _pair(n, AGREEMENT, "same type", m, CLUSTERINGS))
    text[PEARSON] = "mean r, valid vs causal sign — " + _per_model(
        n, PEARSON, lambda m: _pair(n, PEARSON, "mean r", m, SIGN_MODES))
    if (n["element"] == IG).any():
        text[IG] = ("on chapter 06's cached signed maps (computed from its own baseline; the "
                    "baseline's effect is not measured) — " + _per_model(n, IG, lambda m: (
                        f"{_f(100 * _get(n, IG, 'share of |IG| that is negative', m, 'abs'), 0)}% "
                        "of the absolute attribution is negative (dropped by the clamp), top-10% "
                        f"pixel IoU clamp vs abs {_f(_get(n, IG, 'top-10% pixel IoU clamp vs abs', m, 'both'))}"
                        f" over {int(_get(n, IG, 'maps', m, 'both'))} maps")))
    else:
        text[IG] = "not measured: chapter 06 left no Integrated Gradients maps in this run"
    aug = "median visible face area (× original) on a test card"
    if (n["element"] == AUGMENTATION).any():
        text[AUGMENTATION] = (
            f"{aug}: albumentations vs keras {_pair(n, AUGMENTATION, aug.split(' on')[0], 'test card', AUGMENT_STYLES)}"
            f"; draws that enlarge the face "
            f"{_pair(n, AUGMENTATION, 'share of draws that enlarge the face', 'test card', AUGMENT_STYLES)}"
            f". Effect on the trained models: {_NOT_MEASURED}")
    else:
        text[AUGMENTATION] = _NOT_MEASURED
    text[OPTIMIZER] = _NOT_MEASURED
    text[FINETUNE] = _NOT_MEASURED
    return pd.DataFrame({"element": [e.element for e in LEDGER],
                         "measured effect": [text.get(e.element, _NOT_MEASURED) for e in LEDGER]})


def measured_effects(art: str | Path, augmentation: bool = True) -> pd.DataFrame:
    """The measured effect of each protocol difference on one run's data, one row per element.

    Both variants of every element are recomputed here from the run's artifacts (see the module
    docstring for what is read and measured); nothing is copied from a chapter's table except
    ``tables/video_summary.csv``'s labels, thresholds and windows.

    Parameters
    ----------
    art : path
        ``artifacts/<profile>`` of one run (chapters 02 and 03 finished; 06 optional).
    augmentation : bool, default True
        Include the augmentation test-card measurement.

    Returns
    -------
    DataFrame
        Columns ``element, measured effect``, joinable to
        :func:`painsign_utils.protocol.ledger_rows` on ``element``; ``attrs["numbers"]`` holds the
        long numeric table of :func:`effect_numbers` (for figures).
    """
    numbers = effect_numbers(art, augmentation=augmentation)
    out = effects_text(numbers)
    out.attrs["numbers"] = numbers
    return out


def ledger_table(art: str | Path, augmentation: bool = True) -> pd.DataFrame:
    """:func:`~painsign_utils.protocol.ledger_rows` with the ``measured effect`` column of this run.

    ``attrs["numbers"]`` holds the long numeric table.
    """
    effects = measured_effects(art, augmentation=augmentation)
    out = ledger_rows().merge(effects, on="element", how="left")
    out.attrs["numbers"] = effects.attrs["numbers"]
    return out
