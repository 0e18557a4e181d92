"""Pain episodes: the synthetic ground truth's episodes, and pain states scored against them.

Owns what chapter 08 measures of a pain-state rule (:mod:`~painsign_utils.monitor.painstates`),
the questions a clinician would ask of a monitor:

* :func:`true_episodes`: the true pain episodes of one video, from its synthetic truth (a frame is
  pain when its latent intensity is at least ``pain_cut``; an episode is a run of pain frames
  lasting at least ``min_s`` seconds);
* :func:`confirmed_intervals`: the stretches a state sequence shows confirmed ``pain``;
* :func:`score_video`: per true episode the delay from its onset to the first ``pain`` state
  (inside the episode or within ``grace_s`` after it), or missed; and the *false confirmations*,
  confirmed stretches that overlap no true pain at all (a confirmation during a true pain
  shorter than an episode is neither a detection nor a false alarm);
* :func:`episode_summary`: the scores of many videos (e.g.
  :func:`painsign_utils.monitor.cached_states.cached_state_scores`) in one row per model and
  rule; :func:`detection_by_duration`: the share of episodes confirmed by how long they last.

Everything returns numbers in plain tables; the chapter says what they mean.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from ..evaluation.summary import samples_per_second

#: Truth columns that mark a confounder (a look-alike of pain that is not pain) when > 0.
CONFOUNDERS: tuple[str, ...] = ("hand", "yawn", "asleep")

#: Columns of :func:`score_video`'s episode table.
EPISODE_COLUMNS: tuple[str, ...] = ("onset", "end", "duration_s", "confirmed_at", "delay_s")

#: Columns of :func:`episode_summary`.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "model",
    "rule",
    "episodes",
    "missed",
    "delay_median_s",
    "delay_p90_s",
    "false_calm",
    "false_per_h_calm",
    "false_confounder",
    "false_per_h_confounder",
    "confirmations_per_h",
)


def _positive_seconds(name: str, value: float) -> float:
    """``value`` as seconds >= 0; a ConfigError otherwise."""
    v = float(value)
    if not (np.isfinite(v) and v >= 0):
        raise ConfigError(f"{name} must be a number of seconds >= 0, got {value!r}")
    return v


def truth_rate(truth: pd.DataFrame) -> float:
    """Frames per second of a truth table (median spacing of its ``time`` column)."""
    if "time" not in truth or len(truth) < 2:
        raise DataError("truth needs a time column with at least two frames")
    return samples_per_second(truth["time"].to_numpy())


def true_episodes(truth: pd.DataFrame, pain_cut: float = 0.5, min_s: float = 1.0) -> pd.DataFrame:
    """True pain episodes of one video.

    Parameters
    ----------
    truth : DataFrame, shape (n_frames, ...)
        The synthetic truth of every frame: ``time, intensity`` at least.
    pain_cut : float, default 0.5
        A frame is pain when its intensity is at least this.
    min_s : float, default 1.0
        Shortest run of pain frames that counts as an episode (seconds).

    Returns
    -------
    DataFrame
        One row per episode: ``onset`` (time of its first pain frame), ``end`` (the time its last
        pain frame ends, one frame after it starts) and ``duration_s``.
    """
    if not {"time", "intensity"} <= set(truth.columns):
        raise DataError(f"truth needs columns time and intensity, got {list(truth.columns)}")
    if not 0.0 <= float(pain_cut) <= 1.0:
        raise ConfigError(f"pain_cut must be in [0, 1], got {pain_cut!r}")
    min_s = _positive_seconds("min_s", min_s)
    dt = 1.0 / truth_rate(truth)
    t = truth["time"].to_numpy(dtype=float)
    pain = truth["intensity"].to_numpy(dtype=float) >= pain_cut
    edges = np.flatnonzero(np.diff(np.r_[False, pain, False].astype(np.int8)))
    rows = []
    for a, b in zip(edges[::2], edges[1::2]):  # frames a .. b-1 are pain
        onset, end = float(t[a]), float(t[b - 1]) + dt
        if end - onset >= min_s - 1e-9:
            rows.append({"onset": onset, "end": end, "duration_s": end - onset})
    return pd.DataFrame(rows, columns=["onset", "end", "duration_s"])


def has_confounder(truth: pd.DataFrame) -> bool:
    """Whether any frame of the truth shows a confounder (:data:`CONFOUNDERS` > 0)."""
    cols = [c for c in CONFOUNDERS if c in truth.columns]
    return bool(cols) and bool((truth[cols].astype(float).to_numpy() > 0).any())


def confirmed_intervals(
    times: Sequence[float] | np.ndarray, states: Sequence[str] | np.ndarray
) -> pd.DataFrame:
    """The stretches a state sequence shows confirmed pain.

    A stretch runs from a ``pain`` sample to the last ``pain`` sample before the state is
    anything else; ``no_face`` and ``uncertain`` samples between two ``pain`` samples do not end
    it (the machine keeps the confirmation across them, so the clinician is not told twice).

    Parameters
    ----------
    times : array-like of float, shape (n,)
    states : array-like of str, shape (n,)

    Returns
    -------
    DataFrame
        ``start, end`` (times of the stretch's first and last ``pain`` sample), one row each.
    """
    t = np.asarray(times, dtype=float)
    st = np.asarray(states)
    if t.ndim != 1 or t.shape != st.shape:
        raise DataError(f"times and states must be 1-D of one length, got {t.shape} and {st.shape}")
    rows: list[dict[str, float]] = []
    start = last = None
    for k, s in enumerate(st.tolist()):
        if s == "pain":
            if start is None:
                start = k
            last = k
        elif s not in ("no_face", "uncertain") and start is not None:
            rows.append({"start": float(t[start]), "end": float(t[last])})
            start = None
    if start is not None:
        rows.append({"start": float(t[start]), "end": float(t[last])})
    return pd.DataFrame(rows, columns=["start", "end"])


def score_video(
    times: Sequence[float] | np.ndarray,
    states: Sequence[str] | np.ndarray,
    episodes: pd.DataFrame,
    grace_s: float = 2.0,
    pain_runs: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, int]:
    """Score one video's state sequence against its true episodes.

    Parameters
    ----------
    times : array-like of float, shape (n,)
        Sample times (s).
    states : array-like of str, shape (n,)
        The state after each sample (:func:`~painsign_utils.monitor.painstates.pain_states`).
    episodes : DataFrame
        :func:`true_episodes` of the video.
    grace_s : float, default 2.0
        A ``pain`` state up to this long after an episode ends still detects it (the sign is a
        trailing average and confirmation takes its dwell).
    pain_runs : DataFrame, optional
        Every run of true pain frames, however short (``true_episodes(truth, min_s=0)``), which
        a confirmation may overlap without being false; default ``episodes``.

    Returns
    -------
    (DataFrame, int)
        Per episode :data:`EPISODE_COLUMNS`: ``confirmed_at`` is the time of the first ``pain``
        sample in ``[onset, end + grace_s]`` and ``delay_s`` its distance from the onset (both
        NaN when the episode is missed). Then the number of false confirmations: confirmed
        stretches (:func:`confirmed_intervals`) that overlap no ``[onset, end + grace_s]`` of
        ``pain_runs``.
    """
    grace_s = _positive_seconds("grace_s", grace_s)
    t = np.asarray(times, dtype=float)
    pain = np.asarray(states) == "pain"
    if t.shape != pain.shape:
        raise DataError(f"times and states must have one length, got {t.shape} and {pain.shape}")
    ep = episodes[["onset", "end", "duration_s"]].to_numpy(dtype=float)
    rows = []
    for onset, end, duration in ep.tolist():
        hit = np.flatnonzero(pain & (t >= onset) & (t <= end + grace_s))
        at = float(t[hit[0]]) if len(hit) else np.nan
        rows.append([onset, end, duration, at, at - onset])
    table = pd.DataFrame(rows, columns=list(EPISODE_COLUMNS))
    runs = ep if pain_runs is None else pain_runs[["onset", "end"]].to_numpy(dtype=float)
    false = 0
    for start, stop in confirmed_intervals(t, states).to_numpy().tolist():
        overlaps = (start <= runs[:, 1] + grace_s) & (stop >= runs[:, 0])
        false += int(not overlaps.any())
    return table, false


def episode_summary(episodes: pd.DataFrame, videos: pd.DataFrame) -> pd.DataFrame:
    """One row per model and rule: :data:`SUMMARY_COLUMNS`.

    Parameters
    ----------
    episodes, videos : DataFrame
        :func:`~painsign_utils.monitor.cached_states.cached_state_scores`'s two tables (or the same columns built by hand).

    Returns
    -------
    DataFrame
        ``episodes`` and ``missed`` (counts), the onset delay's median and 90th percentile over
        the detected episodes (s; NaN when none was detected), and false confirmations on calm
        videos and on confounder videos: counts and per hour of those videos (NaN without such
        videos); ``confirmations_per_h``: confirmed stretches, true or false, per hour of all the
        videos (how often the monitor would announce pain).
    """
    rows = []
    for (model, rule), v in videos.groupby(["model", "rule"], sort=False):
        e = episodes[(episodes["model"] == model) & (episodes["rule"] == rule)]
        delays = e["delay_s"].dropna().to_numpy(dtype=float)
        row: dict[str, object] = {
            "model": model,
            "rule": rule,
            "episodes": len(e),
            "missed": int(e["delay_s"].isna().sum()),
            "delay_median_s": float(np.median(delays)) if len(delays) else np.nan,
            "delay_p90_s": float(np.percentile(delays, 90)) if len(delays) else np.nan,
        }
        for kind in ("calm", "confounder"):
            sel = v[v[kind].astype(bool)]
            hours = sel["duration_s"].sum() / 3600.0
            n = int(sel["false_confirmations"].sum())
            row[f"false_{kind}"] = n
            row[f"false_per_h_{kind}"] = n / hours if hours > 0 else np.nan
        hours = v["duration_s"].sum() / 3600.0
        row["confirmations_per_h"] = v["confirmations"].sum() / hours if hours > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def detection_by_duration(episodes: pd.DataFrame, edges: Sequence[float]) -> pd.DataFrame:
    """Share of true episodes confirmed, per model, rule and episode duration.

    Parameters
    ----------
    episodes : DataFrame
        :func:`~painsign_utils.monitor.cached_states.cached_state_scores`'s episode table (``model, rule, duration_s, delay_s``).
    edges : sequence of float
        Increasing duration bin edges (s); the last bin is open (``[edges[-1], inf)``).

    Returns
    -------
    DataFrame
        ``model, rule, low, high, episodes, confirmed, share`` (share NaN for an empty bin).
    """
    e = np.asarray(edges, dtype=float)
    if e.ndim != 1 or len(e) < 1 or np.any(np.diff(e) <= 0):
        raise ConfigError(f"edges must be increasing seconds, got {list(edges)!r}")
    bounds = np.r_[e, np.inf]
    rows = []
    for (model, rule), g in episodes.groupby(["model", "rule"], sort=False):
        d = g["duration_s"].to_numpy(dtype=float)
        hit = g["delay_s"].notna().to_numpy()
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            sel = (d >= lo) & (d < hi)
            n = int(sel.sum())
            rows.append(
                {
                    "model": model,
                    "rule": rule,
                    "low": float(lo),
                    "high": float(hi),
                    "episodes": n,
                    "confirmed": int(hit[sel].sum()),
                    "share": hit[sel].mean() if n else np.nan,
                }
            )
    return pd.DataFrame(rows)
