"""Execute the whole book under the smoke profile, as CI does, and check what it produced.

This is the Project Pythia rule: every notebook executes in CI. It takes a few minutes.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from painsign_utils import runner

ROOT = Path(__file__).resolve().parent.parent

#: Executes and builds the book: left out of ``make test-fast`` (``pytest -m "not book"``).
pytestmark = pytest.mark.book


@pytest.fixture(scope="module")
def smoke_book():
    return runner.run_book("smoke", build=True, root=ROOT)


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
