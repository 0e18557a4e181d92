"""The end of a ``painsign monitor`` / ``painsign video`` run: its summary, as JSON and as one line.

Owns :func:`run_summary` (the numbers: sign statistics, alerts, what was missing — intervals
without a face, frames dropped —, frames received / analysed / dropped, the capture-to-sign
delay, how the run ended), :func:`summary_line` (the line printed) and :func:`finish_run`
(completes the run's files, the sign plot and the summary, then prints the line).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np


def _rate(frames: int, first: float, last: float) -> float:
    """Frames per second over ``frames`` frames captured between ``first`` and ``last``."""
    return (frames - 1) / (last - first) if frames > 1 and last > first else math.nan


def run_summary(args, source, mon, stats, capture, report: dict, ended: str, **fields) -> dict:
    """The summary of a run (keys as ``painsign video`` wrote them, and the live ones)."""
    from ..monitor import alert_counts
    from ..sign import shannon_entropy, threshold_crossings

    sign = stats.sign()
    threshold = mon.threshold
    mean = mon.mean_prob
    gaps = [row[4] for row in stats.no_face]
    longest = int(np.argmax(gaps)) if gaps else None
    received = capture.received if capture is not None else mon.n
    return {
        "source": source.name,
        "kind": source.kind,
        "video": None if source.live else str(source.target),
        "model": args.model,
        "threshold": threshold,
        "fps": mon.fps,
        "frames": mon.n,
        "frames_classified": stats.classified,
        "frames_with_face": stats.with_face,
        "mean_prob": mean,
        "prediction": None if math.isnan(mean) else "pain" if mean >= threshold else "nopain",
        "entropy": shannon_entropy(sign) if len(sign) else math.nan,
        "crossings": threshold_crossings(sign, threshold) if len(sign) else 0,
        "sign_type": mon.sign_type,
        "alerts": len(mon.alerts),
        "alerts_by_kind": alert_counts(mon.alert_table()),
        "pain_confirmations": stats.confirmations,
        "pain_seconds": stats.pain_frames / mon.fps,
        "no_face_intervals": len(gaps),
        "no_face_seconds": float(sum(gaps)),
        "no_face_longest_s": gaps[longest] if gaps else 0.0,
        "no_face_longest_at_s": stats.no_face[longest][2] if gaps else None,
        "frames_received": received,
        "frames_analysed": stats.analysed,
        "frames_dropped": capture.dropped if capture is not None else 0,
        "latency_ms": stats.latency() if source.live else None,
        "fps_received": _rate(received, stats.first_time, stats.last_time) if source.live else None,
        "ended": ended,
        "frames_expected": report.get("frames_expected", mon.n),
        "frames_read": report.get("frames_read", mon.n),
        "partial": bool(report.get("partial")),
        **fields,
    }


def summary_line(s: dict, out: str) -> str:
    """The one line a run prints: the sign, the alerts, what was missing, and the live numbers."""
    mean = s["mean_prob"]
    if s["prediction"] is None:
        head = f"{Path(s['source']).name} [{s['model']}] no face in any frame"
    else:
        head = (
            f"{Path(s['source']).name} [{s['model']}] mean probability {mean:.3f} -> "
            f"{s['prediction']} (threshold {s['threshold']:.3f}); entropy {s['entropy']:.2f} bits; "
            f"{s['crossings']} crossings; sign type {s['sign_type']}; {s['alerts']} alerts; "
            f"pain confirmed {s['pain_confirmations']} time(s), {s['pain_seconds']:.1f} s; "
        )
        head += (
            f"no face for {s['no_face_seconds']:.1f} s in {s['no_face_intervals']} interval(s) "
            f"(longest {s['no_face_longest_s']:.1f} s from {s['no_face_longest_at_s']:.1f} s)"
            if s["no_face_intervals"]
            else "a face in every analysed frame"
        )
    parts = [head]
    if s["kind"] != "file":
        lat = s["latency_ms"]
        parts.append(
            f"{s['frames_received']} frames received, {s['frames_analysed']} analysed, "
            f"{s['frames_dropped']} dropped; capture-to-sign latency mean {lat['mean']:.0f} ms, "
            f"p50 {lat['p50']:.0f} ms, p95 {lat['p95']:.0f} ms"
        )
        rate = s["fps_received"]
        if s["settings"].get("fps") is None and rate and abs(rate - s["fps"]) > 0.15 * s["fps"]:
            parts.append(
                f"the source delivered {rate:.1f} frames/s, the sign assumed {s['fps']:g} "
                "(pass --fps)"
            )
    if s["ended"] not in ("end of file", "source ended"):
        parts.append(f"ended: {s['ended']}")
    parts.append(f"outputs in {out}")
    line = "; ".join(parts)
    if s["partial"]:
        line += f" (PARTIAL: {s['frames_read']} of {s['frames_expected']} frames)"
    return line


def finish_run(
    args: argparse.Namespace,
    source,
    mon,
    stats,
    outputs,
    capture,
    report: dict,
    ended: str,
    **fields,
) -> dict:
    """Complete the run's files (frames with their final sign, alerts, intervals without a face,
    the sign plot, the summary) and print its line; the summary."""
    from ..figures import save
    from ..figures.monitor import plot_monitor

    summary = run_summary(args, source, mon, stats, capture, report, ended, **fields)
    summary["outputs"] = str(outputs.path("*", ""))
    if summary["prediction"] is not None:
        import matplotlib.pyplot as plt

        fig = plot_monitor(
            mon.history(),
            mon.alert_table(),
            threshold=mon.threshold,
            model=args.model,
            title=f"{Path(summary['source']).name}: {summary['prediction']} ({args.model})",
        )
        save(fig, outputs.path("sign", ".png"))
        plt.close(fig)
    outputs.finish(stats.sign(), summary)  # the summary last: it marks a complete run
    print(summary_line(summary, summary["outputs"]))
    return summary
