"""A chapter's closing box: exercises (sphinx-exercise blocks), its parameters, the command that re-runs it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .exercises import EXERCISES, Exercise
from .rerun import notebook_source, papermill_command, parameters_table, profile_parameters


def exercises_markdown(stem: str, items: list[Exercise | str]) -> str:
    """MyST for a chapter's exercises: sphinx-exercise blocks, a folded hint, a hidden solution.

    Labels are ``ex-<stem>-<i>``, so any page can refer to an exercise with ``{ref}``.
    """
    blocks = []
    for i, item in enumerate(items, 1):
        ex = item if isinstance(item, Exercise) else Exercise(item, "", "")
        label = f"ex-{stem}-{i}"
        block = f":::{{exercise}}\n:label: {label}\n\n{ex.task}\n:::\n"
        if ex.hint:
            block += f"\n:::{{admonition}} Hint\n:class: dropdown tip\n\n{ex.hint}\n:::\n"
        if ex.solution:
            block += f"\n:::{{solution}} {label}\n:class: dropdown\n\n{ex.solution}\n:::\n"
        blocks.append(block)
    return "\n".join(blocks)


def chapter_end(
    name: str,
    profile: str,
    exercises: list[Exercise | str] | None = None,
    root: str | Path | None = None,
) -> None:
    """Display a chapter's closing box: exercises, its parameters, the command that re-runs it.

    Call it in the last code cell of a chapter, under a ``## Exercises and re-running`` heading
    (the runner folds the cell's input)::

        report.chapter_end("04_pain_sign", profile)

    Parameters
    ----------
    name : str
        The notebook's stem (``"04_pain_sign"``) or number (``"04"``).
    profile : str
        The profile of this run (the notebook's ``profile`` parameter).
    exercises : list of Exercise or str, optional
        Default :data:`EXERCISES` for the chapter; each gets a hint and a hidden solution.
    """
    from IPython.display import Markdown, display

    nb = notebook_source(name, root)
    items = exercises if exercises is not None else EXERCISES.get(nb.stem, [])
    if items:
        display(
            Markdown(
                "**Exercises.** Change one parameter, re-run, and look again. Each has a "
                "hint and a solution to unfold.\n\n" + exercises_markdown(nb.stem, items)
            )
        )
    display(
        Markdown(
            f"**This chapter's parameters** (from its `parameters` cell; *this build* is "
            f"what the `{profile}` profile passed):"
        )
    )
    with pd.option_context("display.max_colwidth", None):  # the meanings wrap, never "..."
        display(parameters_table(nb, profile, root))
    cmd = papermill_command(nb, profile_parameters(nb, profile, root))
    display(
        Markdown(
            "**Re-run it** from the repository root with the environment active "
            "(`. .venv/bin/activate`); change any `-p` value, then `jupyter-book build .` shows the "
            f"result in the book:\n\n```bash\n{cmd}\n```\n\n"
            f"Or open `notebooks/{nb.name}` in JupyterLab (`jupyter lab notebooks/{nb.name}`), edit the "
            "parameters cell and run all cells; the download button at the top of this page gives "
            "this executed notebook."
        )
    )
