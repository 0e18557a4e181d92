"""Chapter 02 of the smoke profile on no cluster, a LocalCluster of 2 workers and an external
scheduler: the tables must be byte-identical (issue: the same tables whatever the worker count).

The run on no cluster is the smoke book's own (the smoke profile trains in the kernel,
``dask_workers: 0``): this module runs after ``test_notebooks.py`` built it, so chapter 02 runs
twice here, not three times.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from painsign_utils import runner

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "02_training.ipynb"

pytestmark = [pytest.mark.book, pytest.mark.slow]


@pytest.fixture(scope="module")
def smoke_02() -> Path:
    """``artifacts/smoke`` with chapters 00-02 done (the smoke book made them; else run them)."""
    art = ROOT / "artifacts" / "smoke"
    if not (art / "training" / "best_models.csv").exists():
        runner.run_book("smoke", only=["00", "01", "02"], build=False, root=ROOT)
    return art


def _run_chapter_02(smoke: Path, where: Path, monkeypatch, **dask) -> dict[str, bytes]:
    """Execute chapter 02 under the smoke profile into its own artifacts root; its tables' bytes."""
    art = where / "smoke"
    (art / "faces").mkdir(parents=True)
    for name in ("images.csv", "videos.csv"):  # chapter 01's outputs (chapters.CHAPTER_OUTPUTS)
        shutil.copy(smoke / "faces" / name, art / "faces" / name)
    monkeypatch.setenv("PAINSIGN_ARTIFACTS", str(where))
    params = {**runner.notebook_parameters(NOTEBOOK, runner.load_profile("smoke")), **dask}
    runner.execute(NOTEBOOK, params, where / "book")
    tables = sorted(art.glob("tables/*.csv")) + sorted(art.glob("training/*.csv"))
    assert any(p.name == "best_models.csv" for p in tables)
    return {str(p.relative_to(art)): p.read_bytes() for p in tables}


def test_chapter_02_tables_do_not_depend_on_where_the_folds_ran(
    smoke_02, tmp_path, monkeypatch, dask_scheduler
):
    assert runner.load_profile("smoke")["common"]["dask_workers"] == 0  # the book's run: no cluster
    local = _run_chapter_02(smoke_02, tmp_path / "local", monkeypatch, dask_workers=2)
    here = {name: (smoke_02 / name).read_bytes() for name in local}
    assert local == here
    remote = _run_chapter_02(smoke_02, tmp_path / "remote", monkeypatch, scheduler=dask_scheduler)
    assert remote == here
