"""Reading and writing video files.

Owns the one place that opens videos with OpenCV: :func:`video_info` and :func:`iter_frames` give
RGB frames (OpenCV decodes BGR; everything in this package is RGB), and :class:`VideoWriter` writes
MP4 atomically, so an interrupted write never leaves a truncated file under the final name.

A damaged file must never be scored as a complete recording: :func:`iter_frames` compares the
frames it decoded with the container's frame count and raises ``read N of M frames from FILE``
when more than one is missing, unless the caller allows a partial read (then one warning line, and
the counts are reported for the summary). Temporary files of writers killed before they finished
(``kill -9``) are removed by :func:`~painsign_utils.storage.remove_stale_temporaries` on the next run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .errors import ConfigError, DataError
from .storage import remove_stale_temporaries


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
    if path.is_dir():
        raise DataError(f"{path} is a folder, not a video file")
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


#: Environment variable that makes every reader accept damaged videos (with a warning line), for a
#: whole book run: ``PAINSIGN_ALLOW_PARTIAL=1 painsign book --profile real``.
ALLOW_PARTIAL_ENV = "PAINSIGN_ALLOW_PARTIAL"

#: Frames a read may fall short of the container's count and still count as complete (some
#: containers round their count up by one).
FRAME_TOLERANCE = 1


def check_frame_count(
    path: str | Path, read: int, expected: int, allow_partial: bool = False
) -> dict:
    """Compare the frames decoded from ``path`` with the container's count.

    Parameters
    ----------
    path : path
        The video (for the message).
    read, expected : int
        Frames decoded, and frames the container announces (``<= 0``: unknown, not checked).
    allow_partial : bool
        Accept a short read with one warning line on stderr instead of an error.

    Returns
    -------
    dict
        ``{"frames_expected": expected, "frames_read": read, "partial": bool}``.

    Raises
    ------
    DataError
        ``read N of M frames from FILE`` when more than :data:`FRAME_TOLERANCE` frames are missing
        and ``allow_partial`` is false.
    """
    partial = expected > 0 and expected - read > FRAME_TOLERANCE
    if partial:
        message = f"read {read} of {expected} frames from {path}"
        if not allow_partial:
            raise DataError(
                f"{message} (damaged or truncated file; --allow-partial to use what was read)"
            )
        print(f"painsign: warning: {message}; using the {read} frames read", file=sys.stderr)
    return {"frames_expected": int(expected), "frames_read": int(read), "partial": bool(partial)}


def partial_allowed() -> bool:
    """Whether ``$PAINSIGN_ALLOW_PARTIAL`` asks readers to accept damaged videos."""
    return os.environ.get(ALLOW_PARTIAL_ENV, "").strip().lower() in ("1", "true", "yes")


#: Clockwise rotations a manifest's ``rotate`` column may ask for (iCOPEvid: 90).
ROTATIONS: tuple[int, ...] = (0, 90, 180, 270)


def rotate_clockwise(rgb: np.ndarray, degrees: int) -> np.ndarray:
    """Rotate a frame clockwise by 0, 90, 180 or 270 degrees (iCOPEvid frames: 90, before detection).

    Parameters
    ----------
    rgb : array (H, W, ...)

    Returns
    -------
    array (W, H, ...) for 90 and 270, (H, W, ...) otherwise (a contiguous copy unless 0)
    """
    if degrees not in ROTATIONS:
        raise ConfigError(f"rotation must be 0, 90, 180 or 270 degrees clockwise, got {degrees!r}")
    if degrees == 0:
        return rgb
    return np.ascontiguousarray(np.rot90(rgb, k=-(degrees // 90), axes=(0, 1)))


def rotation(value: object) -> int:
    """A manifest's ``rotate`` cell as degrees clockwise: missing, empty or NaN is 0.

    Raises
    ------
    ConfigError
        Anything but 0, 90, 180 or 270.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    try:
        degrees = float(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"rotate must be 0, 90, 180 or 270 degrees clockwise, got {value!r}"
        ) from None
    if np.isnan(degrees):
        return 0
    if degrees not in ROTATIONS:
        raise ConfigError(f"rotate must be 0, 90, 180 or 270 degrees clockwise, got {value!r}")
    return int(degrees)


def iter_frames(
    path: str | Path,
    step: int = 1,
    allow_partial: bool | None = None,
    report: dict | None = None,
    rotate: int = 0,
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(frame_index, rgb)`` for every ``step``-th frame of a video.

    Parameters
    ----------
    path : path
        Video file.
    step : int
        Keep frames ``0, step, 2*step, ...``; skipped frames are grabbed but not decoded.
    allow_partial : bool, optional
        When the file ends before the container's frame count (a damaged or truncated video), warn
        instead of raising :class:`DataError` once the readable frames are exhausted. Default:
        :func:`partial_allowed` (false unless ``$PAINSIGN_ALLOW_PARTIAL`` is set).
    report : dict, optional
        Filled, once the video has been read to its end, with :func:`check_frame_count`'s
        ``frames_expected``, ``frames_read`` and ``partial``.
    rotate : {0, 90, 180, 270}
        Rotate every frame clockwise by this many degrees (:func:`rotate_clockwise`), as a manifest's
        ``rotate`` column asks (iCOPEvid: 90): detection, crops and inference all read frames this way.

    Yields
    ------
    index : int
    rgb : ndarray, shape (H, W, 3), uint8
    """
    if step < 1:
        raise DataError(f"frame step must be >= 1, got {step}")
    rotate = rotation(rotate)
    cap = _open(path)
    try:
        expected = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
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
                yield index, rotate_clockwise(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), rotate)
            index += 1
        if not got_any:
            raise DataError(f"cannot read video (no decodable frame): {path}")
        allow = partial_allowed() if allow_partial is None else allow_partial
        result = check_frame_count(path, index, expected, allow)
        if report is not None:
            report.update(result)
    finally:
        cap.release()


def count_frames(path: str | Path) -> tuple[int, int]:
    """``(frames decodable, frames the container announces)``, decoding the whole file.

    Used by ``painsign check``: a video that opens may still be damaged halfway.
    """
    cap = _open(path)
    try:
        expected = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        n = 0
        while cap.grab():
            n += 1
        return n, expected
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
        remove_stale_temporaries(self.path.parent)  # left by writers killed with kill -9
        # The pid in the name lets remove_stale_temporaries tell a dead writer's file from a live one.
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
