"""Atomic writes, the artifact folder layout, and the keys that tell a cache it is stale.

A notebook never trusts a half-written file: everything the pipeline writes goes to a temporary
file in the same folder and is renamed into place only once it is complete (``os.replace`` is
atomic on POSIX and Windows). Re-runs test for the final name to reuse finished work.

The artifacts of a profile live in one place whatever the current folder is:
``$PAINSIGN_ARTIFACTS/<profile>`` when that variable is set, else ``<project root>/artifacts/<profile>``
(the folder holding ``profiles/`` and ``notebooks/``). Nothing is ever created in the current folder
by accident. Which folder a chapter reads and writes (its profile's, or an experiment's hard-linked
copy of it) is decided by :mod:`painsign_utils.chapters`: that copy is safe because no writer here
ever writes into an existing file, it renames a new one onto the name.

Files written atomically get the permissions a plain ``open(path, "w")`` would give them (``0o666``
less the umask, or what the folder's default ACL says): the temporary file is created with that
same request to the operating system, not with :func:`tempfile.mkstemp`'s private ``0o600``, so a
colleague sharing the artifacts can read them.

Caches of derived files are keyed by what they depend on: :func:`file_key` (resolved path, size and
modification time of an input), :func:`content_digest` (the bytes or values of an input) and
:func:`derived_name` (a file name unique to the resolved input path, so that ``A/img1.jpg`` and
``B/img1.jpg`` never share a crop).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ConfigError

#: Root under which each profile writes ``artifacts/<profile>/``; overridable for tests.
ARTIFACTS_ENV = "PAINSIGN_ARTIFACTS"

#: The project's folder when the package runs from a checkout (editable install or PYTHONPATH).
PACKAGE_PARENT = Path(__file__).resolve().parent.parent

#: Columns that hold identifiers or names: always read as text, never as numbers (``001`` and
#: ``1`` are two subjects; ``1.10`` and ``1.1`` too).
TEXT_COLUMNS: tuple[str, ...] = (
    "subject",
    "dataset",
    "label",
    "path",
    "video",
    "video_id",
    "image_id",
    "id",
    "model",
    "crop",
    "detections",
    "truth",
    "checkpoint",
    "scenario",
    "sign_type",
    "state",
)

_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def project_root() -> Path | None:
    """The project's folder (holding ``profiles/`` and ``notebooks/``), or None for a bare install."""
    if (PACKAGE_PARENT / "profiles").is_dir() and (PACKAGE_PARENT / "notebooks").is_dir():
        return PACKAGE_PARENT
    return None


def artifacts_root() -> Path:
    """``$PAINSIGN_ARTIFACTS`` (absolute), else ``<project root>/artifacts``; the same from any folder."""
    env = os.environ.get(ARTIFACTS_ENV)
    if env:
        return Path(env).expanduser().resolve()
    root = project_root()
    if root is None:
        raise ConfigError(f"cannot locate the artifacts folder: set {ARTIFACTS_ENV} to it")
    return root / "artifacts"


def artifact_relative(path: str | Path) -> str:
    """``path`` relative to :func:`artifacts_root` when it lies below it (how tables store artifact
    paths, so a moved or re-cloned project still finds them), else unchanged."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(artifacts_root()))
    except (ValueError, ConfigError):
        return str(p)


def find_artifact(path: str | Path) -> Path:
    """A path read from an artifact table: absolute as is; relative below :func:`artifacts_root`
    when the file is there (how tables store artifact paths), else unchanged (a path the user gave)."""
    p = Path(path)
    if p.is_absolute():
        return p
    try:
        below = artifacts_root() / p
    except ConfigError:
        return p
    return below if below.exists() else p


def check_profile_name(profile: str) -> str:
    """``profile`` if it is a plain name (letters, digits, ``_``, ``-``), else :class:`ConfigError`.

    A profile name becomes a folder name: ``../../x`` or ``my.yml`` must not create folders anywhere.
    """
    if not isinstance(profile, str) or not _PROFILE_NAME.match(profile):
        raise ConfigError(
            f"profile must be a name such as demo, smoke or paper, not {str(profile)!r}"
        )
    return profile


def artifacts_dir(profile: str, root: str | Path | None = None, create: bool = True) -> Path:
    """Folder holding one profile's outputs (``artifacts/<profile>`` under the project root).

    Parameters
    ----------
    profile : str
        Profile name such as ``"smoke"``, ``"demo"`` or ``"paper"`` (a plain name, never a path).
    root : path, optional
        Parent folder; defaults to :func:`artifacts_root`.
    create : bool
        Create the folder; readers pass False so that looking never leaves a folder behind.
    """
    base = Path(root) if root else artifacts_root()
    path = base / check_profile_name(profile)
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def resolve_artifact(path: str | Path, profile: str) -> Path:
    """A path stored in an artifact table, as a usable path from any current folder.

    Absolute paths are kept. Relative ones are taken relative to the profile's artifacts folder or
    the artifacts root (how ``best_models.csv`` stores checkpoints: ``<profile>/training/...``).
    """
    path = Path(path)
    if path.is_absolute():
        return path
    art = artifacts_dir(profile, create=False)
    for base in (art, artifacts_root()):
        if (base / path).exists():
            return base / path
    return art / path


def check_writable_dir(path: str | Path, what: str = "output folder") -> Path:
    """Raise :class:`ConfigError` unless ``path`` is, or could be created as, a writable folder.

    Nothing is created: the nearest existing ancestor must be a folder in which a file can be
    written (probed with a temporary file, removed at once, so it works for root and for ``/proc``).
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{what} {path} is a file, not a folder")
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(f"{what} {path} cannot be created: {probe} is a file")
    try:
        fd, tmp = _create_temporary(probe, ".painsign-probe.", "")
    except OSError as exc:
        raise ConfigError(
            f"{what} {path} is not writable ({exc.strerror or type(exc).__name__})"
        ) from None
    os.close(fd)
    os.unlink(tmp)
    return path


def read_table(path: str | Path, **kwargs: Any) -> pd.DataFrame:
    """``pd.read_csv`` with every identifier column (:data:`TEXT_COLUMNS`) read as text.

    Subjects are the unit of cross-validation: reading ``001`` as the number 1 would merge two
    babies, and could put one baby in both a training and a validation fold.
    """
    dtype = {c: str for c in TEXT_COLUMNS}
    dtype.update(kwargs.pop("dtype", None) or {})
    return pd.read_csv(path, dtype=dtype, **kwargs)


def path_digest(path: str | Path, n: int = 10) -> str:
    """Short digest of a file's resolved path: two files of the same name never share it."""
    return hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:n]


def derived_name(path: str | Path, suffix: str) -> str:
    """Name of a file derived from ``path``: ``<stem>-<digest of the resolved path><suffix>``."""
    return f"{Path(path).stem}-{path_digest(path)}{suffix}"


def file_key(path: str | Path) -> dict:
    """What identifies an input file's content cheaply: resolved path, size, modification time (ns).

    A file replaced by a corrected one (same name or another folder) gets another key.
    """
    p = Path(path).resolve()
    st = p.stat()
    return {"path": str(p), "size": int(st.st_size), "mtime_ns": int(st.st_mtime_ns)}


def _create_temporary(folder: Path, prefix: str, suffix: str) -> tuple[int, Path]:
    """Create a new, empty file ``<folder>/<prefix><random><suffix>``; return its descriptor and path.

    Like :func:`tempfile.mkstemp` (exclusive creation, no symlink followed, retried on a name
    clash) but asking for mode ``0o666``, as ``open(path, "w")`` does, so the operating system
    applies the umask (or the folder's default ACL) exactly as it would to a plainly written file.
    """
    flags = (
        os.O_RDWR
        | os.O_CREAT
        | os.O_EXCL
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_CLOEXEC", 0)
        | getattr(os, "O_BINARY", 0)
    )
    for _ in range(100):
        name = folder / f"{prefix}{secrets.token_hex(4)}{suffix}"
        try:
            return os.open(name, flags, 0o666), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name {prefix}*{suffix} in {folder}")


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    The temporary name keeps ``path``'s extension (or ``suffix``) so writers that infer the format
    from it (OpenCV, matplotlib, pandas) behave as they would on the final name. The file gets the
    permissions of a new file written with ``open(path, "w")`` (``0o666`` less the umask), also
    when ``path`` existed before with other ones, and also when the writer replaced the temporary
    file by one of its own. An existing ``path`` is replaced, never written into: a hard link to it
    elsewhere (an experiment's copy of a folder) keeps the old bytes.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The pid in the name lets remove_stale_temporaries tell a killed writer's file from a live one.
    fd, tmp_path = _create_temporary(
        path.parent, f".{path.stem}.{os.getpid()}.tmp", suffix or path.suffix
    )
    try:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)  # what the umask left of 0o666
    finally:
        os.close(fd)
    try:
        yield tmp_path
        if stat.S_IMODE(tmp_path.stat().st_mode) != mode:
            os.chmod(tmp_path, mode)
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


def reset_if_changed(
    folder: str | Path, stamp: dict, what: str, stamp_name: str = "stamp.json"
) -> bool:
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
        print(
            f"{what}: made with other {', '.join(keys)}; discarding {len(earlier)} earlier result(s)"
        )
        for p in earlier:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    if old != stamp or not path.exists():
        write_json(stamp, path)
    return changed


def content_digest(value: Any) -> str:
    """Digest of what ``value`` holds, for cache keys: a :class:`~pathlib.Path` by its file's bytes
    (a re-written but unchanged file keeps its digest, unlike :func:`file_key`), a DataFrame or
    Series by its values, labels and dtypes, a dict, list or tuple item by item, the rest as JSON."""
    if isinstance(value, (dict, list, tuple)):
        items = (
            sorted(value.items(), key=lambda kv: str(kv[0])) if isinstance(value, dict) else value
        )
        parts = [f"({len(value)}", *map(content_digest, items)]
    elif isinstance(value, Path):
        parts = ["file", str(value.is_file()), value.read_bytes() if value.is_file() else b""]
    elif isinstance(value, (pd.DataFrame, pd.Series)):
        frame = value if isinstance(value, pd.DataFrame) else value.to_frame()
        meta = json.dumps([list(map(str, frame.columns)), list(map(str, frame.dtypes))])
        parts = ["table", meta, pd.util.hash_pandas_object(frame).to_numpy().tobytes()]
    else:
        parts = ["json", json.dumps(value, sort_keys=True, default=_jsonable)]
    h = hashlib.sha1()
    for part in parts:
        part = part if isinstance(part, bytes) else part.encode()
        h.update(b"%d:" % len(part) + part)
    return h.hexdigest()[:16]


_TEMP_NAME = re.compile(r"^\..+\.(?P<pid>\d+)\.tmp[A-Za-z0-9_]*(\.[A-Za-z0-9]+)?$")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a live process of another user
        return True
    return True


def remove_stale_temporaries(folder: str | Path, recursive: bool = False) -> int:
    """Delete hidden temporary files (``.<stem>.<pid>.tmp…``) whose writing process is dead.

    A process killed with ``kill -9`` cannot remove its temporary files; the next run does. Files
    of a writer still running are kept. Returns how many files were removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    removed = 0
    for p in folder.rglob(".*.tmp*") if recursive else folder.glob(".*.tmp*"):
        m = _TEMP_NAME.match(p.name)
        if m and p.is_file() and int(m["pid"]) != os.getpid() and not _pid_alive(int(m["pid"])):
            p.unlink(missing_ok=True)
            removed += 1
    return removed


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")
