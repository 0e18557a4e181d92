"""The annotated video of the monitor: what a person at the bedside would watch.

Owns :class:`AnnotatedWriter`, which writes a browser-playable video (VP8 in WebM by default) of
the monitor one frame at a time: the frame with the face box and the five landmarks drawn, and a
strip under it with the last ``strip_seconds`` of the pain sign, the threshold (dashed), an optional
uncertainty band, the pain state as a colour (:data:`~painsign_utils.monitor.painstates.STATE_COLOURS`,
the figures' colours) with its history as a ribbon, and alerts as marks. Clips of recorded
videos from their per-frame tables are :mod:`painsign_utils.monitor.clips`'s.

Drawing is OpenCV and numpy only, so a frame costs about a millisecond. The codec follows the file
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
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np

from ..errors import ConfigError, DataError
from ..faces.privacy import privacy_filter
from ..storage import atomic_path, check_writable_dir
from .alerts import ALERT_COLOURS
from .painstates import STATE_COLOURS, STATES

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
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_INK = (30, 30, 30)
_SIGN_INK = (20, 60, 140)
_BAND_FILL = (205, 190, 235)


def _rgb(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` as an (r, g, b) tuple of ints."""
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


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
        if not (math.isfinite(float(strip_seconds)) and strip_seconds > 0):
            raise ConfigError(f"strip_seconds must be a positive number, got {strip_seconds!r}")
        self.codec, fourcc = _codec(self.path, codec)
        self.fps, self.threshold = float(fps), float(threshold)
        self.strip_seconds = float(strip_seconds)
        self.width, self.height = (int(v) for v in frame_size)
        self.strip_height = int(strip_height or max(60, self.height // 3))
        self.faces_allowed = bool(faces_allowed)
        self.size = (self.width, self.height + self.strip_height)  # the written frames
        self.n = 0
        self._history: deque[tuple[float, float, float, float, str]] = deque()
        self._alerts: deque[tuple[float, str]] = deque()
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
        if state not in STATE_COLOURS:
            raise DataError(f"unknown pain state {state!r}; known: {list(STATES)}")
        lo, hi = (float("nan"), float("nan")) if band is None else (float(b) for b in band)
        self._history.append((float(time), float(sign), lo, hi, state))
        self._alerts.extend((float(time), str(kind)) for kind in alerts)
        start = float(time) - self.strip_seconds
        while self._history and self._history[0][0] < start:
            self._history.popleft()
        while self._alerts and self._alerts[0][0] < start:
            self._alerts.popleft()

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
        """Draw one frame of the monitor and append it to the video.

        Parameters
        ----------
        frame_rgb : ndarray, shape (height, width, 3), uint8
        box : (x, y, w, h), optional
            The face box in frame pixels (None or NaN: no face).
        landmarks : ndarray, shape (5, 2), optional
            Eyes, nose and mouth corners in frame pixels.
        sign : float
            The pain sign now (NaN: none yet).
        state : str
            The pain state now, one of :data:`~painsign_utils.monitor.painstates.STATES`.
        band : (low, high), optional
            An uncertainty band of the probability now.
        alerts : iterable of str
            Kinds of the alerts raised at this frame (``surge``, ``drop``, ``no_face``).
        time : float, optional
            Seconds since the start; default ``frames written / fps``.
        """
        if frame_rgb.shape[:2] != (self.height, self.width):
            raise DataError(
                f"frame is {frame_rgb.shape[1]}x{frame_rgb.shape[0]}, the writer was opened for "
                f"{self.width}x{self.height}"
            )
        t = self.n / self.fps if time is None else float(time)
        self.remember(t, sign, state, band, alerts)
        canvas = np.full((self.size[1], self.width, 3), 250, np.uint8)
        canvas[: self.height] = privacy_filter(frame_rgb, self.faces_allowed)
        colour = _rgb(STATE_COLOURS[state])
        self._draw_face(canvas, box, landmarks, colour)
        self._draw_strip(canvas[self.height :], t, sign, state)
        self._writer.write(cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
        self.n += 1

    def _draw_face(
        self, img: np.ndarray, box: Sequence[float] | None, marks: np.ndarray | None, colour
    ) -> None:
        """The face box in the state's colour and the five landmarks."""
        if box is not None and np.all(np.isfinite(np.asarray(box, float))):
            x, y, w, h = (int(round(float(v))) for v in box)
            cv2.rectangle(img, (x, y), (x + w, y + h), (0, 0, 0), 4)
            cv2.rectangle(img, (x, y), (x + w, y + h), colour, 2)
        if marks is not None:
            for px, py in np.asarray(marks, float).reshape(-1, 2):
                if np.isfinite(px) and np.isfinite(py):
                    cv2.circle(img, (int(round(px)), int(round(py))), 3, (0, 0, 0), -1)
                    cv2.circle(img, (int(round(px)), int(round(py))), 2, (0, 230, 255), -1)

    def _draw_strip(self, strip: np.ndarray, now: float, sign: float, state: str) -> None:
        """State bar (colour and name), the sign's last seconds, θ, band, state ribbon, alerts."""
        w, h = self.width, strip.shape[0]
        bar = max(14, h // 5)
        strip[:bar] = _rgb(STATE_COLOURS[state])
        cv2.putText(strip, state.replace("_", " "), (4, bar - 4), _FONT, 0.4, _INK, 1, cv2.LINE_AA)
        value = "--" if math.isnan(sign) else f"{sign:.2f}"
        label = f"sign {value}  t {now:.1f} s"
        (tw, _), _ = cv2.getTextSize(label, _FONT, 0.35, 1)
        cv2.putText(strip, label, (w - tw - 4, bar - 4), _FONT, 0.35, _INK, 1, cv2.LINE_AA)
        ribbon = 4
        top, bottom = bar + 4, h - ribbon - 3
        left, right = 3, w - 4

        def px(t: np.ndarray) -> np.ndarray:
            return left + (t - (now - self.strip_seconds)) / self.strip_seconds * (right - left)

        def py(v: np.ndarray) -> np.ndarray:
            return bottom - np.clip(v, 0, 1) * (bottom - top)

        hist = self._history
        t = np.array([r[0] for r in hist])
        s, lo, hi = (np.array([r[k] for r in hist]) for k in (1, 2, 3))
        xs, ys = px(t), py(s)
        # Uncertainty band: a filled polygon over each run of samples that have one.
        have = np.isfinite(lo) & np.isfinite(hi)
        for a, b in _runs(have):
            pts = np.r_[np.c_[xs[a:b], py(hi[a:b])], np.c_[xs[a:b], py(lo[a:b])][::-1]]
            cv2.fillPoly(strip, [np.round(pts).astype(np.int32)], _BAND_FILL)
        # Threshold, dashed.
        yt = int(round(float(py(np.array(self.threshold)))))
        for x0 in range(left, right, 8):
            cv2.line(strip, (x0, yt), (min(x0 + 4, right), yt), _INK, 1)
        # State ribbon: each sample's state until the next sample.
        edges = np.r_[xs, px(np.array(now)) + 1]
        for k, (_, _, _, _, st) in enumerate(hist):
            x0, x1 = int(max(left, edges[k])), int(max(left, edges[k + 1]))
            cv2.rectangle(
                strip, (x0, h - ribbon - 1), (max(x0, x1 - 1), h - 2), _rgb(STATE_COLOURS[st]), -1
            )
        # The sign, broken where there is none.
        for a, b in _runs(np.isfinite(s)):
            pts = np.round(np.c_[xs[a:b], ys[a:b]]).astype(np.int32)
            cv2.polylines(strip, [pts], False, _SIGN_INK, 2, cv2.LINE_AA)
        for at, kind in self._alerts:
            x = int(round(float(px(np.array(at)))))
            c = _rgb(ALERT_COLOURS.get(kind, "#000000"))
            tip = (x, top + 7) if kind == "surge" else (x, top)
            base = top if kind == "surge" else top + 7
            tri = np.array([tip, (x - 4, base), (x + 4, base)], np.int32)
            cv2.fillPoly(strip, [tri], c)

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


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) pairs of the True runs of ``mask``."""
    m = np.r_[False, np.asarray(mask, bool), False]
    edges = np.flatnonzero(m[1:] != m[:-1])
    return list(zip(edges[::2], edges[1::2]))


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
