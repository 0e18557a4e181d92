"""Re-running a chapter: its ``parameters`` cell as a table, the papermill command, every command of a profile.

:func:`main` is ``python -m painsign_utils.report commands PROFILE``.
"""

from __future__ import annotations

import json
import shlex
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


def parameters_table(
    notebook_path: str | Path, profile: str | None = None, root: str | Path | None = None
) -> pd.DataFrame:
    """The notebook's ``parameters`` cell as a table, with the values a profile gives it.

    Parameters
    ----------
    notebook_path : path
        A source notebook (``notebooks/NN_name.ipynb``).
    profile : str, optional
        Adds the column ``this build``: the value the runner passes under that profile, or
        "default" when the profile leaves the notebook's default.

    Returns
    -------
    DataFrame indexed by parameter name with columns ``default``, ``meaning`` (the comment in the
    parameters cell) and, with a profile, ``this build``.
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
        given = profile_parameters(notebook_path, profile, root)
        table.insert(
            0, "this build", [repr(given[k]) if k in given else "default" for k in table.index]
        )
    return table


def profile_parameters(
    notebook_path: str | Path, profile: str, root: str | Path | None = None
) -> dict:
    """The parameters the runner gives ``notebook_path`` under ``profile`` (the runner's own rule)."""
    from ..runner import load_profile, notebook_parameters

    return notebook_parameters(Path(notebook_path), load_profile(profile, Path(root or ROOT)))


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
