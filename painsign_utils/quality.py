"""Model health: is each model's pain sign a sign, and how far is it from a perfect classifier's?

The paper's analyses (entropy, crossings, sign types) only mean something when a model's
probabilities move with the face. This module condenses that into one table,
``artifacts/<profile>/tables/model_quality.csv`` (docs/design.md, "Data contracts"), one row per model:

``model, val_auc, frame_auc, video_prob_sd, confident_frames, entropy_median, n_types, truth_r,
scenario_ari, scenario_ari_lovo_min, scenario_ari_lovo_max``

and adds a reference row, the **oracle**: a perfect classifier whose probability is the latent
pain intensity, passed through the same frames, no-face gaps, sign and clustering as the models
(:func:`oracle_summary`). The oracle's ``scenario_ari`` says how recoverable the synthetic
scenarios' sign types are at all, so a model's shortfall can be told apart from the scenarios'.

:func:`scenario_ari_lovo` says how much ``scenario_ari`` rests on single videos: the sign types are
re-fitted with each video left out in turn (k-means is fitted on all of a model's videos, so the
video left out also moves the clusters), and the lowest and highest ARI become the last two columns.
Those refits and the oracle's permutation test are the slow part; :func:`health_table` reuses them
from a cache folder while their input tables and settings stay the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .clustering import classify_signs
from .errors import DataError
from .evaluation import (
    expected_type_ari,
    frame_level_auc,
    oracle_signs,
    scenario_agreement,
    truth_correlation,
)
from .protocol import Protocol, get_protocol
from .sign import shannon_entropy, threshold_crossings
from .tasks import cached_result

#: Name of the perfect classifier's row.
ORACLE = "oracle"
#: A frame is "confident" when its probability is below the first or above the second value.
CONFIDENT = (0.2, 0.8)
#: Columns of ``model_quality.csv``.
QUALITY_COLUMNS: tuple[str, ...] = (
    "model",
    "val_auc",
    "frame_auc",
    "video_prob_sd",
    "confident_frames",
    "entropy_median",
    "n_types",
    "truth_r",
    "scenario_ari",
    "scenario_ari_lovo_min",
    "scenario_ari_lovo_max",
)
#: Columns of :func:`scenario_ari_lovo`.
LOVO_COLUMNS: tuple[str, ...] = (
    "model",
    "ari_all",
    "ari_lovo_min",
    "ari_lovo_median",
    "ari_lovo_max",
    "n_videos",
)
#: Fewest videos of a model for which :func:`scenario_ari_lovo` leaves one out (fewer: NaN).
LOVO_MIN_VIDEOS = 3
#: The sign types a model can name (chapter 05).
NAMED_TYPES = ("stable", "irregular", "unstable", "indeterminate")


def oracle_summary(
    signs: Mapping[tuple[str, str], pd.DataFrame],
    truths: Mapping[str, pd.DataFrame],
    summary: pd.DataFrame,
    threshold: float = 0.5,
    seconds: float = 1.0,
    mode: str = "causal",
    video_score: str = "face_mean",
) -> tuple[pd.DataFrame, dict[tuple[str, str], pd.DataFrame]]:
    """The oracle's per-video summary, shaped like chapter 03's ``video_summary.csv``.

    Parameters
    ----------
    signs : mapping (model, video) → DataFrame ``frame, time, prob, sign``
        The models' signs; the oracle keeps their frames and no-face gaps.
    truths : mapping video → per-frame truth ``frame, intensity``
    summary : DataFrame
        The models' video summary (``video, label, scenario`` are carried over).
    threshold : float
        The oracle's decision threshold (the pain cut of the latent intensity).
    mode, video_score : str
        The protocol's sign mode and video score (as in
        :func:`painsign_utils.evaluation.summarize_video`), so the oracle is typed like the models.

    Returns
    -------
    summary : DataFrame, one row per video: ``model`` (= ``"oracle"``), ``video, label, scenario,
        threshold, score, mean_prob, entropy, crossings``
    signs : the oracle's signs, keyed ``("oracle", video)``
    """
    osigns = oracle_signs(signs, truths, seconds=seconds, name=ORACLE, mode=mode)
    meta = summary.drop_duplicates("video").set_index("video")
    keep = [c for c in ("subject", "label", "scenario") if c in meta.columns]
    rows = []
    for (_, video), df in osigns.items():
        sign = df["sign"].to_numpy()
        sign = sign[np.isfinite(sign)]  # the aligned "valid" sign is NaN at both ends
        mean_prob = float(np.nanmean(df["prob"]))
        rows.append(
            {
                "model": ORACLE,
                "video": video,
                **meta.loc[video, keep].to_dict(),
                "threshold": threshold,
                "score": float(sign.mean()) if video_score == "sign_mean" else mean_prob,
                "mean_prob": mean_prob,
                "entropy": shannon_entropy(sign),
                "crossings": threshold_crossings(sign, threshold),
            }
        )
    return pd.DataFrame(rows), osigns


def confident_share(
    signs: Mapping[tuple[str, str], pd.DataFrame],
    low: float = CONFIDENT[0],
    high: float = CONFIDENT[1],
) -> pd.Series:
    """Per model: share of analysed frames with a face whose probability is < ``low`` or > ``high``."""
    probs: dict[str, list[np.ndarray]] = {}
    for (model, _), df in signs.items():
        p = df["prob"].to_numpy(dtype=float)
        probs.setdefault(model, []).append(p[np.isfinite(p)])
    return pd.Series(
        {
            m: float(np.mean((np.concatenate(v) < low) | (np.concatenate(v) > high)))
            for m, v in probs.items()
        },
        name="confident_frames",
    )


def model_quality(
    typed: pd.DataFrame,
    signs: Mapping[tuple[str, str], pd.DataFrame],
    truths: Mapping[str, pd.DataFrame],
    agreement: pd.DataFrame,
    val_auc: Mapping[str, float] | None = None,
    pain_cut: float = 0.5,
    seconds: float = 1.0,
    mode: str = "causal",
    lovo: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The model-quality table, the oracle included when it is in ``typed``.

    Parameters
    ----------
    typed : DataFrame
        One row per (model, video) with ``model, mean_prob, entropy, sign_type`` (chapter 05's
        ``sign_types.csv``, plus the oracle's rows).
    signs : mapping (model, video) → DataFrame ``frame, time, prob, sign`` (oracle included)
    truths : mapping video → per-frame truth ``frame, intensity``
    agreement : DataFrame
        :func:`~painsign_utils.evaluation.scenario_agreement` (``model, ari_expected``); empty on
        real data, like ``truths`` (their columns are then NaN).
    val_auc : mapping model → mean validation AUC over the folds (none for the oracle)
    mode : str
        Sign mode of ``signs`` (the truth is smoothed the same way for ``truth_r``).
    lovo : DataFrame, optional
        :func:`scenario_ari_lovo` (``model, ari_lovo_min, ari_lovo_max``); without it (real data)
        ``scenario_ari_lovo_min`` and ``scenario_ari_lovo_max`` are NaN.

    Returns
    -------
    DataFrame with :data:`QUALITY_COLUMNS`, one row per model in the order of ``typed``:
    ``scenario_ari`` is the ARI of the chapter's sign types against the scenarios' intended types,
    ``scenario_ari_lovo_min`` / ``_max`` its lowest and highest value with one video left out and
    the types re-fitted.
    """
    models = list(dict.fromkeys(typed["model"]))
    nothing = pd.Series(dtype=float)
    if truths:  # synthetic data: frame-level truth exists
        frame = frame_level_auc(signs, truths, pain_cut=pain_cut).set_index("model")["auc_prob"]
        truth_r = truth_correlation(signs, truths, seconds=seconds, mode=mode)
        varying = truth_r[truth_r["varying"]].groupby("model")["r_smoothed"].median()
    else:
        frame = varying = nothing
    confident = confident_share(signs) if signs else nothing
    ari = agreement.set_index("model")["ari_expected"] if len(agreement) else nothing
    spread = (
        lovo.set_index("model")[["ari_lovo_min", "ari_lovo_max"]]
        if lovo is not None and len(lovo)
        else pd.DataFrame(columns=["ari_lovo_min", "ari_lovo_max"], dtype=float)
    )
    rows = []
    for m in models:
        g = typed[typed["model"] == m]
        rows.append(
            {
                "model": m,
                "val_auc": float((val_auc or {}).get(m, np.nan)),
                "frame_auc": float(frame.get(m, np.nan)),
                "video_prob_sd": float(
                    g["score" if "score" in g.columns else "mean_prob"].std(ddof=0)
                ),
                "confident_frames": float(confident.get(m, np.nan)),
                "entropy_median": float(g["entropy"].median()),
                "n_types": int(g.loc[g["sign_type"].isin(NAMED_TYPES), "sign_type"].nunique()),
                "truth_r": float(varying.get(m, np.nan)),
                "scenario_ari": float(ari.get(m, np.nan)),
                "scenario_ari_lovo_min": float(spread["ari_lovo_min"].get(m, np.nan)),
                "scenario_ari_lovo_max": float(spread["ari_lovo_max"].get(m, np.nan)),
            }
        )
    return pd.DataFrame(rows, columns=list(QUALITY_COLUMNS))


def scenario_ari_lovo(
    features: pd.DataFrame,
    protocol: str | Protocol = "authors",
    mapping: Mapping[str, str] | None = None,
    **cluster_kwargs: Any,
) -> pd.DataFrame:
    """Scenario ARI of each model with every video left out in turn, the sign types re-fitted.

    The chapter fits each model's sign types by k-means over all of that model's videos
    (:func:`~painsign_utils.clustering.classify_signs`), so a video counts twice in
    ``scenario_ari``: as a video to type, and as a point that places the centroids and the
    indeterminate lines. Leaving it out therefore re-fits the classifier on the remaining videos,
    under the same protocol and settings, types them again and takes the ARI against their
    scenarios' intended types (:func:`~painsign_utils.evaluation.expected_type_ari`). Deterministic:
    k-means is seeded by the protocol (or ``random_state``).

    Parameters
    ----------
    features : DataFrame, shape (n_models * n_videos, ...)
        One row per (model, video) with ``model, video, scenario, entropy, crossings`` (chapter
        05's ``sign_types.csv``, the oracle's rows included or not). Entropy and crossings finite.
    protocol : {"authors", "causal"} or Protocol
        The protocol the chapter typed the signs with.
    mapping : mapping scenario → sign type, default
        :data:`~painsign_utils.evaluation.SCENARIO_TYPES`
    **cluster_kwargs
        Passed to :func:`~painsign_utils.clustering.classify_signs`, as in the chapter (e.g.
        ``k_min, k_max, n_init, random_state, entropy_cut``).

    Returns
    -------
    DataFrame with :data:`LOVO_COLUMNS`, shape (n_models, 6), models in order of appearance:
    ``ari_all`` (all videos, the chapter's ``scenario_ari``), the minimum, median and maximum of
    the ``n_videos`` leave-one-video-out ARIs, and ``n_videos``. A model with fewer than
    :data:`LOVO_MIN_VIDEOS` videos gets NaN for the three leave-one-out columns.

    Raises
    ------
    DataError
        A column is missing, the table is empty, or a model has a video twice.
    """
    need = ["model", "video", "scenario", "entropy", "crossings"]
    if not isinstance(features, pd.DataFrame):
        raise DataError(f"features must be a DataFrame, not {type(features).__name__}")
    missing = [c for c in need if c not in features.columns]
    if missing:
        raise DataError(f"feature table lacks column(s) {missing}; need {need}")
    if features.empty:
        raise DataError("no video to compute a scenario ARI on (empty feature table)")
    twice = features.duplicated(["model", "video"])
    if twice.any():
        first = features.loc[twice, ["model", "video"]].iloc[0].tolist()
        raise DataError(f"model {first[0]!r} has video {first[1]!r} more than once")
    p = get_protocol(protocol)

    def ari(rows: pd.DataFrame) -> float:
        labels, _ = classify_signs(rows, p, **cluster_kwargs)
        typed = rows.assign(
            sign_type=labels["sign_type"].astype(object), indeterminate=labels["indeterminate"]
        )
        return expected_type_ari(typed, mapping)

    out = []
    # One thread: on a few hundred points k-means' threads cost far more than they save (20x on
    # two busy cores); scikit-learn's k-means gives the same clusters whatever the thread count.
    with threadpool_limits(limits=1):
        for model, g in features[need].groupby("model", sort=False):
            g = g.reset_index(drop=True)
            left_out = (
                np.array([ari(g.drop(index=i)) for i in range(len(g))])
                if len(g) >= LOVO_MIN_VIDEOS
                else np.full(1, np.nan)
            )
            out.append(
                {
                    "model": model,
                    "ari_all": ari(g),
                    "ari_lovo_min": float(np.min(left_out)),
                    "ari_lovo_median": float(np.median(left_out)),
                    "ari_lovo_max": float(np.max(left_out)),
                    "n_videos": len(g),
                }
            )
    return pd.DataFrame(out, columns=list(LOVO_COLUMNS))


def health_table(
    summary: pd.DataFrame,
    signs: Mapping[tuple[str, str], pd.DataFrame],
    truths: Mapping[str, pd.DataFrame],
    agreement: pd.DataFrame,
    val_auc: Mapping[str, float] | None = None,
    protocol: str | Protocol = "authors",
    n_perm: int = 2000,
    seed: int = 0,
    cache: str | Path | None = None,
    **cluster_kwargs,
) -> pd.DataFrame:
    """Chapter 05's model-health table: the models and, on synthetic data, the oracle beside them.

    With ``truths`` (synthetic data) the oracle is summarized (:func:`oracle_summary`) with the
    protocol's sign mode and video score, typed by :func:`painsign_utils.clustering.classify_signs`
    under the same protocol (overlay flag included), and its scenario agreement is added to
    ``agreement``. The spread of every row's scenario ARI when one video is left out is
    :func:`scenario_ari_lovo` under the same protocol and settings. Without them (real data) only
    the models' rows are computed.

    Parameters
    ----------
    summary : DataFrame
        The models' typed video summary (``sign_types.csv``).
    signs : mapping (model, video) → DataFrame ``frame, time, prob, sign`` (empty on real data)
    truths : mapping video → per-frame truth (empty on real data)
    agreement : DataFrame
        The models' :func:`~painsign_utils.evaluation.scenario_agreement` (empty on real data).
    val_auc : mapping model → mean validation AUC
    protocol : {"authors", "causal"} or Protocol
    n_perm, seed : permutation test of the oracle's scenario agreement
    cache : path, optional
        Folder in which the oracle's permutation test (``oracle_agreement/``) and the
        leave-one-video-out refits (``lovo/``) are kept and reused while their input tables,
        protocol and settings stay the same (:func:`~painsign_utils.tasks.cached_result`).
    **cluster_kwargs
        Passed to :func:`~painsign_utils.clustering.classify_signs` (e.g. ``k_min, k_max``).

    Returns
    -------
    DataFrame with :data:`QUALITY_COLUMNS` (see :func:`model_quality`).
    """
    p = get_protocol(protocol)
    typed, all_signs = summary, dict(signs)
    if truths:
        oracle, osigns = oracle_summary(
            signs, truths, summary, mode=p.sign_mode, video_score=p.video_score
        )
        labels, _ = classify_signs(oracle, p, **cluster_kwargs)
        oracle = oracle.assign(
            sign_type=labels["sign_type"].astype(object), indeterminate=labels["indeterminate"]
        )
        oracle_agreement = _reused(
            cache,
            "oracle_agreement",
            {"oracle": oracle, "n_perm": n_perm, "seed": seed},
            lambda: scenario_agreement(oracle, n_perm=n_perm, seed=seed),
        )
        agreement = pd.concat([agreement, oracle_agreement])
        typed, all_signs = pd.concat([summary, oracle], ignore_index=True), {**signs, **osigns}
    lovo = None
    if truths:
        need = ["model", "video", "scenario", "entropy", "crossings"]
        lovo = _reused(
            cache,
            "lovo",
            {"features": typed[need], "protocol": asdict(p), "settings": cluster_kwargs},
            lambda: scenario_ari_lovo(typed, p, **cluster_kwargs),
        )
    return model_quality(typed, all_signs, truths, agreement, val_auc, mode=p.sign_mode, lovo=lovo)


def _reused(cache: str | Path | None, name: str, key: dict, make: Any) -> pd.DataFrame:
    """``make()``, kept in ``cache/name`` and reused while ``key`` holds (no ``cache``: computed)."""
    return make() if cache is None else cached_result(Path(cache) / name, key, make, name)
