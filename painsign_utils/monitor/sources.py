"""Where the monitor's frames come from: a video file, a camera or an iterable, optionally decoded ahead."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from ..errors import DataError


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
