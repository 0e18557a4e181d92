"""How a :class:`~painsign_utils.monitor.PainMonitor` reads its stream, in one validated record;
and :func:`paper_sign_type`, its default sign typer."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from ..inference import CROP_SIZE
from ..paper import SIGN_CENTROIDS, SIGN_SPREADS


def paper_sign_type(entropy: float, crossings: float) -> str:
    """Nearest sign type to the paper's N-CNN Table 3 means (distance in units of each type's sd).

    A fallback for the monitor when no classifier fitted on our own signs
    (:mod:`painsign_utils.clustering`) is at hand; meant for 20-s windows, like the paper's videos.
    """
    best, best_d = "stable", math.inf
    for name, (e, c) in SIGN_CENTROIDS.items():
        se, sc = SIGN_SPREADS[name]
        d = ((entropy - e) / se) ** 2 + ((crossings - c) / sc) ** 2
        if d < best_d:
            best, best_d = name, d
    return best


@dataclass(frozen=True)
class MonitorSettings:
    """The monitor's settings: the sign, its alerts, and the frame pipeline's speed-ups.

    ``PainMonitor(settings=MonitorSettings(fps=25))`` and ``PainMonitor(fps=25)`` are the same
    monitor: every field is also a keyword argument of :class:`~painsign_utils.monitor.PainMonitor`
    (and overrides ``settings`` there). Every check is written so that NaN fails it.

    Parameters
    ----------
    fps : float
        Frame rate of the stream (times and windows in seconds are converted with it).
    threshold : float
        The model's classification threshold (its Youden threshold; 0.5 if unknown).
    window : int, optional
        Moving-average length in samples; default 1 s (:func:`~painsign_utils.sign.window_for_fps`).
    alert_delta : float
        A surge (drop) alert fires when the sign rises (falls) by at least this much ...
    alert_seconds : float
        ... within this many seconds. After an alert the reference restarts from that frame.
    no_face_seconds : float
        An alert fires once per stretch of this many seconds without a face.
    type_window_s : float
        Length of the sliding window for the current sign type (20 s: the paper's videos).
    sign_typer : callable ``(entropy, crossings) -> str``, optional
        Sign-type classifier, e.g. one fitted by :mod:`painsign_utils.clustering` on our own
        signs; default :func:`~painsign_utils.monitor.paper_sign_type`.
    history_s : float
        Seconds of (frame, time, prob, sign) kept for plotting (``PainMonitor.history``).
    detect_every : int
        Run the detector on every k-th frame and hold the last box in between (1 = exact).
    detect_side : int
        Longer side of the frame the detector sees (the frame is downscaled; boxes are mapped back).
    crop_size : int or None
        Side of the face crop handed to the model (256 as in training; exact).
    classify_every : int
        Classify every k-th frame only; the frames between are interpolated by the sign like face
        gaps (1 = exact; larger trades accuracy for speed and is measured by the benchmark).
    """

    fps: float = 30.0
    threshold: float = 0.5
    window: int | None = None
    alert_delta: float = 0.3
    alert_seconds: float = 2.0
    no_face_seconds: float = 5.0
    type_window_s: float = 20.0
    sign_typer: Callable[[float, float], str] | None = None
    history_s: float = 600.0
    detect_every: int = 1
    detect_side: int = 640
    crop_size: int | None = CROP_SIZE
    classify_every: int = 1

    def __post_init__(self) -> None:
        fps, threshold, window = self.fps, self.threshold, self.window
        if not (fps > 0 and math.isfinite(fps)):
            raise ConfigError(f"fps must be a positive number, got {fps!r}")
        if not 0 <= threshold <= 1:
            raise ConfigError(f"threshold must be in [0, 1], got {threshold!r}")
        if not 0 < self.alert_delta <= 1:
            raise ConfigError(f"alert_delta must be in (0, 1], got {self.alert_delta!r}")
        for name in ("alert_seconds", "no_face_seconds", "type_window_s", "history_s"):
            value = getattr(self, name)
            if not (value > 0 and math.isfinite(value)):
                raise ConfigError(f"{name} must be a positive number of seconds, got {value!r}")
        if window is not None and not (isinstance(window, int | np.integer) and window >= 1):
            raise ConfigError(f"window must be a whole number of samples >= 1, got {window!r}")
        every = self.classify_every
        if not (isinstance(every, int | np.integer) and every >= 1):
            raise ConfigError(f"classify_every must be an integer >= 1, got {every!r}")
        if not (isinstance(self.detect_every, int | np.integer) and self.detect_every >= 1):
            raise ConfigError(f"detect_every must be an integer >= 1, got {self.detect_every!r}")
        if not (isinstance(self.detect_side, int | np.integer) and self.detect_side >= 1):
            raise ConfigError(
                f"detect_side must be a positive number of pixels, got {self.detect_side!r}"
            )

    def frames(self, seconds: float) -> int:
        """``seconds`` of the stream in frames (at least 1)."""
        return max(1, int(round(seconds * self.fps)))
