"""Frames from a live source (camera or stream URL) that never lag behind it.

Owns :class:`LiveCapture`: a thread reads the source as fast as it delivers and puts each frame,
stamped with its capture time, into a :class:`FrameQueue` of a few frames that drops the *oldest*
frame when the model falls behind (the authors' real-time benchmark uses a queue of 4). So the
monitor always works on the newest frames and the delay from capture to sign stays bounded,
whatever the model's speed; the frames it skipped are counted and their positions known (the
sign interpolates over them like frames left unclassified). A source that delivers no frame for
``stall_seconds`` is reported as stalled instead of being waited on forever.

Video files are not read here: they are read in full, without drops (:mod:`.sources`).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

#: How the reading of a source ended (``LiveCapture.ended``).
ENDED = "source ended"
STALLED = "stalled"
STOPPED = "stopped"


@dataclass(frozen=True)
class Captured:
    """One frame as the source delivered it.

    Attributes
    ----------
    index : int
        Position in the source's frame sequence (0, 1, ...; frames dropped later keep theirs).
    time : float
        ``time.monotonic()`` when the frame was read (its capture time as this machine sees it).
    image : ndarray
        The frame as the reader returns it (BGR from OpenCV, RGB from an iterable).
    """

    index: int
    time: float
    image: np.ndarray


class FrameQueue:
    """A bounded queue that drops its oldest frame when a new one arrives and it is full.

    Parameters
    ----------
    size : int
        Frames held at most (>= 1).
    """

    def __init__(self, size: int):
        if size < 1:
            raise ValueError(f"queue size must be >= 1, got {size!r}")
        self._items: deque[Captured] = deque()
        self.size = int(size)
        self._cond = threading.Condition()
        self.dropped = 0
        self.closed = False

    def put(self, item: Captured) -> None:
        """Add ``item``; when full, the oldest frame is dropped first (and counted)."""
        with self._cond:
            if len(self._items) >= self.size:
                self._items.popleft()
                self.dropped += 1
            self._items.append(item)
            self._cond.notify()

    def close(self) -> None:
        """No more frames will come; waiting readers return."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def take(self, most: int, timeout: float) -> list[Captured]:
        """Up to ``most`` frames, oldest first, waiting at most ``timeout`` s for the first one.

        Returns an empty list when none came in time or the queue is closed and empty.
        """
        with self._cond:
            if not self._items and not self.closed:
                self._cond.wait(timeout)
            out = []
            while self._items and len(out) < most:
                out.append(self._items.popleft())
            return out


class LiveCapture:
    """Read a live source in a thread into a drop-oldest queue, stamping each frame's capture time.

    Parameters
    ----------
    read : callable ``() -> (ok, image)``
        The source's reader (``cv2.VideoCapture.read``); ``ok`` False ends the source.
    queue_size : int
        Frames waiting for the model at most (older ones are dropped).
    stall_seconds : float
        A source that delivers no frame for this long is stalled: :meth:`batches` stops.
    release : callable, optional
        Called once the reading thread ends (``cv2.VideoCapture.release``).

    Attributes
    ----------
    received : int
        Frames read from the source.
    ended : str or None
        Why the reading ended: :data:`ENDED`, :data:`STALLED`, :data:`STOPPED` (None while running).
    """

    def __init__(self, read, queue_size: int = 4, stall_seconds: float = 5.0, release=None):
        self.queue = FrameQueue(queue_size)
        self.stall_seconds = float(stall_seconds)
        self.received = 0
        self.ended: str | None = None
        self.last_time = time.monotonic()  # of the last frame read (the start, before any)
        self._read, self._release = read, release
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name="painsign-capture", daemon=True)
        self._thread.start()

    @property
    def dropped(self) -> int:
        """Frames dropped because the model was slower than the source."""
        return self.queue.dropped

    def _work(self) -> None:
        try:
            while not self._stop.is_set():
                ok, image = self._read()
                now = time.monotonic()
                if not ok or image is None:
                    # A reader whose own timeout fired looks like one whose source ended.
                    stalled = now - self.last_time >= self.stall_seconds
                    self.ended = self.ended or (STALLED if stalled else ENDED)
                    return
                self.queue.put(Captured(self.received, now, image))
                self.received += 1
                self.last_time = now
        except Exception:  # noqa: BLE001 - a reader that breaks mid-stream has ended
            self.ended = self.ended or ENDED
        finally:
            self.queue.close()
            if self._release is not None:
                self._release()

    def batches(self, most: int, stop: threading.Event | None = None) -> Iterator[list[Captured]]:
        """The newest frames, a batch at a time (at most ``most``, whatever is waiting).

        Ends when the source ends, stalls (no frame for ``stall_seconds``) or ``stop`` is set;
        :attr:`ended` then says which.
        """
        try:
            while True:
                if stop is not None and stop.is_set():
                    self.ended = self.ended or STOPPED
                    return
                batch = self.queue.take(most, timeout=0.1)
                if batch:
                    yield batch
                    continue
                if self.queue.closed:
                    self.ended = self.ended or ENDED
                    return
                if time.monotonic() - self.last_time >= self.stall_seconds:
                    self.ended = STALLED
                    return
        finally:
            self.close()

    def close(self) -> None:
        """Stop reading (a reader blocked in the source is left to its own timeout)."""
        self._stop.set()
        self._thread.join(timeout=1.0)
