"""Opening every file of a manifest (``painsign check``): a file that exists may still not be an image or video."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import DataError
from .manifests import IMAGE_SUFFIXES


def verify_files(
    manifest: pd.DataFrame, kind: str = "image", source: str = "manifest", progress: bool = True
) -> pd.DataFrame:
    """Open every file of a validated manifest: images must decode, videos must open and have frames.

    A file that exists is not necessarily usable: a text file named ``.jpg``, a folder, a truncated
    video or an image listed in a video manifest are found here, before hours of work.

    Parameters
    ----------
    manifest : DataFrame
        Output of :func:`validate_manifest` / :func:`read_manifest`.
    kind : {"image", "video"}
    source : str
        Name used in error messages.
    progress : bool
        Show a progress bar (useful on large manifests).

    Returns
    -------
    DataFrame
        ``path`` and, for videos, ``frames`` (decodable frames) per row.

    Raises
    ------
    DataError
        The first file that cannot be used, with its row.
    """
    import cv2

    from ..runtime import progress as tqdm
    from ..video import check_frame_count, count_frames

    rows = []
    for i, path in enumerate(
        tqdm(
            list(manifest["path"]),
            desc=f"checking {kind}s",
            unit="file",
            disable=not progress,
            leave=False,
        )
    ):
        where = f"{source}: row {i + 2}"
        p = Path(path)
        if p.is_dir():
            raise DataError(
                f"{where}: {p} is a folder, not a{'n image' if kind == 'image' else ' video'} file"
            )
        if not p.is_file():
            raise DataError(f"{where}: file not found: {p}")
        if kind == "image":
            if cv2.imread(str(p), cv2.IMREAD_COLOR) is None:
                raise DataError(f"{where}: cannot decode {p} as an image (corrupt or not an image)")
            rows.append({"path": path})
            continue
        if p.suffix.lower() in IMAGE_SUFFIXES:
            raise DataError(f"{where}: {p} is an image file; a video manifest lists videos")
        try:
            read, expected = count_frames(p)
        except DataError as exc:
            raise DataError(f"{where}: {exc}") from None
        if read < 1:
            raise DataError(f"{where}: cannot read video (no decodable frame): {p}")
        check_frame_count(p, read, expected)
        rows.append({"path": path, "frames": read})
    return pd.DataFrame(rows)
