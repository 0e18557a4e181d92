"""From an executed notebook to a book page: captions, figure numbers, folded code, the parameters once.

:func:`finish_page` is what the runner applies to every executed chapter; ``# figure: name | caption``
lines in a code cell are the only source of figure captions in the book (see ``docs/design.md``).
"""

from __future__ import annotations

import re
from pathlib import Path

from .storage import atomic_path

#: A code cell's caption line, the only source of figure captions in the book:
#: ``# figure: fig-name | Caption text``. Several lines caption the cell's images in order.
FIGURE_LINE = re.compile(
    r"^#\s*figure:\s*(?P<name>[A-Za-z][\w-]*)\s*\|\s*(?P<caption>.+?)\s*$", re.M
)
#: Source of the cells :func:`split_figures` makes (myst-nb skips a code cell whose source is blank,
#: outputs and all, so they carry this comment; their input is removed from the page).
SPLIT_SOURCE = "# output of the code cell above (split off by the book runner)"
#: Tags that already decide how a code cell is shown; the runner leaves such cells alone.
_SHOWN_AS = {"remove-cell", "remove-input", "hide-cell", "hide-input", "remove-output"}


def _is_image(output) -> bool:
    return output.get("output_type") in ("display_data", "execute_result") and any(
        k.startswith("image/") for k in output.get("data", {})
    )


def _caption_cell(cell, outputs: list, figure: dict | None):
    """A code cell with hidden input holding ``outputs`` (one captioned figure, or the rest)."""
    import nbformat

    new = nbformat.v4.new_code_cell(SPLIT_SOURCE)
    new.metadata["tags"] = ["remove-input"]
    if figure is not None:
        new.metadata["mystnb"] = {"figure": figure}
    new.outputs = outputs
    new.execution_count = cell.get("execution_count")
    return new


def split_figures(cell) -> list:
    """Caption the images of one executed code cell from its ``# figure:`` lines.

    myst-nb numbers a cell's figure from the cell's ``mystnb.figure`` metadata, but wraps *every*
    display output of that cell in the figure (a table or a sentence shown beside the plot would
    become a second figure with the same name). So each image goes into a cell of its own, with its
    caption, and the outputs between images into plain cells; the code stays in the first cell.
    The i-th ``# figure:`` line captions the i-th image; when a loop shows more images than there
    are lines, the last line captions the rest, named ``name-2``, ``name-3``... A line with no image
    (a branch that did not draw) is ignored.

    Returns
    -------
    list of cells
        ``[cell]`` unchanged when it holds no caption line or no image.
    """
    if cell.source == SPLIT_SOURCE:  # made by an earlier pass: already final
        return [cell]
    specs = [(m["name"], m["caption"]) for m in FIGURE_LINE.finditer(cell.source)]
    cell.metadata.pop("mystnb", None)  # the comment line is the one source of captions
    images = [i for i, o in enumerate(cell.get("outputs", [])) if _is_image(o)]
    if not specs or not images:
        return [cell]
    outputs = cell.outputs
    cell.outputs = outputs[: images[0]]
    cells = [cell]
    for k, i in enumerate(images):
        name, caption = specs[min(k, len(specs) - 1)]
        extra = k - len(specs) + 1
        if extra > 0:
            name = f"{name}-{extra + 1}"
        cells.append(_caption_cell(cell, [outputs[i]], {"name": name, "caption": caption}))
        end = images[k + 1] if k + 1 < len(images) else len(outputs)
        if end > i + 1:
            cells.append(_caption_cell(cell, outputs[i + 1 : end], None))
    return cells


def finish_page(path: str | Path) -> Path:
    """Turn an executed notebook into a book page, in place: how each cell is shown, captions.

    * papermill's ``injected-parameters`` cell is tagged ``remove-cell`` (the parameters cell shows
      the defaults and the chapter's closing table the values this build used: shown once each);
    * every other code cell except ``parameters`` is folded (``hide-input``) unless the notebook
      already tagged it ``remove-*`` / ``hide-*``;
    * ``# figure: name | caption`` lines become numbered figures (:func:`split_figures`).
    """
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        tags = list(cell.metadata.get("tags", []))
        if "injected-parameters" in tags:
            tags.append("remove-cell")
        elif "parameters" not in tags and not _SHOWN_AS & set(tags):
            tags.append("hide-input")
        cell.metadata["tags"] = list(dict.fromkeys(tags))
        cells.extend(split_figures(cell))
    nb.cells = cells
    with atomic_path(path) as tmp:
        nbformat.write(nb, tmp)
    return path


# -- chapter timings -------------------------------------------------------------------------------
