"""The built book is whole: no executed notebook holds an error, every page opens in Chromium with
no broken image or link, every video loads, and screenshots of the intro, a sign chapter and the comparison page exist.

Chromium comes from Debian's package (``apt-get install -y chromium``, ``make browser-deps`` as
root). Without it the checks that need a browser are skipped with one line saying why, so that
``make test`` works for a user without root; CI (``.ci/run``) installs Chromium first and sets
``PAINSIGN_REQUIRE_BROWSER=1``, under which a missing browser FAILS them instead. A book that was not
built is skipped too (``make book``, or the smoke build of tests/test_notebooks.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import numpy as np
import pytest

from painsign_utils import report
from painsign_utils.errors import ConfigError
from painsign_utils.monitor.annotate import AnnotatedWriter
from painsign_utils.storage import artifacts_dir

import browser_check as browser

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"


def _executed() -> list[Path]:
    # Looked up when a test runs, not at collection: the smoke build of test_notebooks.py runs first.
    return sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))


def _chromium_or_skip() -> str:
    """The Chromium executable; skip (one line why) when absent, fail when CI requires it."""
    try:
        return browser.find_chromium()
    except ConfigError as exc:
        if os.environ.get("PAINSIGN_REQUIRE_BROWSER", "") not in ("", "0"):
            pytest.fail(f"PAINSIGN_REQUIRE_BROWSER is set but {exc}")
        pytest.skip(f"browser check skipped: {exc}")


def test_chromium_is_installed():
    assert Path(_chromium_or_skip()).exists()


def test_links_resolve_like_a_browser(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "a.html").touch()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "index.html").touch()
    assert browser.resolve("book/a.html", "a.html#x", tmp_path) == (
        (tmp_path / "book" / "a.html").resolve(),
        "x",
    )
    assert (
        browser.resolve("book/a.html", "#top", tmp_path)[0]
        == (tmp_path / "book" / "a.html").resolve()
    )
    assert (
        browser.resolve("book/a.html", "../sub/", tmp_path)[0]
        == (tmp_path / "sub" / "index.html").resolve()
    )
    assert browser.resolve("book/a.html", "/sub/index.html?q=1", tmp_path)[0].is_file()
    assert browser.is_local("../x.html") and not browser.is_local("https://example.org/")
    assert (
        browser.redirect_target('<meta http-equiv="Refresh" content="0; url=book/intro.html" />')
        == "book/intro.html"
    )


def test_checker_catches_a_broken_image_and_links(tmp_path):
    _chromium_or_skip()
    site = tmp_path / "html"
    (site / "book" / "img").mkdir(parents=True)
    (site / "book" / "img" / "good.png").write_bytes(
        b"\x89PNG" + b"0" * 64
    )  # the checker only needs a file
    (site / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=book/a.html" />')
    (site / "book" / "a.html").write_text(
        '<html><body><h1 id="top">A</h1><img src="img/good.png"><img src="img/missing.png">'
        '<a href="b.html#here">ok</a><a href="b.html#nowhere">bad anchor</a><a href="c.html">bad file</a>'
        '<a href="#top">self</a><a href="https://example.org/">external</a></body></html>'
    )
    (site / "book" / "b.html").write_text(
        '<html><body><p id="here">B</p><a href="a.html">back</a></body></html>'
    )
    result = browser.check_book(site, {"a": "book/a.html"}, tmp_path / "shots", jobs=2)
    assert result.pages == ["book/a.html", "book/b.html", "index.html"]
    assert result.broken_images == [("book/a.html", "img/missing.png")]
    assert sorted(result.broken_links) == [
        ("book/a.html", "b.html#nowhere"),
        ("book/a.html", "c.html"),
    ]
    assert result.external_links == {"https://example.org/"}
    assert not result.ok and "broken image img/missing.png" in result.summary()
    shot = tmp_path / "shots" / "a.png"
    assert result.screenshots == [shot.resolve()] and shot.read_bytes()[:4] == b"\x89PNG"


def test_each_video_must_load_in_chromium(tmp_path):
    _chromium_or_skip()
    site = tmp_path / "html"
    (site / "book").mkdir(parents=True)
    with AnnotatedWriter(site / "_videos" / "clip.webm", 10, (64, 48), threshold=0.5) as writer:
        for i in range(10):
            writer.write(np.full((48, 64, 3), 20 * i, np.uint8), sign=0.1 * i, state="rising")
    (site / "_videos" / "not_a_video.webm").write_bytes(b"not a video")
    (site / "book" / "a.html").write_text(
        '<html><body><video controls src="../_videos/clip.webm"></video>'
        '<video controls><source src="../_videos/not_a_video.webm" type="video/webm"></video>'
        '<video src="../_videos/missing.webm"></video></body></html>'
    )
    result = browser.check_book(site, jobs=1)
    assert result.pages == ["book/a.html"]
    loaded = {src: state for _, src, state in result.videos}
    assert browser.video_loads(loaded["../_videos/clip.webm"])
    assert loaded["../_videos/clip.webm"]["duration"] == pytest.approx(1.0, abs=0.15)
    assert sorted(result.broken_videos) == [
        ("book/a.html", "../_videos/missing.webm"),
        ("book/a.html", "../_videos/not_a_video.webm"),
    ]
    assert not result.ok and "video does not load ../_videos/missing.webm" in result.summary()


@pytest.mark.book
def test_executed_notebooks_hold_no_error():
    executed = _executed()
    if not executed:
        pytest.skip(
            "no executed notebook in book/: run 'make book' (or 'painsign book --profile smoke') first"
        )
    for nb_path in executed:
        nb = nbformat.read(nb_path, as_version=4)
        errors = [
            o
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.outputs
            if o.output_type == "error"
        ]
        assert not errors, (
            f"{nb_path.name}: {errors[0].ename}: {errors[0].evalue}" if errors else ""
        )
        assert not nb.metadata.get("papermill", {}).get("exception"), (
            f"{nb_path.name} stopped on an exception"
        )


@pytest.mark.slow
@pytest.mark.book
def test_every_page_opens_in_chromium_without_broken_image_or_link():
    executed = _executed()
    if not (HTML / "index.html").exists() or not executed:
        pytest.skip(
            "the book is not built: run 'make book' (or 'painsign book --profile smoke') first"
        )
    _chromium_or_skip()
    profile = report.built_profile(ROOT / "book") or "unknown"
    shots = browser.default_shots(HTML)
    out = artifacts_dir(profile) / "screenshots"
    result = browser.check_book(HTML, shots, out, jobs=2)
    assert result.ok, result.summary()  # every <video> loads too (readyState >= 2, duration > 0)
    if any((HTML / "_videos").glob("*.webm")):
        assert result.videos, "videos were copied into the build but no page plays one"
    assert {p for p in result.pages if p.startswith("book/")} >= {
        f"book/{nb.stem}.html" for nb in executed
    }
    assert "intro" in shots and (out / "intro.png").stat().st_size > 10_000
    for name in shots:
        assert (out / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
