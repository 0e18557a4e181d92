"""Execute the whole book under the smoke profile, as CI does, and check what it produced.

This is the Project Pythia rule: every notebook executes in CI. It takes a few minutes.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest

from painsign_utils import runner
from painsign_utils.storage import artifacts_dir

ROOT = Path(__file__).resolve().parent.parent

#: Executes and builds the book: left out of ``make test-fast`` (``pytest -m "not book"``).
pytestmark = pytest.mark.book


@pytest.fixture(scope="module")
def smoke_book():
    said: list[tuple[float, str]] = []  # (time.monotonic(), line) of every line the run logged

    def log(line: str) -> None:
        said.append((time.monotonic(), line))
        print(line, flush=True)

    # reuse=False: this test is about executing every chapter (a developer's second run would
    # otherwise reuse them all and show no bars).
    result = runner.run_book("smoke", build=True, root=ROOT, log=log, reuse=False)
    return {**result, "log": said}


@pytest.mark.slow
def test_smoke_book_builds(smoke_book):
    index = smoke_book["index"]
    assert index.exists()
    html = ROOT / "_build" / "html" / "book"
    for nb in runner.notebook_paths(ROOT):
        page = html / f"{nb.stem}.html"
        assert page.exists(), f"{page.name} missing from the built book"


@pytest.mark.slow
@pytest.mark.parametrize("nb", runner.notebook_paths(ROOT), ids=lambda p: p.stem)
def test_executed_notebook_has_no_error_and_shows_figures(smoke_book, nb):
    executed = nbformat.read(ROOT / "book" / nb.name, as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{nb.stem} shows no figure"
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "smoke" in injected[0].source


@pytest.mark.slow
def test_smoke_book_is_never_silent_and_shows_training_bars(smoke_book):
    said = smoke_book["log"]  # from the first chapter's start to the end of the run
    gaps = [(b[0] - a[0], b[1]) for a, b in zip(said, said[1:])]
    assert max(gap for gap, _ in gaps) <= 30, max(gaps)
    # A bar that chapter 02's kernel reported reached the terminal while the chapter ran.
    records = artifacts_dir("smoke", create=False) / "progress" / "02_training.jsonl"
    bars = {json.loads(line)["desc"] for line in records.read_text().splitlines()} - {""}
    during = [line for _, line in said if "02_training" in line]
    assert bars and any(desc in line for line in during for desc in bars), (bars, during)


@pytest.mark.slow
def test_plain_papermill_from_another_folder_writes_the_runners_tables(smoke_book, tmp_path):
    """Chapters 00-03 of the smoke profile run with plain papermill, from a folder outside the
    repository, make the tables the runner made (paths aside: each run has its own root)."""
    import os
    import subprocess
    import sys

    import yaml

    from painsign_utils import chapters

    root = tmp_path / "artifacts"
    env = {**os.environ, "PAINSIGN_ARTIFACTS": str(root), "PAINSIGN_PROGRESS": "0"}
    env.pop("PAINSIGN_PROFILE_FILE", None)
    papermill = Path(sys.executable).parent / "papermill"
    for stem in ("00_data", "01_preprocessing", "02_training", "03_test_evaluation"):
        params = tmp_path / f"{stem}.yml"
        params.write_text(yaml.safe_dump(chapters.profile_values(stem, "smoke")))
        notebook = ROOT / "notebooks" / f"{stem}.ipynb"
        cmd = [papermill, notebook, tmp_path / f"{stem}.ipynb", "-f", params, "-k", "python3"]
        subprocess.run([str(c) for c in cmd], cwd=tmp_path, env=env, check=True)
    ours = root / "smoke" / "tables"
    theirs = artifacts_dir("smoke", create=False) / "tables"
    made = sorted(ours.glob("*.csv"))
    assert {p.name for p in made} >= {"table1.csv", "video_summary.csv", "table2_test.csv"}
    for table in made:
        mine = table.read_text().replace(str(root), str(theirs.parent.parent))
        assert mine == (theirs / table.name).read_text(), table.name
