"""The book runner: execute the ordered notebooks with papermill under a profile, then build the book.

A profile (``profiles/<name>.yml``) says which parameters each notebook gets::

    description: one line shown in the book
    common:            # offered to every notebook that declares the parameter
      profile: demo
      seed: 0
    notebooks:
      00_data: {synthetic_scale: 1.0}
      02_training: {max_epochs: 30}

papermill only warns about a parameter a notebook does not declare; the runner refuses it instead,
so a typo in a profile cannot silently run the defaults. Jupyter Book only renders: the executed
copies are written to ``book/`` and ``_config.yml`` has ``execute_notebooks: 'off'``.

A notebook that fails is kept, with its outputs and traceback, at
``artifacts/<profile>/failed/NN_name.ipynb``; the error line names that file and the failing cell's
error. A profile with ``common: {require_weights: true}`` (the paper profile) stops before anything
runs when a model's pretrained weights are absent, instead of training it from a random start.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from . import executions
from .errors import ConfigError, PainsignError
from .pages import finish_page
from .progress import PROGRESS_FILE_ENV, ProgressWatcher
from .storage import artifacts_dir, atomic_path, write_json

#: Repository root (the folder holding ``notebooks/``, ``profiles/``, ``_toc.yml``).
ROOT = Path(__file__).resolve().parent.parent
#: The profile file the runner executes a chapter under, for the kernel
#: (:func:`painsign_utils.chapters.profile_file`: a profile may live outside ``profiles/``).
PROFILE_FILE_ENV = "PAINSIGN_PROFILE_FILE"


def profile_path(name: str | Path, root: Path = ROOT) -> Path:
    """``profiles/<name>.yml``, or ``name`` itself when it is a path to a YAML file."""
    path = Path(name)
    if path.suffix in (".yml", ".yaml") and path.exists():
        return path
    path = root / "profiles" / f"{name}.yml"
    if not path.exists():
        known = sorted(p.stem for p in (root / "profiles").glob("*.yml"))
        raise ConfigError(f"unknown profile {str(name)!r}; known profiles: {', '.join(known)}")
    return path


def load_profile(name: str | Path, root: Path = ROOT) -> dict:
    """Read and check a profile; returns ``{"name", "description", "common", "notebooks"}``."""
    path = profile_path(name, root)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    unknown = set(data) - {"description", "common", "notebooks"}
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key(s) {', '.join(sorted(unknown))}")
    common = data.get("common") or {}
    notebooks = data.get("notebooks") or {}
    if not isinstance(common, dict) or not isinstance(notebooks, dict):
        raise ConfigError(f"{path}: 'common' and 'notebooks' must be mappings")
    common.setdefault("profile", Path(path).stem)
    return {
        "name": Path(path).stem,
        "description": data.get("description", ""),
        "common": common,
        "notebooks": {k: v or {} for k, v in notebooks.items()},
    }


#: Chapters that sum up the others: they run after every other chapter, whatever their number
#: (the comparison with the paper and the methods ledger read chapter 11's tables too).
SUMMARY_CHAPTERS = ("09_paper_comparison", "10_methods_ledger")


def notebook_paths(root: Path = ROOT) -> list[Path]:
    """Source notebooks (``notebooks/NN_name.ipynb``) in execution order: by number, except that
    the :data:`SUMMARY_CHAPTERS` run last (the book's table of contents keeps the numbers' order)."""
    paths = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    return sorted(paths, key=lambda p: p.stem in SUMMARY_CHAPTERS)  # stable: numbers' order kept


def notebook_parameters(nb: Path, profile: dict) -> dict:
    """The parameters ``profile`` gives notebook ``nb``; unknown names raise :class:`ConfigError`."""
    import papermill

    declared = papermill.inspect_notebook(str(nb))
    if not declared:
        raise ConfigError(f"{nb.name}: no cell tagged 'parameters'")
    params = {k: v for k, v in profile["common"].items() if k in declared}
    specific = profile["notebooks"].get(nb.stem, {})
    unknown = sorted(set(specific) - set(declared))
    if unknown:
        raise ConfigError(
            f"profile {profile['name']!r} gives {nb.stem} unknown parameter(s) {', '.join(unknown)}; "
            f"it declares {', '.join(sorted(declared))}"
        )
    params.update(specific)
    return params


def execute(
    nb: Path,
    params: dict,
    out_dir: Path,
    kernel: str = "python3",
    failed_dir: Path | None = None,
    progress_file: Path | None = None,
    profile_file: Path | None = None,
) -> Path:
    """Execute one notebook with papermill; the executed copy appears in ``out_dir`` only if it succeeds.

    When it fails and ``failed_dir`` is given, the partly executed copy (outputs and traceback) is
    kept as ``failed_dir/<name>.ipynb`` and the error line names it. With ``progress_file``, the
    kernel's progress bars (and those of the processes it starts) append their records there
    (``$PAINSIGN_PROGRESS_FILE``, :mod:`painsign_utils.progress`). With ``profile_file``, the
    kernel learns which profile's values ``params`` are (``$PAINSIGN_PROFILE_FILE``), so that the
    chapter writes into that profile's artifacts folder (:mod:`painsign_utils.chapters`).
    """
    import papermill

    out = out_dir / nb.name
    # The kernel inherits these: Jupyter's inline backend (headless, and unlike plain Agg it puts
    # every shown figure into the executed notebook), and no progress bars in the rendered pages
    # (their records go to the progress file instead, when there is one).
    saved = {
        k: os.environ.get(k)
        for k in ("MPLBACKEND", "PAINSIGN_PROGRESS", PROGRESS_FILE_ENV, PROFILE_FILE_ENV)
    }
    os.environ.update(MPLBACKEND="module://matplotlib_inline.backend_inline", PAINSIGN_PROGRESS="0")
    if progress_file is not None:
        os.environ[PROGRESS_FILE_ENV] = str(progress_file)
    if profile_file is not None:
        os.environ[PROFILE_FILE_ENV] = str(Path(profile_file).resolve())
    kept: Path | None = None
    try:
        with atomic_path(out) as tmp:
            try:
                papermill.execute_notebook(
                    str(nb),
                    str(tmp),
                    parameters=params,
                    kernel_name=kernel,
                    cwd=str(ROOT),
                    progress_bar=False,
                    report_mode=False,
                    # The kernel's own log (a TCP-encryption warning on every start, a
                    # KeyboardInterrupt line on shutdown) is noise between the progress lines;
                    # a cell's error still reaches us through the notebook.
                    extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                )
            except papermill.PapermillExecutionError:
                kept = _keep_failed(tmp, failed_dir, nb.name)
                raise
    except papermill.PapermillExecutionError as exc:
        where = f" (kept: {kept})" if kept else ""
        evalue = str(exc.evalue).strip().splitlines()[0] if str(exc.evalue).strip() else ""
        raise PainsignError(
            f"{nb.name} failed in cell {exc.exec_count}: {exc.ename}: {evalue}{where}"
        ) from None
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return out


def _keep_failed(executed: Path, failed_dir: Path | None, name: str) -> Path | None:
    """Copy a failed notebook's executed copy (with its traceback) to ``failed_dir/name``."""
    if failed_dir is None or not executed.is_file() or executed.stat().st_size == 0:
        return None
    dest = failed_dir / name
    with atomic_path(dest) as tmp:
        shutil.copyfile(executed, tmp)
    return dest


def check_required_weights(prof: dict, notebooks: list[Path]) -> None:
    """With ``require_weights: true``, stop before anything runs when pretrained weights are absent.

    The models are those chapter 02 trains (its ``models`` parameter); the check runs only when
    02_training is among the notebooks to execute. The kernels inherit
    ``PAINSIGN_REQUIRE_WEIGHTS=1`` so that a model built later fails the same way.
    """
    if not prof["common"].get("require_weights"):
        return  # an explicit PAINSIGN_REQUIRE_WEIGHTS=1 in the environment still applies
    os.environ["PAINSIGN_REQUIRE_WEIGHTS"] = "1"
    if not any(nb.stem.startswith("02") for nb in notebooks):
        return
    from .models import require_pretrained
    from .registry import list_models

    training = next((v for k, v in prof["notebooks"].items() if k.startswith("02")), {})
    require_pretrained(training.get("models") or list_models())


#: Columns of ``artifacts/<profile>/timings.csv``, one row per chapter execution.
TIMING_COLUMNS = ["profile", "notebook", "seconds", "start", "finished", "cpus"]


def artifacts_are_empty(art: Path) -> bool:
    """True when ``art`` holds no file yet: a run starting now computes everything (a fresh run).

    The chapters' progress records (``progress/``) are not results and do not count.
    """
    files = (p for p in Path(art).rglob("*") if p.is_file())
    return not any(p.relative_to(art).parts[0] != "progress" for p in files)


def record_timing(art: Path, profile: str, notebook: str, seconds: float, fresh: bool) -> None:
    """Append one chapter execution to ``art/timings.csv``.

    ``start`` is ``fresh`` when the run began with an empty artifacts folder (nothing to reuse)
    and ``cached`` otherwise (trained folds, detections and probabilities may have been reused), so
    the book never quotes a cached re-run as the time a fresh run takes.
    """
    path = Path(art) / "timings.csv"
    new = not path.exists()
    with path.open("a", newline="") as fh:
        writer = csv.writer(fh)
        if new:
            writer.writerow(TIMING_COLUMNS)
        writer.writerow(
            [
                profile,
                notebook,
                f"{seconds:.1f}",
                "fresh" if fresh else "cached",
                time.strftime("%Y-%m-%dT%H:%M:%S"),
                os.cpu_count(),
            ]
        )


def timing_table(seconds: dict[str, float]) -> list[str]:
    """Lines of a table of each chapter's seconds and minutes, and their total."""
    rows = [*seconds.items(), ("total", sum(seconds.values()))]
    width = max(len(name) for name, _ in rows)
    lines = [f"[painsign] {'chapter':<{width}}  {'seconds':>8}  {'minutes':>7}"]
    return lines + [f"[painsign] {k:<{width}}  {s:>8.1f}  {s / 60:>7.1f}" for k, s in rows]


def build_html(root: Path = ROOT) -> Path:
    """Render the book with Jupyter Book (offline; warnings are errors); returns ``index.html``."""
    exe = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or shutil.which(
        "jupyter-book"
    )
    if exe is None:
        raise ConfigError("jupyter-book is not installed in this environment")
    cmd = [exe, "build", str(root), "-n", "-W", "--keep-going", "--quiet"]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        # One line (the CLI prints one): the first warning or error, and how to see them all.
        text = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
        problems = [ln.strip() for ln in text.splitlines() if "WARNING" in ln or "ERROR" in ln]
        first = problems[0] if problems else (text.strip().splitlines() or ["no output"])[-1]
        raise PainsignError(
            f"jupyter-book build failed ({len(problems)} warning(s)/error(s)); first: {first} "
            f"— run `jupyter-book build . -n -W --keep-going` to see all"
        )
    index = root / "_build" / "html" / "index.html"
    if not index.exists():
        raise PainsignError("jupyter-book build finished without _build/html/index.html")
    return index


def _say(message: str) -> None:
    print(message, flush=True)


def run_book(
    profile: str | Path = "demo",
    only: list[str] | None = None,
    build: bool = True,
    root: Path = ROOT,
    log: Callable[[str], None] = _say,
    reuse: bool = True,
) -> dict:
    """Execute the notebooks in order under ``profile`` and build the HTML book.

    Parameters
    ----------
    profile : str or path
        Profile name (``smoke``, ``demo``, ``paper``) or a YAML file.
    only : list of str, optional
        Notebook name prefixes to run (e.g. ``["00", "01"]``); all by default.
    build : bool
        Also render the HTML with Jupyter Book.
    log : callable
        Receives each line to show (default: printed). While a chapter runs, a
        :class:`~painsign_utils.progress.ProgressWatcher` adds status lines (its progress bars, an
        ETA) at least every 20 s; on a terminal with the default ``log``, one line redrawn in place.
        The run ends with a table of each chapter's time.
    reuse : bool
        Keep a chapter's executed notebook, without executing it, when nothing it depends on has
        changed since it last executed (:mod:`painsign_utils.executions`); False executes every
        chapter (each still reuses its cached work inside).

    Returns
    -------
    dict
        Seconds per executed notebook, the reused ones (``reused``), and the path of
        ``index.html`` when built.
    """
    prof = load_profile(profile, root)
    notebooks = notebook_paths(root)
    if only:
        notebooks = [nb for nb in notebooks if any(nb.stem.startswith(o) for o in only)]
        if not notebooks:
            raise ConfigError(f"no notebook matches {', '.join(only)}")
    # Check every notebook's parameters before running anything long.
    plan = [(nb, notebook_parameters(nb, prof)) for nb in notebooks]
    check_required_weights(prof, notebooks)
    out_dir = root / "book"
    failed_dir = artifacts_dir(prof["common"]["profile"]) / "failed"
    timings: dict[str, float] = {}
    art = artifacts_dir(prof["common"]["profile"])
    fresh = artifacts_are_empty(art)
    interactive = log is _say and sys.stdout.isatty()
    source = executions.source_digest(Path(__file__).resolve().parent, root)
    every = notebook_paths(root)  # upstream files: of every chapter before, run now or earlier
    reused: list[str] = []
    for i, (nb, params) in enumerate(plan, 1):
        upstream = [executions.read_stamp(art, p.stem).get("files", {}) for p in every]
        key = executions.chapter_key(nb, params, source, upstream[: every.index(nb)])
        stamp = executions.reusable(art, nb.stem, key, out_dir / nb.name) if reuse else None
        if stamp is not None:
            reused.append(nb.stem)
            log(
                f"[painsign] {nb.stem} ({prof['name']}, {i}/{len(plan)}): unchanged since "
                f"{stamp['finished']}, reused (--force executes it again)"
            )
            continue
        log(f"[painsign] {nb.stem} ({prof['name']}, {i}/{len(plan)}) ...")
        start = time.perf_counter()
        stale = failed_dir / nb.name
        if stale.exists():  # an earlier failure of this notebook; this run decides again
            stale.unlink()
        progress_file = art / "progress" / f"{nb.stem}.jsonl"
        progress_file.parent.mkdir(exist_ok=True)
        progress_file.write_bytes(b"")  # this chapter's bars only
        kept = executions.read_stamp(art, nb.stem).get("files", {})
        executions.forget(art, nb.stem)
        before = executions.snapshot(art)
        with ProgressWatcher(progress_file, f"{nb.stem} {i}/{len(plan)}", log, interactive):
            executed = execute(
                nb,
                params,
                out_dir,
                failed_dir=failed_dir,
                progress_file=progress_file,
                profile_file=profile_path(profile, root),
            )
            finish_page(executed)
        written = executions.written_since(before, executions.snapshot(art), kept)
        finished = time.strftime("%Y-%m-%d %H:%M")
        executions.write_stamp(art, nb.stem, key, written, executed, finished)
        timings[nb.stem] = round(time.perf_counter() - start, 1)
        record_timing(art, prof["name"], nb.stem, timings[nb.stem], fresh)
        log(f"[painsign] {nb.stem} done in {timings[nb.stem]:.0f} s")
    write_json(
        {
            "profile": prof["name"],
            "description": prof["description"],
            "seconds": timings,
            "reused": reused,
            "fresh": fresh,
            "params": {nb.stem: p for nb, p in plan},
        },
        art / f"run_{'_'.join(only) if only else 'all'}.json",
    )
    result: dict = {"seconds": timings, "reused": reused}
    chapters = dict(timings)
    if build:
        start = time.perf_counter()
        with ProgressWatcher(None, "jupyter-book", log, interactive):
            result["index"] = build_html(root)
        timings["jupyter-book"] = round(time.perf_counter() - start, 1)
        log(f"[painsign] book built: {result['index']}")
    for line in timing_table(chapters) if chapters else []:
        log(line)
    if reused:
        log(f"[painsign] reused unchanged: {', '.join(reused)}")
    return result
