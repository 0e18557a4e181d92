"""How long the chapters took (the runner's ``timings.csv``, fresh runs kept apart from cached
re-runs) and what re-running some of them, as an exercise does, costs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def load_timings(art: str | Path) -> pd.DataFrame:
    """The runner's ``timings.csv`` of one artifacts folder (empty table when absent).

    One row per chapter execution: ``profile, notebook, seconds, start, finished, cpus``; ``start``
    is ``fresh`` (the run began with an empty artifacts folder) or ``cached`` (earlier work could
    be reused). See :func:`painsign_utils.runner.record_timing`.
    """
    from ..runner import TIMING_COLUMNS

    path = Path(art) / "timings.csv"
    if not path.exists():
        return pd.DataFrame(columns=TIMING_COLUMNS)
    try:
        table = pd.read_csv(path, dtype={"notebook": str, "profile": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        return pd.DataFrame(columns=TIMING_COLUMNS)
    table["seconds"] = pd.to_numeric(table["seconds"], errors="coerce")
    return table


def _latest(timings: pd.DataFrame, start: str | None = None) -> pd.Series:
    rows = timings if start is None else timings[timings["start"] == start]
    return rows.groupby("notebook", sort=True)["seconds"].last()


def timing_table(roots: list[str | Path] | None = None, text: bool = False) -> pd.DataFrame:
    """Fresh-run and cached re-run minutes per chapter and profile, from every ``timings.csv``.

    Parameters
    ----------
    roots : list of path, optional
        Artifacts folders to read; default every ``artifacts/*/`` of this checkout.
    text : bool
        Return display text: minutes with one decimal, "–" where no run of that kind is recorded.

    Returns
    -------
    DataFrame indexed by chapter, two columns per profile found (``<profile> fresh (min)``,
    ``<profile> cached (min)``): the most recent time of each kind, NaN where none is recorded.
    """
    if roots is None:
        import os

        from ..storage import ARTIFACTS_ENV

        base = Path(os.environ.get(ARTIFACTS_ENV, "artifacts"))
        roots = sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    cols = {}
    for root in roots:
        t = load_timings(root)
        if t.empty:
            continue
        prof = str(t["profile"].iloc[-1])
        for start in ("fresh", "cached"):
            cols[f"{prof} {start} (min)"] = (_latest(t, start) / 60).round(1)
    if not cols:
        return pd.DataFrame()
    table = pd.DataFrame(cols)
    table.index.name = "chapter"
    if text:
        table = table.apply(lambda col: col.map(lambda v: "–" if pd.isna(v) else f"{v:.1f}"))
    return table


#: An exercise whose re-run took less than this many minutes in the build fits in a class.
IN_CLASS_MINUTES = 2.0


def _chapter_seconds(timings: pd.DataFrame) -> pd.Series:
    """Seconds per chapter: its latest fresh run, else its latest run of any kind."""
    return _latest(timings, "fresh").combine_first(_latest(timings))


def rerun_minutes(
    profile: str,
    first: str,
    last: str | None = None,
    art: str | Path | None = None,
    root: str | Path | None = None,
) -> float:
    """Minutes this build spent on chapters ``first`` to ``last``: what re-running them costs.

    Parameters
    ----------
    profile : str
        The build whose ``timings.csv`` is read (``artifacts/<profile>/``).
    first, last : str
        Chapter numbers (``"04"``) or stems, both included; ``last`` defaults to ``first`` (the
        chapter alone).
    art : path, optional
        The artifacts folder to read instead of the profile's.
    root : path, optional
        The project whose ``notebooks/`` lists the chapters; default this checkout.

    Returns
    -------
    float
        Minutes (a chapter's latest fresh run, else its latest run), NaN when a chapter of the
        range has no recorded time (a chapter run alone by plain papermill records none).
    """
    from ..errors import PainsignError
    from ..runner import notebook_paths
    from ..storage import artifacts_dir
    from .common import ROOT

    try:
        folder = Path(art) if art is not None else artifacts_dir(profile, create=False)
    except PainsignError:  # no project folder, or not a profile name: nothing was timed
        return float("nan")
    lo, hi = first[:2], (last or first)[:2]
    chapters = [p.stem for p in notebook_paths(Path(root or ROOT)) if lo <= p.stem[:2] <= hi]
    seconds = _chapter_seconds(load_timings(folder))
    if not chapters or not set(chapters) <= set(seconds.dropna().index):
        return float("nan")
    return float(seconds[chapters].sum() / 60)


def rerun_category(minutes: float) -> str:
    """``"in class"`` under :data:`IN_CLASS_MINUTES`, ``"homework"`` from there, ``"–"`` when untimed."""
    if pd.isna(minutes):
        return "–"
    return "in class" if minutes < IN_CLASS_MINUTES else "homework"


def exercise_times(
    profile: str,
    spans: dict[int, tuple[str, str]],
    art: str | Path | None = None,
    root: str | Path | None = None,
) -> pd.DataFrame:
    """What each exercise of a chapter re-runs and how long that took in this build, to glue.

    Parameters
    ----------
    profile : str
        The build whose ``timings.csv`` is read.
    spans : dict
        Exercise number -> (first, last) chapter it re-runs, e.g. ``{1: ("04", "04")}``.
    art, root : path, optional
        As in :func:`rerun_minutes`.

    Returns
    -------
    DataFrame indexed by exercise number: ``first``, ``last``, ``minutes`` (float, NaN when
    untimed), ``shown`` (minutes with one decimal, "–" when untimed) and ``when``
    (:func:`rerun_category`).
    """
    rows = {}
    for i, (first, last) in spans.items():
        minutes = rerun_minutes(profile, first, last, art=art, root=root)
        rows[i] = {
            "first": first,
            "last": last,
            "minutes": minutes,
            "shown": "–" if pd.isna(minutes) else f"{minutes:.1f}",
            "when": rerun_category(minutes),
        }
    table = pd.DataFrame.from_dict(
        rows, orient="index", columns=["first", "last", "minutes", "shown", "when"]
    )
    table.index.name = "exercise"
    return table
