"""The comparison page: which protocol made a build, every section in the paper's order, the scatter.

:func:`compare_all` reads a build's artifacts (``artifacts/<profile>/``) and returns one
:class:`~painsign_utils.report.common.Section` per table; a chapter that has not run yet gives a
section naming its missing file instead of an exception. Chapter 09 holds the words.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..storage import artifacts_dir
from .common import RULE_PROTOCOL, Section, model_names
from .sign_sections import agreement_section, pearson_section, table3_section
from .tables import (
    table1_section,
    table2_rules_section,
    table2_test_section,
    table2_validation_section,
    thresholds_section,
)


def build_protocol(art: Path) -> str | None:
    """The protocol (``authors`` or ``causal``) that produced a build's numbers, read from its artifacts.

    ``tables/video_summary.csv`` records it (chapter 03); otherwise the threshold rule of
    ``training/best_models.csv`` (chapter 02) says which; None before chapter 02 has run.
    """
    art = Path(art)
    summary, best = art / "tables" / "video_summary.csv", art / "training" / "best_models.csv"
    try:
        if summary.exists():
            col = pd.read_csv(summary, usecols=lambda c: c == "protocol")
            if "protocol" in col and col["protocol"].notna().any():
                return str(col["protocol"].dropna().iloc[0])
        if best.exists():
            col = pd.read_csv(best, usecols=lambda c: c == "threshold_rule")
            if "threshold_rule" in col and col["threshold_rule"].notna().any():
                return RULE_PROTOCOL.get(str(col["threshold_rule"].dropna().iloc[0]))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    return None


#: The comparison page's sections, in the order the paper presents them.
SECTIONS = (
    table1_section,
    table2_validation_section,
    table2_rules_section,
    table2_test_section,
    thresholds_section,
    pearson_section,
    table3_section,
    agreement_section,
)


def compare_all(profile: str | None = None, art: str | Path | None = None) -> list[Section]:
    """Every reproduced number next to the paper's, read from one build's artifacts.

    Parameters
    ----------
    profile : str, optional
        Profile whose ``artifacts/<profile>/`` is read.
    art : path, optional
        The artifacts folder itself (overrides ``profile``).

    Returns
    -------
    list of Section
        One per table, in the paper's order; a section whose chapter has not run (or whose file
        cannot be read) names the missing file (or the error) in ``missing`` and has no table.
    """
    art = Path(art) if art is not None else artifacts_dir(profile or "demo")
    out = []
    for make in SECTIONS:
        try:
            out.append(make(art))
        except (KeyError, ValueError, IndexError, pd.errors.ParserError) as exc:
            name = make.__name__.removesuffix("_section")
            out.append(Section(name, missing=f"{type(exc).__name__}: {exc}"))
    return out


def long_table(sections: list[Section]) -> pd.DataFrame:
    """All numeric (ours, paper) pairs of the sections, one row each."""
    parts = [s.long for s in sections if s.missing is None and len(s.long)]
    if not parts:
        return pd.DataFrame(columns=["section", "quantity", "model", "ours", "paper"])
    return pd.concat(parts, ignore_index=True)


def comparison_figure(long: pd.DataFrame):
    """Scatter of our rates against the paper's (fractions in [0, 1]), one colour per model.

    Parameters
    ----------
    long : DataFrame
        :func:`long_table` output. Table 1's counts are left out (not on a 0-1 scale).

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    from ..figures import model_colour

    rates = long[long["section"] != "table1"]
    markers = {
        "table2_validation": "o",
        "table2_rules": "P",
        "table2_test": "s",
        "thresholds": "D",
        "pearson": "^",
        "table3": "v",
        "agreement": "X",
    }
    labels = {
        "table2_validation": "Table 2 validation",
        "table2_rules": "Table 2, other rule",
        "table2_test": "Table 2 test",
        "thresholds": "video threshold",
        "pearson": "Pearson r",
        "table3": "Table 3",
        "agreement": "same sign type",
    }
    fig, ax = plt.subplots(figsize=(5.2, 5.0))
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", zorder=0)
    ax.set(
        xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), xlabel="paper", ylabel="this build", aspect="equal"
    )
    if rates.empty:
        return fig
    for section, g in rates.groupby("section", sort=False):
        colours = [model_colour(m) for m in g["model"]]
        ax.scatter(
            g["paper"],
            g["ours"],
            c=colours,
            marker=markers.get(section, "o"),
            s=28,
            alpha=0.8,
            edgecolors="none",
            label=labels.get(section, section),
        )
    handles = [
        plt.Line2D([], [], ls="", marker=markers.get(s, "o"), color="0.3", label=labels.get(s, s))
        for s in rates["section"].unique()
    ]
    handles += [
        plt.Line2D([], [], ls="", marker="o", color=model_colour(m), label=name)
        for m, name in model_names().items()
        if m in set(rates["model"])
    ]
    ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False)
    return fig


def show_section(section: Section) -> None:
    """Display one comparison section in a notebook: its table, or the artifact it is waiting for."""
    from IPython.display import Markdown, display

    display(section.table if section.missing is None else Markdown(f"`{section.missing}` –"))
