"""Table 3 (metrics per sign type and model) and the Friedman test across models (paper §3)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..errors import DataError
from ..metrics import binary_metrics, friedman_test, mean_sd
from .base import FEATURES, SIGN_TYPES
from .causal import SignTypeClassifier


def table3(
    videos: pd.DataFrame, classifiers: dict[str, SignTypeClassifier] | None = None
) -> pd.DataFrame:
    """Table 3: classification and temporal metrics per model and sign type.

    Parameters
    ----------
    videos : DataFrame
        One row per (model, video) with columns ``model, sign_type, label`` (1 pain / 0 no pain),
        ``mean_prob`` (or the video score ``score``, used when present), ``threshold, entropy,
        crossings``. Under ``protocol: authors`` a boolean ``indeterminate`` column holds the
        overlay flag: each model then gets its three cluster types plus an ``indeterminate`` row
        over the flagged videos (``overlay`` True; they are also counted in their cluster's row).
    classifiers : dict, optional
        Fitted classifiers; adds ``k`` (clusters chosen) and ``clusters`` (k-means clusters merged
        into the type).

    Returns
    -------
    DataFrame
        Columns ``model, sign_type, accuracy, sensitivity, specificity, auc, entropy, crossings``
        (formatted mean ± sd), ``entropy_mean, crossings_mean`` (floats), ``n_pain, n_nopain``,
        ``overlay`` and, with classifiers, ``k, clusters``. Rows ordered by model then
        :data:`SIGN_TYPES`.
    """
    need = {"model", "sign_type", "label", "mean_prob", "threshold", "entropy", "crossings"}
    if missing := need - set(videos.columns):
        raise DataError(f"table3 needs column(s) {sorted(missing)}")
    thresholds = videos.groupby("model", sort=False)["threshold"].unique()
    if (thresholds.map(len) > 1).any():
        raise DataError("each model must have one threshold in table3's input")
    thresholds = thresholds.map(lambda t: float(t[0]))
    overlay = "indeterminate" in videos.columns and videos["indeterminate"].dtype == bool
    score = "score" if "score" in videos.columns else "mean_prob"
    rows = []
    for model, per_model in videos.groupby("model", sort=False):
        for sign_type in SIGN_TYPES:
            flagged = overlay and sign_type == "indeterminate"
            g = (
                per_model[per_model["indeterminate"]]
                if flagged
                else per_model[per_model["sign_type"] == sign_type]
            )
            if g.empty:
                continue
            y = g["label"].astype(int).to_numpy()
            m = binary_metrics(y, g[score], thresholds[model])
            row = {"model": model, "sign_type": sign_type, **m, "overlay": bool(flagged)}
            row["entropy"] = mean_sd(g["entropy"], percent=False)
            row["crossings"] = mean_sd(g["crossings"], percent=False)
            row["entropy_mean"] = float(g["entropy"].mean())
            row["crossings_mean"] = float(g["crossings"].mean())
            row["n_pain"], row["n_nopain"] = int((y == 1).sum()), int((y == 0).sum())
            if classifiers is not None and model in classifiers:
                clf = classifiers[model]
                row["k"] = clf.k_
                row["clusters"] = int((clf.centroids_["name"] == sign_type).sum())
            rows.append(row)
    return pd.DataFrame(rows)


def friedman_by_type(
    videos: pd.DataFrame, models: Sequence[str] | None = None, video_col: str = "video"
) -> pd.DataFrame:
    """Friedman test of entropy and crossings across models, per sign type (paper §3).

    Two designs, since the paper does not say which blocks it used:

    * ``design="videos"``: blocks are the videos that *every* model put in that sign type (the
      matched design the test assumes); ``sign_type="all"`` uses every video.
    * ``design="type means"``: blocks are the sign types, values each model's mean over its own
      videos of that type (3 blocks x 3 models, low power).

    Parameters
    ----------
    videos : DataFrame
        One row per (model, video): ``model, <video_col>, sign_type, entropy, crossings``.

    Returns
    -------
    DataFrame with columns ``design, sign_type, metric, n_blocks, p_value``.
    """
    need = {"model", video_col, "sign_type", *FEATURES}
    if missing := need - set(videos.columns):
        raise DataError(f"friedman_by_type needs column(s) {sorted(missing)}")
    models = list(models or videos["model"].drop_duplicates())
    rows = []
    for metric in FEATURES:
        wide = videos.pivot_table(index=video_col, columns="model", values=metric, aggfunc="first")
        types = videos.pivot_table(
            index=video_col, columns="model", values="sign_type", aggfunc="first"
        )
        wide, types = wide.reindex(columns=models), types.reindex(columns=models)
        present = [t for t in SIGN_TYPES if (videos["sign_type"] == t).any()]
        for sign_type in ["all", *present]:
            if sign_type == "all":
                block = wide
            else:
                block = wide[(types == sign_type).all(axis=1)]
            block = block.dropna()
            rows.append(("videos", sign_type, metric, len(block), friedman_test(block)))
        means = videos.pivot_table(
            index="sign_type", columns="model", values=metric, aggfunc="mean"
        )
        means = means.reindex(columns=models).dropna()
        rows.append(("type means", "all", metric, len(means), friedman_test(means)))
    return pd.DataFrame(rows, columns=["design", "sign_type", "metric", "n_blocks", "p_value"])
