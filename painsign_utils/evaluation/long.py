"""Long recordings (paper §4): a long sign typed in 20-s segments, the last minute / last hour.

* :func:`long_recording` — consecutive videos joined end to end into one recording.
* :func:`segment_types` — the sign cut into segments as long as the classifier's videos, typed.
* :func:`horizon_summary` — what a monitor would show for the last minute, the last hour, ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from ..clustering import SIGN_TYPES
from ..errors import DataError
from ..sign import shannon_entropy, threshold_crossings
from .summary import aligned_sign, samples_per_second


def segment_types(
    sign: np.ndarray,
    threshold: float,
    rate: float,
    classify: Callable[[pd.DataFrame], np.ndarray],
    segment_s: float = 20.0,
    step_s: float | None = None,
) -> pd.DataFrame:
    """Classify a long sign in segments as long as the videos the classifier was fitted on.

    Entropy and crossings grow with the length of the stretch they are computed on, so a
    classifier fitted on 20-s videos is only meaningful on 20-s pieces: the sign is cut into
    segments of ``segment_s`` seconds every ``step_s`` (default: no overlap), counted back from the
    end of the recording.

    Parameters
    ----------
    sign : array, shape (n,)
        The pain sign (already interpolated and smoothed over the whole recording).
    threshold : float
    rate : float
        Samples per second.
    classify : callable
        Maps a DataFrame with ``entropy, crossings`` to sign types (``SignTypeClassifier.predict``).

    Returns
    -------
    DataFrame with ``start_s, end_s, mean, entropy, crossings, sign_type`` per segment.
    """
    sign = np.asarray(sign, dtype=float)
    seg = max(2, int(round(segment_s * rate)))
    step = max(1, int(round((step_s or segment_s) * rate)))
    if sign.size < seg:
        raise DataError(
            f"recording of {sign.size / rate:.1f} s is shorter than one {segment_s:g}-s segment"
        )
    rows = []
    # Aligned to the end: the newest segment always ends at the last sample, as on a monitor; a
    # remainder shorter than a segment at the very start is left out.
    starts = range(sign.size - seg, -1, -step)[::-1]
    for start in starts:
        piece = sign[start : start + seg]
        rows.append(
            {
                "start_s": start / rate,
                "end_s": (start + seg) / rate,
                "mean": float(piece.mean()),
                "entropy": shannon_entropy(piece),
                "crossings": threshold_crossings(piece, threshold),
            }
        )
    out = pd.DataFrame(rows)
    out["sign_type"] = classify(out[["entropy", "crossings"]])
    return out


def horizon_summary(
    sign: np.ndarray,
    threshold: float,
    rate: float,
    segments: pd.DataFrame,
    horizons: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """What a monitor would show for the last minute, last hour, ... of a recording (paper §4).

    Parameters
    ----------
    sign : array, shape (n,)
    threshold : float
    rate : float
        Samples per second.
    segments : DataFrame
        :func:`segment_types` output for the same sign.
    horizons : mapping name → seconds, default ``{"last minute": 60, "last hour": 3600}``;
        a horizon longer than the recording covers the whole recording (``covered_s`` says how much).

    Returns
    -------
    DataFrame, one row per horizon: ``horizon, covered_s, mean, time_above, crossings_per_min,
    segments, dominant_type`` and the share of each sign type among the segments inside it.
    """
    horizons = horizons or {"last minute": 60.0, "last hour": 3600.0}
    sign = np.asarray(sign, dtype=float)
    end_s = sign.size / rate
    rows = []
    for name, seconds in horizons.items():
        n = min(sign.size, int(round(seconds * rate)))
        piece = sign[-n:]
        inside = segments[segments["start_s"] >= end_s - seconds - 1e-9]
        shares = inside["sign_type"].value_counts(normalize=True)
        rows.append(
            {
                "horizon": name,
                "covered_s": n / rate,
                "mean": float(piece.mean()),
                "time_above": float((piece >= threshold).mean()),
                "crossings_per_min": threshold_crossings(piece, threshold) / (n / rate) * 60,
                "segments": len(inside),
                "dominant_type": shares.index[0] if len(shares) else "–",
                **{f"share_{t}": float(shares.get(t, 0.0)) for t in SIGN_TYPES},
            }
        )
    return pd.DataFrame(rows)


def long_recording(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Join per-frame probability tables end to end into one recording with continuous time.

    Used when the data set has no video longer than 20 s: consecutive videos of one newborn are
    concatenated to stand in for a long bedside recording (the book says so). The sign is then
    computed over the joined series, as a monitor running across the recordings would.
    """
    out, offset_t, offset_f = [], 0.0, 0
    for df in parts:
        t = df["time"].to_numpy(dtype=float)
        f = df["frame"].to_numpy(dtype=int)
        dt = 1.0 / samples_per_second(t)
        df_step = int(np.median(np.diff(f))) if f.size > 1 else 1
        out.append(df.assign(time=t - t[0] + offset_t, frame=f - f[0] + offset_f))
        # the next part starts one sample after this one ends
        offset_t = float(out[-1]["time"].iloc[-1]) + dt
        offset_f = int(out[-1]["frame"].iloc[-1]) + df_step
    if not out:
        raise DataError("no recording to join")
    return pd.concat(out, ignore_index=True)


def pick_recording(
    summary: pd.DataFrame, videos: pd.DataFrame, model: str
) -> tuple[list[str], str]:
    """The videos that make one long recording for ``model``, and a phrase saying what they are.

    A video longer than twice the median duration is used on its own; otherwise the videos of the
    newborn with the most test videos are joined end to end (``videos`` is indexed by video stem
    and has a ``subject`` column).
    """
    segment_s = float(summary["duration_s"].median())
    rows = summary[(summary["model"] == model) & (summary["duration_s"] > 2 * segment_s)]
    if len(rows):
        video = str(rows.iloc[0]["video"])
        return [video], f"video {video} ({rows.iloc[0]['duration_s']:.0f} s)"
    per_subject = videos.loc[videos.index.isin(summary["video"])].groupby("subject").groups
    subject = max(per_subject, key=lambda s: len(per_subject[s]))
    parts = sorted(per_subject[subject])
    return parts, f"the {len(parts)} videos of newborn {subject} joined end to end"


def recording_sign(
    parts: Iterable[pd.DataFrame], window: int, mode: str = "causal"
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Join per-frame probability tables and compute the analysis sign over the whole recording.

    Returns
    -------
    recording : DataFrame ``frame, time, prob`` of the samples where the sign has a value
        (the centred ``valid`` sign has none in the first and last half window)
    sign : array, same length as ``recording``
    boundaries : array of the times (s, from the recording's start) where one video ends
    """
    parts = list(parts)
    recording = long_recording(parts)
    rate = samples_per_second(recording["time"].to_numpy())
    sign = aligned_sign(recording["prob"].to_numpy(), window, mode)
    keep = np.isfinite(sign)
    bounds = np.cumsum([len(p) for p in parts])[:-1] / rate
    return recording[keep].reset_index(drop=True), sign[keep], bounds


def horizon_names(seconds: Iterable[float]) -> dict[str, float]:
    """``{"last minute": 60, "last hour": 3600, "last 90 s": 90}`` for :func:`horizon_summary`."""
    names = {60: "last minute", 3600: "last hour"}
    return {names.get(s, f"last {s} s"): s for s in seconds}
