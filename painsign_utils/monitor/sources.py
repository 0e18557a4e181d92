"""Where the monitor's frames come from: a video file, a camera, a stream URL or an iterable.

Owns :func:`parse_source` (what ``painsign monitor SOURCE`` names: a file, a camera index such as
``0``, or a URL OpenCV opens such as ``rtsp://...`` or ``http://.../video.mjpg``), :func:`open_live`
(a camera or URL opened with timeouts, read through :class:`~painsign_utils.monitor.live.LiveCapture`),
:func:`iter_source` (frames one at a time) and :func:`prefetch` (decoding ahead).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from ..errors import DataError
from .live import Captured, LiveCapture

#: Frame rates outside (0, this] reported by a source are taken as "not reported".
MAX_REPORTED_FPS = 1000.0


@dataclass(frozen=True)
class Source:
    """What a monitor reads: ``kind`` is ``"file"``, ``"camera"`` or ``"url"``; ``target`` the
    path, camera index or URL."""

    kind: str
    target: Path | int | str

    @property
    def live(self) -> bool:
        """A camera or a stream: read through a drop-oldest queue, never waited on forever."""
        return self.kind != "file"

    @property
    def name(self) -> str:
        """How messages name it (a URL without its password)."""
        if self.kind == "camera":
            return f"camera {self.target}"
        if self.kind == "url":
            parts = urlsplit(str(self.target))
            if parts.password is not None:
                netloc = f"{parts.username}:***@{parts.hostname}" + (
                    f":{parts.port}" if parts.port else ""
                )
                return parts._replace(netloc=netloc).geturl()
        return str(self.target)

    @property
    def stem(self) -> str:
        """The start of its output files' names: ``clip``, ``camera0``, ``127.0.0.1-8080-video``."""
        if self.kind == "file":
            return Path(self.target).stem
        if self.kind == "camera":
            return f"camera{self.target}"
        parts = urlsplit(str(self.target))
        text = f"{parts.hostname or ''}-{parts.port or ''}-{Path(parts.path).stem}"
        return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-.")[:60] or "stream"


def parse_source(text: str | Path | int) -> Source:
    """A camera index (digits: ``0``), a URL (``scheme://...``) or else a video file path."""
    if isinstance(text, (int, np.integer)) and not isinstance(text, bool):
        return Source("camera", int(text))
    value = str(text)
    if value.isdigit():
        return Source("camera", int(value))
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value):
        return Source("url", value)
    return Source("file", Path(value))


def reported_fps(value: float) -> float | None:
    """A frame rate a source reports, or None when it reports none or nonsense."""
    return value if math.isfinite(value) and 0 < value <= MAX_REPORTED_FPS else None


def open_live(
    source: Source, queue_size: int = 4, stall_seconds: float = 5.0
) -> tuple[LiveCapture, float | None]:
    """Open a camera or URL and start reading it; the capture and the frame rate it reports.

    Opening and each read give up after ``stall_seconds`` (streams), so a refused or silent URL
    never blocks. Raises :class:`DataError` with one line when it cannot be opened.
    """
    import cv2

    if source.kind == "camera":
        cap = cv2.VideoCapture(int(source.target))
        what = f"cannot open {source.name} (no such camera, or it is in use)"
    elif source.kind == "url":
        ms = int(stall_seconds * 1000)
        cap = cv2.VideoCapture(
            str(source.target),
            cv2.CAP_FFMPEG,
            [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms],
        )
        what = f"cannot open {source.name} (refused, unreachable, or not a video stream)"
    else:
        raise DataError(f"{source.name} is a video file, not a live source")
    if not cap.isOpened():
        cap.release()
        raise DataError(what)
    fps = reported_fps(float(cap.get(cv2.CAP_PROP_FPS)))
    return LiveCapture(cap.read, queue_size, stall_seconds, release=cap.release), fps


def prefetch(frames: Iterable[np.ndarray], size: int) -> Iterator[np.ndarray]:
    """Decode ahead in a background thread, at most ``size`` frames (OpenCV releases the GIL).

    Exceptions of the source are re-raised here; closing the generator stops the thread.
    """
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=max(1, size))
    stop = threading.Event()
    done = object()

    def work():
        try:
            for item in frames:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            q.put(exc)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def file_batches(
    path: str | Path,
    size: int,
    allow_partial: bool = False,
    report: dict | None = None,
    stop=None,
) -> Iterator[list[Captured]]:
    """A video file's frames (RGB) in batches of ``size``, every frame, in order, each stamped with
    the time it was decoded; ends early when ``stop`` (a ``threading.Event``) is set.

    ``allow_partial`` and ``report`` are :func:`~painsign_utils.video.iter_frames`'s.
    """
    import time

    from ..video import iter_frames

    batch: list[Captured] = []
    for i, rgb in iter_frames(path, allow_partial=allow_partial, report=report):
        batch.append(Captured(i, time.monotonic(), rgb))
        if len(batch) == size:
            yield batch
            batch = []
            if stop is not None and stop.is_set():
                return
    if batch:
        yield batch


def iter_source(source: str | Path | int | Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """RGB frames from a video file, a camera index (OpenCV) or an iterable of arrays."""
    if isinstance(source, (str, Path)):
        from ..video import iter_frames

        for _, rgb in iter_frames(source):
            yield rgb
        return
    if isinstance(source, (int, np.integer)) and not isinstance(source, bool):
        import cv2

        cap = cv2.VideoCapture(int(source))
        if not cap.isOpened():
            raise DataError(f"cannot open camera {source}")
        try:
            while True:
                ok, frame = cap.read()
                if not ok:
                    break
                yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        finally:
            cap.release()
        return
    for rgb in source:
        rgb = np.asarray(rgb)
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise DataError(
                f"frames must be RGB uint8 arrays (H, W, 3), got {rgb.dtype} {rgb.shape}"
            )
        yield rgb
