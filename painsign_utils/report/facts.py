"""Facts of a build: which profile, data and starting weights produced it, and how long it took.

Numbers and tables only, read from the runner's ``run_*.json`` and ``timings.csv``, the executed
notebooks' papermill metadata, chapter 02's ``tables/model_starts.csv`` and the registry; chapter
09 says what they mean.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..storage import artifacts_dir
from .common import ROOT, model_names
from .timings import load_timings


def _papermill_parameters(path: Path) -> dict | None:
    try:
        meta = json.loads(path.read_text()).get("metadata", {}).get("papermill", {})
    except (OSError, json.JSONDecodeError):
        return None
    return meta.get("parameters") or {}


def _parameters(profile: str, art: Path, book_dir: Path) -> dict[str, dict]:
    """Parameters per chapter: the runner's ``run_*.json`` (oldest first), then the executed notebooks."""
    out: dict[str, dict] = {}
    for path in sorted(art.glob("run_*.json"), key=lambda p: p.stat().st_mtime):
        out.update(json.loads(path.read_text()).get("params", {}))
    for path in sorted(book_dir.glob("[0-9][0-9]_*.ipynb")):
        params = _papermill_parameters(path)
        if params is not None and params.get("profile") == profile:
            out[path.stem] = params
    return out


def _description(profile: str, art: Path, root: Path) -> str:
    """The profile's one-line description (from its YAML file, as the runner recorded it)."""
    for path in sorted(art.glob("run_*.json"), key=lambda p: p.stat().st_mtime, reverse=True):
        text = json.loads(path.read_text()).get("description")
        if text:
            return str(text)
    try:
        from ..runner import load_profile

        return str(load_profile(profile, root)["description"])
    except Exception:  # noqa: BLE001 - a profile without a YAML file has no description
        return ""


def chapter_table(art: Path, params: dict[str, dict]) -> pd.DataFrame:
    """One row per chapter: seconds and start (``fresh``/``cached``) of its latest run in
    ``timings.csv`` (exactly as recorded; NaN when not timed) and its parameters."""
    timings = load_timings(art)
    latest = timings.groupby("notebook", sort=True)[["seconds", "start"]].last()
    names = sorted(set(latest.index) | set(params))
    return pd.DataFrame(
        {
            "notebook": names,
            "seconds": [latest["seconds"].get(n) for n in names],
            "start": [latest["start"].get(n, "–") for n in names],
            "parameters": [
                ", ".join(
                    f"{k}={v!r}" for k, v in sorted(params.get(n, {}).items()) if k != "profile"
                )
                for n in names
            ],
        }
    )


def dataset_table(art: Path) -> pd.DataFrame:
    """Samples and newborns per data set of the manifests: ``dataset, kind, samples, newborns``."""
    rows = []
    for kind in ("images", "videos"):
        path = art / "manifests" / f"{kind}.csv"
        if path.exists():
            df = pd.read_csv(path)
            for name, g in df.groupby("dataset", sort=False):
                rows.append((str(name), kind, len(g), int(g["subject"].nunique())))
    return pd.DataFrame(rows, columns=["dataset", "kind", "samples", "newborns"])


def start_table(art: Path) -> pd.DataFrame:
    """Each trained model's start in this build beside the paper's.

    Returns
    -------
    DataFrame indexed by display name: ``start`` (chapter 02's ``tables/model_starts.csv``),
    ``paper start`` (the registry's pretrained source, ``scratch`` when none), ``input size``
    (``training/best_models.csv``) and ``paper input size`` (the registry). Empty before chapter
    02 has run.
    """
    from ..registry import get_spec

    cols = ["model", "start", "paper start", "input size", "paper input size"]
    path = art / "tables" / "model_starts.csv"
    if not path.exists():
        return pd.DataFrame(columns=cols).set_index("model")
    starts = pd.read_csv(path)
    best = art / "training" / "best_models.csv"
    sizes = (
        pd.read_csv(best).set_index("model")["input_size"]
        if best.exists()
        else pd.Series(dtype=int)
    )
    rows = [
        (
            model_names().get(m, m),
            start,
            get_spec(m).pretrained or "scratch",
            sizes.get(m, float("nan")),
            get_spec(m).input_size,
        )
        for m, start in zip(starts["model"], starts["start"])
    ]
    return pd.DataFrame(rows, columns=cols).set_index("model")


def build_info(profile: str, root: str | Path | None = None, art: str | Path | None = None) -> dict:
    """Which profile, data and weights produced a build, and how long its chapters took.

    Returns
    -------
    dict
        ``profile``; ``description`` (the profile's); ``data_source`` (``"synthetic"``, ``"real"``
        or None before chapter 00); ``datasets`` (:func:`dataset_table`); ``starts``
        (:func:`start_table`); ``chapters`` (:func:`chapter_table`); ``n_chapters`` (notebooks of
        the book); ``n_timed`` (chapters in ``timings.csv``); ``fresh_minutes`` (their latest fresh
        runs, summed; None when none) and ``cached`` (chapters whose latest run reused cached
        work); ``cpus`` (of the latest timed run, or None).
    """
    from ..data import is_synthetic
    from ..runner import notebook_paths

    root = Path(root) if root is not None else ROOT
    art = Path(art) if art is not None else artifacts_dir(profile)
    chapters = chapter_table(art, _parameters(profile, art, root / "book"))
    timed = chapters[chapters["seconds"].notna()]
    fresh = timed[timed["start"] == "fresh"]
    timings = load_timings(art)
    datasets = dataset_table(art)
    source = None
    if len(datasets):
        source = "synthetic" if is_synthetic(datasets["dataset"]) else "real"
    return {
        "profile": profile,
        "description": _description(profile, art, root),
        "data_source": source,
        "datasets": datasets,
        "starts": start_table(art),
        "chapters": chapters,
        "n_chapters": len(notebook_paths(root)),
        "n_timed": len(timed),
        "fresh_minutes": round(float(fresh["seconds"].sum()) / 60, 1) if len(fresh) else None,
        "cached": timed.loc[timed["start"] == "cached", "notebook"].tolist(),
        "cpus": int(timings["cpus"].iloc[-1]) if len(timings) else None,
    }


def built_profile(book_dir: str | Path | None = None) -> str | None:
    """The profile the executed notebooks in ``book/`` ran under (the most common one), or None."""
    from collections import Counter

    book_dir = Path(book_dir) if book_dir is not None else ROOT / "book"
    seen = Counter()
    for path in book_dir.glob("[0-9][0-9]_*.ipynb"):
        params = _papermill_parameters(path) or {}
        if params.get("profile"):
            seen[params["profile"]] += 1
    return seen.most_common(1)[0][0] if seen else None
