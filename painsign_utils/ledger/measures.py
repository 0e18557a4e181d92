"""Both variants of every protocol element, recomputed from one run's artifacts: the long table of numbers.

:func:`effect_numbers` measures, :func:`effect_value` looks one number up, :func:`paired_table`
sets the two variants of each quantity side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from ..clustering import agreement_table, classify_signs
from ..errors import DataError
from ..evaluation import pearson_between_models
from ..metrics import binary_metrics, fold_thresholds
from ..sign import pain_sign
from .calibration import calibration_rows
from .elements import (
    AGREEMENT,
    AUGMENT_STYLES,
    AUGMENTATION,
    CLUSTERING,
    CLUSTERINGS,
    IG,
    IG_MODES,
    INDETERMINATE,
    NUMBER_COLUMNS,
    PEARSON,
    SIGN_MODES,
    SMOOTHING,
    THRESHOLD,
    THRESHOLD_RULES,
    VARIANTS,
    VIDEO_SCORE,
    VIDEO_SCORES,
)
from .reading import fold_predictions, run_models, video_variants


def _row(elem: str, quantity: str, model: str, variant: str, value: float) -> dict:
    return {
        "element": elem,
        "quantity": quantity,
        "model": model,
        "variant": variant,
        "value": float(value),
    }


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
            rows += [
                _row(VIDEO_SCORE, "video accuracy", model, variant, rates["accuracy"]),
                _row(VIDEO_SCORE, "video AUC", model, variant, rates["auc"]),
            ]
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
        folds = [f for f in fold_predictions(art, model) if f[1]["label"].nunique() == 2]
        if not folds:
            continue
        thetas = fold_thresholds((f[1]["label"], f[1]["prob"]) for f in folds)
        at = {THRESHOLD_RULES[0]: [], THRESHOLD_RULES[1]: []}
        for (_, preds, train_theta), theta_k in zip(folds, thetas, strict=True):
            at[THRESHOLD_RULES[0]].append(binary_metrics(preds["label"], preds["prob"], theta_k))
            at[THRESHOLD_RULES[1]].append(
                binary_metrics(preds["label"], preds["prob"], train_theta)
            )
        for rule, metrics in at.items():
            for name in ("accuracy", "sensitivity", "specificity"):
                rows.append(
                    _row(
                        THRESHOLD,
                        f"validation {name}",
                        model,
                        rule,
                        np.nanmean([m[name] for m in metrics]),
                    )
                )
        finite = thetas[np.isfinite(thetas)]
        if not finite.size:
            continue
        for (fold, _, train_theta), theta_k in zip(folds, thetas, strict=True):
            rows += [
                _row(THRESHOLD, f"θ fold {fold}", model, THRESHOLD_RULES[0], theta_k),
                _row(THRESHOLD, f"θ fold {fold}", model, THRESHOLD_RULES[1], train_theta),
            ]
        rows += [
            _row(THRESHOLD, "θ mean", model, THRESHOLD_RULES[0], finite.mean()),
            _row(THRESHOLD, "θ sd", model, THRESHOLD_RULES[0], finite.std()),
        ]
        # The video threshold of each rule: the mean θ_k (authors) or the training-fold θ of the
        # fold whose checkpoint the videos are classified with (causal).
        video_theta = {THRESHOLD_RULES[0]: float(finite.mean())}
        train = {f[0]: f[2] for f in folds}
        if best_fold.get(model) in train:
            video_theta[THRESHOLD_RULES[1]] = train[best_fold[model]]
            rows.append(
                _row(
                    THRESHOLD,
                    "θ best fold",
                    model,
                    THRESHOLD_RULES[1],
                    video_theta[THRESHOLD_RULES[1]],
                )
            )
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
        entropy=videos["entropy_valid"].to_numpy(), crossings=videos["crossings_valid"].to_numpy()
    )
    feats = feats.reset_index(drop=True)
    rows: list[dict] = []
    labelled = {}
    for variant, protocol in zip(CLUSTERINGS, ("authors", "causal"), strict=True):
        labels, fitted = classify_signs(feats, protocol)
        labelled[variant] = feats.assign(
            sign_type=labels["sign_type"].to_numpy(),
            indeterminate=labels["indeterminate"].to_numpy(),
            cluster=labels["cluster"].to_numpy(),
        )
        for model, clf in fitted.items():
            g = labelled[variant][labelled[variant]["model"] == model]
            rows.append(_row(CLUSTERING, "k", model, variant, clf.k_))
            for name, n in g["sign_type"].value_counts().items():
                rows.append(_row(CLUSTERING, f"n {name}", model, variant, n))
            rows.append(
                _row(INDETERMINATE, "n indeterminate", model, variant, g["indeterminate"].sum())
            )
            scen = g["scenario"]
            if scen.notna().all() and scen.nunique() > 1:
                rows.append(
                    _row(
                        CLUSTERING,
                        "ARI with scenarios",
                        model,
                        variant,
                        adjusted_rand_score(scen.astype(str), g["cluster"]),
                    )
                )
        table = agreement_table(labelled[variant][["video", "model", "sign_type"]])
        for r in table.itertuples():
            rows.append(_row(AGREEMENT, "same type", r.models, variant, r.agreement))
    a, c = labelled[CLUSTERINGS[0]], labelled[CLUSTERINGS[1]]
    for model in a["model"].drop_duplicates():
        ma, mc = a["model"] == model, c["model"] == model
        rows.append(
            _row(
                CLUSTERING,
                "ARI authors vs causal",
                model,
                "both",
                adjusted_rand_score(a.loc[ma, "cluster"], c.loc[mc, "cluster"]),
            )
        )
    return rows


def _pearson_rows(art: Path, videos: pd.DataFrame) -> list[dict]:
    rows = []
    for mode in SIGN_MODES:
        signs = {}
        for r in videos.itertuples():
            probs = pd.read_csv(art / "inference" / r.model / f"{r.video}.csv")
            signs[(r.model, r.video)] = pd.DataFrame(
                {"sign": pain_sign(probs["prob"].to_numpy(float), int(r.window), mode=mode)}
            )
        pairs = pearson_between_models(signs)
        for (a, b), g in pairs.groupby(["model_a", "model_b"], sort=False):
            rows.append(_row(PEARSON, "mean r", f"{a} / {b}", mode, g["r"].mean()))
    return rows


def _ig_rows(art: Path, models: Sequence[str], top: float = 0.1) -> list[dict]:
    from ..explain import ig_importance  # torch: imported only when chapter 06 left maps

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
        rows += [
            _row(IG, "share of |IG| that is negative", model, "abs", negative),
            _row(IG, "top-10% pixel IoU clamp vs abs", model, "both", float(np.mean(ious))),
            _row(IG, "maps", model, "both", len(m)),
        ]
    return rows


def _augmentation_rows(size: int = 96, draws: int = 100, seed: int = 0) -> list[dict]:
    """Visible face area after augmentation, relative to the original, on a test card."""
    from ..augment import augment_image, augment_params

    card = np.full((size, size, 3), 20, np.uint8)
    side = int(round(size / 1.4))
    lo = (size - side) // 2
    card[lo : lo + side, lo : lo + side] = 235
    base = float((card[..., 0] > 128).sum())
    rows = []
    for style in AUGMENT_STYLES:
        params = augment_params(style)
        areas = np.array(
            [
                (augment_image(card, seed, "test-card", k, params)[..., 0] > 128).sum() / base
                for k in range(1, draws + 1)
            ]
        )
        rows += [
            _row(
                AUGMENTATION,
                "median visible face area (× original)",
                "test card",
                style,
                np.median(areas),
            ),
            _row(
                AUGMENTATION,
                "share of draws that enlarge the face",
                "test card",
                style,
                np.mean(areas > 1.0),
            ),
        ]
    return rows


def effect_numbers(art: str | Path, augmentation: bool = True, seed: int = 0) -> pd.DataFrame:
    """The measured effects of one run as a long table (one number a row).

    Parameters
    ----------
    art : path
        ``artifacts/<profile>`` of a run in which chapters 02 and 03 finished.
    augmentation : bool, default True
        Also measure the two augmentation styles on a test card (about a second).
    seed : int, default 0
        Seed of the augmentation draws on the test card.

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
    models = run_models(art)
    videos = video_variants(art)
    if videos.empty:
        raise DataError(f"no video of {art} could be summarized: run chapter 03 first")
    rows = (
        _sign_mode_rows(videos)
        + _video_score_rows(videos)
        + _threshold_rows(art, models, videos)
        + _clustering_rows(videos)
        + _pearson_rows(art, videos)
        + _ig_rows(art, models)
        + calibration_rows(art)
    )
    if augmentation:
        rows += _augmentation_rows(seed=seed)
    out = pd.DataFrame(rows, columns=NUMBER_COLUMNS)
    out.attrs["videos"] = videos
    return out


def effect_value(
    numbers: pd.DataFrame, elem: str, quantity: str, model: str, variant: str
) -> float:
    """One number of :func:`effect_numbers`' table, NaN when it was not measured."""
    hit = numbers[
        (numbers["element"] == elem)
        & (numbers["quantity"] == quantity)
        & (numbers["model"] == model)
        & (numbers["variant"] == variant)
    ]["value"]
    return float(hit.iloc[0]) if len(hit) else float("nan")


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
        a, c = (effect_value(numbers, elem, quantity, model, v) for v in VARIANTS[elem])
        if np.isnan(a) or np.isnan(c):
            continue
        rows.append(
            {
                "element": elem,
                "quantity": quantity,
                "model": model,
                "authors": a,
                "causal": c,
                "difference": a - c,
            }
        )
    return pd.DataFrame(
        rows, columns=["element", "quantity", "model", "authors", "causal", "difference"]
    )
