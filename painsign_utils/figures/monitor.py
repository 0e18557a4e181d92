"""Figures of the real-time monitor (notebook 08, ``painsign video``): the sign with its alerts, speed.

:func:`plot_monitor` draws what a bedside screen would show: per-frame probabilities, the pain sign,
the threshold with its crossings, stretches without a face, and surge/drop/no-face alerts.
:func:`plot_speed` compares naive and optimized frames per second with the video's own rate.
:func:`plot_pain_states` shows one video's sign with each rule's pain states and the true episodes,
and the share of true episodes each rule confirms by how long they last.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..monitor.alerts import ALERT_COLOURS
from ..monitor.painstates import STATE_COLOURS
from ..registry import display_name
from . import model_colour, model_marker, use_style

_ALERT_MARKERS = {"surge": "^", "drop": "v", "no_face": "x"}


def _stretches(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) index pairs of the True runs of ``mask``."""
    m = np.r_[False, np.asarray(mask, bool), False]
    edges = np.flatnonzero(m[1:] != m[:-1])
    return list(zip(edges[::2], edges[1::2]))


def plot_monitor(
    history: pd.DataFrame,
    alerts: pd.DataFrame | None = None,
    threshold: float = 0.5,
    model: str | None = None,
    title: str | None = None,
    intensity: pd.DataFrame | None = None,
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """The pain sign as the monitor showed it.

    Parameters
    ----------
    history : DataFrame
        ``frame, time, prob, sign`` (:meth:`PainMonitor.history` or the CLI's frames CSV).
    alerts : DataFrame, optional
        ``kind, time, value`` (:meth:`PainMonitor.alert_table`).
    threshold : float
        The model's threshold, drawn as a dashed line with crossing markers.
    model : str, optional
        Model name, for the colour and legend.
    intensity : DataFrame, optional
        Synthetic ground truth ``time, intensity``, drawn in grey for comparison.
    """
    use_style()
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 3.6))
    else:
        fig = ax.figure
    colour = model_colour(model, "#333333")
    t = history["time"].to_numpy()
    no_face = history["prob"].isna().to_numpy()
    for a, b in _stretches(no_face):
        ax.axvspan(
            t[a],
            t[min(b, len(t) - 1)],
            color="#cccccc",
            alpha=0.5,
            lw=0,
            label="no face" if a == _stretches(no_face)[0][0] else None,
        )
    if intensity is not None:
        ax.plot(
            intensity["time"],
            intensity["intensity"],
            color="#888888",
            lw=1,
            ls=":",
            label="latent intensity (synthetic truth)",
        )
    ax.plot(t, history["prob"], ".", ms=2, color=colour, alpha=0.35, label="per-frame probability")
    sign = history["sign"].to_numpy()
    ax.plot(
        t,
        sign,
        color=colour,
        lw=2,
        label=f"pain sign ({display_name(model or 'model')})",
    )
    ax.axhline(threshold, color="k", ls="--", lw=0.8, label=f"threshold {threshold:.2f}")
    ok = ~np.isnan(sign)
    above = sign[ok] >= threshold
    cross = np.flatnonzero(above[1:] != above[:-1]) + 1
    ax.plot(
        t[ok][cross], sign[ok][cross], "o", mfc="none", color="k", ms=6, label="threshold crossing"
    )
    if alerts is not None and len(alerts):
        for kind, g in alerts.groupby("kind"):
            marker, c = _ALERT_MARKERS.get(kind, "*"), ALERT_COLOURS.get(kind, "k")
            y = g["value"].fillna(1.02).clip(upper=1.02)
            ax.plot(
                g["time"],
                y,
                marker,
                color=c,
                ms=10,
                ls="none",
                label=f"alert: {kind.replace('_', ' ')}",
            )
    ax.set_ylim(-0.03, 1.06)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("pain probability")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig


def plot_speed(table: pd.DataFrame, video_fps: float = 30.0, column: str = "e2e") -> plt.Figure:
    """Frames per second, naive vs optimized, per model, with the video's own frame rate.

    Parameters
    ----------
    table : DataFrame
        :func:`painsign_utils.speed.speedup_table` output (``model, <column> naive, <column> optimized``).
    video_fps : float
        Drawn as a line: above it the pipeline keeps up with the video.
    column : {"e2e", "classify"}
    """
    use_style()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    x = np.arange(len(table))
    naive, opt = table[f"{column} naive"].to_numpy(), table[f"{column} optimized"].to_numpy()
    ax.bar(x - 0.2, naive, 0.4, color="#bbbbbb", label="naive (fp32, per frame, paper size)")
    ax.bar(
        x + 0.2,
        opt,
        0.4,
        color=[model_colour(m, "#333") for m in table["model"]],
        label="optimized",
    )
    for xi, n, o in zip(x, naive, opt):
        ax.text(xi + 0.2, o, f"{o:.0f}\n(x{o / n:.1f})", ha="center", va="bottom", fontsize=8)
    ax.axhline(video_fps, color="k", ls="--", lw=0.8, label=f"video rate {video_fps:.0f} fps")
    ax.set_xticks(x, [display_name(m) for m in table["model"]])
    ax.set_yscale("log")
    ax.set_ylim(top=max(opt.max(), naive.max(), video_fps) * 4)  # room for the bar labels
    ax.set_ylabel(
        "frames per second" + (" (end to end)" if column == "e2e" else " (classification)")
    )
    # Below the axes: inside, the legend would cover the labels of tall bars.
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    return fig


def plot_pain_states(
    trace: pd.DataFrame,
    rules: dict[str, str],
    threshold: float,
    hysteresis: float,
    episodes: pd.DataFrame,
    by_duration: pd.DataFrame,
    model: str | None = None,
    truth: pd.DataFrame | None = None,
) -> plt.Figure:
    """One video's sign with each rule's states, and the share of true episodes each rule confirms.

    Parameters
    ----------
    trace : DataFrame
        ``time, sign`` and one state column per rule
        (:func:`painsign_utils.monitor.cached_states.video_trace`).
    rules : dict
        State column name -> its label in the figure, in the order of the strips.
    threshold, hysteresis : float
        θ (dashed) and the half-width of the dead band around it (shaded).
    episodes : DataFrame
        The video's true episodes ``onset, end`` (:func:`painsign_utils.monitor.episodes.true_episodes`).
    by_duration : DataFrame
        :func:`painsign_utils.monitor.episodes.detection_by_duration` over all videos, models and rules.
    model : str, optional
        The model of ``trace`` (its colour).
    truth : DataFrame, optional
        ``time, intensity`` of the synthetic truth, drawn dotted.
    """
    use_style()
    fig = plt.figure(figsize=(10, 6.4))
    grid = fig.add_gridspec(3, 1, height_ratios=[2.6, 0.35 * len(rules) + 0.3, 2.4], hspace=0.45)
    ax = fig.add_subplot(grid[0])
    strip = fig.add_subplot(grid[1], sharex=ax)
    share = fig.add_subplot(grid[2])
    t = trace["time"].to_numpy(dtype=float)
    for k, (onset, end) in enumerate(episodes[["onset", "end"]].to_numpy().tolist()):
        ax.axvspan(onset, end, color="#fde0dd", lw=0, label="true pain episode" if k == 0 else None)
    if truth is not None:
        ax.plot(
            truth["time"], truth["intensity"], ":", color="#777777", lw=1, label="true intensity"
        )
    ax.axhspan(threshold - hysteresis, threshold + hysteresis, color="#dddddd", alpha=0.6, lw=0)
    ax.axhline(
        threshold, color="k", ls="--", lw=0.8, label=f"threshold {threshold:.2f} ± {hysteresis:g}"
    )
    ax.plot(
        t,
        trace["sign"],
        color=model_colour(model, "#333333"),
        lw=2,
        label=f"causal sign ({display_name(model or 'model')})",
    )
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("pain sign")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    # State strips: each sample's state holds until the next sample.
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 1.0
    seen: set[str] = set()
    for row, col in enumerate(rules):
        states = trace[col].to_numpy()
        cut = np.r_[0, np.flatnonzero(states[1:] != states[:-1]) + 1, len(states)]
        for a, b in zip(cut[:-1], cut[1:]):
            name = str(states[a])
            strip.broken_barh(
                [(t[a], (t[b - 1] + dt) - t[a])],
                (row - 0.4, 0.8),
                color=STATE_COLOURS.get(name, "k"),
                label=name.replace("_", " ") if name not in seen else None,
            )
            seen.add(name)
    strip.set_yticks(range(len(rules)), list(rules.values()))
    strip.set_ylim(len(rules) - 0.5, -0.5)
    strip.set_xlabel("time (s)")
    strip.spines["left"].set_visible(False)
    strip.legend(loc="upper left", bbox_to_anchor=(1.01, 1.3), fontsize=8, frameon=False, ncol=2)
    # Share of all true episodes confirmed, by how long the episode lasted.
    bins = by_duration.drop_duplicates(["low", "high"])[["low", "high"]].to_numpy()
    x = np.arange(len(bins))
    for (m, rule), g in by_duration.groupby(["model", "rule"], sort=False):
        first = rule == next(iter(rules))
        share.plot(
            x,
            g["share"].to_numpy(),
            marker=model_marker(m),
            color=model_colour(m, "#333333"),
            ls="-" if first else ":",
            mfc=None if first else "none",
            label=f"{display_name(m)}, {rules.get(rule, rule)}",
        )
    names = [f"{lo:g}–{hi:g} s" if np.isfinite(hi) else f"≥ {lo:g} s" for lo, hi in bins]
    counts = by_duration.groupby(["low", "high"], sort=False)["episodes"].first().to_numpy()
    share.set_xticks(x, [f"{n}\n(n = {c})" for n, c in zip(names, counts)])
    share.set_xlabel("duration of the true pain episode (all test videos)")
    share.set_ylabel("share confirmed")
    share.set_ylim(-0.03, 1.05)
    share.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig
