"""Manifests: the tables that say which images and videos exist, who is in them, and their labels.

Image manifest, one row an image: ``path, subject, dataset, label`` (``pain`` | ``nopain``), optional
``nfcs``. Video manifest, one row a video: ``path, subject, dataset, label``, optional ``fps``.
Synthetic sets add ground-truth columns (``intensity``, ``scenario``, ``truth``), which pass through.

Sources: a manifest CSV written by hand for any folder layout (:func:`read_manifest`), the
synthetic generator's manifests, the authors' ``iCOPE+UNIFESP_data.csv``
(:func:`manifest_from_authors_csv`, the image set behind the paper's numbers) and the owners'
layouts of iCOPE and iCOPEvid, whose file names carry subject and stimulus
(:func:`manifest_from_folder` with ``layout="icope"`` or ``"icopevid"``, or a ``pattern``).
Relative paths in a CSV are resolved against the CSV's folder. Every problem is reported as one
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
from collections import Counter
from collections.abc import Iterable
from pathlib import Path, PureWindowsPath

import pandas as pd

from .errors import DataError
from .paper import TABLE1

LABELS: tuple[str, ...] = ("pain", "nopain")
IMAGE_COLUMNS: tuple[str, ...] = ("path", "subject", "dataset", "label")
VIDEO_COLUMNS: tuple[str, ...] = ("path", "subject", "dataset", "label")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".wmv", ".m4v")

# Class names used by the datasets' owners, mapped to the paper's two labels (§2.1: only "rest" and
# "pain" are used; crying, air stimulus, friction and movement are left out).
CLASS_TO_LABEL = {"pain": "pain", "rest": "nopain", "nopain": "nopain", "no_pain": "nopain"}

#: File-name rules of the owners' layouts (matched against the file's stem).
#:
#: * ``icope``: the real iCOPE names ``S04_M_pain_1.jpg`` = subject, sex, stimulus and an index
#:   that may be missing (``S07_F_pain.jpg``), carry a letter (``S08_F_friction_2b.jpg``) or follow
#:   a space (``S40_M_pain _1.jpg``). ``rest`` is no pain; ``pain``, ``pain2`` and ``pain3`` are pain;
#:   every other stimulus (air, cry, friction, sucrose, yawn, sneeze, pain_post_sucrose, and their
#:   misspellings) is left out, as in the paper. Files already named by label (``nopain``) count too.
#: * ``icopevid``: videos such as ``S021_Rest_1_[0]_20s.mp4``; the authors keep files whose name
#:   contains ``Pain`` or ``Rest`` (pain when it contains ``Pain``); the subject is the ``S\d+``
#:   prefix; frames are rotated 90° clockwise before detection (``rotate`` column).
LAYOUTS: dict[str, dict] = {
    "icope": {
        "pattern": r"^(?P<subject>S\d+)[a-z]?_(?:(?P<sex>[MF])_)?(?P<cls>[A-Za-z][A-Za-z0-9_]*?)"
                   r"(?:\s*_(?P<index>\d+[a-z]?))?$",
        "kind": "image",
        "dataset": "iCOPE",
        "classes": {"rest": "nopain", "pain": "pain", "pain2": "pain", "pain3": "pain",
                    "nopain": "nopain", "no_pain": "nopain"},
        "rotate": None,
    },
    "icopevid": {
        "pattern": r"^(?P<subject>S\d+)",
        "kind": "video",
        "dataset": "iCOPEvid",
        "rotate": 90,
    },
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


def _summary_line(name: str, kept: pd.DataFrame, left_out: Counter, unit: str) -> str:
    n_pain = int((kept["label"] == "pain").sum()) if len(kept) else 0
    line = (f"{name}: {len(kept)} {unit}s of {kept['subject'].nunique() if len(kept) else 0} "
            f"subjects kept ({n_pain} pain, {len(kept) - n_pain} no pain)")
    if left_out:
        detail = ", ".join(f"{k} {v}" for k, v in sorted(left_out.items(), key=lambda kv: (-kv[1], kv[0])))
        line += f"; {sum(left_out.values())} left out: {detail}"
    return line


def manifest_from_folder(root: str | Path, layout: str | None = None, pattern: str | None = None,
                         dataset: str | None = None, kind: str | None = None,
                         rotate: int | None = None, verbose: bool = True) -> pd.DataFrame:
    """Build a manifest from a folder (searched recursively) whose file names carry subject and class.

    Parameters
    ----------
    root : path
        Folder searched recursively.
    layout : {"icope", "icopevid"}, optional
        A known owners' layout (see :data:`LAYOUTS`): ``icope`` matches the real iCOPE names
        (``S04_M_pain_1.jpg``, ``S07_F_pain.jpg``, ``S08_F_friction_2b.jpg``, ``S40_M_pain _1.jpg``),
        keeps rest (no pain) and pain/pain2/pain3 (pain); ``icopevid`` keeps the videos whose name
        contains ``Pain`` (pain) or ``Rest`` (no pain), as the authors did.
    pattern : str, optional
        Regular expression matched against each file's stem, with named groups ``subject`` and
        ``cls`` (the owners' class name) or ``label``. Overrides the layout's pattern (the escape
        hatch for other namings); ``cls`` values map through ``rest``/``pain``/``nopain``.
    dataset : str, optional
        Dataset name written in the manifest (defaults to the layout's: ``iCOPE``, ``iCOPEvid``).
    kind : {"image", "video"}, optional
        Defaults to the layout's kind.
    rotate : {0, 90, 180, 270}, optional
        Clockwise rotation to apply to every frame before detection, written as a ``rotate``
        column (default: 90 for ``icopevid``, as the authors did; no column otherwise).
    verbose : bool, default True
        Print the one-line summary (also in ``manifest.attrs["summary"]``).

    Returns
    -------
    DataFrame
        The validated manifest (``path, subject, dataset, label`` [, ``rotate``]);
        ``attrs["left_out"]`` counts the files left out per stimulus.

    Raises
    ------
    DataError
        A missing folder, an unknown layout, a file whose name does not match the layout's pattern
        (the message names the pattern and the ``pattern=`` escape hatch), or nothing kept.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"data folder not found: {root}")
    if layout is not None and layout not in LAYOUTS:
        raise DataError(f"unknown layout {layout!r}; known layouts: {', '.join(LAYOUTS)} (or pass a pattern)")
    spec = LAYOUTS.get(layout or "", {})
    kind = kind or spec.get("kind", "image")
    if kind not in ("image", "video"):
        raise DataError(f"unknown manifest kind {kind!r}; use 'image' or 'video'")
    rotate = spec.get("rotate") if rotate is None else rotate
    if rotate is not None and rotate not in (0, 90, 180, 270):
        raise DataError(f"rotate must be 0, 90, 180 or 270 degrees clockwise, got {rotate!r}")
    name = dataset or spec.get("dataset") or layout or root.name
    suffixes = IMAGE_SUFFIXES if kind == "image" else VIDEO_SUFFIXES
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
    rows, left_out = [], Counter()
    if layout == "icopevid" and pattern is None:
        regex = re.compile(spec["pattern"])
        for path in files:
            if "Pain" in path.name:
                label = "pain"
            elif "Rest" in path.name:
                label = "nopain"
            else:
                left_out[_icopevid_stimulus(path.stem)] += 1
                continue
            m = regex.search(path.stem)
            if not m:
                raise DataError(f"{path}: an iCOPEvid name must start with the subject (S<digits>), "
                                f"like S021_Rest_1_[0]_20s.mp4; pass pattern= with a 'subject' group "
                                "for another naming")
            rows.append({"path": str(path), "subject": m["subject"], "dataset": name, "label": label})
    else:
        pattern = pattern or spec.get("pattern")
        if not pattern:
            raise DataError("give a layout or a file-name pattern with named groups 'subject' and 'cls'")
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise DataError(f"invalid file-name pattern {pattern!r}: {exc}") from None
        if "subject" not in regex.groupindex or not {"cls", "label"} & set(regex.groupindex):
            raise DataError(f"the pattern {pattern!r} needs named groups 'subject' and 'cls' (or 'label')")
        classes = spec.get("classes", CLASS_TO_LABEL)
        unmatched = []
        for path in files:
            m = regex.search(path.stem)
            if not m:
                unmatched.append(path)
                continue
            groups = m.groupdict()
            cls = re.sub(r"\s+", "", str(groups.get("cls") or "")).lower()
            label = groups.get("label") or classes.get(cls)
            label = str(label).lower() if label else None
            if label not in LABELS:
                left_out[cls or "unlabelled"] += 1
                continue
            rows.append({"path": str(path), "subject": groups["subject"], "dataset": name, "label": label})
        if unmatched:
            more = f" (and {len(unmatched) - 1} more)" if len(unmatched) > 1 else ""
            raise DataError(f"{unmatched[0]}{more}: file name does not match the expected pattern "
                            f"{pattern!r}; pass pattern= with named groups 'subject' and 'cls' for "
                            "another naming")
    if not rows:
        raise DataError(f"{root}: no {kind} file with a pain or rest class (pattern {pattern or spec.get('pattern')!r})")
    df = pd.DataFrame(rows)
    if rotate is not None:
        df["rotate"] = int(rotate)
    out = validate_manifest(df, kind, source=str(root))
    out.attrs["left_out"] = dict(left_out)
    out.attrs["summary"] = _summary_line(name, out, left_out, kind)
    if verbose:
        print(out.attrs["summary"])
    return out


def _icopevid_stimulus(stem: str) -> str:
    """The stimulus word of an iCOPEvid name (``S021_Movement_2_[0]_20s`` → ``Movement``), for counts."""
    parts = [p for p in re.split(r"[_\s]+", stem) if p]
    return parts[1] if len(parts) > 1 else stem


def _resolve_windows_path(file_name: str, root: Path, by_name: dict[str, list[Path]]) -> Path | None:
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


def manifest_from_authors_csv(csv_path: str | Path, image_root: str | Path,
                              verbose: bool = True) -> pd.DataFrame:
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
        raise DataError(f"{csv_path}: missing column(s) {', '.join(missing)}; the authors' CSV has "
                        f"{', '.join(need)}, gender, NFCS, ...")
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
        more = f" ({len(missing_rows)} listed files missing in all)" if len(missing_rows) > 1 else ""
        raise DataError(f"{csv_path}: row {i + 2} lists {file_name!r}, not found under {root} "
                        f"(by its path or its file name){more}")
    dataset = kept["dataset"].str.strip()
    out = pd.DataFrame({
        "path": paths,
        "subject": dataset + "-" + kept["subject"].str.strip(),
        "dataset": dataset,
        "label": cls[keep],
        "nfcs": pd.to_numeric(kept["NFCS"], errors="coerce") if "NFCS" in kept else float("nan"),
    })
    if "gender" in kept.columns:
        out["sex"] = kept["gender"].str.strip()
    out = validate_manifest(out.reset_index(drop=True), "image", source=str(csv_path))
    out.attrs["left_out"] = dict(left_out)
    out.attrs["summary"] = _summary_line(csv_path.name, out, left_out, "image")
    if verbose:
        print(out.attrs["summary"])
    return out


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


#: Paper Table 1 (Ferreira et al.): what the real datasets hold, as printed. Its iCOPEvid pain /
#: no-pain counts are transposed: the authors' predictions hold 49 pain and 71 no-pain videos
#: (N-CNN's sensitivity 0.8163 = 40/49); the numbers are kept as the paper printed them.
#: As a table (:data:`painsign_utils.paper.TABLE1`): the rows chapter 00 compares.
PAPER_TABLE1 = pd.DataFrame(TABLE1).loc[["data type", "newborns", "total samples", "pain", "no pain"]]


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
