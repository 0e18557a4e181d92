"""The monitor's triggers (paper §4): an :class:`Alert`, and :class:`ChangeAlerts`, the surge/drop rule."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

#: Colour of each kind of alert, in the monitor figure and the annotated video.
ALERT_COLOURS: dict[str, str] = {"surge": "#d62728", "drop": "#1f77b4", "no_face": "#555555"}


@dataclass(frozen=True)
class Alert:
    """A trigger raised by the monitor.

    Attributes
    ----------
    kind : {"surge", "drop", "no_face"}
    frame : int
        Frame at which the condition was met (for surges/drops, possibly earlier than the frame
        being processed when a face gap was just finalized).
    time : float
        ``frame / fps`` in seconds.
    value : float
        Sign value at ``frame`` (NaN for ``no_face``).
    change : float
        Sign change over the alert horizon (signed), or seconds without a face.
    """

    kind: str
    frame: int
    time: float
    value: float
    change: float

    @property
    def message(self) -> str:
        """One line for a clinician."""
        if self.kind == "no_face":
            return f"{self.time:7.1f} s  no face visible for {self.change:.1f} s"
        word = "rose" if self.kind == "surge" else "fell"
        return (
            f"{self.time:7.1f} s  pain sign {self.kind}: {word} by {abs(self.change):.2f} "
            f"to {self.value:.2f}"
        )


class ChangeAlerts:
    """Surge/drop trigger: a change of ``delta`` within ``frames`` frames of the finalized sign.

    One alert per movement: after an alert, while the sign keeps setting new highs (surge) or
    lows (drop), the reference follows it, so a long rise of 0.8 raises one surge, not two.

    Parameters
    ----------
    delta : float
        Smallest rise (fall) of the sign that raises a surge (drop).
    frames : int
        Horizon of the change in frames; after an alert the reference restarts from that frame.
    fps : float
        Frame rate, for the alert's time.
    """

    def __init__(self, delta: float, frames: int, fps: float):
        self.delta, self.frames, self.fps = float(delta), int(frames), float(fps)
        self.reset()

    def reset(self) -> None:
        """Forget the reference and the movement in progress (a new recording)."""
        self._buf: deque[float] = deque(maxlen=self.frames + 1)
        self._episode: tuple[str, float, int] | None = None  # the movement an alert belongs to

    def check(self, frame: int, s: float) -> Alert | None:
        """Take the finalized sign ``s`` of ``frame``; the alert it raises, if any."""
        buf = self._buf
        ep = self._episode
        if ep is not None:
            kind, extreme, at = ep
            if (s >= extreme) if kind == "surge" else (s <= extreme):
                buf.clear()
                buf.append(s)
                self._episode = (kind, s, frame)
                return None
            if frame - at > self.frames:
                self._episode = None
        buf.append(s)
        lo, hi = min(buf), max(buf)
        if s - lo >= self.delta:
            kind, change = "surge", s - lo
        elif hi - s >= self.delta:
            kind, change = "drop", s - hi
        else:
            return None
        buf.clear()
        buf.append(s)  # the reference restarts here
        self._episode = (kind, s, frame)
        return Alert(kind, frame, frame / self.fps, s, change)
