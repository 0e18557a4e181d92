"""The manifest contract: columns, labels, validation, and reading a manifest CSV.

Image manifest, one row an image: ``path, subject, dataset, label`` (``pain`` | ``nopain``), optional
``nfcs``. Video manifest, one row a video: ``path, subject, dataset, label``, optional ``fps``.
Synthetic sets add ground-truth columns (``intensity``, ``scenario``, ``truth``), which pass through.
Relative paths in a CSV are resolved against the CSV's folder. Every problem is reported as one
:class:`~painsign_utils.errors.DataError` line naming the file, row and column. Subject IDs are text,
always (``001`` and ``1`` are two babies); two rows naming the same file by different spellings
(``/d/img/a0.jpg`` and ``/d/img/./a0.jpg``) are duplicates.
"""

from __future__ import annotations

import csv as _csv
import math
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..errors import DataError

LABELS: tuple[str, ...] = ("pain", "nopain")
IMAGE_COLUMNS: tuple[str, ...] = ("path", "subject", "dataset", "label")
VIDEO_COLUMNS: tuple[str, ...] = ("path", "subject", "dataset", "label")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".wmv", ".m4v")


def is_synthetic(dataset: str | Iterable[str]) -> bool:
    """True when every dataset name is one of ours (``synthetic-*``): not health data."""
    names = [dataset] if isinstance(dataset, str) else list(dataset)
    return bool(names) and all(str(n).startswith("synthetic") for n in names)


def validate_manifest(
    df: pd.DataFrame, kind: str = "image", source: str = "manifest", check_files: bool = True
) -> pd.DataFrame:
    """Check a manifest against its contract and return a clean copy.

    Parameters
    ----------
    df : DataFrame
        The manifest.
    kind : {"image", "video"}
    source : str
        Name used in error messages (usually the CSV's path).
    check_files : bool
        Also check that every ``path`` exists.

    Raises
    ------
    DataError
        Empty manifest, a missing column, an empty cell, an unknown label, a duplicate path, a path
        that does not exist, or a non-positive ``fps``.
    """
    if kind not in ("image", "video"):
        raise DataError(f"unknown manifest kind {kind!r}; use 'image' or 'video'")
    required = IMAGE_COLUMNS if kind == "image" else VIDEO_COLUMNS
    if df.empty:
        raise DataError(f"{source}: the {kind} manifest has no rows")
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(
            f"{source}: missing column(s) {', '.join(missing)}; a {kind} manifest needs {', '.join(required)}"
        )
    out = df.reset_index(drop=True)  # row numbers in messages count from the first data row
    for col in required:
        empty = out[col].isna() | (out[col].astype(str).str.strip() == "")
        if empty.any():
            raise DataError(f"{source}: row {int(empty.idxmax()) + 2} has an empty {col!r}")
        out[col] = out[col].astype(str).str.strip()
    out["label"] = out["label"].str.lower()
    bad = ~out["label"].isin(LABELS)
    if bad.any():
        raise DataError(
            f"{source}: row {int(bad.idxmax()) + 2} has unknown label {out.loc[bad.idxmax(), 'label']!r}; use 'pain' or 'nopain'"
        )
    # The same file spelled two ways ("a/./x.jpg", "a/x.jpg", a symbolic link) is one file.
    resolved = out["path"].map(lambda p: os.path.realpath(os.path.expanduser(p)))
    dup = resolved.duplicated()
    if dup.any():
        first = int(resolved[resolved == resolved[dup.idxmax()]].index[0])
        raise DataError(
            f"{source}: path {out.loc[dup.idxmax(), 'path']!r} (row {int(dup.idxmax()) + 2}) "
            f"is listed twice: it is the same file as row {first + 2}"
        )
    for col, positive in (("nfcs", False), ("fps", True)):
        if col in out.columns:
            out[col] = _numeric_column(out[col], col, source, positive)
    if check_files:
        exists = out["path"].map(lambda p: Path(p).exists())
        if not exists.all():
            raise DataError(f"{source}: file not found: {out.loc[~exists, 'path'].iloc[0]}")
    return out.reset_index(drop=True)


def read_manifest(csv: str | Path, kind: str = "image", check_files: bool = True) -> pd.DataFrame:
    """Read and validate a manifest CSV; relative paths are taken relative to the CSV's folder.

    The same rule applies to a synthetic ground-truth column ``truth``.
    """
    from ..storage import read_table

    csv = Path(csv)
    if not csv.exists():
        raise DataError(f"manifest not found: {csv}")
    if not csv.is_file():
        raise DataError(f"{csv} is a folder, not a manifest CSV file")
    _check_row_lengths(csv)
    try:
        df = read_table(csv)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise DataError(
            f"{csv}: not a readable CSV manifest ({str(exc).splitlines()[0]})"
        ) from None
    root = csv.parent.resolve()
    for col in ("path", "truth"):
        if col in df.columns:
            df[col] = [
                str(p) if pd.isna(p) or Path(str(p)).is_absolute() else str(root / str(p))
                for p in df[col]
            ]
    return validate_manifest(df, kind, source=str(csv), check_files=check_files)


def _numeric_column(values: pd.Series, col: str, source: str, positive: bool) -> pd.Series:
    """``values`` as floats; empty cells stay NaN, anything else that is not a number is an error."""
    num = pd.to_numeric(values, errors="coerce")
    text = values.astype(str).str.strip()
    given = values.notna() & (text != "") & (text.str.lower() != "nan")
    bad = given & num.isna()
    if bad.any():
        i = int(bad.idxmax())
        raise DataError(f"{source}: row {i + 2} has {col} {values[i]!r}, not a number")
    finite = num.dropna()
    out_of_range = ~finite.map(math.isfinite) | ((finite <= 0) if positive else (finite < 0))
    if out_of_range.any():
        i = int(out_of_range.idxmax())
        need = "a positive number" if positive else "a number >= 0"
        raise DataError(f"{source}: row {i + 2} has {col} {values[i]!r}; it must be {need}")
    return num.astype(float)


def _check_row_lengths(csv: Path) -> None:
    """Every data row has as many cells as the header (a trailing comma or an extra cell would
    otherwise shift the columns, or silently turn the first column into an index)."""
    try:
        with open(csv, newline="", encoding="utf-8") as f:
            rows = _csv.reader(f)
            header = next(rows, None)
            if header is None:
                raise DataError(f"{csv}: the manifest is empty")
            for n, row in enumerate(rows, start=2):
                if row and len(row) != len(header):
                    raise DataError(
                        f"{csv}: row {n} has {len(row)} cells but the header has "
                        f"{len(header)} (a trailing comma or an extra cell?)"
                    )
    except (UnicodeDecodeError, _csv.Error) as exc:
        raise DataError(
            f"{csv}: not a readable CSV manifest ({str(exc).splitlines()[0]})"
        ) from None


def summary_line(name: str, kept: pd.DataFrame, left_out: Counter, unit: str) -> str:
    n_pain = int((kept["label"] == "pain").sum()) if len(kept) else 0
    line = (
        f"{name}: {len(kept)} {unit}s of {kept['subject'].nunique() if len(kept) else 0} "
        f"subjects kept ({n_pain} pain, {len(kept) - n_pain} no pain)"
    )
    if left_out:
        detail = ", ".join(
            f"{k} {v}" for k, v in sorted(left_out.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        line += f"; {sum(left_out.values())} left out: {detail}"
    return line
