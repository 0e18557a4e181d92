"""The annotated video of the monitor: what a person at the bedside would watch.

Owns :class:`AnnotatedWriter`, which writes a browser-playable video (VP8 in WebM by default) of
the monitor one frame at a time, each frame as :class:`~painsign_utils.monitor.canvas.MonitorCanvas`
draws it (the face box and landmarks over a strip of the sign, threshold, band, pain state and
alerts). Clips of recorded videos from their per-frame tables are
:mod:`painsign_utils.monitor.clips`'s.

The codec follows the file
name (``.webm``: VP8, ~7x faster to encode than VP9 with OpenCV's encoder, which ignores speed
settings; ``.mp4``: H.264) unless named; a codec this OpenCV build lacks, a folder that
cannot be written and a written file that does not decode back are each one
:class:`~painsign_utils.errors.PainsignError` line, and nothing is left under the final name (the
video is written to a temporary name beside it and renamed only once it decodes). Real faces obey
the privacy switch: the frame is blurred unless faces may be shown (docs/design.md, "Privacy").
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np

from ..errors import ConfigError, DataError
from ..storage import atomic_path, check_writable_dir
from .canvas import MonitorCanvas

#: Codec name -> (OpenCV fourcc, file suffix). VP8 and VP9 in WebM play in every current browser.
CODECS: dict[str, tuple[str, str]] = {
    "vp9": ("VP90", ".webm"),
    "vp8": ("VP80", ".webm"),
    "h264": ("avc1", ".mp4"),
}
#: The codec a file suffix asks for when none is named.
SUFFIX_CODECS: dict[str, str] = {".webm": "vp8", ".mp4": "h264"}
#: The five landmarks' column pairs in detection tables (eyes, nose, mouth corners).
LANDMARKS: tuple[tuple[str, str], ...] = (
    ("le_x", "le_y"),
    ("re_x", "re_y"),
    ("no_x", "no_y"),
    ("ml_x", "ml_y"),
    ("mr_x", "mr_y"),
)


def _codec(path: Path, codec: str | None) -> tuple[str, str]:
    """(codec name, fourcc) for ``path``; ConfigError for an unknown codec or suffix."""
    name = codec or SUFFIX_CODECS.get(path.suffix.lower())
    if name not in CODECS:
        raise ConfigError(
            f"cannot tell the codec of {path.name}: name a file .webm (VP8) or .mp4 (H.264), "
            f"or a codec of {sorted(CODECS)}"
        )
    return name, CODECS[name][0]


class AnnotatedWriter:
    """Write the annotated monitor video frame by frame (a context manager).

    Parameters
    ----------
    path : path
        The video to write (``.webm``: VP8; ``.mp4``: H.264 where OpenCV has it).
    fps : float
        Frames per second of the written video (the rate :meth:`write` is called at).
    frame_size : (width, height)
        Size of the frames given to :meth:`write`; the video is ``strip_height`` pixels taller.
    threshold : float
        The model's threshold θ, drawn dashed in the strip.
    strip_seconds : float, default 10
        Seconds of sign the strip shows, the newest at the right.
    strip_height : int, optional
        Pixels of the strip; default a third of the frame height, at least 60.
    codec : {"vp9", "vp8", "h264"}, optional
        Default from the suffix of ``path``.
    faces_allowed : bool, default True
        False blurs every frame (real data without ``show_faces``); the box and landmarks are
        still drawn.
    """

    def __init__(
        self,
        path: str | Path,
        fps: float,
        frame_size: tuple[int, int],
        threshold: float,
        strip_seconds: float = 10.0,
        strip_height: int | None = None,
        codec: str | None = None,
        faces_allowed: bool = True,
    ):
        self.path = Path(path)
        if not (math.isfinite(float(fps)) and fps > 0):
            raise ConfigError(f"fps must be a positive number, got {fps!r}")
        self.codec, fourcc = _codec(self.path, codec)
        self.fps = float(fps)
        self.canvas = MonitorCanvas(
            frame_size, threshold, strip_seconds, strip_height, faces_allowed
        )
        self.threshold, self.strip_height = self.canvas.threshold, self.canvas.strip_height
        self.size = self.canvas.size  # the written frames
        self.n = 0
        check_writable_dir(self.path.parent, "folder of the annotated video")
        self._stack = contextlib.ExitStack()
        try:
            self._tmp = self._stack.enter_context(atomic_path(self.path))
        except OSError as exc:
            raise ConfigError(
                f"cannot write {self.path}: {exc.strerror or type(exc).__name__}"
            ) from None
        with _quiet_stderr():  # OpenCV's notes on the WebM tag or a missing encoder: we say it
            self._writer = cv2.VideoWriter(
                str(self._tmp), cv2.VideoWriter_fourcc(*fourcc), self.fps, self.size
            )
        if not self._writer.isOpened():
            self.abort()
            raise ConfigError(
                f"this OpenCV build cannot encode {self.codec} video ({self.path.name}); "
                f"write a .webm file (VP8) instead"
            )

    def __enter__(self) -> AnnotatedWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def abort(self) -> None:
        """Release the encoder and remove the temporary file; nothing appears under ``path``."""
        if getattr(self, "_writer", None) is not None:
            self._writer.release()
        self._writer = None
        self._stack.__exit__(RuntimeError, RuntimeError("aborted"), None)

    def remember(
        self,
        time: float,
        sign: float,
        state: str,
        band: Sequence[float] | None = None,
        alerts: Iterable[str] = (),
    ) -> None:
        """Add a sample to the strip's history without writing a frame (the seconds before a clip)."""
        self.canvas.remember(time, sign, state, band, alerts)

    def write(
        self,
        frame_rgb: np.ndarray,
        box: Sequence[float] | None = None,
        landmarks: np.ndarray | None = None,
        sign: float = float("nan"),
        state: str = "calm",
        band: Sequence[float] | None = None,
        alerts: Iterable[str] = (),
        time: float | None = None,
    ) -> None:
        """Draw one frame of the monitor (:meth:`MonitorCanvas.render`) and append it to the video;
        ``time`` defaults to ``frames written / fps``."""
        t = self.n / self.fps if time is None else float(time)
        self.write_picture(
            self.canvas.render(frame_rgb, box, landmarks, sign, state, band, alerts, t)
        )

    def write_picture(self, picture_rgb: np.ndarray) -> None:
        """Append a picture :attr:`canvas` already drew (uint8 RGB, shape (height, width, 3) of
        :attr:`size`)."""
        self._writer.write(cv2.cvtColor(picture_rgb, cv2.COLOR_RGB2BGR))
        self.n += 1

    def close(self) -> Path:
        """Finish the video, check that it decodes, and move it to ``path``; returns ``path``."""
        self._writer.release()
        self._writer = None
        try:
            if self.n == 0:
                raise DataError(f"no frame was written to {self.path}")
            decoded = _decodable_frames(self._tmp)
            if decoded == 0:
                raise DataError(
                    f"the {self.codec} video written to {self.path} does not decode: "
                    "this OpenCV build cannot write it"
                )
        except BaseException as exc:
            self._stack.__exit__(type(exc), exc, exc.__traceback__)
            raise
        self._stack.close()
        return self.path


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence what C code writes to the process's stderr (file descriptor 2) inside the block.

    OpenCV's FFmpeg backend prints a line when it opens a WebM writer ("tag ... is not
    supported", then it picks the right one) and several when an encoder is missing; the first
    is noise in a notebook, the second is replaced by this module's one-line error.
    """
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _decodable_frames(path: Path) -> int:
    """Frames OpenCV can decode back from ``path``."""
    cap = cv2.VideoCapture(str(path))
    try:
        n = 0
        while cap.isOpened() and cap.grab():
            n += 1
        return n
    finally:
        cap.release()
