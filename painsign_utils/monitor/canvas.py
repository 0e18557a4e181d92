"""What the monitor draws on each frame: the face box and landmarks, and a strip of the sign.

Owns :class:`MonitorCanvas`: given a frame and the monitor's record of it (face box, landmarks,
sign, pain state, band, alerts), :meth:`MonitorCanvas.render` returns the frame with the box in the
state's colour and the five landmarks, over a strip with the last ``strip_seconds`` of the pain sign,
the threshold (dashed), an optional uncertainty band, the pain state as a colour
(:data:`~painsign_utils.monitor.painstates.STATE_COLOURS`, the figures' colours) with its history
as a ribbon, and alerts as marks. The annotated video (:mod:`.annotate`) and the live view
(:mod:`.liveview`) show what it draws. Drawing is OpenCV and numpy only (about a millisecond a
frame). Real faces obey the privacy switch: the frame is blurred unless faces may be shown.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence

import cv2
import numpy as np

from ..errors import ConfigError, DataError
from ..faces.privacy import privacy_filter
from .alerts import ALERT_COLOURS
from .painstates import STATE_COLOURS, STATES

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_INK = (30, 30, 30)
_SIGN_INK = (20, 60, 140)
_BAND_FILL = (205, 190, 235)


def _rgb(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` as an (r, g, b) tuple of ints."""
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


class MonitorCanvas:
    """The monitor's picture of each frame, with the history its strip needs.

    Parameters
    ----------
    frame_size : (width, height)
        Size of the frames given to :meth:`render`; the picture is ``strip_height`` pixels taller.
    threshold : float
        The model's threshold θ, drawn dashed in the strip.
    strip_seconds : float, default 10
        Seconds of sign the strip shows, the newest at the right.
    strip_height : int, optional
        Pixels of the strip; default a third of the frame height, at least 60.
    faces_allowed : bool, default True
        False blurs every frame (real data without ``show_faces``); the box and landmarks are
        still drawn.
    """

    def __init__(
        self,
        frame_size: tuple[int, int],
        threshold: float,
        strip_seconds: float = 10.0,
        strip_height: int | None = None,
        faces_allowed: bool = True,
    ):
        if not (math.isfinite(float(strip_seconds)) and strip_seconds > 0):
            raise ConfigError(f"strip_seconds must be a positive number, got {strip_seconds!r}")
        self.threshold = float(threshold)
        self.strip_seconds = float(strip_seconds)
        self.width, self.height = (int(v) for v in frame_size)
        self.strip_height = int(strip_height or max(60, self.height // 3))
        self.faces_allowed = bool(faces_allowed)
        self.size = (self.width, self.height + self.strip_height)  # the pictures
        self._history: deque[tuple[float, float, float, float, str]] = deque()
        self._alerts: deque[tuple[float, str]] = deque()

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

    def render(
        self,
        frame_rgb: np.ndarray,
        box: Sequence[float] | None = None,
        landmarks: np.ndarray | None = None,
        sign: float = float("nan"),
        state: str = "calm",
        band: Sequence[float] | None = None,
        alerts: Iterable[str] = (),
        time: float = 0.0,
    ) -> np.ndarray:
        """The monitor's picture of one frame, shape (height + strip_height, width, 3), uint8 RGB.

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
        time : float
            Seconds since the start.
        """
        if frame_rgb.shape[:2] != (self.height, self.width):
            raise DataError(
                f"frame is {frame_rgb.shape[1]}x{frame_rgb.shape[0]}, the canvas was made for "
                f"{self.width}x{self.height}"
            )
        t = float(time)
        self.remember(t, sign, state, band, alerts)
        canvas = np.full((self.size[1], self.width, 3), 250, np.uint8)
        canvas[: self.height] = privacy_filter(frame_rgb, self.faces_allowed)
        colour = _rgb(STATE_COLOURS[state])
        self._draw_face(canvas, box, landmarks, colour)
        self._draw_strip(canvas[self.height :], t, sign, state)
        return canvas

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


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) pairs of the True runs of ``mask``."""
    m = np.r_[False, np.asarray(mask, bool), False]
    edges = np.flatnonzero(m[1:] != m[:-1])
    return list(zip(edges[::2], edges[1::2]))
