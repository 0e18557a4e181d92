"""Annotated clips of recorded videos: a video file and its per-frame table in, the clip out.

Owns :func:`annotate_video` (re-reads a video and draws each row of its per-frame table with
:class:`~painsign_utils.monitor.annotate.AnnotatedWriter`), :func:`frames_table` (chapter 03's
cached sign and pain states and chapter 01's detections merged into that table) and
:func:`busiest_window` (which stretch of a recording a short clip shows). Chapters 04 and 08 use
them on the synthetic test videos; a live source would use the writer directly, frame by frame.
:func:`video_clip` writes one video's clip (chapter 04's irregular example), :func:`scenario_clips`
chapter 08's clip of each scenario, and :func:`clips_html` the HTML that plays them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import is_synthetic
from ..errors import DataError
from ..evaluation.summary import samples_per_second
from ..storage import content_digest, file_key, read_json, write_json
from ..video import iter_frames
from .annotate import LANDMARKS, AnnotatedWriter
from .cached_states import video_trace

_EPS = 1e-6  # seconds: slack for the rounding of frame times


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
        ``.webm`` (VP8) unless ``codec`` says otherwise.
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
    # Rounding of the frame times (n / fps) must not add or drop a frame at either end.
    shown = (t >= start_s - _EPS) & (t < end - _EPS)
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


#: The scenarios of the synthetic videos, in the order the clips are shown.
CLIP_SCENARIOS: tuple[str, ...] = (
    "stable_rest",
    "stable_pain",
    "irregular",
    "unstable",
    "indeterminate",
)


def scenario_clips(
    art: str | Path,
    summary: pd.DataFrame,
    videos: pd.DataFrame,
    model: str,
    timings: Mapping[str, float],
    out_dir: str | Path,
    seconds: float = 10.0,
    strip_seconds: float = 10.0,
    show_faces: bool = False,
    scenarios: Sequence[str] = CLIP_SCENARIOS,
) -> pd.DataFrame:
    """One annotated clip per scenario: ``model``'s cached sign and pain states on a test video.

    Per scenario, the test video whose states change most (then whose sign moves most) is drawn
    over its :func:`busiest_window` of ``seconds``, at the analysis rate, into
    ``<out_dir>/<scenario>.webm``. Scenarios without a test video are left out.

    Parameters
    ----------
    art : path
        The build's artifacts (chapter 03's ``inference/<model>/<video>.csv``).
    summary : DataFrame
        Chapter 03's ``tables/video_summary.csv`` (``model, video, scenario, threshold, window``).
    videos : DataFrame
        Chapter 01's ``faces/videos.csv`` (``path, dataset, detections``, optional ``rotate``).
    timings : mapping
        The pain states' timings (:func:`~painsign_utils.monitor.painstates.pain_states`).
    show_faces : bool
        Real data only: draw the faces instead of blurring them (synthetic faces are shown).

    Returns
    -------
    DataFrame
        ``scenario, video, clip, start_s, seconds, frames, threshold``.
    """
    rows = []
    by_stem = {Path(p).stem: r for p, r in zip(videos["path"], videos.to_dict("records"))}
    mine = summary[(summary["model"] == model) & summary["scenario"].isin(list(scenarios))]
    for scenario in scenarios:
        best = None
        for row in mine[mine["scenario"] == scenario].itertuples(index=False):
            path = Path(art) / "inference" / model / f"{row.video}.csv"
            if not path.exists() or row.video not in by_stem:
                continue
            probs = pd.read_csv(path)
            trace = video_trace(probs, float(row.threshold), int(row.window), {"state": timings})
            changes = int((trace["state"].to_numpy()[1:] != trace["state"].to_numpy()[:-1]).sum())
            sign = trace["sign"].dropna()
            key = (changes, float(np.ptp(sign)) if len(sign) else 0.0)
            if best is None or key > best[0]:
                best = (key, row, probs, trace)
        if best is None:
            continue
        _, row, probs, trace = best
        clip = video_clip(
            by_stem[row.video],
            row,
            probs,
            timings,
            Path(out_dir) / f"{scenario}.webm",
            seconds,
            strip_seconds,
            show_faces,
            trace,
        )
        rows.append({"scenario": scenario, **clip})
    return pd.DataFrame(
        rows, columns=["scenario", "video", "clip", "start_s", "seconds", "frames", "threshold"]
    )


def video_clip(
    video: Mapping,
    row,
    probs: pd.DataFrame,
    timings: Mapping[str, float],
    out_path: str | Path,
    seconds: float = 10.0,
    strip_seconds: float = 10.0,
    show_faces: bool = False,
    trace: pd.DataFrame | None = None,
) -> dict:
    """The annotated clip of one video's cached probabilities over its :func:`busiest_window`.

    A clip an earlier run wrote from the same table, video and settings is kept (its key is in
    ``<clip>.key.json``): encoding is the slow part.

    Parameters
    ----------
    video : mapping
        The video's row of chapter 01's ``faces/videos.csv`` (``path, dataset, detections``,
        optional ``rotate``).
    row : record
        Its row of chapter 03's video summary (``video, threshold, window`` as attributes or keys).
    probs : DataFrame
        Chapter 03's ``inference/<model>/<video>.csv`` (``frame, time, prob``).
    timings, out_path, seconds, strip_seconds, show_faces
        As :func:`scenario_clips`.
    trace : DataFrame, optional
        :func:`~painsign_utils.monitor.cached_states.video_trace` of ``probs`` with a ``state``
        column, when already computed.

    Returns
    -------
    dict
        ``video, clip, start_s, seconds, frames, threshold``.
    """

    def get(name: str):
        return row[name] if isinstance(row, (Mapping, pd.Series)) else getattr(row, name)

    threshold, window = float(get("threshold")), int(get("window"))
    if trace is None:
        trace = video_trace(probs, threshold, window, {"state": timings})
    det = video.get("detections")
    det = pd.read_csv(det) if isinstance(det, str) and Path(det).exists() else None
    table = frames_table(trace, probs["frame"], det, "state")
    start = busiest_window(table["time"], table["sign"], table["state"], seconds)
    faces = bool(show_faces) or is_synthetic(str(video.get("dataset", "")))
    rotate = int(video["rotate"]) if pd.notna(video.get("rotate", np.nan)) else 0
    # A re-run with the same inputs and settings keeps the clip it wrote (encoding is the slow part).
    key = content_digest(
        [table, file_key(video["path"]), threshold, start, seconds, strip_seconds, faces, rotate]
    )
    out_path = Path(out_path)
    key_path = out_path.with_name(out_path.name + ".key.json")
    if not (out_path.exists() and key_path.exists() and read_json(key_path) == {"key": key}):
        annotate_video(
            video["path"],
            table,
            out_path,
            threshold,
            start_s=start,
            duration_s=seconds,
            strip_seconds=strip_seconds,
            faces_allowed=faces,
            rotate=rotate,
        )
        write_json({"key": key}, key_path)
    t = table["time"]
    shown = table[(t >= start - _EPS) & (t < start + seconds - _EPS)]
    return {
        "video": str(get("video")),
        "clip": str(out_path),
        "start_s": start,
        "seconds": float(len(shown)) / samples_per_second(table["time"]),
        "frames": len(shown),
        "threshold": threshold,
    }


def clips_html(clips: pd.DataFrame, width: int = 320) -> str:
    """HTML that plays each clip of :func:`scenario_clips` (``<video controls>``), labelled with
    its scenario and video; the ``src`` is the clip's absolute path, which the book's Sphinx
    extension copies into the build and rewrites."""
    items = [
        f'<div class="painsign-clip" style="display:inline-block;margin:4px;text-align:center">'
        f'<video controls loop muted playsinline preload="metadata" width="{width}" '
        f'src="{html.escape(str(Path(c.clip).resolve()))}"></video>'
        f"<br><code>{html.escape(c.scenario)}</code> ({html.escape(c.video)})</div>"
        for c in clips.itertuples(index=False)
    ]
    return '<div class="painsign-clips">' + "".join(items) + "</div>"
