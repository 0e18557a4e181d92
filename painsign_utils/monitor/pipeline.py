"""The real-time monitor's frame pipeline: frames in one at a time, the pain sign and its alerts out.

Owns :class:`PainMonitor`: detect, crop and classify each frame, feed the probability to the
bit-exact :class:`~painsign_utils.monitor.streaming.StreamingSign` (paper §2.4), and raise the
triggers the paper's discussion proposes (§4): alerts on sudden surges and drops of the sign
(:class:`~painsign_utils.monitor.alerts.ChangeAlerts`) and on long stretches without a visible
face, and the current sign type over a sliding window (§2.5). Its settings are one
:class:`~painsign_utils.monitor.settings.MonitorSettings`.

Every statistic (running mean, crossings, entropy, sign type, surge/drop alerts) is computed on
finalized sign values only, so it equals its offline value. Memory is bounded over hours of video:
besides the stream's own bounded state, the sign type keeps a ring buffer of ``type_window_s``
seconds and the plotting history a ring buffer of ``history_s`` seconds.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from .. import sign as _sign
from ..errors import ConfigError
from ..inference import FrameClassifier, crop_for_model
from .alerts import Alert, ChangeAlerts
from .ring import RingBuffer
from .settings import MonitorSettings, paper_sign_type
from .sources import iter_source, prefetch
from .states import MonitorState
from .streaming import StreamingSign

_SKIP = object()  # marks a frame left unclassified on purpose (classify_every > 1)


class PainMonitor:
    """Streaming pain sign with alerts, equal to the offline sign of the same frames.

    Parameters
    ----------
    classifier : FrameClassifier, PainModel or scenario classifier, optional
        Needed by :meth:`update` / :meth:`run` (frames); :meth:`update_prob` needs none.
    detector : object with ``detect(rgb) -> list[Detection]``, optional
        Default: :func:`painsign_utils.faces.get_detector` with ``max_side=detect_side``.
    settings : MonitorSettings, optional
        Frame rate, threshold, windows, alerts and speed-ups (defaults: ``MonitorSettings()``).
    **options
        Any :class:`MonitorSettings` field by name (``fps=25, threshold=0.4, ...``), overriding
        ``settings``: the monitor's keyword arguments from before the settings were grouped.

    Attributes
    ----------
    stream : StreamingSign
        The bit-exact sign and its statistics.
    fps, window, threshold, alert_delta, detect_every, detect_side, crop_size, classify_every
        As in ``settings`` (``window`` resolved); ``alert_frames``, ``no_face_frames`` and
        ``type_frames`` are the windows in seconds converted to frames.
    """

    def __init__(
        self,
        classifier: FrameClassifier | None = None,
        detector=None,
        settings: MonitorSettings | None = None,
        **options,
    ):
        if settings is not None and not isinstance(settings, MonitorSettings):
            raise ConfigError(
                f"settings must be a MonitorSettings (fps and the rest are keyword arguments), "
                f"got {settings!r}"
            )
        settings = (
            replace(settings, **options) if settings is not None else MonitorSettings(**options)
        )
        self.settings = settings
        if classifier is not None and not hasattr(classifier, "predict"):  # a bare PainModel
            classifier = FrameClassifier(classifier)
        self.classifier = classifier
        self._detector = detector
        fps = settings.fps
        self.fps = float(fps)
        self.window = int(settings.window or _sign.window_for_fps(fps))
        self.alert_delta = float(settings.alert_delta)
        self.alert_frames = settings.frames(settings.alert_seconds)
        self.no_face_frames = settings.frames(settings.no_face_seconds)
        self.type_frames = settings.frames(settings.type_window_s)
        self.sign_typer = settings.sign_typer or paper_sign_type
        self.detect_every = int(settings.detect_every)
        self.detect_side = int(settings.detect_side)
        self.crop_size = settings.crop_size
        self.classify_every = int(settings.classify_every)
        self.stream = StreamingSign(self.window, float(settings.threshold))
        self._changes = ChangeAlerts(self.alert_delta, self.alert_frames, self.fps)
        self._history = RingBuffer(int(round(settings.history_s * fps)), 4)
        self.alerts: deque[Alert] = deque(maxlen=10_000)
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget everything (a new recording)."""
        self.stream.reset()
        self._changes.reset()
        self._type_ring = RingBuffer(self.type_frames)
        self._no_face_run = 0
        self._track = None  # last detection, held between detector runs
        self.n_tracked = 0
        self._history.data[:] = np.nan
        self._history.n = 0
        self.alerts.clear()
        self._sign_type: str | None = None
        self._window_stats = (math.nan, 0)

    @property
    def threshold(self) -> float:
        """The model's threshold (the stream's crossings count against it)."""
        return self.stream.threshold

    @threshold.setter
    def threshold(self, value: float) -> None:
        self.stream.threshold = float(value)

    @property
    def n(self) -> int:
        """Frames consumed."""
        return self.stream.n

    @property
    def n_final(self) -> int:
        """Frames whose sign is final."""
        return self.stream.n_final

    # ------------------------------------------------------------------ core: probabilities
    def update_prob(self, p: float, skipped: bool = False) -> MonitorState:
        """Consume the pain probability of the next frame (NaN: no face found).

        ``skipped=True`` marks a frame that was deliberately not classified (``classify_every``):
        its sign is interpolated like a gap, but it does not count as a frame without a face.

        Returns
        -------
        MonitorState
        """
        p = StreamingSign.checked(p)
        i = self.stream.n
        alerts: list[Alert] = []
        start = self.stream.n_final
        if skipped:
            p = math.nan
        elif math.isnan(p):
            self._no_face_run += 1
            if self._no_face_run == self.no_face_frames:
                alerts.append(
                    Alert("no_face", i, i / self.fps, math.nan, self._no_face_run / self.fps)
                )
        else:
            self._no_face_run = 0
        final = self.stream.push(p)
        self._record(i, p)  # before finalizing, so that this frame's row receives its sign
        if len(final):
            alerts += self._finalized(start, final)
        self.alerts.extend(alerts)
        return self._state(i, p, alerts, start, final)

    def finish(self) -> MonitorState | None:
        """End of the recording: a trailing gap holds the last probability (as offline).

        Returns the state with the last finalized values, or None if nothing was pending.
        """
        start = self.stream.n_final
        final = self.stream.finish()
        if final is None:
            return None
        alerts = self._finalized(start, final)
        self.alerts.extend(alerts)
        i = self.stream.n - 1
        return self._state(i, math.nan, alerts, start, final)

    def _finalized(self, first: int, signs: np.ndarray) -> list[Alert]:
        """What follows once frames ``first ..`` have final sign values: alerts, history, type."""
        alerts = [
            a
            for a in (self._changes.check(first + k, s) for k, s in enumerate(signs.tolist()))
            if a is not None
        ]
        self._type_ring.push(signs)
        # Fill the sign column of the history rows already recorded for these frames.
        self._history_set_sign(first, signs)
        # Sign type once per second of finalized sign (cheap enough, and stable to read).
        if (self.stream.n_final // self.window) != (
            first // self.window
        ) or self._sign_type is None:
            self._update_type()
        return alerts

    def _update_type(self) -> None:
        vals = self._type_ring.values()[:, 0]
        if len(vals) < min(self.window, self.type_frames):
            return
        e = _sign.shannon_entropy(vals)
        c = _sign.threshold_crossings(vals, self.threshold)
        self._window_stats = (e, c)
        self._sign_type = self.sign_typer(e, c)

    # ------------------------------------------------------------------ reading
    def current_sign(self) -> float:
        """The sign now; inside a gap, what the offline sign would be if the recording ended here."""
        return self.stream.current()

    @property
    def mean_prob(self) -> float:
        """Mean probability of the frames with a face so far (NaN before the first face)."""
        return self.stream.mean_prob

    @property
    def entropy(self) -> float:
        """Entropy (bits, 10 bins on [0, 1]) of the finalized sign so far; equals the offline value."""
        return self.stream.entropy

    @property
    def crossings(self) -> int:
        """Threshold crossings of the finalized sign so far; equals the offline value."""
        return self.stream.crossings

    @property
    def sign_type(self) -> str | None:
        """Sign type over the last ``type_window_s`` seconds of finalized sign."""
        return self._sign_type

    def _state(
        self, i: int, p: float, alerts: list[Alert], start: int, final: np.ndarray
    ) -> MonitorState:
        s = self.current_sign()
        we, wc = self._window_stats
        return MonitorState(
            frame=i,
            time=i / self.fps,
            prob=p,
            sign=s,
            provisional=self.stream.n_final < self.stream.n,
            above=None if math.isnan(s) else bool(s >= self.threshold),
            mean_prob=self.mean_prob,
            crossings=self.stream.crossings,
            entropy=self.entropy,
            window_entropy=we,
            window_crossings=int(wc),
            sign_type=self._sign_type,
            alerts=tuple(alerts),
            final_start=start,
            final=final,
        )

    def _record(self, i: int, p: float) -> None:
        self._history.push(np.array([[i, i / self.fps, p, math.nan]]))

    def _history_set_sign(self, first: int, signs: np.ndarray) -> None:
        h = self._history
        size = h.data.shape[0]
        lo = max(first, h.n - size)  # frames older than the ring are gone
        for f in range(lo, first + len(signs)):
            if f < h.n:
                h.data[f % size, 3] = signs[f - first]

    def history(self) -> pd.DataFrame:
        """The last ``history_s`` seconds: ``frame, time, prob, sign`` (sign NaN while pending)."""
        v = self._history.values()
        df = pd.DataFrame(v, columns=["frame", "time", "prob", "sign"])
        df["frame"] = df["frame"].astype(int)
        return df

    def alert_table(self) -> pd.DataFrame:
        """Alerts raised so far: ``kind, frame, time, value, change, message``."""
        rows = [
            dict(
                kind=a.kind,
                frame=a.frame,
                time=a.time,
                value=a.value,
                change=a.change,
                message=a.message,
            )
            for a in self.alerts
        ]
        return pd.DataFrame(rows, columns=["kind", "frame", "time", "value", "change", "message"])

    # ------------------------------------------------------------------ frames
    @property
    def detector(self):
        """The face detector (created on first use)."""
        if self._detector is None:
            from ..faces import get_detector

            self._detector = get_detector(max_side=self.detect_side)
        return self._detector

    def locate(self, rgb: np.ndarray):
        """The face to classify in this frame: detected on every ``detect_every``-th frame, else held;
        while no face is held, on every frame (a face that returns is found at once)."""
        if self._track is None or self.n_tracked % self.detect_every == 0:
            found = self.detector.detect(rgb)
            self._track = found[0] if found else None
        self.n_tracked += 1
        return self._track

    def crops_of(self, frames: list[np.ndarray]) -> list[np.ndarray | None]:
        """Face crop of each frame (None where no face), ready for the classifier."""
        out = []
        for rgb in frames:
            if (self.n + len(out)) % self.classify_every:
                out.append(_SKIP)
                continue
            det = self.locate(rgb)
            out.append(None if det is None else crop_for_model(rgb, det, self.crop_size))
        return out

    def update_batch(self, frames: list[np.ndarray]) -> list[MonitorState]:
        """Detect, crop and classify several frames in one forward pass, then update in order."""
        if self.classifier is None:
            raise ConfigError("PainMonitor needs a classifier to consume frames; use update_prob")
        crops = self.crops_of(frames)
        faces = [c for c in crops if c is not None and c is not _SKIP]
        probs = iter(self.classifier.predict(faces) if faces else [])
        return [
            self.update_prob(math.nan, skipped=True)
            if c is _SKIP
            else self.update_prob(math.nan if c is None else next(probs))
            for c in crops
        ]

    def update(self, frame_rgb: np.ndarray) -> MonitorState:
        """Consume one RGB frame (H, W, 3) uint8: detect, crop, classify, update the sign."""
        return self.update_batch([frame_rgb])[0]

    def run(
        self,
        source: str | Path | int | Iterable[np.ndarray],
        max_latency_s: float = 0.5,
        max_frames: int | None = None,
        progress: bool = False,
        prefetch_frames: int = 0,
    ) -> Iterator[MonitorState]:
        """Monitor a video file, a camera (index) or an iterable of RGB frames.

        Frames are classified in batches of at most ``max_latency_s * fps`` frames (at least 1), so
        no frame waits longer than ``max_latency_s`` of stream time for its probability. The stream's
        end finalizes a trailing gap (:meth:`finish`). ``prefetch_frames > 0`` decodes that many
        frames ahead in a background thread.

        Yields
        ------
        MonitorState
            One per frame, then one more from :meth:`finish` if a trailing gap was pending.
        """
        batch_size = max(1, int(max_latency_s * self.fps))
        if self.classifier is not None:
            batch_size = min(batch_size, self.classifier.batch_size)
        frames = iter_source(source)
        if prefetch_frames > 0:  # decode the next frames while the model works on these
            frames = prefetch(frames, prefetch_frames)
        total = None
        if isinstance(source, (str, Path)):
            from ..video import video_info

            total = video_info(source).n_frames
        from ..runtime import progress as tqdm

        bar = tqdm(total=max_frames or total, unit="frame", disable=not progress, leave=False)
        batch: list[np.ndarray] = []
        count = 0
        with bar:
            for rgb in frames:
                batch.append(rgb)
                count += 1
                if len(batch) == batch_size or count == max_frames:
                    yield from self.update_batch(batch)
                    bar.update(len(batch))
                    batch = []
                if count == max_frames:
                    break
            if batch:
                yield from self.update_batch(batch)
                bar.update(len(batch))
        last = self.finish()
        if last is not None:
            yield last


def stream_sign(probs: Iterable[float], **kwargs) -> np.ndarray:
    """The sign a monitor finalizes for a sequence of probabilities (for tests and comparisons)."""
    mon = PainMonitor(**kwargs)
    parts = [st.final for st in (mon.update_prob(p) for p in probs)]
    last = mon.finish()
    if last is not None:
        parts.append(last.final)
    return np.concatenate(parts) if parts else np.empty(0)
