"""A small Sphinx extension for the book: figures numbered per chapter ("Fig. 4.2").

Sphinx numbers figures through a numbered toctree; the book's chapters carry their number in the
file name instead (``book/04_pain_sign``), so without this every figure number would run through
the whole book and the book's "Fig. 5" would clash with the paper's Fig. 5. After Sphinx has
assigned its numbers, :func:`renumber` gives each figure of ``book/NN_*`` the number ``(NN, i)``,
i counting that chapter's figures in page order; ``numfig_format`` in ``_config.yml`` writes it
"Fig. 4.2". Pages without a chapter number keep Sphinx's numbers. Loaded by ``_config.yml``
(``sphinx.local_extensions``), so it works without installing the package.

It also re-reads, on every build, the pages that paste outputs glued in another document
(``{glue:}`` with ``:doc:``, e.g. the front page's build summary from chapter 09): Sphinx does not
know that such a page depends on the notebook, so an incremental build would keep stale numbers.

And it carries videos into the build: a cell's HTML output with ``<video src="/absolute/clip.webm">``
(chapter 08's annotated clips, under ``artifacts/<profile>/``, outside the book's sources) gets the
file copied to ``_build/html/_videos/`` and its ``src`` rewritten relative to the page. A video
file that does not exist is a warning, which fails the book's ``-W`` build.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

#: A chapter's document name: ``book/04_pain_sign`` -> chapter 4.
CHAPTER_DOC = re.compile(r"(?:^|/)(?P<number>\d{2})_[^/]+$")


def chapter_number(docname: str) -> int | None:
    """The chapter number in a document name, or None for pages that are not chapters."""
    m = CHAPTER_DOC.search(docname)
    return int(m["number"]) if m else None


def renumber(fignumbers: dict) -> list[str]:
    """Rewrite ``env.toc_fignumbers`` in place to per-chapter numbers; returns the changed pages.

    ``fignumbers`` maps docname -> figure type -> node id -> number tuple, in page order (what
    Sphinx's toctree collector builds).
    """
    changed = []
    for docname, by_type in fignumbers.items():
        number = chapter_number(docname)
        if number is None:
            continue
        for figtype, ids in by_type.items():
            new = {node_id: (number, i) for i, node_id in enumerate(ids, start=1)}
            if new != ids:
                by_type[figtype] = new
                changed.append(docname)
    return sorted(set(changed))


def pastes_from_other_docs(text: str) -> bool:
    """True for a page source that pastes a glued output from another document."""
    return bool(re.search(r"\{glue:?[a-z]*\}", text)) and ":doc:" in text


def _on_env_outdated(app, env, added, changed, removed) -> list[str]:
    out = []
    for docname in env.found_docs:
        path = env.doc2path(docname)
        try:
            if str(path).endswith(".md") and pastes_from_other_docs(
                open(path, encoding="utf-8").read()
            ):
                out.append(docname)
        except OSError:
            continue
    return out


def _on_env_updated(app, env) -> list[str]:
    return renumber(env.toc_fignumbers)


#: ``src`` of a ``<video>`` or ``<source>`` tag in raw HTML: groups before, the URL, after.
VIDEO_SRC = re.compile(r'(<(?:video|source)\b[^>]*?\bsrc=")([^"]+)(")', re.I)
#: Folder of the HTML build that receives the videos.
VIDEO_DIR = "_videos"


def video_target(src: str) -> str | None:
    """Name under :data:`VIDEO_DIR` of a video given by absolute path, or None (not a local path)."""
    if not src.startswith("/") or src.startswith("//"):
        return None
    digest = hashlib.sha1(src.encode()).hexdigest()[:10]
    return f"{digest}-{Path(src).name}"


def _on_doctree_resolved(app, doctree, docname) -> None:
    from docutils import nodes
    from sphinx.util import logging
    from sphinx.util.osutil import relative_uri

    if app.builder.format != "html":
        return
    page = app.builder.get_target_uri(docname)

    def copy(match: re.Match) -> str:
        src = match[2]
        name = video_target(src)
        if name is None:
            return match[0]
        if not Path(src).is_file():
            logging.getLogger(__name__).warning(
                f"video not found: {src}", location=docname, type="painsign", subtype="video"
            )
            return match[0]
        target = Path(app.outdir) / VIDEO_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        return match[1] + relative_uri(page, f"{VIDEO_DIR}/{name}") + match[3]

    for node in list(doctree.findall(nodes.raw)):
        if "html" not in node.get("format", "").split():
            continue
        text = node.astext()
        new = VIDEO_SRC.sub(copy, text)
        if new != text:
            node.replace_self(nodes.raw(new, new, format="html", classes=node.get("classes", [])))


def setup(app):
    app.connect("doctree-resolved", _on_doctree_resolved)
    # After the toctree collector (priority 500) has assigned the book-wide numbers.
    app.connect("env-get-updated", _on_env_updated, priority=900)
    app.connect("env-get-outdated", _on_env_outdated)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
