"""A verdict on each claim of the paper, computed from one build's artifacts.

Each function of :data:`CHECKS` reads what the chapters wrote under ``artifacts/<profile>/``, applies
a rule whose thresholds are written in one place (:data:`RULES`), and returns a :class:`Verdict`:
the claim's key, the paper's value, this build's, ``yes`` / ``partly`` / ``no`` and a reason code.
A claim whose artifacts are missing (a chapter that did not run, a profile that skipped a model)
gets ``n/a`` with the code ``missing_artifact`` and the file it needed — never an exception.
Chapter 09 states each claim and explains each code.

The verdicts judge the *pattern* the paper reports, not its values: with synthetic data and short
CPU training the values cannot match, but the paper's qualitative claims can hold or fail.
Submodules: :mod:`.common` (rules, :class:`Verdict`), the claims by subject (:mod:`.models`,
:mod:`.signs`, :mod:`.agreement`, :mod:`.explanations`, :mod:`.realtime`, :mod:`.reliability`)
and :mod:`.table` (all of them, as a table). See docs/design.md.
"""

from .agreement import friedman_types, pearson_moderate
from .common import NA, NO, PARTLY, RULES, YES, Verdict
from .explanations import expression_rises, gradcam_vs_ig
from .models import best_model, sens_spec, test_drop
from .realtime import real_time
from .reliability import mc_dropout_flags_errors, recalibration_helps
from .signs import indeterminate_rare, same_type, stable_better, three_types
from .table import CHECKS, model_quality, verdict_counts, verdict_table, verdicts

__all__ = [
    "CHECKS",
    "NA",
    "NO",
    "PARTLY",
    "RULES",
    "YES",
    "Verdict",
    "best_model",
    "expression_rises",
    "friedman_types",
    "gradcam_vs_ig",
    "indeterminate_rare",
    "mc_dropout_flags_errors",
    "model_quality",
    "pearson_moderate",
    "real_time",
    "recalibration_helps",
    "same_type",
    "sens_spec",
    "stable_better",
    "test_drop",
    "three_types",
    "verdict_counts",
    "verdict_table",
    "verdicts",
]
