"""Every verdict of one build, in the paper's order, as a table, counted; the model-health table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..registry import display_name
from ..storage import artifacts_dir
from .agreement import friedman_types, pearson_moderate
from .common import NA, NO, PARTLY, YES, Verdict
from .explanations import expression_rises, gradcam_vs_ig
from .models import best_model, sens_spec, test_drop
from .realtime import real_time
from .reliability import mc_dropout_flags_errors, recalibration_helps
from .signs import indeterminate_rare, same_type, stable_better, three_types

#: The claims by subject, in the order of the paper (metrics, sign types, agreement between
#: models, explanations, real time), then the authors' later work (chapter 11).
CHECKS: tuple[Callable[[Path], Verdict], ...] = (
    best_model,
    test_drop,
    sens_spec,
    three_types,
    stable_better,
    indeterminate_rare,
    pearson_moderate,
    same_type,
    friedman_types,
    gradcam_vs_ig,
    expression_rises,
    real_time,
    recalibration_helps,
    mc_dropout_flags_errors,
)


def verdicts(profile: str | None = None, art: str | Path | None = None) -> list[Verdict]:
    """Every verdict of one build; a check that fails to read its artifacts says so in its row
    (reason code ``unreadable_artifact``, the error under *this build*)."""
    art = Path(art) if art is not None else artifacts_dir(profile or "demo")
    out = []
    for check in CHECKS:
        try:
            out.append(check(art))
        except (KeyError, ValueError, IndexError, TypeError) as exc:
            out.append(
                Verdict(
                    check.__name__,
                    "",
                    build=f"{type(exc).__name__}: {exc}",
                    verdict=NA,
                    reason="unreadable_artifact",
                )
            )
    return out


def verdict_table(items: list[Verdict]) -> pd.DataFrame:
    """The verdicts as a table, one row a claim: ``claim, paper, this build, verdict, reason``."""
    return pd.DataFrame(
        [v.row() for v in items], columns=["claim", "paper", "this build", "verdict", "reason"]
    )


def verdict_counts(items: list[Verdict]) -> dict[str, int]:
    """How many claims got each verdict."""
    out = {k: 0 for k in (YES, PARTLY, NO, NA)}
    for v in items:
        out[v.verdict] = out.get(v.verdict, 0) + 1
    return out


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
