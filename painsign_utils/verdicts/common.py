"""What every verdict shares: the thresholds (:data:`RULES`), the verdict categories, :class:`Verdict`.

A verdict is data: the claim's key, the paper's value and this build's (compact numbers per model),
a verdict category and a reason code. Chapter 09 states each claim and explains each code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paper
from ..registry import display_name
from ..sign import DEFAULT_WINDOW

#: Every threshold a verdict uses, in one place (chapter 09 glues them into its rules).
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
    "few_folds": 5,  # fewer folds than this give the Friedman test little power
    "ece_miscalibrated": 0.05,  # a raw test ECE above this calls for recalibration (chapter 11)
    "error_auroc": 0.70,  # the spread "flags the wrong frames" at this error AUROC or above
    "indeterminate_rare": 0.05,  # "only one sign" (§3, 1 of 360): at most this share of the signs
    "pearson_low": 0.30,  # a "moderate" mean r between two models' signs lies in [0.30, 0.70]
    "pearson_high": 0.70,  # (paper: 0.49-0.57, §3)
    "camera_fps": float(DEFAULT_WINDOW),  # real time: the paper's 30 samples = 1 s of video (§2.4)
}

#: The verdict categories.
YES, PARTLY, NO, NA = "yes", "partly", "no", "n/a"
#: The reason code of a difference from the paper that the videos' world does not explain.
METHOD = "method"
#: The marks after a model's value in *this build*: the claim holds for it, or not.
HOLDS, FAILS = "✓", "✗"


def model_name(model: str) -> str:
    """The display name of a model (``"ncnn"`` → ``"N-CNN"``)."""
    return display_name(model)


def pct(x: float) -> str:
    """A fraction as ``"54.2%"``; "–" when missing."""
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


def mark(flag: bool) -> str:
    return HOLDS if flag else FAILS


@dataclass
class Verdict:
    """One row of the verdict table.

    Attributes
    ----------
    key : str
        The claim (the check's name, e.g. ``"best_model"``); chapter 09 states it.
    paper : str
        The paper's value(s), compact.
    build : str
        This build's value(s), compact; for a missing or unreadable artifact, its path or error.
    verdict : str
        :data:`YES`, :data:`PARTLY`, :data:`NO` or :data:`NA`.
    reason : str
        Reason code(s) joined by ``+`` (``some_models+few_folds``); chapter 09 lists them.
    """

    key: str
    paper: str
    build: str = ""
    verdict: str = NA
    reason: str = ""

    def row(self) -> dict:
        return {
            "claim": self.key,
            "paper": self.paper,
            "this build": self.build,
            "verdict": self.verdict,
            "reason": self.reason,
        }


def read_table(v: Verdict, art: Path, rel: str) -> pd.DataFrame | None:
    """``art/rel`` as a table; None after recording in ``v`` why it cannot be read."""
    path = art / rel
    if not path.exists():
        v.build, v.reason = rel, "missing_artifact"
        return None
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
        v.build, v.reason = f"{rel}: {type(exc).__name__}", "unreadable_artifact"
        return None


def share(flags: list[bool]) -> tuple[str, str]:
    """Verdict and reason of a claim about every model: held by all, some or none."""
    if flags and all(flags):
        return YES, "all_models"
    return (PARTLY, "some_models") if any(flags) else (NO, "no_model")


def codes(*parts: str) -> str:
    """Reason codes joined by ``+``, the empty ones left out."""
    return "+".join(p for p in parts if p)


def ablation_cause(art: Path, finding: str, verdict: str = "", paper: float | None = None) -> str:
    """Whether chapter 03's world ablation explains ``finding``: a reason code.

    Read from ``tables/domain_ablation.csv``
    (:func:`~painsign_utils.evaluation.ablation.finding_causes`, the cause named for most models):
    ``cause_<name>``, or ``no_single_cause`` when no single cause moves the finding toward its
    value with every cause off. With the paper's value ``paper``, :data:`METHOD` when the causes do
    not bring the finding closer to it (:func:`~painsign_utils.evaluation.ablation.toward_paper`):
    the difference lies in the method or the models, not in the videos. ``""`` without the table,
    when ``verdict`` is "yes" (a reproduced claim needs no cause), or, without ``paper``, when the
    finding is the same with every cause on and all off.
    """
    if verdict == YES:
        return ""
    from ..evaluation.ablation import NO_CAUSE, NO_GAP, finding_causes, main_causes, toward_paper

    path = art / "tables" / "domain_ablation.csv"
    if not path.exists():
        return ""
    named = finding_causes(pd.read_csv(path))
    if paper is not None and not toward_paper(named, finding, paper):
        return METHOD
    cause = main_causes(named).get(finding, NO_GAP)
    if cause == NO_GAP:
        return ""
    return "no_single_cause" if cause == NO_CAUSE else f"cause_{cause}"
