"""Chapter 08's prose from its numbers: which test video makes the monitor alert, what fired, the summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


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
        max_change`` (the largest change of the sign within ``alert_seconds``).
    """
    from ..evaluation import samples_per_second
    from ..monitor import PainMonitor
    from ..sign import pain_sign, window_for_fps

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
        h = max(1, int(round(alert_seconds * rate)))
        change = max(
            (float(np.ptp(trace[max(0, i - h) : i + 1])) for i in range(len(trace))), default=0.0
        )
        rows.append(
            {
                "video": stem,
                "scenario": v.get("scenario", ""),
                "label": v["label"],
                "surges": kinds.count("surge"),
                "drops": kinds.count("drop"),
                "max_change": change,
            }
        )
    return pd.DataFrame(
        rows, columns=["video", "scenario", "label", "surges", "drops", "max_change"]
    )


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


def alert_text(
    alerts: pd.DataFrame,
    history: pd.DataFrame,
    fps: float,
    alert_delta: float,
    alert_seconds: float,
    no_face_seconds: float,
    screen: pd.DataFrame | None = None,
) -> str:
    """Markdown under the monitor figure: what fired on this video, or why nothing did.

    Parameters
    ----------
    alerts : DataFrame
        :meth:`PainMonitor.alert_table` (``kind`` in surge, drop, no_face).
    history : DataFrame
        :meth:`PainMonitor.history` (``sign`` per frame).
    screen : DataFrame, optional
        :func:`alert_screen` of every test video, to say whether any other video fires.
    """
    kinds = alerts["kind"].value_counts().to_dict() if len(alerts) else {}
    changes = [k for k in ("surge", "drop") if kinds.get(k)]
    if changes:
        text = (
            f"{sum(kinds[k] for k in changes)} surge/drop alert(s) fired on this video "
            f"({', '.join(f'{kinds[k]} {k}' for k in changes)}): the triangles in the figure, up "
            "for a surge, down for a drop. A rise of the sign raises one alert, not one per step: "
            "after an alert the reference follows the sign for as long as it keeps rising (or "
            "falling)."
        )
    else:
        window = max(1, int(round(alert_seconds * fps)))
        sign = history["sign"].astype(float) if len(history) else pd.Series(dtype=float)
        biggest = (
            float(np.nanmax(sign.rolling(window, min_periods=1).apply(np.ptp, raw=True)))
            if sign.notna().any()
            else float("nan")
        )
        none_anywhere = (
            screen is not None
            and len(screen)
            and not ((screen["surges"] + screen["drops"]) > 0).any()
        )
        text = (
            f"**No surge or drop alert fired on this video**: the sign never changed by "
            f"{alert_delta:g} within {alert_seconds:g} s (its largest change within that horizon "
            f"was {biggest:.3f}), so the figure has no triangle."
            + (
                " No test video of this build raised one either (section 1): this model's "
                "probabilities barely move, as a briefly trained model's may; lower `alert_delta` "
                "or train longer (another profile) to see the triggers at work."
                if none_anywhere
                else ""
            )
        )
    if kinds.get("no_face"):
        text += (
            f" {kinds['no_face']} no-face alert(s) (crosses) fired after {no_face_seconds:g} s "
            "without a face."
        )
    else:
        text += (
            f" No stretch without a face lasted {no_face_seconds:g} s, so no no-face alert fired."
        )
    return text


def monitor_summary(
    video: str,
    identical_frames: int,
    alerts: pd.DataFrame,
    speed: pd.DataFrame | None,
    fps: float,
    cpus: int | None,
    bf16: bool,
) -> str:
    """Chapter 08's summary, every number from this run: exactness, alerts, measured speed.

    Parameters
    ----------
    speed : DataFrame or None
        :func:`painsign_utils.speed.speedup_table` (``model, classify naive, e2e optimized``), or
        None when the benchmark was skipped.
    """
    from ..registry import display_name

    kinds = alerts["kind"].value_counts().to_dict() if len(alerts) else {}
    bullets = [
        f"The monitor reproduced the book's pain sign exactly once each face gap was closed "
        f"({identical_frames} frames identical to the offline sign, section 3), showing a provisional "
        "value while a face was hidden.",
        (
            f"On video {video} it raised {len(alerts)} alert(s) ({', '.join(f'{n} {k}' for k, n in kinds.items())})."
            if len(alerts)
            else f"On video {video} no alert fired (section 2 says why)."
        ),
        "The alert thresholds are parameters (`alert_delta`, `alert_seconds`, `no_face_seconds`) that a "
        "clinical team would tune on recordings of its own unit.",
    ]
    if speed is not None and len(speed):
        name = display_name
        keep = [name(m) for m, v in zip(speed["model"], speed["e2e optimized"]) if v >= fps]
        slow = [name(m) for m, v in zip(speed["model"], speed["e2e optimized"]) if v < fps]
        rates = ", ".join(
            f"{name(m)} {c:.0f}" for m, c in zip(speed["model"], speed["classify naive"])
        )
        verdict = (
            f"{', '.join(keep)} keep{'s' if len(keep) == 1 else ''} up with the {fps:.0f}-fps camera"
            if keep
            else f"no model keeps up with the {fps:.0f}-fps camera"
        )
        if keep and slow:
            verdict += f", {', '.join(slow)} do{'es' if len(slow) == 1 else ''} not"
        bullets.append(
            f"Measured on this machine ({cpus} cores, native bfloat16: {'yes' if bf16 else 'no'}; the "
            f"benchmark runs float32): classification alone on the naive path (the paper's input size, "
            f"one face at a time) manages {rates} faces a second; end to end on the optimized path "
            f"{verdict}. What each speed-up costs in the sign is in the table of section 4."
        )
    else:
        bullets.append("Speed was not measured in this build (`bench_models` is empty).")
    bullets.append(
        "From the command line: `painsign video FILE --model ncnn --out DIR` writes the "
        "per-frame CSV, the sign plot and a one-line summary for any video."
    )
    return "\n".join(f"- {b}" for b in bullets)
