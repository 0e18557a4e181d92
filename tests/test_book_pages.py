"""How the runner turns an executed notebook into a page, and the per-chapter figure numbers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import yaml

from painsign_utils import pages

ROOT = Path(__file__).resolve().parent.parent


def _output(kind: str) -> dict:
    return nbformat.v4.new_output("display_data", data={"text/markdown": kind, "text/plain": kind})


def _executed(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('profile = "demo"')
    params.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell('# Parameters\nprofile = "smoke"\n')
    injected.metadata["tags"] = ["injected-parameters"]
    figure = nbformat.v4.new_code_cell("show()")
    figure.outputs = [_output("png")]
    figure.metadata["mystnb"] = {"figure": {"name": "fig-a", "caption": "First."}}
    folded = nbformat.v4.new_code_cell("x = 1")
    folded.metadata["tags"] = ["remove-input"]
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), params, injected, figure, folded]
    nbformat.write(nb, path)
    return path


def test_finish_page_hides_the_injected_cell_and_folds_code(tmp_path):
    page = pages.finish_page(_executed(tmp_path / "04_x.ipynb"))
    nb = nbformat.read(page, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tags = [c.metadata.get("tags", []) for c in code]
    assert tags[0] == ["parameters"]  # the defaults stay visible
    assert tags[1] == ["injected-parameters", "remove-cell"]  # shown once: the test keeps this tag
    assert tags[2] == ["hide-input"] and code[2].outputs == [_output("png")]
    # the caption is the notebook's own metadata: kept as it is
    assert code[2].metadata["mystnb"] == {"figure": {"name": "fig-a", "caption": "First."}}
    assert tags[3] == ["remove-input"] and code[3].source == "x = 1"  # left alone
    # idempotent: finishing twice changes nothing
    before = page.read_text()
    pages.finish_page(page)
    assert page.read_text() == before


def _book_ext():
    spec = importlib.util.spec_from_file_location(
        "painsign_book", ROOT / "_ext" / "painsign_book.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_figures_are_numbered_per_chapter():
    ext = _book_ext()
    assert ext.chapter_number("book/04_pain_sign") == 4 and ext.chapter_number("book/intro") is None
    numbers = {
        "book/04_pain_sign": {"figure": {"fig-a": (7,), "fig-b": (8,)}},
        "book/00_data": {"figure": {"fig-c": (1,)}},
        "book/intro": {"figure": {"fig-d": (9,)}},
    }
    changed = ext.renumber(numbers)
    assert numbers["book/04_pain_sign"]["figure"] == {"fig-a": (4, 1), "fig-b": (4, 2)}
    assert numbers["book/00_data"]["figure"] == {"fig-c": (0, 1)}
    assert numbers["book/intro"]["figure"] == {"fig-d": (9,)}
    assert changed == ["book/00_data", "book/04_pain_sign"]
    assert ext.renumber(numbers) == []
    assert ext.pastes_from_other_docs(
        "```{glue:} build_summary\n:doc: 09_paper_comparison.ipynb\n```"
    )
    assert not ext.pastes_from_other_docs("A page with {cite:p}`x` and no glue.")
    assert ext.pastes_from_other_docs((ROOT / "book" / "intro.md").read_text())


def test_config_loads_the_extensions_and_the_stylesheet():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    sphinx = config["sphinx"]
    assert "sphinx_exercise" in sphinx["extra_extensions"]
    assert sphinx["local_extensions"] == {"painsign_book": "_ext"}
    assert sphinx["config"]["numfig_format"]["figure"] == "Fig. %s"
    assert sphinx["config"]["nb_render_markdown_format"] == "myst"
    css = (ROOT / "_static" / "painsign.css").read_text()
    assert "overflow-x: auto" in css


def test_videos_of_a_page_are_copied_into_the_build(tmp_path):
    from types import SimpleNamespace

    from docutils import nodes
    from docutils.utils import new_document

    ext = _book_ext()
    clip = tmp_path / "artifacts" / "clip.webm"
    clip.parent.mkdir()
    clip.write_bytes(b"webm bytes")
    doc = new_document("page")
    html = f'<div><video controls src="{clip}"></video><video src="https://x.org/a.webm"></video></div>'
    doc += nodes.raw(html, html, format="html")
    out = tmp_path / "html"
    app = SimpleNamespace(
        outdir=str(out),
        builder=SimpleNamespace(format="html", get_target_uri=lambda d: f"{d}.html"),
    )
    ext._on_doctree_resolved(app, doc, "book/08_realtime_monitor")
    name = ext.video_target(str(clip))
    assert (out / "_videos" / name).read_bytes() == b"webm bytes"
    text = doc.children[0].astext()
    assert f'src="../_videos/{name}"' in text and 'src="https://x.org/a.webm"' in text
    assert ext.video_target("relative/clip.webm") is None
