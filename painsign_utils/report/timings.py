"""How long the chapters took: the runner's ``timings.csv``, fresh runs kept apart from cached re-runs."""

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


def run_time_line(timings: pd.DataFrame | None, n_chapters: int) -> str:
    """One sentence on how long this build's chapters took, never passing a re-run off as fresh.

    Parameters
    ----------
    timings : DataFrame or None
        :func:`load_timings` output.
    n_chapters : int
        Chapters executed under the profile (from :func:`build_info`).
    """
    if timings is None or timings.empty:
        return (
            f"{n_chapters} (execution times not recorded by the runner: whether they were "
            "fresh or reused cached work is unknown)"
        )
    latest = timings.groupby("notebook", sort=True).last()
    cpus = latest["cpus"].iloc[-1]
    timed = (
        f"{n_chapters}"
        if len(latest) >= n_chapters
        else f"{n_chapters}, of which the runner timed {len(latest)}"
    )
    fresh = _latest(timings, "fresh")
    if fresh.empty:
        head = "no fresh run is recorded on this machine"
    elif set(latest.index) <= set(fresh.index):
        head = f"a fresh run (nothing cached) took {fresh.sum() / 60:.1f} min on {cpus} CPU cores"
    else:
        head = (
            f"a fresh run of {len(fresh)} of them took {fresh.sum() / 60:.1f} min on {cpus} CPU "
            "cores"
        )
    rerun = latest[latest["start"] == "cached"]
    if rerun.empty:
        return f"{timed}; {head}"
    return (
        f"{timed}; {head}; re-run since, reusing cached work: {', '.join(rerun.index)} "
        f"({rerun['seconds'].sum() / 60:.1f} min, not the time of a fresh run)"
    )


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
