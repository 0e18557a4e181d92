"""Annotated clips of recorded videos: a video file and its per-frame table in, the clip out.

Owns :func:`annotate_video` (re-reads a video and draws each row of its per-frame table with
:class:`~painsign_utils.monitor.annotate.AnnotatedWriter`), :func:`frames_table` (chapter 03's
cached sign and pain states and chapter 01's detections merged into that table) and
:func:`busiest_window` (which stretch of a recording a short clip shows). Chapters 04 and 08 use
them on the synthetic test videos; the video command uses the writer directly, frame by frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ..video import iter_frames
from .annotate import LANDMARKS, AnnotatedWriter


def busiest_window(
    times: Sequence[float], sign: Sequence[float], states: Sequence[str], seconds: float
) -> float:
    """Start time of the ``seconds``-long stretch with the most state changes (then the widest
    range of the sign, then the earliest); 0 when the recording is shorter."""
    t = np.asarray(times, float)
    s = np.asarray(sign, float)
    st = np.asarray(states)
    if not len(t) or t[-1] - t[0] <= seconds:
        return float(t[0]) if len(t) else 0.0
    change = np.r_[False, st[1:] != st[:-1]]
    best, best_key = float(t[0]), (-1, -1.0)
    for start in t[t <= t[-1] - seconds]:
        inside = (t >= start) & (t < start + seconds)
        vals = s[inside & np.isfinite(s)]
        key = (int(change[inside].sum()), float(np.ptp(vals)) if len(vals) else 0.0)
        if key > best_key:
            best, best_key = float(start), key
    return best


def frames_table(
    trace: pd.DataFrame, frames: Sequence[int], detections: pd.DataFrame | None, state: str
) -> pd.DataFrame:
    """The per-frame table :func:`annotate_video` reads: ``frame, time, sign, state`` with the
    face box ``x, y, w, h`` and the landmarks of :data:`LANDMARKS` where a detection has them.

    Parameters
    ----------
    trace : DataFrame
        ``time, sign`` and the state column ``state``
        (:func:`~painsign_utils.monitor.cached_states.video_trace`).
    frames : sequence of int
        The video frame of each row of ``trace`` (chapter 03's ``frame`` column).
    detections : DataFrame, optional
        Chapter 01's per-video detections (``frame, found, x, y, w, h`` and landmarks).
    """
    out = pd.DataFrame(
        {
            "frame": np.asarray(frames, int),
            "time": trace["time"].to_numpy(float),
            "sign": trace["sign"].to_numpy(float),
            "state": trace[state].astype(str).to_numpy(),
        }
    )
    if detections is not None:
        keep = ["frame", "x", "y", "w", "h"] + [c for pair in LANDMARKS for c in pair]
        det = detections[[c for c in keep if c in detections.columns]].copy()
        if "found" in detections:
            det.loc[~detections["found"].astype(bool), det.columns[1:]] = np.nan
        out = out.merge(det, on="frame", how="left")
    return out


def annotate_video(
    video_path: str | Path,
    frames: pd.DataFrame,
    out_path: str | Path,
    threshold: float,
    start_s: float = 0.0,
    duration_s: float | None = None,
    strip_seconds: float = 10.0,
    faces_allowed: bool = False,
    alerts: pd.DataFrame | None = None,
    rotate: int = 0,
    codec: str | None = None,
) -> Path:
    """Write the annotated clip of a video from its per-frame table; returns ``out_path``.

    Parameters
    ----------
    video_path : path
        The recording.
    frames : DataFrame
        One row per frame to draw (:func:`frames_table`): ``frame, time, sign, state``, optional
        ``x, y, w, h``, the landmark columns and ``band_low, band_high``. The clip's rate is the
        rows' rate: every analysed frame once, as the monitor saw it.
    out_path : path
        ``.webm`` (VP9) unless ``codec`` says otherwise.
    threshold : float
        The model's threshold θ.
    start_s, duration_s : float
        The stretch written (default: all); the strip still shows the sign before ``start_s``.
    strip_seconds : float
        Seconds of sign in the strip.
    faces_allowed : bool, default False
        True for synthetic data or with the user's ``show_faces``; False blurs the frames.
    alerts : DataFrame, optional
        ``kind, time`` of the alerts, marked in the strip at the first row at or after their time.
    rotate : {0, 90, 180, 270}
        Rotation of the frames, as the manifest's ``rotate`` (chapter 01 detected on rotated frames).
    """
    rows = frames.sort_values("frame").reset_index(drop=True)
    if rows.empty:
        raise DataError(f"no frame to annotate for {video_path}")
    t = rows["time"].to_numpy(float)
    end = np.inf if duration_s is None else start_s + float(duration_s)
    shown = (t >= start_s) & (t < end)
    if not shown.any():
        raise DataError(f"no analysed frame of {video_path} between {start_s} s and {end} s")
    rate = 1.0 / float(np.median(np.diff(t))) if len(t) > 1 else 1.0
    at_row = np.zeros(len(rows), dtype=object)
    at_row[:] = [()] * len(rows)
    if alerts is not None and len(alerts):
        for kind, when in alerts[["kind", "time"]].itertuples(index=False):
            k = int(np.searchsorted(t, float(when) - 1e-9))
            if k < len(rows):
                at_row[k] = (*at_row[k], str(kind))
    has_box = {"x", "y", "w", "h"} <= set(rows.columns)
    marks = [c for pair in LANDMARKS for c in pair]
    has_marks = set(marks) <= set(rows.columns)
    has_band = {"band_low", "band_high"} <= set(rows.columns)
    wanted = dict(zip(rows["frame"].astype(int), range(len(rows))))
    last_wanted = int(rows.loc[shown, "frame"].max())
    step = int(np.gcd.reduce(np.diff(rows["frame"].to_numpy(int)))) if len(rows) > 1 else 1
    writer = None
    try:
        for index, rgb in iter_frames(video_path, step=max(step, 1), rotate=rotate):
            if index > last_wanted:
                break
            k = wanted.get(index)
            if k is None:
                continue
            r = rows.iloc[k]
            band = (r["band_low"], r["band_high"]) if has_band else None
            if not shown[k]:
                continue
            if writer is None:
                h, w = rgb.shape[:2]
                writer = AnnotatedWriter(
                    out_path,
                    rate,
                    (w, h),
                    threshold,
                    strip_seconds,
                    codec=codec,
                    faces_allowed=faces_allowed,
                )
                # The seconds before the clip fill the strip's history.
                for j in range(int(np.argmax(shown))):
                    p = rows.iloc[j]
                    if p["time"] >= start_s - strip_seconds:
                        pb = (p["band_low"], p["band_high"]) if has_band else None
                        writer.remember(p["time"], p["sign"], str(p["state"]), pb, at_row[j])
            writer.write(
                rgb,
                box=(r["x"], r["y"], r["w"], r["h"]) if has_box else None,
                landmarks=r[marks].to_numpy(float).reshape(5, 2) if has_marks else None,
                sign=float(r["sign"]),
                state=str(r["state"]),
                band=band,
                alerts=at_row[k],
                time=float(r["time"]),
            )
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if writer is None:
        raise DataError(f"{video_path} holds none of the frames of its table")
    return writer.close()
