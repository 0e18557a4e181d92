"""Re-running a chapter: its ``parameters`` cell as a table with the values of this run, the papermill
command that repeats the run, every command of a profile.

:func:`main` is ``python -m painsign_utils.report commands PROFILE``.
"""

from __future__ import annotations

import ast
import json
import shlex
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .common import ROOT


def notebook_source(name: str, root: str | Path | None = None) -> Path:
    """``notebooks/<name>.ipynb`` for a stem (``"04_pain_sign"``) or a number prefix (``"04"``)."""
    from ..errors import ConfigError

    folder = Path(root or ROOT) / "notebooks"
    hits = sorted(folder.glob(f"{name}.ipynb")) or sorted(folder.glob(f"{name}_*.ipynb"))
    if len(hits) != 1:
        raise ConfigError(f"no single notebook named {name!r} in {folder}")
    return hits[0]


def _default_value(source: str):
    """A parameter's default as a value (the parameters cell holds literals), else its source."""
    try:
        return ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return source


def _same(a, b) -> bool:
    """``a == b`` for parameter values, by their repr where ``==`` gives no single truth value."""
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return repr(a) == repr(b)


def parameters_table(
    notebook_path: str | Path,
    profile: str | None = None,
    root: str | Path | None = None,
    values: Mapping | None = None,
) -> pd.DataFrame:
    """The notebook's ``parameters`` cell as a table, with the values a run was given.

    Parameters
    ----------
    notebook_path : path
        A source notebook (``notebooks/NN_name.ipynb``).
    profile : str, optional
        Adds the columns ``this build`` and ``changed``: the value of each parameter in this run,
        and whether it differs from the value the runner passes under that profile (the notebook's
        default where the profile sets none, or where the profile has no file).
    values : mapping, optional
        The values of this run (the notebook's ``globals()``: what papermill injected); only the
        declared names are read. Default: the profile's values.

    Returns
    -------
    DataFrame indexed by parameter name with columns ``default``, ``meaning`` (the comment in the
    parameters cell) and, with a profile, ``this build`` and ``changed`` first.
    """
    import papermill

    from ..errors import ConfigError

    declared = papermill.inspect_notebook(str(notebook_path))
    if not declared:
        raise ConfigError(f"{Path(notebook_path).name}: no cell tagged 'parameters'")
    table = pd.DataFrame(
        {
            "default": [spec["default"].strip() for spec in declared.values()],
            "meaning": [spec.get("help") or "" for spec in declared.values()],
        },
        index=pd.Index(list(declared), name="parameter"),
    )
    if profile is not None:
        expected = {k: _default_value(spec["default"]) for k, spec in declared.items()}
        expected.update(profile_parameters(notebook_path, profile, root))
        given = run_values(notebook_path, values) if values is not None else expected
        table.insert(0, "this build", [repr(given[k]) for k in table.index])
        table.insert(1, "changed", [not _same(given[k], expected[k]) for k in table.index])
    return table


def run_values(notebook_path: str | Path, values: Mapping) -> dict:
    """The declared parameters' values in ``values`` (a notebook's ``globals()``), in cell order.

    A name missing from ``values`` keeps the notebook's default.
    """
    import papermill

    declared = papermill.inspect_notebook(str(notebook_path))
    return {
        k: values[k] if k in values else _default_value(spec["default"])
        for k, spec in declared.items()
    }


def changed_parameters(notebook_path: str | Path, values: Mapping) -> dict:
    """The declared parameters whose value in ``values`` differs from the notebook's default.

    What ``papermill -p`` must pass to reproduce the run (see :func:`papermill_command`).
    """
    import papermill

    declared = papermill.inspect_notebook(str(notebook_path))
    given = run_values(notebook_path, values)
    return {k: v for k, v in given.items() if not _same(v, _default_value(declared[k]["default"]))}


def profile_parameters(
    notebook_path: str | Path, profile: str, root: str | Path | None = None
) -> dict:
    """The parameters the runner gives ``notebook_path`` under ``profile`` (the runner's own rule).

    Empty when ``profile`` has no profile file (a name given with ``-p profile`` only).
    """
    from ..errors import ConfigError
    from ..runner import load_profile, notebook_parameters, profile_path

    root = Path(root or ROOT)
    try:
        path = profile_path(profile, root)
    except ConfigError:  # only a missing file; a broken one still raises below
        return {}
    return notebook_parameters(Path(notebook_path), load_profile(path, root))


def papermill_command(
    notebook_path: str | Path, params: dict | None = None, out: str | Path | None = None
) -> str:
    """A copyable shell command that re-runs one notebook with papermill from the repository root.

    Scalars are passed with ``-p`` (papermill types numbers and booleans itself; strings are kept
    strings with ``-r``), lists and dicts with ``-y`` as YAML.
    """
    nb = Path(notebook_path)
    src = nb.relative_to(ROOT) if nb.is_absolute() and nb.is_relative_to(ROOT) else nb
    out = out if out is not None else Path("book") / nb.name
    parts = ["papermill", str(src), str(out), "-k", "python3"]
    for key, value in (params or {}).items():
        if isinstance(value, str):
            parts += ["-r", key, value]
        elif isinstance(value, bool | int | float) or value is None:
            parts += ["-p", key, repr(value)]
        else:
            parts += ["-y", f"{key}: {json.dumps(value)}"]
    return " ".join(shlex.quote(p) for p in parts)


def profile_commands(profile: str | Path, root: str | Path | None = None) -> list[str]:
    """One papermill command per notebook, in order, with the parameters ``profile`` gives each.

    The same parameters the runner (``painsign book --profile ...``) would pass, written out so
    a researcher can run, inspect or schedule each chapter on its own (e.g. on a GPU node).
    """
    from ..runner import load_profile, notebook_parameters, notebook_paths

    root = Path(root or ROOT)
    prof = load_profile(profile, root)
    return [papermill_command(nb, notebook_parameters(nb, prof)) for nb in notebook_paths(root)]


def main(argv: list[str] | None = None) -> int:
    """``python -m painsign_utils.report commands PROFILE``: print the papermill commands of a profile."""
    import argparse

    from ..errors import PainsignError

    parser = argparse.ArgumentParser(
        prog="python -m painsign_utils.report",
        description="Print the papermill command of every chapter under a profile.",
    )
    parser.add_argument("action", choices=["commands"])
    parser.add_argument("profile", help="smoke, demo, paper, or a profile YAML file")
    args = parser.parse_args(argv)
    try:
        print("\n".join(profile_commands(args.profile)))
    except PainsignError as exc:
        print(f"painsign: error: {exc}")
        return 2
    return 0
