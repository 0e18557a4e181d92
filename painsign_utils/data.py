"""Manifests: the tables that say which images and videos exist, who is in them, and their labels.

Image manifest, one row an image: ``path, subject, dataset, label`` (``pain`` | ``nopain``), optional
``nfcs``. Video manifest, one row a video: ``path, subject, dataset, label``, optional ``fps``.
Synthetic sets add ground-truth columns (``intensity``, ``scenario``, ``truth``), which pass through.

Sources: a manifest CSV written by hand for any folder layout (:func:`read_manifest`), the
synthetic generator's manifests, and the owners' layouts of iCOPE / iCOPEvid / UNIFESP where the
file names carry subject and class (:func:`manifest_from_folder` with a named pattern). Relative
paths in a CSV are resolved against the CSV's folder. Every problem is reported as one
:class:`~painsign_utils.errors.DataError` line naming the file, row and column.

Subject IDs are text, always (``001`` and ``1`` are two babies); two rows naming the same file by
different spellings (``/d/img/a0.jpg`` and ``/d/img/./a0.jpg``) are duplicates; :func:`verify_files`
opens every file (``painsign check``), since a file that exists may still not be an image or video.
"""

from __future__ import annotations

import csv as _csv
import math
import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .errors import DataError

LABELS: tuple[str, ...] = ("pain", "nopain")
IMAGE_COLUMNS: tuple[str, ...] = ("path", "subject", "dataset", "label")
VIDEO_COLUMNS: tuple[str, ...] = ("path", "subject", "dataset", "label")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".wmv", ".m4v")

# Class names used by the datasets' owners, mapped to the paper's two labels (§2.1: only "rest" and
# "pain" are used; crying, air stimulus, friction and movement are left out).
CLASS_TO_LABEL = {"pain": "pain", "rest": "nopain", "nopain": "nopain", "no_pain": "nopain"}

#: File-name patterns of the owners' layouts. The FEI group's published file list names iCOPE and
#: iCOPEvid files ``S001v_pain_0.jpg`` style: subject, then class. UNIFESP's naming is not public:
#: write a manifest CSV for it.
LAYOUTS: dict[str, dict] = {
    "icope": {"pattern": r"(?P<subject>S\d+)[a-z]?[_-](?P<cls>[A-Za-z_]+?)(?:[_-]\d+)?$", "kind": "image"},
    "icopevid": {"pattern": r"(?P<subject>S\d+)[a-z]?[_-](?P<cls>[A-Za-z_]+?)(?:[_-]\d+)?$", "kind": "video"},
}


def is_synthetic(dataset: str | Iterable[str]) -> bool:
    """True when every dataset name is one of ours (``synthetic-*``): not health data."""
    names = [dataset] if isinstance(dataset, str) else list(dataset)
    return bool(names) and all(str(n).startswith("synthetic") for n in names)


def validate_manifest(df: pd.DataFrame, kind: str = "image", source: str = "manifest",
                      check_files: bool = True) -> pd.DataFrame:
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
        raise DataError(f"{source}: missing column(s) {', '.join(missing)}; a {kind} manifest needs {', '.join(required)}")
    out = df.reset_index(drop=True)  # row numbers in messages count from the first data row
    for col in required:
        empty = out[col].isna() | (out[col].astype(str).str.strip() == "")
        if empty.any():
            raise DataError(f"{source}: row {int(empty.idxmax()) + 2} has an empty {col!r}")
        out[col] = out[col].astype(str).str.strip()
    out["label"] = out["label"].str.lower()
    bad = ~out["label"].isin(LABELS)
    if bad.any():
        raise DataError(f"{source}: row {int(bad.idxmax()) + 2} has unknown label {out.loc[bad.idxmax(), 'label']!r}; use 'pain' or 'nopain'")
    # The same file spelled two ways ("a/./x.jpg", "a/x.jpg", a symbolic link) is one file.
    resolved = out["path"].map(lambda p: os.path.realpath(os.path.expanduser(p)))
    dup = resolved.duplicated()
    if dup.any():
        first = int(resolved[resolved == resolved[dup.idxmax()]].index[0])
        raise DataError(f"{source}: path {out.loc[dup.idxmax(), 'path']!r} (row {int(dup.idxmax()) + 2}) "
                        f"is listed twice: it is the same file as row {first + 2}")
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
    from .storage import read_table

    csv = Path(csv)
    if not csv.exists():
        raise DataError(f"manifest not found: {csv}")
    if not csv.is_file():
        raise DataError(f"{csv} is a folder, not a manifest CSV file")
    _check_row_lengths(csv)
    try:
        df = read_table(csv)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise DataError(f"{csv}: not a readable CSV manifest ({str(exc).splitlines()[0]})") from None
    root = csv.parent.resolve()
    for col in ("path", "truth"):
        if col in df.columns:
            df[col] = [str(p) if pd.isna(p) or Path(str(p)).is_absolute() else str(root / str(p))
                       for p in df[col]]
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
                    raise DataError(f"{csv}: row {n} has {len(row)} cells but the header has "
                                    f"{len(header)} (a trailing comma or an extra cell?)")
    except (UnicodeDecodeError, _csv.Error) as exc:
        raise DataError(f"{csv}: not a readable CSV manifest ({str(exc).splitlines()[0]})") from None


def verify_files(manifest: pd.DataFrame, kind: str = "image", source: str = "manifest",
                 progress: bool = True) -> pd.DataFrame:
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

    from .runtime import progress as tqdm
    from .video import check_frame_count, count_frames

    rows = []
    for i, path in enumerate(tqdm(list(manifest["path"]), desc=f"checking {kind}s", unit="file",
                                  disable=not progress, leave=False)):
        where = f"{source}: row {i + 2}"
        p = Path(path)
        if p.is_dir():
            raise DataError(f"{where}: {p} is a folder, not a{'n image' if kind == 'image' else ' video'} file")
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


def manifest_from_folder(root: str | Path, layout: str | None = None, pattern: str | None = None,
                         dataset: str | None = None, kind: str | None = None) -> pd.DataFrame:
    """Build a manifest from a folder whose file names carry subject and class.

    Parameters
    ----------
    root : path
        Folder searched recursively.
    layout : {"icope", "icopevid"}, optional
        A known owners' layout (see :data:`LAYOUTS`).
    pattern : str, optional
        Regular expression matched against each file's stem, with named groups ``subject`` and
        ``cls`` (the owners' class name) or ``label``. Overrides the layout's pattern.
    dataset : str, optional
        Dataset name written in the manifest (defaults to ``layout``).
    kind : {"image", "video"}, optional
        Defaults to the layout's kind.

    Files whose class is not "pain" or "rest" are left out, as in the paper.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"data folder not found: {root}")
    if layout is not None and layout not in LAYOUTS:
        raise DataError(f"unknown layout {layout!r}; known layouts: {', '.join(LAYOUTS)} (or pass a pattern)")
    spec = LAYOUTS.get(layout or "", {})
    pattern = pattern or spec.get("pattern")
    kind = kind or spec.get("kind", "image")
    if not pattern:
        raise DataError("give a layout or a file-name pattern with named groups 'subject' and 'cls'")
    regex = re.compile(pattern)
    suffixes = IMAGE_SUFFIXES if kind == "image" else VIDEO_SUFFIXES
    rows = []
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in suffixes):
        m = regex.search(path.stem)
        if not m:
            continue
        groups = m.groupdict()
        label = groups.get("label") or CLASS_TO_LABEL.get(str(groups.get("cls", "")).lower())
        if label not in LABELS:
            continue
        rows.append({"path": str(path), "subject": groups["subject"], "dataset": dataset or layout or root.name,
                     "label": label})
    if not rows:
        raise DataError(f"{root}: no {kind} file name matched the pattern {pattern!r} with a pain or rest class")
    return validate_manifest(pd.DataFrame(rows), kind, source=str(root))


def subject_table(manifest: pd.DataFrame) -> pd.DataFrame:
    """One row per subject: dataset, number of pain and no-pain items (the unit of cross-validation)."""
    counts = manifest.groupby(["dataset", "subject", "label"]).size().unstack("label", fill_value=0)
    for label in LABELS:
        if label not in counts.columns:
            counts[label] = 0
    return counts[list(LABELS)].reset_index().rename(columns={"pain": "n_pain", "nopain": "n_nopain"})


def dataset_summary(images: pd.DataFrame | None = None, videos: pd.DataFrame | None = None) -> pd.DataFrame:
    """A Table-1-like summary: newborns, samples, pain and no-pain per dataset."""
    rows = []
    for df, kind in ((images, "image"), (videos, "video")):
        if df is None:
            continue
        for name, part in df.groupby("dataset", sort=False):
            rows.append({"dataset": name, "data type": kind, "newborns": part["subject"].nunique(),
                         "total samples": len(part), "pain": int((part["label"] == "pain").sum()),
                         "no pain": int((part["label"] == "nopain").sum())})
    return pd.DataFrame(rows).set_index("dataset").T


#: Paper Table 1 (Ferreira et al.): what the real datasets hold.
PAPER_TABLE1 = pd.DataFrame(
    {"iCOPE": ["image", 26, 123, 60, 63], "UNIFESP": ["image", 30, 360, 164, 196],
     "iCOPEvid": ["video", 49, 120, 71, 49]},
    index=["data type", "newborns", "total samples", "pain", "no pain"],
)


def collect(
    out_dir: str | Path,
    source: str = "synthetic",
    image_manifest: str | Path | None = None,
    video_manifest: str | Path | None = None,
    synth=None,
    synth_dir: str | Path | None = None,
    progress: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Put the image and video manifests of a run in place: ``out_dir/images.csv``, ``out_dir/videos.csv``.

    Parameters
    ----------
    out_dir : path
        Where the validated manifests (absolute paths) are written.
    source : {"synthetic", "manifest"}
        Generate (or reuse) the synthetic sets, or read the user's manifest CSVs.
    image_manifest, video_manifest : path, optional
        The user's manifests when ``source == "manifest"``.
    synth : SynthConfig, optional
        Size of the synthetic sets.
    synth_dir : path, optional
        Folder of the synthetic sets (default ``out_dir/../data``).
    """
    out_dir = Path(out_dir)
    if source == "synthetic":
        from .synthetic import SynthConfig, generate

        paths = generate(synth_dir or out_dir.parent / "data", synth or SynthConfig(), progress=progress)
        image_manifest, video_manifest = paths["images"], paths["videos"]
    elif source == "manifest":
        if not image_manifest or not video_manifest:
            raise DataError("source 'manifest' needs both image_manifest and video_manifest")
    else:
        raise DataError(f"unknown data source {source!r}; use 'synthetic' or 'manifest'")
    images = read_manifest(image_manifest, "image")
    videos = read_manifest(video_manifest, "video")
    from .storage import write_csv

    write_csv(images, out_dir / "images.csv")
    write_csv(videos, out_dir / "videos.csv")
    return images, videos
