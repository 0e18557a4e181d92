"""Every verdict of one build, in the paper's order, as a table, as Markdown, counted; the rules in words."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..registry import display_name
from ..storage import artifacts_dir
from .common import NA, NO, PARTLY, RULES, YES, Verdict, pct
from .explanations import expression_rises, gradcam_vs_ig
from .models import best_model, sens_spec, test_drop
from .signs import same_type, stable_better, three_types

#: The claims, in the order of the paper.
CHECKS: tuple[Callable[[Path], Verdict], ...] = (
    best_model,
    test_drop,
    sens_spec,
    three_types,
    stable_better,
    same_type,
    gradcam_vs_ig,
    expression_rises,
)


def verdicts(profile: str | None = None, art: str | Path | None = None) -> list[Verdict]:
    """Every verdict of one build; a check that fails to read its artifacts says so in its row."""
    art = Path(art) if art is not None else artifacts_dir(profile or "demo")
    out = []
    for check in CHECKS:
        try:
            out.append(check(art))
        except (KeyError, ValueError, IndexError, TypeError) as exc:
            doc = (check.__doc__ or check.__name__).strip().splitlines()[0]
            out.append(
                Verdict(
                    check.__name__,
                    doc,
                    "",
                    verdict=NA,
                    reason=f"its artifacts could not be read ({type(exc).__name__}: {exc}).",
                )
            )
    return out


def verdict_table(items: list[Verdict]) -> pd.DataFrame:
    """The verdicts as a display table (one row a claim)."""
    return pd.DataFrame([v.row() for v in items])


def verdict_markdown(items: list[Verdict]) -> str:
    """The verdicts as a Markdown table: long cells wrap instead of being truncated (as pandas
    truncates wide text columns), and the verdict is in bold."""

    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    head = "| Paper claim | Paper | This build | Reproduced? | Why |\n|---|---|---|---|---|\n"
    return head + "\n".join(
        f"| {cell(v.claim)} | {cell(v.paper)} | {cell(v.build) or '–'} | **{cell(v.verdict)}** | {cell(v.reason)} |"
        for v in items
    )


def verdict_counts(items: list[Verdict]) -> dict[str, int]:
    """How many claims got each verdict (for a sentence under the table)."""
    out = {k: 0 for k in (YES, PARTLY, NO, NA)}
    for v in items:
        out[v.verdict] = out.get(v.verdict, 0) + 1
    return out


def rules_markdown() -> str:
    """The thresholds of :data:`RULES` as a Markdown list (printed under the table)."""
    r = RULES
    return "\n".join(
        [
            f"- Friedman test: significant at p < {r['alpha']} (the paper's level).",
            f"- High sensitivity ≥ {pct(r['high_sensitivity'])}, low specificity ≤ "
            f"{pct(r['low_specificity'])}, gap ≥ {100 * r['sens_minus_spec']:.0f} points.",
            f"- Same sign type across models: *yes* within {100 * r['same_type_close']:.0f} points of "
            f"{pct(r['paper_same_type'])}, *partly* within {100 * r['same_type_near']:.0f}.",
            f"- Validation-to-test drop: at least {100 * r['drop_points']:.0f} AUC points.",
            "- Grad-CAM vs IG: IG's consecutive maps correlate more than Grad-CAM's (chapter 06's "
            "frame-to-frame correlation); a flat Grad-CAM cannot be measured.",
            "- Expression above 50%: mean latent intensity of the frames above 50% exceeds that below, "
            f"and the per-bin Spearman trend is positive with p < {r['alpha']} (chapter 07).",
            "- Where a claim concerns every model: *yes* when it holds for all, *partly* for some, "
            "*no* for none.",
        ]
    )


def model_quality(art: str | Path) -> pd.DataFrame | None:
    """``tables/model_quality.csv`` (one row per model) when this build wrote it, else None."""
    path = Path(art) / "tables" / "model_quality.csv"
    if not path.exists():
        return None
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        return None
    if "model" in table:
        table["model"] = table["model"].map(lambda m: display_name(m))
        table = table.set_index("model")
    return table
