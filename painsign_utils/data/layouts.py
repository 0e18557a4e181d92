"""Manifests from the owners' folder layouts of iCOPE and iCOPEvid, whose file names carry subject and stimulus.

:func:`manifest_from_folder` with ``layout="icope"`` or ``"icopevid"`` (:data:`LAYOUTS`), or a
``pattern`` for any other naming.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd

from ..errors import DataError
from .manifests import IMAGE_SUFFIXES, LABELS, VIDEO_SUFFIXES, summary_line, validate_manifest

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
        "classes": {
            "rest": "nopain",
            "pain": "pain",
            "pain2": "pain",
            "pain3": "pain",
            "nopain": "nopain",
            "no_pain": "nopain",
        },
        "rotate": None,
    },
    "icopevid": {
        "pattern": r"^(?P<subject>S\d+)",
        "kind": "video",
        "dataset": "iCOPEvid",
        "rotate": 90,
    },
}


def manifest_from_folder(
    root: str | Path,
    layout: str | None = None,
    pattern: str | None = None,
    dataset: str | None = None,
    kind: str | None = None,
    rotate: int | None = None,
    verbose: bool = True,
) -> pd.DataFrame:
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
        raise DataError(
            f"unknown layout {layout!r}; known layouts: {', '.join(LAYOUTS)} (or pass a pattern)"
        )
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
                raise DataError(
                    f"{path}: an iCOPEvid name must start with the subject (S<digits>), "
                    f"like S021_Rest_1_[0]_20s.mp4; pass pattern= with a 'subject' group "
                    "for another naming"
                )
            rows.append(
                {"path": str(path), "subject": m["subject"], "dataset": name, "label": label}
            )
    else:
        pattern = pattern or spec.get("pattern")
        if not pattern:
            raise DataError(
                "give a layout or a file-name pattern with named groups 'subject' and 'cls'"
            )
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise DataError(f"invalid file-name pattern {pattern!r}: {exc}") from None
        if "subject" not in regex.groupindex or not {"cls", "label"} & set(regex.groupindex):
            raise DataError(
                f"the pattern {pattern!r} needs named groups 'subject' and 'cls' (or 'label')"
            )
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
            rows.append(
                {"path": str(path), "subject": groups["subject"], "dataset": name, "label": label}
            )
        if unmatched:
            more = f" (and {len(unmatched) - 1} more)" if len(unmatched) > 1 else ""
            raise DataError(
                f"{unmatched[0]}{more}: file name does not match the expected pattern "
                f"{pattern!r}; pass pattern= with named groups 'subject' and 'cls' for "
                "another naming"
            )
    if not rows:
        raise DataError(
            f"{root}: no {kind} file with a pain or rest class (pattern {pattern or spec.get('pattern')!r})"
        )
    df = pd.DataFrame(rows)
    if rotate is not None:
        df["rotate"] = int(rotate)
    out = validate_manifest(df, kind, source=str(root))
    out.attrs["left_out"] = dict(left_out)
    out.attrs["summary"] = summary_line(name, out, left_out, kind)
    if verbose:
        print(out.attrs["summary"])
    return out


def _icopevid_stimulus(stem: str) -> str:
    """The stimulus word of an iCOPEvid name (``S021_Movement_2_[0]_20s`` → ``Movement``), for counts."""
    parts = [p for p in re.split(r"[_\s]+", stem) if p]
    return parts[1] if len(parts) > 1 else stem
