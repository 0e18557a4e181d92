"""Which test video to show on the monitor: chapter 03's cached probabilities run through the alerts.

:func:`alert_screen` feeds every test video's cached per-frame probabilities through a
:class:`~painsign_utils.monitor.PainMonitor` with chapter 08's alert settings and counts what fires;
:func:`pick_alert_video` picks the video the chapter shows; :func:`largest_change` is the sign's
largest change within the alert horizon, the number an alert is compared with; :func:`alert_counts`
counts a run's alerts per kind.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..evaluation.summary import samples_per_second
from ..sign import pain_sign, window_for_fps
from .pipeline import PainMonitor

#: Columns of :func:`alert_screen`.
SCREEN_COLUMNS: tuple[str, ...] = ("video", "scenario", "label", "surges", "drops", "max_change")


def largest_change(sign: np.ndarray | pd.Series, rate: float, seconds: float) -> float:
    """Largest change (max - min) of ``sign`` within any stretch of ``seconds``.

    The horizon is the alert's: ``round(seconds * rate)`` samples back from each sample (so
    ``+ 1`` samples in a window, as :class:`~painsign_utils.monitor.ChangeAlerts` holds). NaN
    samples (no sign yet) are skipped.

    Returns
    -------
    float
        0.0 for an empty sign, NaN when it holds no value at all.
    """
    s = pd.Series(np.asarray(sign, dtype=float))
    if s.empty:
        return 0.0
    h = max(1, int(round(seconds * rate)))
    rolling = s.rolling(h + 1, min_periods=1)
    return float((rolling.max() - rolling.min()).max())


def alert_screen(
    art: str | Path, model: str, videos: pd.DataFrame, alert_delta: float, alert_seconds: float
) -> pd.DataFrame:
    """Which test videos would make the monitor raise a surge or drop alert, from chapter 03's cache.

    Feeds each video's cached per-frame probabilities (``inference/<model>/<video>.csv``, at the
    analysis rate) through :class:`~painsign_utils.monitor.PainMonitor` with the same alert settings.

    Returns
    -------
    DataFrame
        One row per video with cached probabilities: ``video, scenario, label, surges, drops,
        max_change`` (:func:`largest_change` of the video's sign within ``alert_seconds``).
    """
    rows = []
    for _, v in videos.iterrows():
        stem = Path(v["path"]).stem
        path = Path(art) / "inference" / model / f"{stem}.csv"
        if not path.exists():
            continue
        probs = pd.read_csv(path)
        rate = samples_per_second(probs["time"], float(v.get("fps", 30.0)))
        mon = PainMonitor(
            fps=rate,
            alert_delta=alert_delta,
            alert_seconds=alert_seconds,
            no_face_seconds=1e9,
            history_s=1.0,
        )
        for p in probs["prob"]:
            mon.update_prob(p)
        mon.finish()
        kinds = [a.kind for a in mon.alerts]
        trace = pain_sign(probs["prob"].to_numpy(), window=window_for_fps(rate))
        rows.append(
            {
                "video": stem,
                "scenario": v.get("scenario", ""),
                "label": v["label"],
                "surges": kinds.count("surge"),
                "drops": kinds.count("drop"),
                "max_change": largest_change(trace, rate, alert_seconds),
            }
        )
    return pd.DataFrame(rows, columns=list(SCREEN_COLUMNS))


def pick_alert_video(
    screen: pd.DataFrame, prefer: tuple[str, ...] = ("irregular", "unstable")
) -> str | None:
    """The video to show on the monitor: one that raises an alert (preferred scenarios first),
    else the one whose sign changes most within the alert horizon; None when nothing was screened."""
    if screen.empty:
        return None
    ranked = screen.assign(
        fires=(screen["surges"] + screen["drops"]) > 0,
        preferred=screen["scenario"].isin(prefer),
    ).sort_values(["fires", "preferred", "max_change"], ascending=False, kind="stable")
    return str(ranked["video"].iloc[0])


def alert_counts(alerts: pd.DataFrame) -> dict[str, int]:
    """Alerts raised per kind (``surge``, ``drop``, ``no_face``, each present, 0 when none fired).

    Parameters
    ----------
    alerts : DataFrame
        :meth:`PainMonitor.alert_table` (a ``kind`` column).
    """
    kinds = alerts["kind"].value_counts() if len(alerts) else pd.Series(dtype=int)
    return {k: int(kinds.get(k, 0)) for k in ("surge", "drop", "no_face")}
