"""Chapter 03's cached probabilities through the pain states, scored against the true episodes.

Owns the run behind chapter 08's episode table: :func:`video_trace` (one video's probabilities
through the monitor's causal sign and each rule's :func:`~painsign_utils.monitor.painstates.pain_states`),
:func:`oracle_probs` (the truth intensity standing in for a model's probabilities) and
:func:`cached_state_scores` (every test video, per model and for the oracle, scored with
:mod:`~painsign_utils.monitor.episodes`) and :func:`pick_states_video` (the video the chapter
shows).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from ..evaluation.summary import samples_per_second
from ..sign import pain_sign
from .episodes import (
    EPISODE_COLUMNS,
    confirmed_intervals,
    has_confounder,
    score_video,
    true_episodes,
    truth_rate,
)
from .painstates import pain_states

#: The name the oracle (truth intensity as probability) gets in the tables.
ORACLE = "oracle"


def video_trace(
    probs: pd.DataFrame,
    threshold: float,
    window: int,
    rules: Mapping[str, Mapping[str, float]],
    rate: float | None = None,
) -> pd.DataFrame:
    """One video's cached probabilities through the monitor's causal sign and each rule's states.

    Parameters
    ----------
    probs : DataFrame, shape (n, ...)
        ``time, prob`` (NaN: no face), e.g. chapter 03's ``inference/<model>/<video>.csv``.
    threshold : float
        The model's threshold θ.
    window : int
        Moving-average length in samples.
    rules : mapping of rule name to timings
        Keyword arguments of :func:`~painsign_utils.monitor.painstates.pain_states` per rule.
    rate : float, optional
        Samples per second; default from the timestamps.

    Returns
    -------
    DataFrame
        ``time, prob, sign`` (the sign the monitor shows: NaN at a sample without a face) and
        one column of states per rule, named after it.
    """
    t = probs["time"].to_numpy(dtype=float)
    p = probs["prob"].to_numpy(dtype=float)
    rate = samples_per_second(t) if rate is None else float(rate)
    # The live monitor's sign: a sample with a face is final at once (a gap before it is
    # interpolated up to it), and equals the offline causal sign bit for bit (StreamingSign), so
    # the offline function stands in for the stream here; a sample without a face has no sign
    # yet, so its state is no_face.
    face = ~np.isnan(p)
    sign = pain_sign(p, int(window), mode="causal") if face.any() else np.full(len(p), np.nan)
    sign[~face] = np.nan
    columns = {"time": t, "prob": p, "sign": sign}
    for name, timings in rules.items():
        columns[name] = pain_states(sign, rate, threshold, **timings)
    return pd.DataFrame(columns)


def oracle_probs(truth: pd.DataFrame, frames: Sequence[int] | np.ndarray) -> pd.DataFrame:
    """The oracle's "probabilities": the truth intensity at ``frames``, NaN where no face is visible.

    Returns
    -------
    DataFrame
        ``frame, time, prob`` like chapter 03's cached probabilities.
    """
    rows = truth.set_index("frame").reindex(np.asarray(frames, dtype=int))
    if rows["time"].isna().any():
        raise DataError("the truth lacks some of the analysed frames")
    prob = rows["intensity"].astype(float)
    if "face_visible" in rows:
        prob = prob.where(rows["face_visible"].astype(bool))
    return pd.DataFrame({"frame": rows.index, "time": rows["time"].to_numpy(), "prob": prob.values})


def cached_state_scores(
    art: str | Path,
    summary: pd.DataFrame,
    rules: Mapping[str, Mapping[str, float]],
    pain_cut: float = 0.5,
    min_episode_s: float = 1.0,
    grace_s: float = 2.0,
    oracle: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every test video's cached probabilities, per model and rule, scored against its episodes.

    Parameters
    ----------
    art : path
        The build's artifacts folder (``inference/<model>/<video>.csv`` of chapter 03).
    summary : DataFrame
        Chapter 03's ``tables/video_summary.csv``: ``model, video, truth, threshold, window``.
    rules : mapping of rule name to timings
        As :func:`video_trace`.
    pain_cut, min_episode_s : float
        As :func:`true_episodes`.
    grace_s : float
        As :func:`score_video`.
    oracle : bool, default True
        Also score :data:`ORACLE`: the truth intensity as the probability, θ = ``pain_cut``,
        the same window and samples as the models.

    Returns
    -------
    (DataFrame, DataFrame)
        Episodes: ``model, rule, video`` and :data:`EPISODE_COLUMNS`, one row per true episode.
        Videos: ``model, rule, video, duration_s, episodes, false_confirmations, confirmations,
        calm, confounder`` (calm: no frame of true pain at all; confounder: :func:`has_confounder`).
        A false confirmation overlaps no true pain, however short (``pain_runs`` of
        :func:`score_video`).
    """
    need = {"model", "video", "truth", "threshold", "window"}
    if not need <= set(summary.columns):
        raise DataError(f"video summary lacks columns {sorted(need - set(summary.columns))}")
    episodes: list[dict] = []
    videos: list[dict] = []
    truths: dict[str, tuple[pd.DataFrame, ...]] = {}  # per video, shared by models
    done_oracle: set[str] = set()
    for row in summary.itertuples(index=False):
        path = Path(art) / "inference" / row.model / f"{row.video}.csv"
        if not path.exists() or not isinstance(row.truth, str):
            continue
        if row.video not in truths:
            truth = pd.read_csv(row.truth)
            truths[row.video] = (
                truth,
                true_episodes(truth, pain_cut, min_episode_s),
                true_episodes(truth, pain_cut, 0.0),
            )
        truth, eps, pain_runs = truths[row.video]
        duration = len(truth) / truth_rate(truth)
        probs = pd.read_csv(path)
        runs = [(row.model, probs, float(row.threshold))]
        if oracle and row.video not in done_oracle:
            done_oracle.add(row.video)
            runs.append((ORACLE, oracle_probs(truth, probs["frame"]), float(pain_cut)))
        for model, p, theta in runs:
            trace = video_trace(p, theta, int(row.window), rules)
            for rule in rules:
                table, false = score_video(trace["time"], trace[rule], eps, grace_s, pain_runs)
                keys = {"model": model, "rule": rule, "video": row.video}
                episodes += [{**keys, **r} for r in table.to_dict("records")]
                videos.append(
                    {
                        "model": model,
                        "rule": rule,
                        "video": row.video,
                        "duration_s": duration,
                        "episodes": len(eps),
                        "false_confirmations": false,
                        "confirmations": len(confirmed_intervals(trace["time"], trace[rule])),
                        "calm": len(pain_runs) == 0,
                        "confounder": has_confounder(truth),
                    }
                )
    head = ["model", "rule", "video"]
    return pd.DataFrame(episodes, columns=head + list(EPISODE_COLUMNS)), pd.DataFrame(videos)


def pick_states_video(episodes: pd.DataFrame, model: str, rules: Sequence[str]) -> str | None:
    """The video of ``model`` that best shows how the rules differ: one where the first rule
    confirms some true episodes and misses others that the second rule confirms; ties go to the
    video with more episodes, then to the first. None when ``model`` has no episode.

    Parameters
    ----------
    episodes : DataFrame
        :func:`cached_state_scores`'s episode table.
    rules : sequence of str
        Two rule names: the pain states, then the rule they are compared with.
    """
    if len(rules) != 2:
        raise ConfigError(f"rules must name two rules, got {list(rules)!r}")
    e = episodes[episodes["model"] == model]
    if e.empty:
        return None
    hit = e.assign(hit=e["delay_s"].notna()).pivot_table(
        index=["video", "onset"], columns="rule", values="hit", aggfunc="first"
    )
    first, second = hit[rules[0]].astype(bool), hit[rules[1]].astype(bool)
    by_video = first.groupby(level="video")
    per_video = pd.DataFrame(
        {
            # the first rule confirms an episode, and misses one the second rule confirms
            "contrast": by_video.any() & (second & ~first).groupby(level="video").any(),
            "n": by_video.size(),
        }
    )
    ranked = per_video.sort_values(["contrast", "n"], ascending=False, kind="stable")
    return str(ranked.index[0])
