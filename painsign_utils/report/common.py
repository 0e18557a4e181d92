"""What the comparison sections share: the :class:`Section` block, metric labels, rule names, ``pm``.

Also the few numbers only the authors' saved outputs give (:data:`AUTHORS_OUTPUTS`); the paper's
own numbers live in :mod:`painsign_utils.paper`. See docs/design.md.
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
#: Which chapter writes what the comparison reads (for the "not run yet" sentences).
CHAPTERS = {
    "00": "00_data",
    "01": "01_preprocessing",
    "02": "02_training",
    "03": "03_test_evaluation",
    "04": "04_pain_sign",
    "05": "05_sign_clustering",
}


def model_names() -> dict[str, str]:
    from ..registry import DISPLAY_NAMES

    return DISPLAY_NAMES


@dataclass
class Section:
    """One block of the comparison page.

    Attributes
    ----------
    key : str
        Short identifier (``"table2_test"``).
    title : str
        Heading text (``"Table 2, test on iCOPEvid"``).
    table : DataFrame or None
        Display table, ours next to the paper's; None when ``missing``.
    long : DataFrame
        Numeric pairs for plotting, columns ``section, quantity, model, ours, paper`` (one row a
        reproduced number; fractions for rates, r for correlations).
    missing : str or None
        One sentence saying which chapter must run first, when its artifacts are absent.
    note : str
        A sentence under the table (where the number comes from, how to read it).
    """

    key: str
    title: str
    table: pd.DataFrame | None = None
    long: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["section", "quantity", "model", "ours", "paper"]
        )
    )
    missing: str | None = None
    note: str = ""


def missing_section(key: str, title: str, chapter: str, path: Path, art: Path) -> Section:
    rel = path.relative_to(art) if path.is_relative_to(art) else path
    return Section(
        key,
        title,
        missing=(
            f"Not reproduced in this build: chapter {chapter} has not run under this profile yet "
            f"(`{rel}` is missing)."
        ),
    )


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
#: The two threshold rules of chapter 02 (``training.THRESHOLD_RULES``), in words.
RULE_LABELS = {
    "validation_folds": "validation-fold θ_k (authors' code)",
    "training_folds": "training-fold θ (paper's text, no leak)",
}
RULE_PROTOCOL = {"validation_folds": "authors", "training_folds": "causal"}


def pm(mean: float, sd: float | None = None) -> str:
    """A rate as ``"54.2% ± 13.5%"`` (or ``"54.2%"`` without a finite sd)."""
    if mean is None or not np.isfinite(mean):
        return "–"
    return f"{100 * mean:.1f}%" + (
        f" ± {100 * sd:.1f}%" if sd is not None and np.isfinite(sd) else ""
    )


def paper_threshold(model: str) -> str:
    from ..paper import PAPER

    if model not in PAPER["thresholds"]:
        return "–"
    return pm(PAPER["thresholds"][model], AUTHORS_OUTPUTS["threshold_sd"].get(model))
