"""Does the pain sign work equally well for every newborn? Metrics per skin-tone group.

The paper cannot ask this: its data sets are small and record no skin tone. The synthetic newborns
of this book carry their skin colour, so every model can be measured per group:

* **frame-level AUC**: each analysed frame with a face, its probability against the frame's true
  state (latent intensity >= ``pain_cut`` is pain);
* **video accuracy**: the video's single label (chapter 03) against the video's label;
* **sign-vs-truth r**: the median Pearson r between a video's sign and its latent intensity
  (chapter 04's ``tables/sign_truth_r.csv``, videos whose intensity varies).

Skin tone is measured, not assumed: the Individual Typology Angle (ITA°) of the subject's base skin
colour in CIELAB, ``atan((L* - 50) / b*)`` in degrees (Chardon et al. 1991), in three groups:
*light* (ITA > 41°), *intermediate* (10° < ITA <= 41°), *dark* (ITA <= 10°). Real manifests may
carry their own ``skin_tone`` or ``sex`` column; the synthetic subjects carry no sex, so the check
covers skin tone only and says so.

Confidence intervals are percentile intervals of a **cluster bootstrap over newborns** (frames of
one video, and videos of one newborn, are not independent: resampling frames would make the
intervals far too narrow), seeded. A group with a single newborn gets no interval. The bootstrap
is the slow part (thousands of AUCs): :func:`subgroups_from_artifacts` keeps its result in a cache
folder and reuses it while every file it reads and its settings stay the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from .attributes import (
    TONE_ORDER,
    video_attributes,
)
from .tasks import cached_result

#: Columns of ``tables/subgroups.csv``.
COLUMNS = [
    "model",
    "attribute",
    "group",
    "n",
    "n_newborns",
    "n_frames",
    "auc",
    "auc_lo",
    "auc_hi",
    "video_acc",
    "acc_lo",
    "acc_hi",
    "truth_r",
    "r_lo",
    "r_hi",
]


def frame_table(art: str | Path, summary: pd.DataFrame, pain_cut: float = 0.5) -> pd.DataFrame:
    """Every analysed frame with a face: ``model, video, prob, intensity, pain``.

    Reads the per-frame probabilities of chapter 03 (``inference/<model>/<video>.csv``) and the
    synthetic ground truth named by ``summary['truth']``; empty when there is no truth (real data).
    """
    art = Path(art)
    parts = []
    if "truth" not in summary:
        return pd.DataFrame(columns=["model", "video", "prob", "intensity", "pain"])
    truths: dict[str, pd.Series] = {}
    for (model, video), row in summary.set_index(["model", "video"]).iterrows():
        probs_path = art / "inference" / model / f"{video}.csv"
        if (
            not probs_path.exists()
            or not isinstance(row["truth"], str)
            or not Path(row["truth"]).exists()
        ):
            continue
        if video not in truths:
            truths[video] = pd.read_csv(row["truth"]).set_index("frame")["intensity"]
        probs = pd.read_csv(probs_path)
        probs = probs[np.isfinite(probs["prob"])]
        intensity = truths[video].reindex(probs["frame"].to_numpy()).to_numpy(dtype=float)
        parts.append(
            pd.DataFrame(
                {
                    "model": model,
                    "video": video,
                    "prob": probs["prob"].to_numpy(),
                    "intensity": intensity,
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["model", "video", "prob", "intensity", "pain"])
    frames = pd.concat(parts, ignore_index=True).dropna(subset=["intensity"])
    frames["pain"] = (frames["intensity"] >= pain_cut).astype(int)
    return frames


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    return float(roc_auc_score(y, p)) if 0 < y.sum() < y.size else float("nan")


def _stats(
    frames_by_video: Mapping[str, tuple[np.ndarray, np.ndarray]],
    correct: Mapping[str, float],
    r: Mapping[str, float],
    videos: np.ndarray,
) -> tuple[float, float, float]:
    fv = [frames_by_video[v] for v in videos if v in frames_by_video]
    if fv:
        y = np.concatenate([a for a, _ in fv])
        p = np.concatenate([b for _, b in fv])
        auc = _auc(y, p)
    else:
        auc = float("nan")
    acc = [correct[v] for v in videos if v in correct]
    rs = [r[v] for v in videos if v in r and np.isfinite(r[v])]
    return (
        auc,
        float(np.mean(acc)) if acc else float("nan"),
        float(np.median(rs)) if rs else float("nan"),
    )


def subgroup_table(
    frames: pd.DataFrame,
    videos: pd.DataFrame,
    attributes: pd.DataFrame,
    attrs: list[str],
    truth_r: pd.DataFrame | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Frame AUC, video accuracy and sign-vs-truth r per model and group, with bootstrap intervals.

    Parameters
    ----------
    frames : DataFrame
        :func:`frame_table` output (``model, video, prob, pain``); may be empty (no AUC then).
    videos : DataFrame
        One row per model and video with ``model, video, label, prediction`` (0/1; chapter 03's
        ``tables/video_summary.csv`` or chapter 05's ``sign_types.csv``).
    attributes : DataFrame
        :func:`video_attributes` output: ``video`` and one column per attribute.
    attrs : list of str
        The attribute columns to split by.
    truth_r : DataFrame, optional
        ``model, video, r, varying`` (chapter 04's ``tables/sign_truth_r.csv``); videos whose
        intensity does not vary are left out of the r, as in chapter 04.
    n_boot : int
        Bootstrap resamples of the newborns (``subject``; videos when absent) of each group
        (0: no intervals).
    seed : int
        Seed of the resampling; the same seed gives the same intervals.
    level : float
        Coverage of the percentile intervals.

    Returns
    -------
    DataFrame with :data:`COLUMNS`: ``n`` is the number of videos of the group, ``n_newborns``
    the newborns they show, ``n_frames`` the
    analysed frames with a face; ``*_lo`` / ``*_hi`` the interval bounds (NaN where undefined, e.g.
    a group whose frames are all of one class has no AUC).
    """
    rng = np.random.default_rng(seed)
    alpha = (1 - level) / 2
    rows = []
    keep = [c for c in attributes if c not in videos or c == "video"]
    vids = videos.merge(attributes[keep], on="video", how="inner")
    cluster_col = "subject" if "subject" in vids else "video"
    for model, vm in vids.groupby("model", sort=False):
        fm = frames[frames["model"] == model] if len(frames) else frames
        by_video = {v: (g["pain"].to_numpy(), g["prob"].to_numpy()) for v, g in fm.groupby("video")}
        correct = dict(
            zip(
                vm["video"], (vm["prediction"].astype(int) == vm["label"].astype(int)).astype(float)
            )
        )
        r = {}
        if truth_r is not None and len(truth_r):
            tr = truth_r[truth_r["model"] == model]
            if "varying" in tr:
                tr = tr[tr["varying"].astype(bool)]
            r = dict(zip(tr["video"], tr["r"]))
        for attr in attrs:
            groups = sorted(vm[attr].dropna().unique(), key=_group_key)
            if attr == "skin_tone":  # every tone group, an empty one included, so the page says so
                groups = list(TONE_ORDER) + [g for g in groups if g not in TONE_ORDER]
            for group in groups:
                gv = vm[vm[attr] == group]
                ids = gv["video"].to_numpy()
                if not len(ids):
                    rows.append(
                        {
                            "model": model,
                            "attribute": attr,
                            "group": str(group),
                            "n": 0,
                            "n_newborns": 0,
                            "n_frames": 0,
                        }
                    )
                    continue
                auc, acc, med_r = _stats(by_video, correct, r, ids)
                # Resample newborns (clusters), not frames or videos: one baby's videos are alike.
                clusters = [g["video"].to_numpy() for _, g in gv.groupby(cluster_col, sort=True)]
                boots = []
                for _ in range(n_boot if len(clusters) > 1 else 0):
                    pick = rng.integers(0, len(clusters), size=len(clusters))
                    boots.append(
                        _stats(by_video, correct, r, np.concatenate([clusters[i] for i in pick]))
                    )
                b = np.array(boots, dtype=float).reshape(-1, 3)

                def ci(j: int, b: np.ndarray = b) -> tuple[float, float]:
                    col = b[:, j][np.isfinite(b[:, j])] if len(b) else np.array([])
                    if col.size < max(10, n_boot // 10):
                        return float("nan"), float("nan")
                    return float(np.quantile(col, alpha)), float(np.quantile(col, 1 - alpha))

                (alo, ahi), (clo, chi), (rlo, rhi) = ci(0), ci(1), ci(2)
                rows.append(
                    {
                        "model": model,
                        "attribute": attr,
                        "group": str(group),
                        "n": len(ids),
                        "n_newborns": len(clusters),
                        "n_frames": int(sum(len(by_video[v][0]) for v in ids if v in by_video)),
                        "auc": auc,
                        "auc_lo": alo,
                        "auc_hi": ahi,
                        "video_acc": acc,
                        "acc_lo": clo,
                        "acc_hi": chi,
                        "truth_r": med_r,
                        "r_lo": rlo,
                        "r_hi": rhi,
                    }
                )
    return pd.DataFrame(rows, columns=COLUMNS)


def _group_key(group) -> tuple[int, str]:
    return (TONE_ORDER.index(group) if group in TONE_ORDER else len(TONE_ORDER), str(group))


def subgroups_from_artifacts(
    art: str | Path,
    pain_cut: float = 0.5,
    n_boot: int = 1000,
    seed: int = 0,
    cache: str | Path | None = None,
) -> tuple[pd.DataFrame, dict]:
    """:func:`subgroup_table` from a build's artifacts, and what it covers.

    With ``cache`` (a folder) both are reused while every file read (:func:`input_files`, by
    content) and the settings stay the same (:func:`~painsign_utils.tasks.cached_result`).

    Returns
    -------
    table : DataFrame
        :func:`subgroup_table` output; empty when the check cannot run.
    coverage : dict
        ``status`` (``"ok"``; ``"missing_artifacts"`` before chapters 01 and 03 have run;
        ``"no_attributes"`` when the videos carry no skin tone or sex), ``n_videos``,
        ``n_newborns``, ``attributes`` (the columns checked), ``frame_auc`` (per-frame ground
        truth found) and ``truth_r`` (chapter 04's ``tables/sign_truth_r.csv`` found).
    """

    def make() -> tuple[pd.DataFrame, dict]:
        return _subgroups(Path(art), pain_cut, n_boot, seed)

    if cache is None:
        return make()
    key = {"files": input_files(art), "pain_cut": pain_cut, "n_boot": n_boot, "seed": seed}
    return cached_result(cache, key, make, "subgroup table")


def input_files(art: str | Path) -> list[Path]:
    """Every file :func:`subgroups_from_artifacts` reads (some may be missing)."""
    art = Path(art)
    summary_path = art / "tables" / "video_summary.csv"
    files = [summary_path, art / "faces" / "videos.csv", art / "data" / "config.json"]
    files.append(art / "tables" / "sign_truth_r.csv")
    if summary_path.exists():
        summary = pd.read_csv(summary_path)
        if "truth" in summary:  # frame_table reads these only with a truth column
            files += [
                art / "inference" / m / f"{v}.csv"
                for m, v in zip(summary["model"], summary["video"])
            ]
            files += [Path(t) for t in dict.fromkeys(summary["truth"]) if isinstance(t, str)]
    return files


def _subgroups(art: Path, pain_cut: float, n_boot: int, seed: int) -> tuple[pd.DataFrame, dict]:
    import json

    coverage = {
        "status": "missing_artifacts",
        "n_videos": 0,
        "n_newborns": 0,
        "attributes": [],
        "frame_auc": False,
        "truth_r": False,
    }
    summary_path = art / "tables" / "video_summary.csv"
    manifest_path = art / "faces" / "videos.csv"
    if not summary_path.exists() or not manifest_path.exists():
        return pd.DataFrame(columns=COLUMNS), coverage
    summary = pd.read_csv(summary_path)
    manifest = pd.read_csv(manifest_path)
    coverage["n_videos"] = int(summary["video"].nunique())
    coverage["n_newborns"] = int(manifest["subject"].nunique())
    config = art / "data" / "config.json"
    data_seed = json.loads(config.read_text()).get("seed") if config.exists() else None
    attributes, attrs = video_attributes(manifest, data_seed)
    if not attrs:
        coverage["status"] = "no_attributes"
        return pd.DataFrame(columns=COLUMNS), coverage
    truth_path = art / "tables" / "sign_truth_r.csv"
    truth_r = pd.read_csv(truth_path) if truth_path.exists() else None
    frames = frame_table(art, summary, pain_cut)
    table = subgroup_table(frames, summary, attributes, attrs, truth_r, n_boot=n_boot, seed=seed)
    coverage.update(
        status="ok", attributes=list(attrs), frame_auc=not frames.empty, truth_r=truth_r is not None
    )
    return table, coverage


#: The interval columns of each metric of :data:`COLUMNS`.
INTERVALS = {
    "auc": ("auc_lo", "auc_hi"),
    "video_acc": ("acc_lo", "acc_hi"),
    "truth_r": ("r_lo", "r_hi"),
}


def largest_gaps(
    table: pd.DataFrame,
    attribute: str = "skin_tone",
    metrics: tuple[str, ...] = ("auc", "video_acc"),
) -> pd.DataFrame:
    """Per model and metric, the groups with the highest and the lowest value, and their gap.

    Parameters
    ----------
    table : DataFrame
        :func:`subgroup_table` output.
    attribute : str
        The attribute whose groups are compared.
    metrics : tuple of str
        Columns of ``table`` to compare (``auc``, ``video_acc``, ``truth_r``).

    Returns
    -------
    DataFrame, one row per model and metric with at least two groups holding a value: ``model,
    metric, high_group, high, high_lo, high_hi, high_n, low_group, low, low_lo, low_hi, low_n,
    gap, separated`` (``*_n`` videos of the group; ``separated``: the two intervals do not
    overlap, a measured difference; False when they overlap or an interval is undefined).
    """
    cols = ["model", "metric"]
    for side in ("high", "low"):
        cols += [f"{side}_group", side, f"{side}_lo", f"{side}_hi", f"{side}_n"]
    cols += ["gap", "separated"]
    rows = []
    t = table[table["attribute"] == attribute]
    for model, g in t.groupby("model", sort=False):
        for metric in metrics:
            lo_col, hi_col = INTERVALS[metric]
            ok = g[np.isfinite(g[metric].astype(float))]
            if len(ok) < 2:
                continue
            hi, lo = (
                ok.loc[ok[metric].astype(float).idxmax()],
                ok.loc[ok[metric].astype(float).idxmin()],
            )
            row = [model, metric]
            for r in (hi, lo):
                row += [
                    r["group"],
                    float(r[metric]),
                    float(r[lo_col]),
                    float(r[hi_col]),
                    int(r["n"]),
                ]
            separated = bool(
                np.isfinite(hi[lo_col]) and np.isfinite(lo[hi_col]) and hi[lo_col] > lo[hi_col]
            )
            rows.append([*row, float(hi[metric] - lo[metric]), separated])
    return pd.DataFrame(rows, columns=cols)
