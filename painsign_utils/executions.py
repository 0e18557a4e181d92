"""Which chapters a book run may reuse instead of executing them again.

After a chapter executes, the runner writes a stamp, ``artifacts/<profile>/executions/NN_name.json``:
the digest of everything the execution depended on (:func:`chapter_key`) and the files it wrote
(:func:`written_since`). A later run reuses the executed notebook when the new digest is the same,
the executed notebook is the one it wrote, and every file the stamp lists is still there,
unchanged (size and modification time) — otherwise it executes the chapter, which reuses what it
can inside (trained folds, probabilities, ...).

What a chapter depends on: its notebook, its parameters, the package's source, the locked
environment and Python's version, and the files the chapters before it (in execution order) wrote.
A chapter that executes again therefore rewrites files the later chapters depend on, and those
execute again too. This is the rule jupyter-cache applies to code cells, extended to the
artifacts the chapters hand on to each other.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from .storage import read_json, write_json

#: Folders and files of an artifacts folder that are bookkeeping, not results.
BOOKKEEPING = ("progress", "executions", "failed", "timings.csv")


def source_digest(package: Path, root: Path) -> str:
    """Digest of the package's Python source, ``requirements.lock`` and Python's version."""
    h = hashlib.sha1(sys.version.encode())
    for path in sorted(package.rglob("*.py")):
        h.update(str(path.relative_to(package)).encode())
        h.update(path.read_bytes())
    lock = root / "requirements.lock"
    if lock.is_file():
        h.update(lock.read_bytes())
    return h.hexdigest()


def snapshot(art: Path) -> dict[str, tuple[int, int]]:
    """Every result file under ``art``: relative path → (size, modification time in ns)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(art):
        rel = Path(dirpath).relative_to(art)
        if rel == Path("."):
            dirnames[:] = [d for d in dirnames if d not in BOOKKEEPING]
            filenames = [f for f in filenames if f not in BOOKKEEPING and not f.startswith("run_")]
        for name in filenames:
            st = os.stat(os.path.join(dirpath, name))
            out[str(rel / name)] = (st.st_size, st.st_mtime_ns)
    return out


def written_since(
    before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]], kept: dict
) -> dict[str, tuple[int, int]]:
    """Files a chapter wrote (new or changed between two snapshots), plus those of ``kept`` (its
    previous stamp's files) that are still there: a re-execution that reused a file still owns it."""
    out = {k: v for k, v in after.items() if before.get(k) != v}
    out.update({k: after[k] for k in kept if k in after and k not in out})
    return dict(sorted(out.items()))


def chapter_key(notebook: Path, params: dict, source: str, upstream: list[dict]) -> str:
    """Digest of one chapter's execution: notebook, parameters, source and upstream files."""
    h = hashlib.sha1(notebook.read_bytes())
    h.update(json.dumps(params, sort_keys=True, default=str).encode())
    h.update(source.encode())
    for files in upstream:
        h.update(json.dumps(files, sort_keys=True).encode())
    return h.hexdigest()


def stamp_path(art: Path, stem: str) -> Path:
    """Where chapter ``stem``'s stamp lives."""
    return Path(art) / "executions" / f"{stem}.json"


def read_stamp(art: Path, stem: str) -> dict:
    """Chapter ``stem``'s stamp (``key``, ``files``, ``finished``), or ``{}`` when it has none."""
    path = stamp_path(art, stem)
    if not path.is_file():
        return {}
    try:
        return read_json(path)
    except (OSError, ValueError):
        return {}  # an unreadable stamp only means the chapter executes again


def _file_id(path: Path) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def reusable(art: Path, stem: str, key: str, executed: Path) -> dict | None:
    """The stamp of ``stem`` when its execution can be reused: same ``key``, the executed notebook
    ``executed`` the one this execution wrote (another profile's run writes the same file), and
    every file it wrote unchanged; else None."""
    stamp = read_stamp(art, stem)
    if stamp.get("key") != key or _file_id(executed) != stamp.get("executed"):
        return None
    for rel, (size, mtime) in stamp.get("files", {}).items():
        try:
            st = os.stat(Path(art) / rel)
        except OSError:
            return None
        if (st.st_size, st.st_mtime_ns) != (size, mtime):
            return None
    return stamp


def write_stamp(art: Path, stem: str, key: str, files: dict, executed: Path, finished: str) -> None:
    """Record chapter ``stem``'s execution: its key, the files it wrote, its executed notebook
    ``executed`` and when it finished (atomically: a stamp is whole or absent)."""
    path = stamp_path(art, stem)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"key": key, "finished": finished, "executed": _file_id(executed), "files": files}
    write_json(record, path)


def forget(art: Path, stem: str) -> None:
    """Drop ``stem``'s stamp (before it executes: a failed execution leaves none)."""
    stamp_path(art, stem).unlink(missing_ok=True)
