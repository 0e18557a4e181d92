"""The book as a product: our numbers next to the paper's, the facts of a build, re-run boxes.

One submodule a job (see docs/design.md):

* :mod:`.common` — the :class:`Section` block and what the sections share; :data:`AUTHORS_OUTPUTS`.
* :mod:`.tables`, :mod:`.sign_sections` — one comparison section per table of the paper; the
  paper's numbers come from :mod:`painsign_utils.paper`, never typed here.
* :mod:`.compare` — :func:`compare_all`, :func:`build_protocol`, the scatter, :func:`show_section`.
* :mod:`.facts` — :func:`build_info`: profile, data, starting weights and chapter times of a build.
* :mod:`.timings` — the runner's ``timings.csv``, fresh runs kept apart from cached re-runs;
  what each exercise's re-run cost in this build.
* :mod:`.rerun`, :mod:`.chapter_end` — the closing box of every chapter: the parameters this run
  was given, the papermill command that repeats it (the exercises are in the notebooks).

Figure captions are not made here: each is the ``mystnb.figure`` metadata of its notebook cell.
"""

from .chapter_end import chapter_end
from .common import AUTHORS_OUTPUTS, Section
from .compare import build_protocol, compare_all, comparison_figure, long_table, show_section
from .facts import build_info, built_profile
from .rerun import (
    main,
    notebook_source,
    papermill_command,
    parameters_table,
    profile_commands,
    profile_parameters,
)
from .timings import exercise_times, load_timings, timing_table

__all__ = [
    "AUTHORS_OUTPUTS",
    "Section",
    "build_info",
    "build_protocol",
    "built_profile",
    "chapter_end",
    "compare_all",
    "comparison_figure",
    "exercise_times",
    "load_timings",
    "long_table",
    "main",
    "notebook_source",
    "papermill_command",
    "parameters_table",
    "profile_commands",
    "profile_parameters",
    "show_section",
    "timing_table",
]
