"""Facts of a build: which profile, data and weights produced it, and why its numbers differ from the paper's.

Read from the runner's ``run_*.json``, the executed notebooks' papermill metadata and the artifacts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..storage import artifacts_dir
from .common import ROOT, model_names
from .timings import load_timings, run_time_line


def _executed_notebooks(profile: str, book_dir: Path) -> dict[str, dict]:
    """Papermill metadata of the executed notebooks in ``book_dir`` that ran under ``profile``."""
    out = {}
    for path in sorted(book_dir.glob("[0-9][0-9]_*.ipynb")):
        try:
            meta = json.loads(path.read_text()).get("metadata", {}).get("papermill", {})
        except (OSError, json.JSONDecodeError):
            continue
        params = meta.get("parameters") or {}
        if params.get("profile") != profile:
            continue
        out[path.stem] = {
            "params": params,
            "seconds": meta.get("duration"),
            "finished": meta.get("end_time"),
            "failed": bool(meta.get("exception")),
        }
    return out


def build_info(profile: str, root: str | Path | None = None, art: str | Path | None = None) -> dict:
    """Which profile, data and weights produced a build, read from the run itself.

    Sources, later ones winning: the runner's ``artifacts/<profile>/run_*.json`` (oldest first);
    the papermill metadata of the executed notebooks in ``book/`` (so a notebook executed in the
    current run, before the runner writes its JSON, still counts); the manifests; and
    ``training/best_models.csv`` for the weights.

    Returns
    -------
    dict
        ``profile``, ``description``, ``notebooks`` (DataFrame: notebook, seconds, parameters),
        ``data`` (dict: source "synthetic"|"real", per-dataset counts), ``weights`` (DataFrame:
        model, weights_source, input_size, or empty).
    """
    root = Path(root) if root is not None else ROOT
    art = Path(art) if art is not None else artifacts_dir(profile)
    description, runs = "", {}
    for path in sorted(art.glob("run_*.json"), key=lambda p: p.stat().st_mtime):
        run = json.loads(path.read_text())
        description = run.get("description") or description
        for nb, params in run.get("params", {}).items():
            runs[nb] = {"params": params, "seconds": run.get("seconds", {}).get(nb)}
    runs.update(_executed_notebooks(profile, root / "book"))
    if not description:
        try:
            from ..runner import load_profile

            description = load_profile(profile, root)["description"]
        except Exception:  # noqa: BLE001 - a profile given as a path elsewhere; description is optional
            description = ""
    notebooks = pd.DataFrame(
        [
            {
                "notebook": nb,
                "seconds": r.get("seconds"),
                "parameters": ", ".join(
                    f"{k}={v!r}" for k, v in sorted(r["params"].items()) if k != "profile"
                ),
            }
            for nb, r in sorted(runs.items())
        ],
        columns=["notebook", "seconds", "parameters"],
    )
    return {
        "profile": profile,
        "description": description,
        "notebooks": notebooks,
        "data": _data_facts(art),
        "weights": _weights(art),
        "timings": load_timings(art),
    }


def _data_facts(art: Path) -> dict:
    from ..data import is_synthetic

    facts: dict[str, Any] = {"source": None, "datasets": {}}
    names = []
    for kind in ("images", "videos"):
        path = art / "manifests" / f"{kind}.csv"
        if path.exists():
            df = pd.read_csv(path)
            for name, g in df.groupby("dataset", sort=False):
                facts["datasets"][str(name)] = (
                    f"{len(g)} {kind} of {g['subject'].nunique()} newborns"
                )
                names.append(str(name))
    if names:
        facts["source"] = "synthetic" if is_synthetic(names) else "real"
    return facts


def _weights(art: Path) -> pd.DataFrame:
    path = art / "training" / "best_models.csv"
    cols = ["model", "weights_source", "input_size"]
    if not path.exists():
        return pd.DataFrame(columns=cols)
    best = pd.read_csv(path)
    for c in cols:
        if c not in best.columns:
            best[c] = "not recorded"
    starts = art / "tables" / "model_starts.csv"
    if starts.exists():  # chapter 02's plain words for each start (e.g. synthetic-face pretraining)
        said = pd.read_csv(starts).set_index("model")["start"]
        best["weights_source"] = best["model"].map(said).fillna(best["weights_source"])
    return best[cols].assign(model=best["model"].map(model_names()).fillna(best["model"]))


def build_summary_html(info: dict) -> str:
    """A short HTML block of :func:`build_info` for the book's front page."""
    import html

    data = info["data"]
    if data["source"] is None:
        data_line = "no data set prepared yet (chapter 00 has not run)"
    else:
        kind = (
            "built-in synthetic newborn faces (not health data)"
            if data["source"] == "synthetic"
            else "real data sets given through manifests"
        )
        data_line = f"{kind}: " + "; ".join(f"{k} — {v}" for k, v in data["datasets"].items())
    w = info["weights"]
    weights_line = (
        "no model trained yet (chapter 02 has not run)"
        if w.empty
        else "; ".join(
            f"{r.model}: {r.weights_source}, {r.input_size} px input" for r in w.itertuples()
        )
    )
    nb = info["notebooks"]
    items = [
        (
            "Profile",
            f"<code>{html.escape(info['profile'])}</code> — {html.escape(info['description'])}",
        ),
        ("Data", html.escape(data_line)),
        ("Starting weights", html.escape(weights_line)),
        ("Chapters executed", html.escape(run_time_line(info.get("timings"), len(nb)))),
    ]
    body = "".join(f"<li><strong>{k}:</strong> {v}</li>" for k, v in items)
    return f'<ul class="painsign-build">{body}</ul>'


def why_they_differ(info: dict) -> list[str]:
    """Plain sentences on why this build's numbers differ from the paper's, from :func:`build_info`.

    Returns
    -------
    list of str
        Markdown sentences: the data, the starting weights, the input sizes and the profile.
    """
    from ..registry import get_spec

    out = []
    source = info["data"]["source"]
    if source == "synthetic":
        out.append(
            "**Different newborns.** This build ran on rendered synthetic faces, not on iCOPE, "
            "UNIFESP and iCOPEvid: same kind of task (pain and rest, confounders, occlusions), "
            "different faces, counts and difficulty. The numbers test the method, not the paper's "
            "values; only a run on the real data sets can reproduce those."
        )
    elif source == "real":
        out.append(
            "**Real data.** This build read real data sets through manifests; differences in "
            "subjects, splits into folds and face detection still move the numbers."
        )
    w = info["weights"]
    if not w.empty:
        random = [r.model for r in w.itertuples() if "random" in str(r.weights_source).lower()]
        if random:
            out.append(
                f"**Different starting weights.** {', '.join(random)} started from random "
                "weights here (no pretrained file was found locally), whereas the paper "
                "fine-tuned VGG-Face from face-recognition weights and ViT-B/16 from ImageNet "
                "weights. N-CNN is trained from scratch in both."
            )
        synthetic = [
            r.model for r in w.itertuples() if "synthetic-face pretraining" in str(r.weights_source)
        ]
        if synthetic:
            out.append(
                f"**Synthetic-face pretraining, not VGG-Face / ImageNet.** {', '.join(synthetic)} "
                "started from a backbone pretrained here on rendered newborn faces of other "
                "identities (identity and facial-action labels), a stand-in for the paper's "
                "face-recognition and ImageNet weights, which cannot ship with this book."
            )
        names = {v: k for k, v in model_names().items()}
        small = [
            f"{r.model} {r.input_size} px (paper {get_spec(names[r.model]).input_size} px)"
            for r in w.itertuples()
            if r.model in names
            and str(r.input_size).isdigit()
            and int(r.input_size) != get_spec(names[r.model]).input_size
        ]
        if small:
            out.append(
                f"**Smaller inputs.** To run on a CPU the profile shrank the inputs: {'; '.join(small)}."
            )
    if info["profile"] != "paper":
        out.append(
            f"**A shorter protocol.** The `{info['profile']}` profile changes the paper's protocol "
            "to fit its time budget (each chapter states what it changes); the `paper` profile "
            "keeps it, for a GPU."
        )
    from ..paper import TABLE2_VALIDATION

    top = max(sd for row in TABLE2_VALIDATION.values() for _, sd in row.values())
    out.append(
        "**Small samples.** Each sign type holds only some of the test videos (Table 3 gives the "
        "counts), so one video moves a rate by 100 / (videos of the type) points; the paper's own "
        f"standard deviations over folds reach {100 * top:.1f} points."
    )
    return out


def built_profile(book_dir: str | Path | None = None) -> str | None:
    """The profile the executed notebooks in ``book/`` ran under (the most common one), or None."""
    from collections import Counter

    book_dir = Path(book_dir) if book_dir is not None else ROOT / "book"
    seen = Counter()
    for path in book_dir.glob("[0-9][0-9]_*.ipynb"):
        try:
            params = (
                json.loads(path.read_text())
                .get("metadata", {})
                .get("papermill", {})
                .get("parameters")
                or {}
            )
        except (OSError, json.JSONDecodeError):
            continue
        if params.get("profile"):
            seen[params["profile"]] += 1
    return seen.most_common(1)[0][0] if seen else None
