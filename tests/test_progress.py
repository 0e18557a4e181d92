"""Progress while the book runs: bars written to a file by several processes, and the watcher.

Fast: no notebook runs. The watcher's intervals are shortened so that its heartbeat and its
throttle show within a second.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from painsign_utils import progress, runner
from painsign_utils.progress import PROGRESS_FILE_ENV, ProgressWatcher
from painsign_utils.runtime import progress as bar

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"t", "pid", "id", "desc", "n", "total", "elapsed", "rate", "postfix", "closed"}

#: A child process that reports a bar with a long postfix on every step.
CHILD = """
import sys
from painsign_utils import progress
from painsign_utils.runtime import progress as bar
progress.RECORD_INTERVAL_S = 0.0
b = bar(range(2000), desc=sys.argv[1], mininterval=0)
b.set_postfix_str(sys.argv[1] * 250)
for _ in b:
    pass
"""


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def write(path: Path, **fields) -> None:
    """Append one record as a reporting process would."""
    rec = {"t": time.time(), "pid": 1, "id": 1, "desc": "bar", "n": 0, "total": 10}
    rec.update(elapsed=0.0, rate=None, postfix="", closed=False)
    rec.update(fields)
    with path.open("a") as fh:
        fh.write(json.dumps(rec) + "\n")


@pytest.fixture
def to_file(tmp_path, monkeypatch):
    path = tmp_path / "progress.jsonl"
    monkeypatch.setenv(PROGRESS_FILE_ENV, str(path))
    return path


def test_records_of_two_processes_arrive_whole(to_file):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, name],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for name in ("a", "b")
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        assert not out and not err  # nothing on screen
    recs = records(to_file)  # every line is one whole JSON record
    assert all(set(r) == KEYS for r in recs)
    for name, proc in zip("ab", procs):
        mine = [r for r in recs if r["pid"] == proc.pid]
        assert len(mine) > 100 and {r["desc"] for r in mine} == {name}
        assert [r["n"] for r in mine] == sorted(r["n"] for r in mine)
        assert mine[-1]["closed"] and mine[-1]["n"] == 2000 and mine[-1]["total"] == 2000


def test_reporter_is_throttled(to_file, monkeypatch):
    monkeypatch.setattr(progress, "RECORD_INTERVAL_S", 0.2)
    b = bar(total=10**9, desc="busy")
    start, steps = time.monotonic(), 0
    while time.monotonic() - start < 1.0:
        b.update(1)
        b.set_postfix(step=steps)
        steps += 1
    b.close()
    recs = records(to_file)
    assert steps > 1000
    assert 4 <= len(recs) <= 1.0 / 0.2 + 4  # created, start, every 0.2 s, closed
    assert recs[-1]["closed"] and recs[-1]["n"] == steps and not any(r["closed"] for r in recs[:-1])


def test_nothing_on_screen_and_disable_still_disables(to_file, monkeypatch, capsys):
    monkeypatch.setenv("PAINSIGN_PROGRESS", "1")
    assert list(bar(range(5), disable=True)) == list(range(5))
    assert not to_file.exists()  # disable=True: no record either
    assert sum(1 for _ in bar(range(50), desc="to the file")) == 50
    assert records(to_file)[-1]["closed"] and records(to_file)[-1]["n"] == 50  # counted
    monkeypatch.delenv(PROGRESS_FILE_ENV)
    monkeypatch.setenv("PAINSIGN_PROGRESS", "0")
    assert sum(1 for _ in bar(range(50), desc="nowhere")) == 50
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    monkeypatch.setenv("PAINSIGN_PROGRESS", "1")  # the control: a plain bar does show
    assert sum(1 for _ in bar(range(5), desc="shown")) == 5
    assert "shown" in capsys.readouterr().err


def test_a_failed_write_does_not_raise(tmp_path, monkeypatch):
    targets = [tmp_path / "missing" / "p.jsonl", tmp_path]  # no folder; a folder
    targets += [Path("/dev/full")] if Path("/dev/full").exists() else []  # os.write: no space
    for target in targets:
        monkeypatch.setenv(PROGRESS_FILE_ENV, str(target))
        b = bar(range(20), desc="x", record_interval=0.0)
        assert sum(1 for _ in b) == 20


def test_watcher_heartbeat_when_the_file_is_silent(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("")
    lines: list[tuple[float, str]] = []
    start = time.monotonic()
    log = lambda s: lines.append((time.monotonic(), s))  # noqa: E731
    with ProgressWatcher(path, "00_data 1/2", log, poll=0.02, heartbeat=0.2, changed=0.1):
        time.sleep(1.0)
    times = [start] + [t for t, _ in lines]
    assert len(lines) >= 3
    assert max(b - a for a, b in zip(times, times[1:])) < 0.2 + 0.3
    assert all("00_data" in s for _, s in lines)


def test_watcher_lines_follow_changes_at_most_every_changed_interval(tmp_path):
    path = tmp_path / "p.jsonl"
    lines: list[str] = []
    with ProgressWatcher(path, "ch", lines.append, poll=0.02, changed=0.3, heartbeat=60):
        for i in range(20):  # a new status every 0.05 s for a second
            write(path, n=i, total=20, elapsed=0.05 * i)
            time.sleep(0.05)
    assert 2 <= len(lines) <= 1.0 / 0.3 + 1
    assert "bar" in lines[0]


def test_watcher_eta_from_this_runs_pace(tmp_path):
    path, now = tmp_path / "p.jsonl", time.time()
    # Outer bar: 3 of 10 done when it started (cached work), 2 more in 10 s: 5 left, 25 s.
    write(path, id=1, desc="outer", n=0, total=10, elapsed=0.0, t=now - 10)
    write(path, id=1, desc="outer", n=3, total=10, elapsed=0.0, t=now - 10)
    write(path, id=1, desc="outer", n=5, total=10, elapsed=10.0, t=now)
    write(path, id=2, desc="inner", n=1, total=100, elapsed=0.5, t=now)  # started later
    w = ProgressWatcher(path, "02_training 3/11")
    w.poll()
    seconds, which = w.eta(now)
    assert which == "outer" and seconds == pytest.approx(25.0, rel=0.01)
    assert w.eta(now + 5)[0] == pytest.approx(20.0, rel=0.01)  # counts down without new records
    assert w.eta(now + 60)[0] == pytest.approx(20.0, rel=0.01)  # overdue: what the 4 after need
    assert [b["desc"] for b in w.active_bars(now)] == ["outer", "inner"]
    assert "outer" in w.status(now) and "inner" in w.status(now)


def test_watcher_eta_of_an_overdue_last_item_comes_from_its_inner_bar(tmp_path):
    path, now = tmp_path / "p.jsonl", time.time()
    # 2 of 3 done in 20 s, the last one is overdue; its inner bar is 40 of 100 after 40 s.
    write(path, id=1, desc="outer", n=0, total=3, elapsed=0.0, t=now - 60)
    write(path, id=1, desc="outer", n=2, total=3, elapsed=20.0, t=now - 40)
    write(path, id=2, desc="inner", n=0, total=100, elapsed=0.0, t=now - 40)
    write(path, id=2, desc="inner", n=40, total=100, elapsed=40.0, t=now)
    w = ProgressWatcher(path, "ch")
    w.poll()
    seconds, which = w.eta(now)
    assert which == "outer" and seconds == pytest.approx(60.0, rel=0.01)  # the inner's 60 left


def test_watcher_no_eta_before_any_progress(tmp_path):
    path = tmp_path / "p.jsonl"
    write(path, n=0, total=5)
    w = ProgressWatcher(path, "ch")
    w.poll()
    assert w.eta() is None and "bar" in w.status()


def test_watcher_drops_closed_and_stale_bars(tmp_path):
    path, now = tmp_path / "p.jsonl", time.time()
    write(path, id=1, desc="closing", t=now)
    write(path, id=2, desc="running", t=now)
    write(path, id=3, desc="forgotten", t=now - 11 * 60)
    write(path, pid=2, id=1, desc="other process", t=now)
    w = ProgressWatcher(path, "ch")
    w.poll()
    assert {b["desc"] for b in w.active_bars(now)} == {"closing", "running", "other process"}
    write(path, id=1, desc="closing", n=10, closed=True, t=now)
    with path.open("a") as fh:
        fh.write('{"half a line')  # a record being written: read once whole
    w.poll()
    assert {b["desc"] for b in w.active_bars(now)} == {"running", "other process"}
    assert "closing" not in w.status(now)


def test_reporter_and_watcher_together(to_file):
    b = bar(total=4, desc="folds", record_interval=0.0)
    b.update(2)  # cached folds, reported as the bar's start
    time.sleep(0.3)
    b.update(1)
    w = ProgressWatcher(to_file, "ch")
    w.poll()
    (active,) = w.active_bars()
    assert active["desc"] == "folds" and active["n"] == 3
    assert 0.0 < w.eta()[0] < 0.5  # one left at one per ~0.3 s, not 3 per 0.3 s
    b.close()
    w.poll()
    assert w.active_bars() == []


def test_interactive_watcher_redraws_one_line(tmp_path, capsys):
    lines: list[str] = []
    with ProgressWatcher(None, "ch", lines.append, interactive=True, poll=0.02, redraw=0.1):
        time.sleep(0.5)
    out = capsys.readouterr().out
    assert not lines and out.count("\r") >= 2
    assert out.endswith("\n") and out.count("\n") == 1


def test_timing_table_and_progress_files_are_not_results(tmp_path):
    table = runner.timing_table({"00_data": 30.0, "02_training": 90.0})
    assert len(table) == 4 and "120.0" in table[-1] and "2.0" in table[-1]
    (tmp_path / "progress").mkdir()
    (tmp_path / "progress" / "00_data.jsonl").write_text("")
    assert runner.artifacts_are_empty(tmp_path)
    (tmp_path / "timings.csv").write_text("")
    assert not runner.artifacts_are_empty(tmp_path)


def test_watcher_eta_of_a_long_item_follows_its_settled_inner_bar(tmp_path):
    # The build's case: "starting weights" 1 of 2 done in 400 s, the second running for 390 s,
    # its pretraining bar 67 of 180 steps after 270 s: not 10 s but ~455 s are left.
    path, now = tmp_path / "p.jsonl", time.time()
    write(path, id=1, desc="starting weights", n=0, total=2, elapsed=0.0, t=now - 790)
    write(path, id=1, desc="starting weights", n=1, total=2, elapsed=400.0, t=now - 390)
    write(path, id=2, desc="pretraining", n=0, total=180, elapsed=0.0, t=now - 270)
    write(path, id=2, desc="pretraining", n=67, total=180, elapsed=270.0, t=now)
    w = ProgressWatcher(path, "ch")
    w.poll()
    seconds, which = w.eta(now)
    assert which == "starting weights" and seconds == pytest.approx(113 * 270 / 67, rel=0.01)
