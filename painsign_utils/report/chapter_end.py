"""A chapter's closing box, computed: the parameters this run was given and the command that repeats it.

The words around them and the exercises live in the notebook's own markdown.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .rerun import (
    changed_parameters,
    notebook_source,
    papermill_command,
    parameters_table,
    profile_parameters,
    run_values,
)


def chapter_end(
    name: str,
    profile: str,
    values: Mapping | None = None,
    root: str | Path | None = None,
) -> tuple[pd.DataFrame, str]:
    """A chapter's parameters with the values of this run, and the papermill command that repeats it.

    Call it in the last code cell of a chapter (the runner folds the cell's input)::

        table, command = report.chapter_end("04_pain_sign", profile, globals())

    Parameters
    ----------
    name : str
        The notebook's stem (``"04_pain_sign"``) or number (``"04"``).
    profile : str
        The profile of this run (the notebook's ``profile`` parameter).
    values : mapping, optional
        The notebook's ``globals()``: the parameter values this run was given (papermill's
        injected ones); only the declared names are read. Default: the values ``profile`` gives.

    Returns
    -------
    table : DataFrame
        :func:`parameters_table`: per parameter ``this build``, ``changed`` (differs from the
        profile's value), ``default`` and ``meaning``.
    command : str
        A ``papermill`` command passing every value that differs from the notebook's default.
    """
    nb = notebook_source(name, root)
    if values is None:
        values = run_values(nb, profile_parameters(nb, profile, root))
    table = parameters_table(nb, profile, root, values=values)
    return table, papermill_command(nb, changed_parameters(nb, values))
