"""Reading and writing video files.

Owns the one place that opens videos with OpenCV: :func:`video_info` and :func:`iter_frames` give
RGB frames (OpenCV decodes BGR; everything in this package is RGB), and :class:`VideoWriter` writes
MP4 atomically, so an interrupted write never leaves a truncated file under the final name.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .errors import DataError


@dataclass(frozen=True)
class VideoInfo:
    """Basic properties of a video file."""

    fps: float
    n_frames: int
    width: int
    height: int

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.n_frames / self.fps if self.fps else 0.0


def _open(path: str | Path) -> cv2.VideoCapture:
    path = Path(path)
    if not path.exists():
        raise DataError(f"video not found: {path}")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise DataError(f"cannot read video (corrupt or unsupported format): {path}")
    return cap


def video_info(path: str | Path) -> VideoInfo:
    """Frame rate, frame count and size of a video; :class:`DataError` if it cannot be decoded."""
    cap = _open(path)
    try:
        ok, frame = cap.read()
        if not ok or frame is None:
            raise DataError(f"cannot read video (no decodable frame): {path}")
        fps = float(cap.get(cv2.CAP_PROP_FPS)) or 30.0
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        return VideoInfo(fps=fps, n_frames=max(n, 1), width=frame.shape[1], height=frame.shape[0])
    finally:
        cap.release()


def iter_frames(path: str | Path, step: int = 1) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(frame_index, rgb)`` for every ``step``-th frame of a video.

    Parameters
    ----------
    path : path
        Video file.
    step : int
        Keep frames ``0, step, 2*step, ...``; skipped frames are grabbed but not decoded.

    Yields
    ------
    index : int
    rgb : ndarray, shape (H, W, 3), uint8
    """
    if step < 1:
        raise DataError(f"frame step must be >= 1, got {step}")
    cap = _open(path)
    try:
        index = 0
        got_any = False
        while True:
            if index % step:
                if not cap.grab():
                    break
            else:
                ok, frame = cap.read()
                if not ok or frame is None:
                    break
                got_any = True
                yield index, cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            index += 1
        if not got_any:
            raise DataError(f"cannot read video (no decodable frame): {path}")
    finally:
        cap.release()


class VideoWriter:
    """Write RGB frames to an MP4 (``mp4v``) file atomically.

    Use as a context manager; the file appears under its final name only when the block exits
    without an exception.
    """

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int]):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.stem}.{os.getpid()}.tmp{self.path.suffix}")
        self._writer = cv2.VideoWriter(str(self._tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        if not self._writer.isOpened():
            raise DataError(f"cannot open video for writing: {self.path}")
        self.size = size

    def write(self, rgb: np.ndarray) -> None:
        """Append one RGB frame of the size given at construction."""
        self._writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._writer.release()
        if exc_type is None:
            os.replace(self._tmp, self.path)
        elif self._tmp.exists():
            self._tmp.unlink()
