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
"""

from __future__ import annotations

import re

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


def setup(app):
    # After the toctree collector (priority 500) has assigned the book-wide numbers.
    app.connect("env-get-updated", _on_env_updated, priority=900)
    app.connect("env-get-outdated", _on_env_outdated)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
