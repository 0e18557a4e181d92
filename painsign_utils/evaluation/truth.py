"""What the paper could not measure, with the synthetic ground truth.

* :func:`truth_correlation` — Pearson r between the sign and the latent intensity, and
  :func:`oracle_signs`, the signs a perfect classifier would give (the ceiling of that r).
* :func:`frame_level_auc` — frame-level AUC of probabilities and sign against the per-frame truth;
  :func:`frame_table`, every analysed frame with its probability and its truth.
* :func:`scenario_agreement` — adjusted Rand index between sign types and the generated scenarios
  (:data:`SCENARIO_TYPES`), with a permutation test; :func:`expected_type_ari`, its ``ari_expected``
  for one model's videos.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, roc_auc_score

from ..metrics import binary_metrics
from ..sign import window_for_fps
from .agreement import pearson_r
from .summary import aligned_sign, samples_per_second

#: Which sign type each synthetic scenario is meant to produce (painsign_utils.synthetic.SCENARIOS).
SCENARIO_TYPES: dict[str, str] = {
    "stable_rest": "stable",
    "stable_pain": "stable",
    "irregular": "irregular",
    "unstable": "unstable",
    "indeterminate": "indeterminate",
}


def truth_correlation(
    signs: Mapping[tuple[str, str], pd.DataFrame],
    truths: Mapping[str, pd.DataFrame],
    min_sd: float = 0.05,
    seconds: float = 1.0,
    mode: str = "causal",
) -> pd.DataFrame:
    """Per (model, video): Pearson r between the sign and the latent pain intensity.

    Two references: the raw intensity (``r``), and the intensity passed through the same causal
    one-second moving average as the sign (``r_smoothed``), which removes from the comparison what
    no one-second average can follow (its half-second delay and sub-second wiggles). A video counts
    as ``varying`` when its smoothed intensity has sd >= ``min_sd``: otherwise (calm, steady pain,
    or only sub-second jitter) there is no pattern for the sign to track and r measures noise;
    report medians over varying videos.

    Parameters
    ----------
    signs : mapping (model, video) → DataFrame ``frame, time, sign``
    truths : mapping video → per-frame truth ``frame, intensity``
    min_sd : float
        Smallest sd of the smoothed intensity for a video to count as varying.
    seconds : float
        Moving-average length used for the sign (1 s in the paper).
    mode : {"causal", "valid"}
        Sign mode of the signs; the intensity is smoothed the same way (aligned as in
        :func:`aligned_sign`) and frames where either has no value are left out.

    Returns
    -------
    DataFrame with ``model, video, r, r_smoothed, intensity_sd`` (of the smoothed intensity),
    ``varying``.
    """
    rows = []
    for (model, video), df in signs.items():
        if video not in truths:
            continue
        truth = truths[video].set_index("frame")["intensity"]
        intensity = truth.reindex(df["frame"].to_numpy()).to_numpy(dtype=float)
        ok = np.isfinite(intensity)
        rate = samples_per_second(df["time"].to_numpy())
        w = window_for_fps(rate, seconds)
        if ok.sum() < max(2, w if mode == "valid" else 2):
            continue
        smoothed = aligned_sign(intensity[ok], w, mode)
        sign = df["sign"].to_numpy()[ok]
        keep = np.isfinite(sign) & np.isfinite(smoothed)
        sign, smoothed, raw = sign[keep], smoothed[keep], intensity[ok][keep]
        if sign.size < 2:
            continue
        sd = float(np.std(smoothed))
        rows.append(
            {
                "model": model,
                "video": video,
                "r": pearson_r(sign, raw),
                "r_smoothed": pearson_r(sign, smoothed),
                "intensity_sd": sd,
                "varying": sd >= min_sd,
            }
        )
    return pd.DataFrame(
        rows, columns=["model", "video", "r", "r_smoothed", "intensity_sd", "varying"]
    )


def oracle_signs(
    signs: Mapping[tuple[str, str], pd.DataFrame],
    truths: Mapping[str, pd.DataFrame],
    seconds: float = 1.0,
    name: str = "perfect classifier",
    mode: str = "causal",
) -> dict[tuple[str, str], pd.DataFrame]:
    """Signs a perfect classifier would give: probability = latent intensity, same frames and gaps.

    For each video, the frames and the no-face gaps of the first model's table are kept and the
    probability replaced by the true intensity; the sign is then built exactly as for the models.
    Its r with the intensity is the ceiling that the one-second average allows. ``mode`` is the
    sign mode (the ``sign`` column is aligned as in :func:`aligned_sign`).

    Returns
    -------
    dict (name, video) → DataFrame ``frame, time, prob, sign``
    """
    out = {}
    for (_, video), df in signs.items():
        if video not in truths or (name, video) in out:
            continue
        truth = truths[video].set_index("frame")["intensity"]
        intensity = truth.reindex(df["frame"].to_numpy()).to_numpy(dtype=float)
        prob = np.where(np.isnan(df["prob"].to_numpy()), np.nan, intensity)
        if np.isnan(prob).all():
            continue
        w = window_for_fps(samples_per_second(df["time"].to_numpy()), seconds)
        out[(name, video)] = pd.DataFrame(
            {
                "frame": df["frame"],
                "time": df["time"],
                "prob": prob,
                "sign": aligned_sign(prob, w, mode),
            }
        )
    return out


def frame_level_auc(
    signs: Mapping[tuple[str, str], pd.DataFrame],
    truths: Mapping[str, pd.DataFrame],
    summary: pd.DataFrame | None = None,
    pain_cut: float = 0.5,
) -> pd.DataFrame:
    """Frame-level AUC against the per-frame truth (intensity >= ``pain_cut`` is pain).

    Per model, pooled over every analysed frame of every video: ``auc_prob`` scores frames with a
    face by their raw probability; ``auc_sign`` scores every frame where the sign has a value
    (all under ``causal``; not the NaN padding of the ``valid`` sign). With ``summary`` the
    video-level AUC (video score vs the video label) is added for comparison.
    """
    pooled: dict[str, list] = {}
    for (model, video), df in signs.items():
        if video not in truths:
            continue
        truth = truths[video].set_index("frame")["intensity"]
        intensity = truth.reindex(df["frame"].to_numpy()).to_numpy(dtype=float)
        pooled.setdefault(model, []).append(
            (intensity, df["prob"].to_numpy(), df["sign"].to_numpy())
        )
    rows = []
    for model, parts in pooled.items():
        inten, prob, sign = (np.concatenate(x) for x in zip(*parts, strict=True))
        ok = np.isfinite(inten)
        y = (inten[ok] >= pain_cut).astype(int)
        face = ok & np.isfinite(prob)
        yf = (inten[face] >= pain_cut).astype(int)
        row = {
            "model": model,
            "frames": int(ok.sum()),
            "pain_frames": float(y.mean()) if y.size else float("nan"),
            "auc_prob": float(roc_auc_score(yf, prob[face]))
            if 0 < yf.sum() < yf.size
            else float("nan"),
            "auc_sign": _auc(inten, sign, pain_cut),
        }
        if summary is not None:
            g = summary[summary["model"] == model]
            row["auc_video"] = binary_metrics(g["label"], g["score"], 0.5)["auc"]
        rows.append(row)
    return pd.DataFrame(rows)


def frame_table(runs: pd.DataFrame, summary: pd.DataFrame, pain_cut: float = 0.5) -> pd.DataFrame:
    """Every analysed frame with a face, its probability and its ground truth, per model.

    Parameters
    ----------
    runs : DataFrame
        ``model, video, probs`` (:func:`~painsign_utils.evaluation.cached_runs`).
    summary : DataFrame
        ``video_summary.csv`` (``model, video, subject, scenario, truth``; synthetic data).
    pain_cut : float
        A frame is pain when its latent intensity is at least this.

    Returns
    -------
    DataFrame with columns ``model, video, subject, scenario, frame, time, prob, intensity, y``
    (``y`` 0/1), frames without a face or without truth left out. A video without a truth file
    (real data) gives every frame its video's label and intensity NaN.
    """
    meta = summary.drop_duplicates("video").set_index("video")
    parts = []
    for run in runs.itertuples():
        probs = pd.read_csv(run.probs)
        row = meta.loc[run.video]
        truth_file = row.get("truth")
        if isinstance(truth_file, str) and truth_file:
            truth = pd.read_csv(truth_file).set_index("frame")["intensity"]
            intensity = truth.reindex(probs["frame"].to_numpy()).to_numpy(dtype=float)
            y = (intensity >= pain_cut).astype(int)
        else:  # real data: no frame-level truth, every frame carries its video's label
            intensity = np.full(len(probs), np.nan)
            y = np.full(len(probs), int(row["label"]))
        df = probs.assign(
            model=run.model,
            video=run.video,
            subject=row["subject"],
            scenario=row.get("scenario", ""),
            intensity=intensity,
            y=y,
        )
        keep = np.isfinite(df["prob"]) & (np.isfinite(intensity) | ~np.isfinite(intensity).any())
        parts.append(df[keep])
    out = pd.concat(parts, ignore_index=True)
    cols = ["model", "video", "subject", "scenario", "frame", "time", "prob", "intensity", "y"]
    return out[cols]


def _auc(intensity: np.ndarray, score: np.ndarray, pain_cut: float) -> float:
    """AUC of ``score`` against ``intensity >= pain_cut`` where both are finite (NaN: one class)."""
    ok = np.isfinite(intensity) & np.isfinite(score)
    y = (intensity[ok] >= pain_cut).astype(int)
    return float(roc_auc_score(y, score[ok])) if 0 < y.sum() < y.size else float("nan")


def scenario_agreement(
    summary: pd.DataFrame,
    n_perm: int = 2000,
    seed: int = 0,
    mapping: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """How well sign types recover the generated scenarios, per model.

    ``ari`` is the adjusted Rand index between ``sign_type`` and ``scenario`` (0 = chance, 1 =
    identical partitions; the two stable scenarios count as different here, which caps it below
    1). ``ari_expected`` compares with the type each scenario is meant to produce
    (:data:`SCENARIO_TYPES`). ``p_perm`` is the permutation p-value of ``ari``: the share of
    ``n_perm`` label shufflings with an ARI at least as high (with the +1 correction).
    ``agreement`` is the fraction of videos whose type is the expected one.

    Under ``protocol: authors`` indeterminate is an overlay flag (a boolean ``indeterminate``
    column beside three cluster types). Then a video of a scenario meant to be indeterminate counts
    as recovered when it is flagged, any other video when its cluster type is the expected one;
    the ARIs use the flag as a label (flagged videos form their own group, as under ``causal``).
    Without that column (``causal``) ``sign_type`` is used as it is.
    """
    mapping = dict(mapping or SCENARIO_TYPES)
    rng = np.random.default_rng(seed)
    rows = []
    for model, g in summary.groupby("model", sort=False):
        scen, expected, types, hit = _scenario_labels(g, mapping)
        ari = adjusted_rand_score(scen, types)
        null = np.array([adjusted_rand_score(scen, rng.permutation(types)) for _ in range(n_perm)])
        rows.append(
            {
                "model": model,
                "videos": len(g),
                "ari": float(ari),
                "ari_expected": float(adjusted_rand_score(expected, types)),
                "ari_null_95": float(np.quantile(null, 0.95)),
                "p_perm": float((1 + (null >= ari).sum()) / (1 + n_perm)),
                "agreement": float(hit.mean()),
            }
        )
    return pd.DataFrame(rows)


def expected_type_ari(typed: pd.DataFrame, mapping: Mapping[str, str] | None = None) -> float:
    """ARI between one model's sign types and the types its videos' scenarios are meant to produce.

    The ``ari_expected`` of :func:`scenario_agreement` (the ``scenario_ari`` of the model-health
    table), the overlay flag counted the same way.

    Parameters
    ----------
    typed : DataFrame, shape (n_videos, ...)
        One model's videos with ``scenario, sign_type`` and, under the overlay, a boolean
        ``indeterminate``.
    mapping : mapping scenario → sign type, default :data:`SCENARIO_TYPES`

    Returns
    -------
    float
        Adjusted Rand index (1 = the intended partition; about 0 = chance).
    """
    _, expected, types, _ = _scenario_labels(typed, dict(mapping or SCENARIO_TYPES))
    return float(adjusted_rand_score(expected, types))


def _scenario_labels(
    g: pd.DataFrame, mapping: Mapping[str, str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scenarios, their intended types, the sign types (flagged videos as their own group) and
    whether each video got its intended type, shape (n,) each."""
    scen = g["scenario"].astype(str).to_numpy()
    types = g["sign_type"].astype(str).to_numpy()
    expected = np.array([mapping.get(s, s) for s in scen])
    hit = expected == types
    if "indeterminate" in g.columns and g["indeterminate"].dtype == bool:
        flag = g["indeterminate"].to_numpy(bool)
        hit = np.where(expected == "indeterminate", flag, hit)
        types = np.where(flag, "indeterminate", types)
    return scen, expected, types, hit
