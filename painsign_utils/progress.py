"""Progress a person can read while the book runs: bars from the kernels' processes to a terminal.

Writer: :func:`progress_bar` (``runtime.progress``) gives, with ``$PAINSIGN_PROGRESS_FILE`` set, a
:class:`FileProgress` that appends throttled JSON lines to that file. Reader: :class:`ProgressWatcher`
tails it in a thread and reports status lines (clock, chapter, elapsed time, active bars, ETA).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import math
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from tqdm import tqdm

#: Environment variable naming the file that progress records are appended to.
PROGRESS_FILE_ENV = "PAINSIGN_PROGRESS_FILE"
#: Seconds between two records of one bar (besides its first and its last).
RECORD_INTERVAL_S = 2.0
#: Share of an inner bar done from which its pace also bounds the ETA of the item it is part of.
INNER_SETTLED = 0.1
#: A bar's first move within this many seconds of its creation is its start (cached work).
START_S = 1.0
_BAR_IDS = itertools.count(1)


class FileProgress(tqdm):
    """A tqdm bar that shows nothing and appends JSON records to ``path`` (other keywords: tqdm's).

    A record when the bar is created, when its start is set (within :data:`START_S`), at most one
    every ``record_interval`` s (:data:`RECORD_INTERVAL_S`) while it runs, and when it closes; each
    one ``os.write`` with ``O_APPEND`` (processes never interleave). A failed write is ignored.
    """

    monitor_interval = 0  # no tqdm monitor thread: nothing is drawn

    def __init__(self, iterable=None, *, path: str, record_interval: float | None = None, **kwargs):
        self._path = os.fspath(path)
        self._interval = RECORD_INTERVAL_S if record_interval is None else record_interval
        self._bar_id = next(_BAR_IDS)
        self._sent_at = -math.inf
        self._ready = self._start_seen = self._closed = False
        kwargs.update(file=io.StringIO(), disable=False)
        super().__init__(iterable, **kwargs)
        self._ready = True
        self._send()

    def display(self, msg: str | None = None, pos: int | None = None) -> bool:
        """Append a record when the last one is older than the interval; draw nothing."""
        if self._ready and not self._closed and time.time() - self._sent_at >= self._interval:
            self._send()
        return True

    def update(self, n: float = 1) -> bool | None:
        """Advance the bar; a start position set right after creation is reported at once."""
        out = super().update(n)
        if self._ready and not self._start_seen:
            self._start_seen = True
            if self.n != self.initial and self._time() - self.start_t < START_S:
                self._send(start=True)
        return out

    def close(self) -> None:
        """Close the bar and append its last record."""
        if getattr(self, "_closed", True):
            return
        super().close()
        self._closed = True
        if self._ready:
            self._send(closed=True)

    def _send(self, closed: bool = False, start: bool = False) -> None:
        """Append a record; the bar's start (creation, cached work) has ``elapsed`` 0."""
        self._sent_at = now = time.time()
        try:
            elapsed = now - self.start_t if hasattr(self, "start_t") and not start else 0.0
            rate = self.format_dict["rate"] or ((self.n - self.initial) / elapsed if elapsed else 0)
            record = dict(t=now, pid=os.getpid(), id=self._bar_id, desc=str(self.desc)[:200])
            record.update(n=self.n, total=self.total, elapsed=round(elapsed, 6), rate=rate)
            record.update(postfix=str(self.postfix or "")[:300], closed=closed)
            fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, (json.dumps(record, default=float) + "\n").encode())
            finally:
                os.close(fd)
        except Exception:  # reporting progress must never break the work it reports on
            pass


def progress_bar(iterable=None, **kwargs) -> tqdm:
    """The bar behind ``runtime.progress``: to the progress file, on screen, or silent.

    A :class:`FileProgress` with ``$PAINSIGN_PROGRESS_FILE`` set, else a text tqdm bar, hidden when
    ``PAINSIGN_PROGRESS=0``; ``disable=True`` always disables."""
    path = os.environ.get(PROGRESS_FILE_ENV)
    if path and not kwargs.get("disable"):
        return FileProgress(iterable, path=path, **kwargs)
    off = os.environ.get("PAINSIGN_PROGRESS", "1") == "0"
    kwargs["disable"] = bool(kwargs.get("disable", False)) or off
    return tqdm(iterable, **kwargs)


def duration(seconds: float) -> str:
    """``45s``, ``12m05s`` or ``1h02m``."""
    s = max(0, int(round(seconds)))
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def _describe(bar: Mapping) -> str:
    total = f"/{bar['total']}" if bar.get("total") else ""
    text = f"{bar.get('desc') or 'working'} {bar['n']}{total}"
    return f"{text} · {bar['postfix']}" if bar.get("postfix") else text


class ProgressWatcher:
    """Tail a progress file in a daemon thread and report the active bars (a context manager too).

    Parameters
    ----------
    path : path or None
        The progress file (it may not exist yet); None: heartbeats only.
    chapter : str
        What is running, e.g. ``"02_training 3/11"``.
    log : callable
        Receives each status line, unless ``interactive``: then one line on stdout is redrawn.
    **every : float
        Seconds, overriding :data:`INTERVALS`: ``poll`` the file; at least ``changed`` between
        lines when the bars changed, at most ``heartbeat``; ``redraw`` (interactive); a bar
        without records for ``stale`` is dropped.
    """

    INTERVALS = {"poll": 0.5, "changed": 10.0, "heartbeat": 20.0, "redraw": 1.0, "stale": 600.0}

    def __init__(
        self, path: Path | None, chapter: str, log: Callable = print, interactive=False, **every
    ) -> None:
        if set(every) - set(self.INTERVALS):
            raise TypeError(f"unknown interval(s) {sorted(set(every) - set(self.INTERVALS))}")
        self.every = {**self.INTERVALS, **every}
        self.path = Path(path) if path is not None else None
        self.chapter, self.log, self.interactive = chapter, log, interactive
        self.bars: dict[tuple[int, int], dict] = {}
        self._offset, self._partial, self._drawn, self._last_key = 0, b"", 0, ()
        self._started = self._last_line = time.monotonic()
        self._stop, self._thread = threading.Event(), None

    def start(self) -> ProgressWatcher:
        """Start reporting (a daemon thread); the chapter's clock started when it was made."""
        self._thread = threading.Thread(target=self._run, name="painsign-progress", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread; in interactive mode, end the redrawn line with a newline."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        if self.interactive and self._drawn:
            print(flush=True)
            self._drawn = 0

    def __enter__(self) -> ProgressWatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def poll(self) -> None:
        """Read the records appended since the last call and update the active bars."""
        try:
            with open(self.path or os.devnull, "rb") as fh:
                if os.fstat(fh.fileno()).st_size < self._offset:  # truncated: start over
                    self._offset, self._partial = 0, b""
                fh.seek(self._offset)
                data = fh.read()
        except OSError:
            return
        self._offset += len(data)
        *lines, self._partial = (self._partial + data).split(b"\n")
        for line in lines:
            try:
                rec = json.loads(line)
                key, elapsed = (int(rec["pid"]), int(rec["id"])), float(rec.get("elapsed") or 0)
            except (ValueError, KeyError, TypeError):
                continue
            old = self.bars.pop(key, None)
            fresh = old is None or elapsed == 0  # the bar's start: where its pace counts from
            rec["base"] = (rec.get("n") or 0, elapsed) if fresh else old["base"]
            if not rec.get("closed"):
                self.bars[key] = rec

    def active_bars(self, now: float | None = None) -> list[dict]:
        """The bars now running, outermost (earliest started) first; stale ones are dropped."""
        now = time.time() if now is None else now
        for key, bar in list(self.bars.items()):
            if now - float(bar.get("t", 0)) > self.every["stale"]:
                del self.bars[key]
        return sorted(self.bars.values(), key=lambda b: b["t"] - float(b.get("elapsed") or 0))

    def eta(self, now: float | None = None) -> tuple[float, str] | None:
        """(seconds left, bar) from the outermost bar with a total, at this run's own pace.

        Counts down between records. The items after the current one take what they need at
        this pace, and the current one at least what an inner bar with a total still needs: at
        once when that bar is a tenth done (its own pace is then settled; an outer bar of two
        long items has no pace worth the name), else once the current item is overdue.
        """
        now = time.time() if now is None else now
        bars = [b for b in self.active_bars(now) if b.get("total")]
        paced = [(b, _pace(b)) for b in bars]
        paced = [(b, p) for b, p in paced if p is not None]
        if not paced:
            return None
        (bar, (rate, left)), inner = paced[0], paced[1:]
        countdown, after = left / rate - (now - bar["t"]), max(left - 1, 0) / rate
        if inner:
            b, (r, n) = inner[0]
            settled = float(b["n"]) >= INNER_SETTLED * float(b["total"])
            if settled or countdown < after:
                after += max(n / r - (now - b["t"]), 0.0)
        return max(countdown, after, 0.0), str(bar["desc"] or "")

    def status(self, now: float | None = None) -> str:
        """One status line: clock, chapter, its elapsed time, the active bars, the ETA."""
        now = time.time() if now is None else now
        clock = time.strftime("%H:%M:%S", time.localtime(now))
        head = f"[painsign] {clock} {self.chapter} {duration(time.monotonic() - self._started)}"
        parts = [head, *(_describe(b) for b in self.active_bars(now))]
        eta = self.eta(now)
        if eta is not None:
            parts.append(f"ETA {duration(eta[0])}" + (f" ({eta[1]})" if eta[1] else ""))
        return " | ".join(parts)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):  # a broken status line must not end the run
                self._tick()
            self._stop.wait(self.every["poll"])

    def _tick(self) -> None:
        self.poll()
        since = time.monotonic() - self._last_line
        if self.interactive and since >= self.every["redraw"]:
            line = self.status()[: shutil.get_terminal_size((100, 20)).columns - 1]
            print("\r" + line.ljust(self._drawn), end="", flush=True)
            self._drawn, self._last_line = len(line), time.monotonic()
        elif not self.interactive:
            key = tuple(_describe(b) for b in self.active_bars())
            changed = key != self._last_key and since >= self.every["changed"]
            if changed or since >= self.every["heartbeat"]:
                self.log(self.status())
                self._last_key, self._last_line = key, time.monotonic()


def _pace(bar: Mapping) -> tuple[float, float] | None:
    """(items a second since the bar's start, items left), or None before any progress."""
    n0, e0 = bar["base"]
    done, spent = float(bar["n"]) - n0, float(bar["elapsed"]) - e0
    if done <= 0 or spent <= 0:
        return None
    return done / spent, float(bar["total"]) - float(bar["n"])
