"""From an executed notebook to a book page: folded code, the parameters shown once.

:func:`finish_page` is what the runner applies to every executed chapter. Figure captions and
names are not made here: they are the ``mystnb.figure`` metadata of the notebook's own code cells
(one figure per cell), so a notebook executed with plain papermill renders with them too.
"""

from __future__ import annotations

from pathlib import Path

from .storage import atomic_path

#: Tags that already decide how a code cell is shown; the runner leaves such cells alone.
_SHOWN_AS = {"remove-cell", "remove-input", "hide-cell", "hide-input", "remove-output"}


def finish_page(path: str | Path) -> Path:
    """Turn an executed notebook into a book page, in place: how each code cell is shown.

    * papermill's ``injected-parameters`` cell is tagged ``remove-cell`` (the parameters cell shows
      the defaults and the chapter's closing table the values this build used: shown once each);
    * every other code cell except ``parameters`` is folded (``hide-input``) unless the notebook
      already tagged it ``remove-*`` / ``hide-*``.
    """
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = list(cell.metadata.get("tags", []))
        if "injected-parameters" in tags:
            tags.append("remove-cell")
        elif "parameters" not in tags and not _SHOWN_AS & set(tags):
            tags.append("hide-input")
        cell.metadata["tags"] = list(dict.fromkeys(tags))
    with atomic_path(path) as tmp:
        nbformat.write(nb, tmp)
    return path


def stacked_image(paths: list[str | Path]):
    """Saved figures one above the other, as one image: a cell that shows it shows one figure.

    myst-nb captions and numbers every image a code cell displays with the cell's ``mystnb.figure``
    metadata, under one name; a chapter that draws a varying number of figures in a loop (one per
    model and video) shows them this way, under one caption and one number. Narrower images are
    padded with white on the right; the pixels are those of the saved files.

    Returns
    -------
    IPython.display.Image
        A PNG (shown when it is a cell's last expression); ``None`` when ``paths`` is empty.
    """
    import io

    import matplotlib.pyplot as plt
    import numpy as np
    from IPython.display import Image

    if not paths:
        return None
    images = [plt.imread(str(p)) for p in paths]
    images = [np.dstack([im, np.ones(im.shape[:2])]) if im.shape[2] == 3 else im for im in images]
    width = max(im.shape[1] for im in images)
    rows = [
        np.pad(im, ((0, 0), (0, width - im.shape[1]), (0, 0)), constant_values=1.0) for im in images
    ]
    buffer = io.BytesIO()
    plt.imsave(buffer, np.vstack(rows), format="png")
    return Image(data=buffer.getvalue(), format="png")
