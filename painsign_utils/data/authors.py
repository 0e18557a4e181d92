"""The image manifest from the authors' ``iCOPE+UNIFESP_data.csv``: the image set behind the paper's numbers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path, PureWindowsPath

import pandas as pd

from ..errors import DataError
from .manifests import IMAGE_SUFFIXES, LABELS, summary_line, validate_manifest


def _resolve_windows_path(
    file_name: str, root: Path, by_name: dict[str, list[Path]]
) -> Path | None:
    """A Windows relative path found under ``root``: as a (trailing part of the) path, else by name."""
    parts = PureWindowsPath(file_name.strip()).parts
    parts = tuple(p for p in parts if p not in ("\\", "/", ".", ""))
    for i in range(len(parts)):
        candidate = root.joinpath(*parts[i:])
        if candidate.is_file():
            return candidate
    if not parts:
        return None
    found = by_name.get(parts[-1], [])
    if len(found) <= 1:
        return found[0] if found else None

    # Several files with that name: the one whose folders match the listed path's the longest.
    def shared(p: Path) -> int:
        n = 0
        for a, b in zip(reversed(p.parts), reversed(parts), strict=False):
            if a != b:
                break
            n += 1
        return n

    ranked = sorted(found, key=shared, reverse=True)
    return ranked[0] if shared(ranked[0]) > shared(ranked[1]) else None


def manifest_from_authors_csv(
    csv_path: str | Path, image_root: str | Path, verbose: bool = True
) -> pd.DataFrame:
    """Image manifest from the authors' ``iCOPE+UNIFESP_data.csv`` and the images on this machine.

    The CSV (columns ``file_name, subject, gender, class, dataset, NFCS, ...``) lists every iCOPE
    and UNIFESP image with a Windows relative path such as
    ``Datasets\\Originais\\iCOPE\\pilot\\S04_M_air_1.jpg``. Only classes ``pain`` and ``nopain``
    are kept (the paper's 521 images of 57 subjects: 238 pain, 283 no pain); UNIFESP's labels are the
    CSV's ``class``, never an NFCS cut-off.

    Parameters
    ----------
    csv_path : path
        The authors' CSV.
    image_root : path
        Folder holding the images: each ``file_name`` is looked up as its whole relative path (or a
        trailing part of it) under this folder, else by its file name anywhere below it.
    verbose : bool, default True
        Print the one-line summary (also in ``manifest.attrs["summary"]``).

    Returns
    -------
    DataFrame, one row per kept image
        ``path`` (absolute), ``subject`` (``dataset-subject`` as text: iCOPE ``S04`` and UNIFESP
        ``01`` are different babies), ``dataset``, ``label``, ``nfcs`` (NaN for iCOPE), ``sex``.
        ``attrs["left_out"]`` counts the rows left out per class.

    Raises
    ------
    DataError
        Missing CSV, folder or columns, or a listed pain/nopain file that is not found (one line
        naming the first such file and how many are missing).
    """
    csv_path, root = Path(csv_path), Path(image_root)
    if not csv_path.is_file():
        raise DataError(f"authors' CSV not found: {csv_path}")
    if not root.is_dir():
        raise DataError(f"image folder not found: {root}")
    try:
        raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{csv_path}: not a readable CSV ({str(exc).splitlines()[0]})") from None
    need = ("file_name", "subject", "class", "dataset")
    if missing := [c for c in need if c not in raw.columns]:
        raise DataError(
            f"{csv_path}: missing column(s) {', '.join(missing)}; the authors' CSV has "
            f"{', '.join(need)}, gender, NFCS, ..."
        )
    cls = raw["class"].str.strip().str.lower()
    keep = cls.isin(LABELS)
    left_out = Counter(cls[~keep].replace("", "(empty)"))
    kept = raw[keep]
    by_name: dict[str, list[Path]] = {}
    for p in root.rglob("*"):
        if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file():
            by_name.setdefault(p.name, []).append(p)
    paths, missing_rows = [], []
    for i, file_name in zip(kept.index, kept["file_name"], strict=True):
        found = _resolve_windows_path(file_name, root, by_name)
        if found is None:
            missing_rows.append((i, file_name))
        paths.append(str(found.resolve()) if found is not None else "")
    if missing_rows:
        i, file_name = missing_rows[0]
        more = (
            f" ({len(missing_rows)} listed files missing in all)" if len(missing_rows) > 1 else ""
        )
        raise DataError(
            f"{csv_path}: row {i + 2} lists {file_name!r}, not found under {root} "
            f"(by its path or its file name){more}"
        )
    dataset = kept["dataset"].str.strip()
    out = pd.DataFrame(
        {
            "path": paths,
            "subject": dataset + "-" + kept["subject"].str.strip(),
            "dataset": dataset,
            "label": cls[keep],
            "nfcs": pd.to_numeric(kept["NFCS"], errors="coerce")
            if "NFCS" in kept
            else float("nan"),
        }
    )
    if "gender" in kept.columns:
        out["sex"] = kept["gender"].str.strip()
    out = validate_manifest(out.reset_index(drop=True), "image", source=str(csv_path))
    out.attrs["left_out"] = dict(left_out)
    out.attrs["summary"] = summary_line(csv_path.name, out, left_out, "image")
    if verbose:
        print(out.attrs["summary"])
    return out
