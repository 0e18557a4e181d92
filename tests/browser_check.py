"""Open the built book in a real browser: every page, every image and local link, and screenshots.

This module owns the book's browser check. It serves ``_build/html`` on localhost from a thread
(``http.server``), renders every page with headless Chromium from Debian's ``chromium`` package
(``--dump-dom`` gives the DOM after the page's scripts ran), and checks that each ``<img>`` source
and each local ``<a href>`` — including its ``#fragment`` — resolves to a file (and anchor) of the
build. Each ``<video>`` must also load: ``--dump-dom`` cannot report a video's state, so a small
test-only page that the server makes up (:data:`VIDEO_PAGE_PATH`) loads a page's videos and writes each one's
``readyState``, ``duration`` and error into its DOM, which ``--dump-dom`` then reads (a video
passes with readyState >= 2 and a duration > 0). Screenshots of chosen pages are saved with
``--screenshot``. Nothing leaves localhost:
external links are listed, never fetched, and Chromium runs with its background networking off.
"""

from __future__ import annotations

import functools
import html as html_text
import http.server
import json
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from painsign_utils.errors import ConfigError, PainsignError

#: Flags for a quiet, sandbox-free, offline headless Chromium (it runs as root in containers).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=4000",
)
#: Screen size of the screenshots, pixels (width, height).
WINDOW = (1280, 1600)
#: Folders of the build that hold assets, not pages.
_ASSET_DIRS = {"_static", "_sources", "_images", "_downloads", "_sphinx_design_static", "_videos"}
#: The test-only page of :func:`video_states`: loads the videos, writes their state into the DOM.
_VIDEO_PAGE = """<html><body>{videos}<pre id="painsign-videos">[]</pre><script>
const vids = [...document.querySelectorAll("video")];
function report() {{
  document.getElementById("painsign-videos").textContent = JSON.stringify(vids.map(v => ({{
    src: v.getAttribute("src"), ready: v.readyState,
    duration: isFinite(v.duration) ? v.duration : null, error: v.error ? v.error.code : null}})));
}}
for (const v of vids)
  for (const e of ["loadedmetadata", "loadeddata", "canplay", "durationchange", "error"])
    v.addEventListener(e, report);
report();
</script></body></html>"""
#: Path of the test-only page the server makes up; its ``src`` query parameters are the videos.
VIDEO_PAGE_PATH = "/__painsign_videos__.html"
_VIDEO_RESULT = re.compile(r'<pre id="painsign-videos">(.*?)</pre>', re.S)


def find_chromium() -> str:
    """Path of the Chromium executable; raises :class:`ConfigError` with the install line if absent."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    raise ConfigError(
        "chromium not found: install it with 'apt-get install -y chromium' (make browser-deps)"
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        parts = urlsplit(self.path)
        if parts.path != VIDEO_PAGE_PATH:
            return super().do_GET()
        tags = "".join(
            f'<video muted preload="auto" src="{html_text.escape(src, quote=True)}"></video>'
            for src in parse_qs(parts.query).get("src", [])
        )
        body = _VIDEO_PAGE.format(videos=tags).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serve(folder: str | Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on a free localhost port in a thread; yields the base URL."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"nothing to serve: {folder} is not a folder")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _run_chromium(args: Sequence[str], timeout: float) -> str:
    exe = find_chromium()
    with tempfile.TemporaryDirectory(prefix="painsign-chromium-") as profile_dir:
        cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", *args]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PainsignError(
                f"chromium did not finish within {timeout:.0f} s: {args[-1]}"
            ) from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise PainsignError(f"chromium failed on {args[-1]}: {last}")
    return proc.stdout


def dump_dom(url: str, timeout: float = 60.0) -> str:
    """The page's DOM after its scripts ran, as HTML text."""
    return _run_chromium(["--dump-dom", url], timeout)


def video_states(base: str, srcs: Sequence[str], timeout: float = 60.0) -> list[dict]:
    """Load videos of a :func:`serve`d folder in headless Chromium; per video ``src, ready,
    duration, error``. ``srcs`` are paths below the served folder (``_videos/clip.webm``).

    ``ready`` is the element's ``readyState`` (2 or more: the current frame is decoded),
    ``duration`` its length in seconds (None when unknown), ``error`` the MediaError code or None.
    """
    query = urlencode([("src", "/" + s.lstrip("/")) for s in srcs])
    found = _VIDEO_RESULT.search(dump_dom(f"{base.rstrip('/')}{VIDEO_PAGE_PATH}?{query}", timeout))
    states = json.loads(html_text.unescape(found.group(1))) if found else []
    if len(states) != len(srcs):
        raise PainsignError(f"chromium reported {len(states)} of {len(srcs)} videos")
    return states


def video_loads(state: dict) -> bool:
    """A video that plays: readyState >= 2, a duration > 0, no error."""
    return state["error"] is None and state["ready"] >= 2 and (state["duration"] or 0) > 0


def screenshot(
    url: str, out: str | Path, size: tuple[int, int] = WINDOW, timeout: float = 60.0
) -> Path:
    """Save a PNG screenshot of ``url`` at ``size`` (width, height) pixels; returns its path."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(
        f".{out.name}.tmp.png"
    )  # atomic: a half-written PNG never has the final name
    _run_chromium([f"--screenshot={tmp}", f"--window-size={size[0]},{size[1]}", url], timeout)
    if not tmp.exists() or tmp.stat().st_size == 0:
        raise PainsignError(f"chromium wrote no screenshot of {url}")
    tmp.replace(out)
    return out


class _Collector(HTMLParser):
    """Collects ``<img src>``, ``<a href>``, ``<video src>`` (and its ``<source src>``) and every
    element id of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[str] = []
        self.videos: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if a.get("name") and tag == "a":
            self.ids.add(a["name"])
        if tag == "img" and a.get("src") is not None:
            self.images.append(a["src"])
        if tag == "a" and a.get("href") is not None:
            self.links.append(a["href"])
        if tag in ("video", "source") and a.get("src"):
            self.videos.append(a["src"])


def parse_page(html: str) -> _Collector:
    """Images, links and ids of an HTML page."""
    c = _Collector()
    c.feed(html)
    return c


_REFRESH = re.compile(
    r"<meta[^>]+http-equiv=[\"']?refresh[\"']?[^>]*content=[\"'][^\"']*url=([^\"'>\s]+)", re.I
)


def redirect_target(html: str) -> str | None:
    """The target of a ``<meta http-equiv="refresh" content="0; url=...">`` page, or None."""
    m = _REFRESH.search(html)
    return m.group(1) if m else None


def is_local(url: str) -> bool:
    """True for links into the build (relative or root-relative paths, fragments)."""
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("//")


def resolve(page: str, url: str, root: Path) -> tuple[Path, str]:
    """File (under ``root``) and fragment that ``url``, found on page ``page`` (relative path), names."""
    parts = urlsplit(url)
    base = PurePosixPath(page).parent
    path = unquote(parts.path)
    rel = (
        PurePosixPath(path.lstrip("/"))
        if path.startswith("/")
        else base / path
        if path
        else PurePosixPath(page)
    )
    target = root.joinpath(*[p for p in rel.parts if p not in (".",)]).resolve()
    if target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


@dataclass
class BrowserReport:
    """What the browser saw: pages opened, what was broken, screenshots saved."""

    pages: list[str] = field(default_factory=list)
    broken_images: list[tuple[str, str]] = field(default_factory=list)
    broken_links: list[tuple[str, str]] = field(default_factory=list)
    videos: list[tuple[str, str, dict]] = field(default_factory=list)
    broken_videos: list[tuple[str, str]] = field(default_factory=list)
    external_links: set[str] = field(default_factory=set)
    screenshots: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No broken image, no broken local link, no video that does not load."""
        return not self.broken_images and not self.broken_links and not self.broken_videos

    def summary(self) -> str:
        """One line per problem, or one line saying all is well."""
        if self.ok:
            return (
                f"{len(self.pages)} pages opened in Chromium: no broken image or link; "
                f"{len(self.videos)} videos load."
            )
        lines = [f"{page}: broken image {src}" for page, src in self.broken_images]
        lines += [f"{page}: video does not load {src}" for page, src in self.broken_videos]
        lines += [f"{page}: broken link {href}" for page, href in self.broken_links]
        return "\n".join(lines)


def html_pages(root: str | Path) -> list[str]:
    """Relative paths of the book's HTML pages (asset folders left out), sorted."""
    root = Path(root)
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*.html")
        if not _ASSET_DIRS.intersection(p.relative_to(root).parts[:-1])
    )


def check_book(
    html_dir: str | Path,
    shots: dict[str, str] | None = None,
    shot_dir: str | Path | None = None,
    jobs: int = 2,
    timeout: float = 60.0,
) -> BrowserReport:
    """Open every page of a built book in headless Chromium and check its images and local links.

    Parameters
    ----------
    html_dir : path
        The built book (``_build/html``).
    shots : dict, optional
        Screenshot name → page (relative path), e.g. ``{"intro": "book/intro.html"}``; saved as
        ``<shot_dir>/<name>.png`` at :data:`WINDOW` size.
    shot_dir : path, optional
        Where screenshots go (required with ``shots``).
    jobs : int
        Chromium processes at a time.

    Returns
    -------
    BrowserReport
        A link is broken when its file does not exist or its ``#fragment`` is no id of the target
        page; an image is broken when its file does not exist or is empty (``data:`` URIs pass).
    """
    root = Path(html_dir).resolve()
    pages = html_pages(root)
    if not pages:
        raise ConfigError(f"no HTML page under {root}: build the book first (make book)")
    report = BrowserReport(pages=pages)
    # A redirect page (Jupyter Book's index.html) shows its target's DOM under its own URL, so its
    # links would resolve from the wrong folder: check only that its target exists.
    redirects = {
        p: t for p in pages if (t := redirect_target((root / p).read_text(errors="replace")))
    }
    rendered = [p for p in pages if p not in redirects]
    with serve(root) as base:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            doms = dict(zip(rendered, pool.map(lambda p: dump_dom(base + p, timeout), rendered)))
            parsed = {p: parse_page(html) for p, html in doms.items()}
            for page, target in redirects.items():
                redirect = _Collector()
                redirect.links.append(target)
                _check_page(page, redirect, parsed, root, report)
            for page, found in parsed.items():
                _check_page(page, found, parsed, root, report)
            for page, found in parsed.items():
                _check_videos(page, found, root, base, report, timeout)
            if shots:
                if shot_dir is None:
                    raise ConfigError("screenshots need a shot_dir")
                futures = [
                    pool.submit(
                        screenshot, base + page, Path(shot_dir) / f"{name}.png", WINDOW, timeout
                    )
                    for name, page in shots.items()
                ]
                report.screenshots = [f.result() for f in futures]
    return report


def _check_page(
    page: str, found: _Collector, parsed: dict[str, _Collector], root: Path, report: BrowserReport
) -> None:
    for src in found.images:
        if src.startswith("data:"):
            continue
        if not is_local(src):
            report.external_links.add(src)
            continue
        target, _ = resolve(page, src, root)
        if not target.is_file() or target.stat().st_size == 0:
            report.broken_images.append((page, src))
    for href in found.links:
        if href.startswith(("mailto:", "javascript:", "tel:")):
            continue
        if not is_local(href):
            report.external_links.add(href)
            continue
        target, fragment = resolve(page, href, root)
        if not target.is_file():
            report.broken_links.append((page, href))
            continue
        if fragment and target.suffix == ".html":
            rel = target.relative_to(root).as_posix() if target.is_relative_to(root) else None
            ids = (
                parsed[rel].ids
                if rel in parsed
                else parse_page(target.read_text(errors="replace")).ids
            )
            if fragment not in ids:
                report.broken_links.append((page, href))


def _check_videos(
    page: str, found: _Collector, root: Path, base: str, report: BrowserReport, timeout: float
) -> None:
    local = []
    for src in found.videos:
        if not is_local(src):
            report.external_links.add(src)
            continue
        target, _ = resolve(page, src, root)
        if not target.is_file() or not target.is_relative_to(root):
            report.broken_videos.append((page, src))
            continue
        local.append((src, target.relative_to(root).as_posix()))
    if not local:
        return
    for (src, _), state in zip(local, video_states(base, [u for _, u in local], timeout)):
        report.videos.append((page, src, state))
        if not video_loads(state):
            report.broken_videos.append((page, src))


def default_shots(html_dir: str | Path) -> dict[str, str]:
    """The screenshots the issue asks for: the intro, one sign chapter, the comparison page.

    The sign chapter is the first that exists of the pain-sign, sign-clustering and test chapters.
    """
    root = Path(html_dir)
    shots = {"intro": "book/intro.html"}
    for stem in ("04_pain_sign", "05_sign_clustering", "03_test_evaluation"):
        if (root / "book" / f"{stem}.html").exists():
            shots["sign_chapter"] = f"book/{stem}.html"
            break
    shots["comparison"] = "book/09_paper_comparison.html"
    return {k: v for k, v in shots.items() if (root / v).exists()}
