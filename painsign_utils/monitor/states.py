"""What the monitor shows after each frame: a :class:`MonitorState`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .alerts import Alert


@dataclass(frozen=True)
class MonitorState:
    """What the monitor shows after one frame.

    Attributes
    ----------
    frame, time : int, float
        The frame just consumed.
    prob : float
        Its pain probability (NaN: no face).
    sign : float
        The sign now: final, or provisional during a face gap (NaN before the first face).
    provisional : bool
        True while frames without a face wait for the next face to be interpolated.
    above : bool or None
        ``sign >= threshold`` (None before the first face).
    mean_prob : float
        Running mean of the per-frame probabilities of frames with a face.
    crossings : int
        Threshold crossings of the finalized sign so far.
    entropy : float
        Entropy of the whole finalized sign so far (bits, 10 bins).
    window_entropy, window_crossings : float, int
        The same over the last ``type_window_s`` seconds.
    sign_type : str or None
        Type of the sign over that window (None until the window has a full second of sign).
    alerts : tuple of Alert
        Alerts raised by this update.
    final_start : int
        Frame index of ``final[0]``.
    final : ndarray, shape (k,)
        Sign values finalized by this update (k = 0 inside a gap, > 1 when a gap closes).
    """

    frame: int
    time: float
    prob: float
    sign: float
    provisional: bool
    above: bool | None
    mean_prob: float
    crossings: int
    entropy: float
    window_entropy: float
    window_crossings: int
    sign_type: str | None
    alerts: tuple[Alert, ...] = ()
    final_start: int = 0
    final: np.ndarray = field(default_factory=lambda: np.empty(0))
