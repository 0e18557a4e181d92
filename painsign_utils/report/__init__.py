"""The book as a product: our numbers next to the paper's, the facts of a build, re-run boxes.

One submodule a job (see docs/design.md):

* :mod:`.common` — the :class:`Section` block and what the sections share; :data:`AUTHORS_OUTPUTS`.
* :mod:`.tables`, :mod:`.sign_sections` — one comparison section per table of the paper; the
  paper's numbers come from :mod:`painsign_utils.paper`, never typed here.
* :mod:`.compare` — :func:`compare_all`, :func:`protocol_line`, the scatter, :func:`show_section`.
* :mod:`.facts` — :func:`build_info` (profile, data, weights of a build), :func:`why_they_differ`.
* :mod:`.timings` — the runner's ``timings.csv``, fresh runs kept apart from cached re-runs.
* :mod:`.rerun`, :mod:`.exercises`, :mod:`.chapter_end` — the closing box of every chapter:
  exercises with a hint and a hidden solution, the parameters, the papermill command.
* :mod:`.monitor_text` — chapter 08's sentences about alerts and speed.

Figure captions are not made here: the runner applies the ``# figure:`` lines of each code cell.
"""

from .chapter_end import chapter_end, exercises_markdown
from .common import (
    AUTHORS_OUTPUTS,
    CHAPTERS,
    METRICS,
    ROOT,
    RULE_LABELS,
    Section,
)
from .compare import (
    SECTIONS,
    build_protocol,
    compare_all,
    comparison_figure,
    long_table,
    protocol_line,
    show_section,
)
from .exercises import EXERCISES, Exercise
from .facts import build_info, build_summary_html, built_profile, why_they_differ
from .monitor_text import alert_screen, alert_text, monitor_summary, pick_alert_video
from .rerun import (
    main,
    notebook_source,
    papermill_command,
    parameters_table,
    profile_commands,
    profile_parameters,
)
from .sign_sections import agreement_section, pearson_section, table3_section
from .tables import (
    table1_section,
    table2_rules_section,
    table2_test_section,
    table2_validation_section,
    thresholds_section,
)
from .timings import load_timings, run_time_line, timing_table

__all__ = [
    "AUTHORS_OUTPUTS",
    "CHAPTERS",
    "EXERCISES",
    "METRICS",
    "ROOT",
    "RULE_LABELS",
    "SECTIONS",
    "Exercise",
    "Section",
    "agreement_section",
    "alert_screen",
    "alert_text",
    "build_info",
    "build_protocol",
    "build_summary_html",
    "built_profile",
    "chapter_end",
    "compare_all",
    "comparison_figure",
    "exercises_markdown",
    "load_timings",
    "long_table",
    "main",
    "monitor_summary",
    "notebook_source",
    "papermill_command",
    "parameters_table",
    "pearson_section",
    "pick_alert_video",
    "profile_commands",
    "profile_parameters",
    "protocol_line",
    "run_time_line",
    "show_section",
    "table1_section",
    "table2_rules_section",
    "table2_test_section",
    "table2_validation_section",
    "table3_section",
    "thresholds_section",
    "timing_table",
    "why_they_differ",
]
