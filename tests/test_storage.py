"""Atomic writes leave files with the permissions a plain ``open(path, "w")`` gives them."""

from __future__ import annotations

import os
import stat
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from painsign_utils import storage

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _write_all(folder: Path) -> list[Path]:
    """One file per atomic writer, plus one written by a writer that re-creates the file."""
    with storage.atomic_path(folder / "raw.txt") as tmp:
        tmp.write_text("x")
    with storage.atomic_path(folder / "recreated.bin") as tmp:
        tmp.unlink()  # a writer that removes and re-creates its output (cv2, some savers)
        tmp.write_bytes(b"x")
    return [
        folder / "raw.txt",
        folder / "recreated.bin",
        storage.write_csv(pd.DataFrame({"a": [1]}), folder / "t.csv"),
        storage.write_json({"a": 1}, folder / "t.json"),
        storage.write_bytes(b"x", folder / "t.bin"),
    ]


@pytest.fixture
def umask():
    """Set the process umask for one test, restoring it afterwards."""
    old = os.umask(0o022)
    os.umask(old)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_atomic_writes_get_the_mode_of_a_plain_open(tmp_path, umask, mask, expected):
    umask(mask)
    plain = tmp_path / "plain.txt"
    with open(plain, "w") as f:
        f.write("x")
    assert _mode(plain) == expected
    for path in _write_all(tmp_path / "out"):
        assert _mode(path) == expected, path.name
    assert not list((tmp_path / "out").glob(".*")), "a temporary file was left behind"


def test_an_overwritten_private_file_gets_the_plain_mode(tmp_path, umask):
    umask(0o022)
    path = tmp_path / "old.csv"
    path.write_text("old")
    path.chmod(0o600)  # written by an earlier version of the package
    storage.write_csv(pd.DataFrame({"a": [1]}), path)
    assert _mode(path) == 0o644 and path.read_text().startswith("a")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, umask):
    umask(0o022)
    path = storage.write_json({"a": 1}, tmp_path / "t.json")
    with pytest.raises(RuntimeError), storage.atomic_path(path) as tmp:
        tmp.write_text("half")
        raise RuntimeError("writer died")
    assert storage.read_json(path) == {"a": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.json"]


def test_concurrent_atomic_writes_do_not_clash(tmp_path, umask):
    umask(0o022)

    def write(i: int) -> None:
        for j in range(20):
            storage.write_json({"i": i, "j": j}, tmp_path / f"f{i}.json")

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    files = sorted(tmp_path.iterdir())
    assert [p.name for p in files] == [f"f{i}.json" for i in range(4)]
    assert all(_mode(p) == 0o644 and storage.read_json(p)["j"] == 19 for p in files)


def test_write_probe_leaves_nothing(tmp_path):
    assert storage.check_writable_dir(tmp_path / "new") == tmp_path / "new"
    assert list(tmp_path.iterdir()) == []


def test_an_atomic_write_replaces_the_file_and_never_writes_into_it(tmp_path):
    """A hard link to the old file (an experiment's copy of a folder) keeps the old bytes."""
    path = storage.write_bytes(b"book", tmp_path / "t.csv")
    link = tmp_path / "copy.csv"
    os.link(path, link)
    inode = path.stat().st_ino
    storage.write_csv(pd.DataFrame({"a": [1]}), path)
    assert path.read_text() == "a\n1\n" and path.stat().st_ino != inode
    assert link.read_bytes() == b"book" and link.stat().st_ino == inode
