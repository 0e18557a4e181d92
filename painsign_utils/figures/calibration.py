"""Figures of chapter 11: reliability diagrams, recalibration effects, risk-coverage, the sign's band."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..registry import DISPLAY_NAMES
from . import model_colour

_CURVE_STYLE = {"validation": ("s", "--"), "test": ("o", "-")}
#: Colour and marker of each recalibration, apart from the models' own colours (raw curves).
_METHOD_STYLE = {
    "temperature": ("0.15", "^"),
    "platt": ("tab:purple", "D"),
    "isotonic": ("tab:orange", "v"),
}


def _method_style(method: str, i: int) -> tuple[str, str]:
    """A recalibration's (colour, marker); an unknown one gets a grey of its own."""
    return _METHOD_STYLE.get(method, (str(0.3 + 0.1 * (i % 5)), "x"))


def plot_reliability(curves: pd.DataFrame, n_bins: int = 10) -> plt.Figure:
    """Reliability diagram per model (top) over the test frames' confidence histogram (bottom).

    ``curves``: :func:`~painsign_utils.calibration.reliability_table` rows with ``model``,
    ``split`` (validation / test) and ``method`` columns added.
    """
    models = list(dict.fromkeys(curves["model"]))
    fig, axes = plt.subplots(
        2, len(models), figsize=(3.6 * len(models), 5.4), squeeze=False,
        gridspec_kw={"height_ratios": [3, 1]}, sharex=True,
    )  # fmt: skip
    methods = [m for m in dict.fromkeys(curves["method"]) if m != "raw"]
    for j, model in enumerate(models):
        ax, hist = axes[0, j], axes[1, j]
        ax.plot([0, 1], [0, 1], color="0.6", lw=0.8, ls=":")
        own = curves[curves["model"] == model]
        for (split, method), g in own.groupby(["split", "method"], sort=False):
            marker, ls = _CURVE_STYLE.get(split, ("o", "-"))
            colour = model_colour(model)
            if method != "raw":
                colour, marker = _method_style(method, methods.index(method))
            ax.plot(g["mean_prob"], g["frac_pain"], marker=marker, ls=ls, color=colour, ms=4,
                    label=f"{split}, {method}")  # fmt: skip
        ax.set(title=DISPLAY_NAMES.get(model, model), xlim=(0, 1), ylim=(0, 1))
        ax.set_ylabel("share of pain frames" if j == 0 else "")
        ax.legend(fontsize=7, loc="upper left")
        test = own[(own["split"] == "test") & (own["method"] == "raw")]
        width = 1 / n_bins
        hist.bar((test["bin"] + 0.5) * width, test["count"], width=width * 0.9,
                 color=model_colour(model), alpha=0.7)  # fmt: skip
        hist.set_yscale("log")
        hist.set_xlabel("predicted pain probability")
        hist.set_ylabel("test frames" if j == 0 else "")
    fig.tight_layout()
    return fig


def plot_ece(table: pd.DataFrame, split: str = "test") -> plt.Figure:
    """ECE (equal-width bins) with its 95 % interval, per model and recalibration method."""
    t = table[table["split"] == split]
    models = list(dict.fromkeys(t["model"]))
    methods = list(dict.fromkeys(t["method"]))
    fig, ax = plt.subplots(figsize=(1.6 + 1.4 * len(models), 3.2))
    step = 0.8 / max(len(methods), 1)
    for i, method in enumerate(methods):
        g = t[t["method"] == method].set_index("model").reindex(models)
        x = np.arange(len(models)) - 0.4 + step * (i + 0.5)
        err = np.vstack([g["ece_width"] - g["ece_width_lo"], g["ece_width_hi"] - g["ece_width"]])
        colour, marker = ("tab:gray", "o") if method == "raw" else _method_style(method, i)
        ax.errorbar(x, g["ece_width"], yerr=np.clip(err, 0, None), fmt=marker, ms=5, capsize=2,
                    label=method, color=colour)  # fmt: skip
    ax.set_xticks(np.arange(len(models)), [DISPLAY_NAMES.get(m, m) for m in models])
    ax.set_ylabel(f"ECE on the {split} frames")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, ncol=len(methods), loc="upper center", bbox_to_anchor=(0.5, -0.12))
    fig.tight_layout()
    return fig


def plot_risk_coverage(curves: pd.DataFrame, points: pd.DataFrame) -> plt.Figure:
    """Error rate of the frames kept against the share kept, one panel per model.

    ``curves``: ``model, method, coverage, risk`` (frames kept in order of increasing spread);
    ``points``: ``model, rule, coverage, risk`` (the reject band θ2, the spread cut θ3).
    """
    models = list(dict.fromkeys(curves["model"]))
    fig, axes = plt.subplots(1, len(models), figsize=(3.6 * len(models), 3.2), squeeze=False)
    styles = {"mc_dropout": "-", "ensemble": "--"}
    for ax, model in zip(axes[0], models, strict=True):
        for method, g in curves[curves["model"] == model].groupby("method", sort=False):
            ax.plot(g["coverage"], g["risk"], ls=styles.get(method, "-"),
                    color=model_colour(model), label=f"{method} spread")  # fmt: skip
        for rule, g in points[points["model"] == model].groupby("rule", sort=False):
            ax.plot(g["coverage"], g["risk"], marker="D" if "2" in rule else "^", ls="none",
                    color="black", label=rule)  # fmt: skip
        ax.set(title=DISPLAY_NAMES.get(model, model), xlim=(0, 1.02), ylim=(0, None))
        ax.set_xlabel("coverage (share of frames kept)")
        ax.set_ylabel("risk (error rate of those)" if ax is axes[0, 0] else "")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_band(
    time: np.ndarray,
    sign: np.ndarray,
    bands: dict[str, tuple[np.ndarray, np.ndarray]],
    threshold: float,
    truth_time: np.ndarray | None = None,
    truth: np.ndarray | None = None,
    model: str | None = None,
    title: str = "",
) -> plt.Figure:
    """A pain sign with its uncertainty bands (name → (lower, upper)) and the latent intensity."""
    fig, ax = plt.subplots(figsize=(8, 3))
    colour = model_colour(model)
    for (name, (lo, hi)), alpha in zip(bands.items(), (0.35, 0.18), strict=False):
        ax.fill_between(time, lo, hi, color=colour, alpha=alpha, lw=0, label=f"{name} band")
    ax.plot(time, sign, color=colour, lw=1.6, label="pain sign")
    if truth is not None and truth_time is not None:
        ax.plot(truth_time, truth, color="0.2", lw=0.9, ls=":", label="latent pain intensity")
    ax.axhline(threshold, color="0.5", lw=0.8, ls="--", label=f"threshold {threshold:.2f}")
    ax.set(ylim=(0, 1), xlabel="time (s)", ylabel="pain probability", title=title)
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.3))
    fig.tight_layout()
    return fig


def plot_spread_by_scenario(table: pd.DataFrame, scenarios: Sequence[str]) -> plt.Figure:
    """Mean per-frame spread of each scenario's videos, per model and method.

    ``table``: ``model, method`` and one ``spread_<scenario>`` column per scenario.
    """
    fig, ax = plt.subplots(figsize=(1.5 + 1.3 * len(scenarios), 3.2))
    rows = list(table.itertuples(index=False))
    step = 0.8 / max(len(rows), 1)
    for i, row in enumerate(rows):
        values = [getattr(row, f"spread_{s}") for s in scenarios]
        x = np.arange(len(scenarios)) - 0.4 + step * (i + 0.5)
        ax.bar(x, values, width=step * 0.9, color=model_colour(row.model),
               alpha=1.0 if row.method == "mc_dropout" else 0.5,
               label=f"{DISPLAY_NAMES.get(row.model, row.model)}, {row.method}")  # fmt: skip
    ax.set_xticks(np.arange(len(scenarios)), [s.replace("_", " ") for s in scenarios])
    ax.set_ylabel("mean standard deviation")
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    fig.tight_layout()
    return fig
