"""What every verdict shares: the thresholds (:data:`RULES`), the verdict words, :class:`Verdict`.

See docs/design.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paper
from ..registry import display_name

#: Every threshold a verdict uses, in one place (the page prints them).
RULES: dict[str, float] = {
    "alpha": 0.05,  # significance level of the Friedman test, as in the paper
    "high_sensitivity": 0.75,  # "high sensitivity" on the test videos (paper: 81.6-85.7 %)
    "low_specificity": 0.60,  # "low specificity" (paper: 38.0-56.3 %)
    "sens_minus_spec": 0.20,  # ... and sensitivity exceeds specificity by this much (paper: 25-46 pts)
    "same_type_close": 0.15,  # pairwise share of videos with the same sign type within 15 pts of 60 %
    "same_type_near": 0.25,  # ... within 25 pts: partly
    "paper_same_type": paper.SAME_TYPE_FRACTION,  # the paper's share (§3)
    "k_paper": paper.N_SIGN_TYPES,  # the paper's number of sign types (§3)
    "min_type_videos": 3,  # a sign type with fewer videos has no accuracy worth comparing
    "drop_points": 0.05,  # test AUC lower than validation AUC by at least 5 points
}

YES, PARTLY, NO, NA = "yes", "partly", "no", "not available in this build"


def model_name(model: str) -> str:
    """The display name of a model (``"ncnn"`` → ``"N-CNN"``)."""
    return display_name(model)


def pct(x: float) -> str:
    """A fraction as ``"54.2%"``; "–" when missing."""
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


@dataclass
class Verdict:
    """One row of the verdict table."""

    key: str
    claim: str
    paper: str
    build: str = ""
    verdict: str = NA
    reason: str = ""

    def row(self) -> dict:
        return {
            "paper claim": self.claim,
            "paper": self.paper,
            "this build": self.build,
            "reproduced?": self.verdict,
            "why": self.reason,
        }


def read_table(art: Path, rel: str, chapter: str) -> pd.DataFrame | str:
    """``art/rel`` as a table, or the sentence saying why it cannot be read (the verdict's reason)."""
    path = art / rel
    if not path.exists():
        return f"`{rel}` is missing (chapter {chapter} has not run under this profile)."
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
        return f"`{rel}` could not be read ({type(exc).__name__})."


def share(flags: list[bool]) -> str:
    """*yes* when every model holds the claim, *partly* when some do, *no* when none does."""
    if flags and all(flags):
        return YES
    return PARTLY if any(flags) else NO
