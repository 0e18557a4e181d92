"""Atomic writes and the artifact folder layout.

A notebook never trusts a half-written file: everything the pipeline writes goes to a temporary
file in the same folder and is renamed into place only once it is complete (``os.replace`` is
atomic on POSIX and Windows). Re-runs test for the final name to reuse finished work.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

#: Root under which each profile writes ``artifacts/<profile>/``; overridable for tests.
ARTIFACTS_ENV = "PAINSIGN_ARTIFACTS"


def artifacts_dir(profile: str, root: str | Path | None = None) -> Path:
    """Folder holding one profile's outputs (``artifacts/<profile>`` under the project root).

    Parameters
    ----------
    profile : str
        Profile name such as ``"smoke"``, ``"demo"`` or ``"paper"``.
    root : path, optional
        Parent folder; defaults to ``$PAINSIGN_ARTIFACTS`` or ``./artifacts``.
    """
    base = Path(root or os.environ.get(ARTIFACTS_ENV, "artifacts"))
    path = base / profile
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    The temporary name keeps ``path``'s extension (or ``suffix``) so writers that infer the format
    from it (OpenCV, matplotlib, pandas) behave as they would on the final name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=suffix or path.suffix, dir=path.parent
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_csv(df: pd.DataFrame, path: str | Path, **kwargs: Any) -> Path:
    """Write a DataFrame as CSV atomically (index off unless asked)."""
    kwargs.setdefault("index", False)
    with atomic_path(path) as tmp:
        df.to_csv(tmp, **kwargs)
    return Path(path)


def write_json(obj: Any, path: str | Path) -> Path:
    """Write JSON atomically, keys sorted so that equal content gives equal bytes."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=_jsonable) + "\n")
    return Path(path)


def read_json(path: str | Path) -> Any:
    """Read a JSON file written by :func:`write_json`."""
    return json.loads(Path(path).read_text())


def write_bytes(data: bytes, path: str | Path) -> Path:
    """Write raw bytes atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def reset_if_changed(folder: str | Path, stamp: dict, what: str, stamp_name: str = "stamp.json") -> bool:
    """Empty ``folder`` when what it holds was made under another ``stamp``; then record ``stamp``.

    Re-runs reuse finished work only if it was made as now asked (same settings, same model).
    Returns True when earlier contents were discarded (one line says which keys changed).
    """
    folder = Path(folder)
    path = folder / stamp_name
    stamp = json.loads(json.dumps(stamp, default=_jsonable))  # as it reads back
    old = read_json(path) if path.exists() else None
    earlier = [p for p in folder.glob("*") if p.name != stamp_name] if folder.is_dir() else []
    changed = bool(earlier) and old != stamp
    if changed:
        keys = [k for k in stamp if old is None or old.get(k) != stamp[k]]
        print(f"{what}: made with other {', '.join(keys)}; discarding {len(earlier)} earlier result(s)")
        for p in earlier:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    if old != stamp or not path.exists():
        write_json(stamp, path)
    return changed


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")
