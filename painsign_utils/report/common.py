"""What the comparison sections share: the :class:`Section` block, metric labels, ``pm``.

Also the few numbers only the authors' saved outputs give (:data:`AUTHORS_OUTPUTS`); the paper's
own numbers live in :mod:`painsign_utils.paper`. The words around every section are in chapter 09.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

#: Repository root (holds ``notebooks/``, ``profiles/``, ``book/``).
ROOT = Path(__file__).resolve().parents[2]
#: The four classification metrics, in the paper's order.
METRICS = ("accuracy", "sensitivity", "specificity", "auc")
METRIC_LABELS = {
    "accuracy": "Accuracy",
    "sensitivity": "Sensitivity",
    "specificity": "Specificity",
    "auc": "AUC",
}


def model_names() -> dict[str, str]:
    from ..registry import DISPLAY_NAMES

    return DISPLAY_NAMES


@dataclass
class Section:
    """One block of the comparison page: a table and the numbers its text glues.

    Attributes
    ----------
    key : str
        Short identifier (``"table2_test"``).
    table : DataFrame or None
        Display table, ours next to the paper's; None when ``missing``.
    long : DataFrame
        Numeric pairs for plotting, columns ``section, quantity, model, ours, paper`` (one row a
        reproduced number; fractions for rates, r for correlations).
    missing : str or None
        The artifact the section needs (relative to the artifacts folder) when it is absent, or
        the error that stopped its reading.
    facts : dict
        Numbers and categories of the section that chapter 09's text glues (``n_folds``, ``rule``...).
    """

    key: str
    table: pd.DataFrame | None = None
    long: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["section", "quantity", "model", "ours", "paper"]
        )
    )
    missing: str | None = None
    facts: dict = field(default_factory=dict)


def missing_section(key: str, path: Path, art: Path) -> Section:
    rel = path.relative_to(art) if path.is_relative_to(art) else path
    return Section(key, missing=str(rel))


def long_frame(key: str, rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(key, *r) for r in rows], columns=["section", "quantity", "model", "ours", "paper"]
    )


#: Numbers from the authors' saved notebook outputs (``lancet.ipynb``), which the paper rounds or
#: leaves out: the pairwise "same sign type" rates behind its "60 %", the three-way rate, and the sd
#: (``np.std``) of N-CNN's ten per-fold thresholds. The paper gives no sd for the other two models.
AUTHORS_OUTPUTS: dict = {
    "same_type_pairwise": {
        ("ncnn", "vit_b16"): 0.600,
        ("vggface", "vit_b16"): 0.658,
        ("vggface", "ncnn"): 0.575,
    },
    "same_type_all": 0.442,
    "threshold_sd": {"ncnn": 0.135},
}
#: The protocol each threshold rule of chapter 02 (``training.THRESHOLD_RULES``) belongs to.
RULE_PROTOCOL = {"validation_folds": "authors", "training_folds": "causal"}


def pm(mean: float, sd: float | None = None) -> str:
    """A rate as ``"54.2% ± 13.5%"`` (or ``"54.2%"`` without a finite sd)."""
    if mean is None or not np.isfinite(mean):
        return "–"
    return f"{100 * mean:.1f}%" + (
        f" ± {100 * sd:.1f}%" if sd is not None and np.isfinite(sd) else ""
    )


def paper_threshold(model: str) -> str:
    from ..paper import THRESHOLDS

    if model not in THRESHOLDS:
        return "–"
    return pm(THRESHOLDS[model], AUTHORS_OUTPUTS["threshold_sd"].get(model))
