"""A chapter's setup: its parameters against its profile, the artifacts folder it uses, what it needs.

Every notebook's setup cell calls :func:`chapter_artifacts`. The rule is the same for the book
runner, for plain ``papermill`` from any folder and for JupyterLab:

* A run whose parameter values are its profile's (``profiles/<profile>.yml`` over the notebook's
  defaults; a profile without a YAML file has the defaults) reads and writes
  ``artifacts/<profile>/``, the folder the built book shows.
* A run with other values (an exercise, an experiment) never writes there. It uses
  ``artifacts/<profile>+<digest of the values that differ>/``, made on first use as a hard-linked
  copy of ``artifacts/<profile>/`` (no file's bytes are copied). Every writer of this package
  replaces a file by renaming a new one onto its name (:func:`storage.atomic_path`), never writes
  into an existing file, so rewriting a file of the copy leaves the book's file untouched.
  The chapters after it follow the experiment with ``-p artifacts_dir <that folder>``.
* The ``artifacts_dir`` parameter, when not empty, names the folder outright (relative to the
  artifacts root, or absolute): the run reads and writes there, whatever its values.

Parameters that choose only where the work runs (:data:`EXECUTION_ONLY`) never make a run an
experiment: the tables do not depend on them.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .runner import PROFILE_FILE_ENV, ROOT, load_profile, notebook_parameters
from .storage import artifacts_dir, artifacts_root, check_profile_name

#: Parameters that say where or how the work runs, not what it computes (same tables either way).
EXECUTION_ONLY = frozenset({"artifacts_dir", "dask_workers", "scheduler", "only_folds"})

#: Per chapter, the file whose presence says the chapter has run (the table later chapters read).
CHAPTER_OUTPUTS: dict[str, str] = {
    "00_data": "manifests/videos.csv",
    "01_preprocessing": "faces/videos.csv",
    "02_training": "training/best_models.csv",
    "03_test_evaluation": "tables/video_summary.csv",
    "04_pain_sign": "tables/pearson_r.csv",
    "05_sign_clustering": "clustering/sign_types.pkl",
}

#: Top-level entries of a profile's folder an experiment does not take over: the runner's records
#: of the book's own run (progress bars, failed notebooks).
NOT_COPIED = frozenset({"progress", "failed"})
#: Files the runner appends to in place: copied, not linked, so the two folders never share them.
COPIED = frozenset({"timings.csv"})


class ChapterNotRunError(ConfigError):
    """An earlier chapter has not run in this artifacts folder; the message names it."""

    def _render_traceback_(self) -> list[str]:
        # IPython (JupyterLab, papermill) shows this one line instead of a traceback.
        return [f"{type(self).__name__}: {self}"]


def notebook_defaults(notebook: str | Path) -> dict[str, Any]:
    """The values of a notebook's ``parameters`` cell (its defaults), parsed, never executed."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise ConfigError(f"{Path(notebook).name}: expected one cell tagged 'parameters'")
    values = {}
    for node in ast.parse(cells[0].source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                values[target.id] = ast.literal_eval(node.value)
    return values


def profile_file(profile: str) -> Path | None:
    """The YAML file that defines ``profile``, or None when the profile is only a folder name.

    The book runner names the file it runs in ``$PAINSIGN_PROFILE_FILE`` (a profile may live
    outside ``profiles/``); otherwise ``profiles/<profile>.yml`` of the project, when it exists.
    """
    env = os.environ.get(PROFILE_FILE_ENV)
    if env and Path(env).is_file() and load_profile(env)["common"].get("profile") == profile:
        return Path(env)
    path = ROOT / "profiles" / f"{profile}.yml"
    return path if path.is_file() else None


def profile_values(stem: str, profile: str) -> dict[str, Any]:
    """Every parameter value ``profile`` gives chapter ``stem``: the notebook's defaults, then the
    profile's common and chapter keys (what ``painsign book --profile <profile>`` injects).

    A profile without a YAML file gives the defaults (with ``profile`` set to its name). Without
    the project's notebooks (a bare install) only the profile's own keys are known.
    """
    nb = ROOT / "notebooks" / f"{stem}.ipynb"
    values = notebook_defaults(nb) if nb.is_file() else {}
    values["profile"] = profile
    path = profile_file(profile)
    if path is not None and nb.is_file():
        values.update(notebook_parameters(nb, load_profile(path)))
    return values


def changed_values(stem: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of ``values`` (a notebook's ``globals()``) that differ from its profile's,
    :data:`EXECUTION_ONLY` left out; empty for a run of the profile itself."""
    expected = profile_values(stem, values["profile"])
    return {
        k: values[k]
        for k in sorted(expected)
        if k not in EXECUTION_ONLY and k in values and values[k] != expected[k]
    }


def experiment_name(profile: str, changed: Mapping[str, Any]) -> str:
    """``<profile>+<8 hex digits>``: the same changed values always give the same folder."""
    text = json.dumps(dict(changed), sort_keys=True, default=repr)
    return f"{profile}+{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def _link_or_copy(src: str, dest: str) -> None:
    if Path(src).name in COPIED:
        shutil.copy2(src, dest)
        return
    try:
        os.link(src, dest)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(src, dest)


def link_copy(src: str | Path, dest: str | Path) -> Path:
    """Make ``dest`` a copy of folder ``src`` whose files are hard links (nothing is copied).

    Built under a temporary name and renamed into place, so a half-made copy never appears;
    ``dest`` is left as it is when it exists. Entries of :data:`NOT_COPIED` are left out; a missing
    ``src`` gives an empty ``dest``.
    """
    src, dest = Path(src), Path(dest)
    if dest.exists():
        return dest
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    if src.is_dir():

        def skip(folder: str, names: list[str]) -> list[str]:
            top = Path(folder) == src
            return [n for n in names if (top and n in NOT_COPIED) or ".tmp" in n]

        shutil.copytree(src, tmp, copy_function=_link_or_copy, ignore=skip)
    else:
        tmp.mkdir(parents=True)
    try:
        tmp.rename(dest)
    except OSError:  # made meanwhile by another run
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def require_chapters(art: str | Path, stems: Iterable[str]) -> None:
    """Raise :class:`ChapterNotRunError` (one line) unless every chapter of ``stems`` ran in ``art``."""
    art = Path(art)
    missing = [s for s in stems if not (art / CHAPTER_OUTPUTS[s]).is_file()]
    if missing:
        raise ChapterNotRunError(
            f"run chapter {', '.join(missing)} first: {art} has no "
            f"{', '.join(CHAPTER_OUTPUTS[s] for s in missing)}"
        )


def chapter_artifacts(stem: str, values: Mapping[str, Any], needs: Iterable[str] = ()) -> Path:
    """The artifacts folder chapter ``stem`` reads and writes, given its parameter values.

    Call it in the notebook's setup cell, before any parameter is reassigned::

        art = chapters.chapter_artifacts("04_pain_sign", globals(), needs=["03_test_evaluation"])

    Parameters
    ----------
    stem : str
        The notebook's name without ``.ipynb``.
    values : mapping
        The notebook's ``globals()``: ``profile``, ``artifacts_dir`` and its other parameters.
    needs : iterable of str
        Earlier chapters whose outputs this one reads (:data:`CHAPTER_OUTPUTS`).

    Returns
    -------
    Path
        ``artifacts/<profile>`` for the profile's own values, the experiment's folder otherwise
        (module docstring), or ``artifacts_dir`` when given. An experiment prints one line naming
        its folder and how later chapters follow it.
    """
    profile = check_profile_name(values["profile"])
    given = str(values.get("artifacts_dir") or "")
    if given:
        art = Path(given).expanduser()
        art = art if art.is_absolute() else artifacts_root() / art
    else:
        changed = changed_values(stem, values)
        if not changed:
            art = artifacts_dir(profile, create=False)
        else:
            art = artifacts_root() / experiment_name(profile, changed)
            link_copy(artifacts_dir(profile, create=False), art)
            print(
                f"experiment ({', '.join(changed)} differ from profile {profile}): artifacts in "
                f"{art}; later chapters follow it with -p artifacts_dir {art.name}"
            )
    require_chapters(art, needs)
    art.mkdir(parents=True, exist_ok=True)
    return art
