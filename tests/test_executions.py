"""A book run reuses a chapter only when nothing it depends on changed (painsign_utils.executions)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from painsign_utils import executions, runner

PROFILE = """common: {{profile: t}}
notebooks:
  00_first: {{x: {x0}}}
  01_second: {{x: {x1}}}
"""


def _notebook(path: Path, reads: str | None) -> None:
    """A chapter that writes ``t/<stem>.txt`` (its x, plus what it read from ``reads``)."""
    params = nbformat.v4.new_code_cell("x = 0")
    params.metadata["tags"] = ["parameters"]
    got = f"(art / '{reads}.txt').read_text()" if reads else "''"
    body = (
        "import os, pathlib\n"
        "art = pathlib.Path(os.environ['PAINSIGN_ARTIFACTS']) / 't'\n"
        f"(art / '{path.stem}.txt').write_text({got} + str(x))\n"
    )
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell(body)])
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "py"}
    nbformat.write(nb, path)


@pytest.fixture
def book(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "profiles").mkdir()
    _notebook(tmp_path / "notebooks" / "00_first.ipynb", None)
    _notebook(tmp_path / "notebooks" / "01_second.ipynb", "00_first")
    monkeypatch.setenv("PAINSIGN_ARTIFACTS", str(tmp_path / "artifacts"))

    def run(x0: int = 1, x1: int = 2, **kwargs) -> dict:
        (tmp_path / "profiles" / "t.yml").write_text(PROFILE.format(x0=x0, x1=x1))
        return runner.run_book("t", build=False, root=tmp_path, log=lambda _: None, **kwargs)

    return run, tmp_path / "artifacts" / "t"


def test_unchanged_chapters_are_reused_and_changes_flow_downstream(book):
    run, art = book
    assert run()["reused"] == []
    assert (art / "01_second.txt").read_text() == "12"
    stamp = executions.read_stamp(art, "00_first")
    assert list(stamp["files"]) == ["00_first.txt"]

    again = run()
    assert again["reused"] == ["00_first", "01_second"] and again["seconds"] == {}

    # A parameter of the second chapter: only it executes.
    assert run(x1=3)["reused"] == ["00_first"]
    assert (art / "01_second.txt").read_text() == "13"

    # The first chapter's parameter: both execute (the second read what the first wrote).
    assert run(x0=5, x1=3)["reused"] == []
    assert (art / "01_second.txt").read_text() == "53"

    # A file a chapter wrote is gone: that chapter and every later one execute again.
    (art / "00_first.txt").unlink()
    assert run(x0=5, x1=3)["reused"] == []
    assert (art / "00_first.txt").exists()

    # The executed notebook was overwritten (by another profile's run): executed again, and so
    # is the chapter after it (the first rewrote the file it reads).
    os.utime(art.parent.parent / "book" / "00_first.ipynb", ns=(2, 2))
    assert run(x0=5, x1=3)["reused"] == []

    # A file changed by hand counts as a change too; reuse=False (--force) executes everything.
    os.utime(art / "01_second.txt", ns=(1, 1))
    assert run(x0=5, x1=3)["reused"] == ["00_first"]
    assert run(x0=5, x1=3, reuse=False)["reused"] == []


def test_a_failed_chapter_leaves_no_stamp(book, tmp_path):
    run, art = book
    run()
    nb = nbformat.read(tmp_path / "notebooks" / "01_second.ipynb", as_version=4)
    nb.cells[1].source = "raise RuntimeError('broken')"
    nbformat.write(nb, tmp_path / "notebooks" / "01_second.ipynb")
    with pytest.raises(runner.PainsignError):
        run()
    assert executions.read_stamp(art, "01_second") == {}
    assert executions.read_stamp(art, "00_first")  # the chapter before is still reusable
