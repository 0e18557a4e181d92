"""The real-time pain monitor: frames in one at a time, the pain sign and its alerts out.

Owns :class:`PainMonitor`, the streaming counterpart of :func:`painsign_utils.sign.pain_sign`
(paper §2.4) with the triggers the paper's discussion proposes (§4): alerts on sudden surges and drops
of the sign and on long stretches without a visible face, and the current sign type over a sliding
window (§2.5).

Causality and exactness. The offline sign fills frames without a face by *linear interpolation*
between the faces around the gap, which needs the face after the gap. The monitor therefore shows a
*provisional* value while a face is missing — the value the offline sign would have if the recording
stopped at that frame (the trailing-gap rule holds the last probability) — and *finalizes* the gap's
frames as soon as a face returns. Concatenating the finalized values of every update (plus
:meth:`PainMonitor.finish`) gives exactly ``pain_sign`` of the same per-frame probabilities, bit for
bit (``tests/test_monitor.py`` checks it). Every statistic (running mean, crossings, entropy, sign
type, surge/drop alerts) is computed on finalized values only, so it too equals its offline value.

Memory is bounded over hours of video: the moving average keeps its last ``window`` values, the
whole-stream entropy keeps a 10-bin histogram, the sign type a ring buffer of ``type_window_s``
seconds, and the plotting history a ring buffer of ``history_s`` seconds. A gap of G frames is
finalized as one array of G values when the face returns.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import sign as _sign
from .errors import ConfigError, DataError
from .inference import CROP_SIZE, FrameClassifier, crop_for_model
from .paper import SIGN_CENTROIDS, SIGN_SPREADS


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


_SKIP = object()  # marks a frame left unclassified on purpose (classify_every > 1)
_EDGES10 = np.linspace(0.0, 1.0, 11).tolist()


def _bin10(v: float) -> int:
    """Bin of ``v`` among 10 equal bins on [0, 1] (clipped), exactly as ``np.histogram`` assigns it."""
    v = min(max(v, 0.0), 1.0)
    k = min(int(v * 10), 9)
    if v < _EDGES10[k]:
        k -= 1
    elif k != 9 and v >= _EDGES10[k + 1]:
        k += 1
    return k


class _Ring:
    """Fixed-size ring buffer of float rows (bounded memory), oldest first on read."""

    def __init__(self, size: int, width: int = 1):
        self.data = np.full((max(int(size), 1), width), np.nan)
        self.n = 0

    def push(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=float).reshape(-1, self.data.shape[1])
        size = self.data.shape[0]
        if len(rows) >= size:
            self.data[:] = rows[-size:]
            self.n += len(rows)
            # Rotate so that position n % size is the oldest, as for the incremental path.
            self.data[:] = np.roll(self.data, self.n % size, axis=0)
            return
        pos = self.n % size
        end = pos + len(rows)
        if end <= size:
            self.data[pos:end] = rows
        else:
            cut = size - pos
            self.data[pos:] = rows[:cut]
            self.data[: end - size] = rows[cut:]
        self.n += len(rows)

    def values(self) -> np.ndarray:
        size = self.data.shape[0]
        if self.n < size:
            return self.data[: self.n].copy()
        pos = self.n % size
        return np.concatenate([self.data[pos:], self.data[:pos]])


class PainMonitor:
    """Streaming pain sign with alerts, equal to the offline sign of the same frames.

    Parameters
    ----------
    classifier : FrameClassifier or PainModel, optional
        Needed by :meth:`update` / :meth:`run` (frames); :meth:`update_prob` needs none.
    detector : object with ``detect(rgb) -> list[Detection]``, optional
        Default: :func:`painsign_utils.faces.get_detector` with ``max_side=detect_side``.
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
        signs; default :func:`paper_sign_type`.
    history_s : float
        Seconds of (frame, time, prob, sign) kept for plotting (:meth:`history`).
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

    def __init__(
        self,
        classifier: FrameClassifier | None = None,
        detector=None,
        fps: float = 30.0,
        threshold: float = 0.5,
        window: int | None = None,
        alert_delta: float = 0.3,
        alert_seconds: float = 2.0,
        no_face_seconds: float = 5.0,
        type_window_s: float = 20.0,
        sign_typer: Callable[[float, float], str] | None = None,
        history_s: float = 600.0,
        detect_every: int = 1,
        detect_side: int = 640,
        crop_size: int | None = CROP_SIZE,
        classify_every: int = 1,
    ):
        # Every check is written so that NaN fails it (NaN compares false with everything).
        if not (fps > 0 and math.isfinite(fps)):
            raise ConfigError(f"fps must be a positive number, got {fps!r}")
        if not 0 <= threshold <= 1:
            raise ConfigError(f"threshold must be in [0, 1], got {threshold!r}")
        if not 0 < alert_delta <= 1:
            raise ConfigError(f"alert_delta must be in (0, 1], got {alert_delta!r}")
        for name, value in (("alert_seconds", alert_seconds), ("no_face_seconds", no_face_seconds),
                            ("type_window_s", type_window_s), ("history_s", history_s)):
            if not (value > 0 and math.isfinite(value)):
                raise ConfigError(f"{name} must be a positive number of seconds, got {value!r}")
        if window is not None and not (isinstance(window, int | np.integer) and window >= 1):
            raise ConfigError(f"window must be a whole number of samples >= 1, got {window!r}")
        if not (isinstance(classify_every, int | np.integer) and classify_every >= 1):
            raise ConfigError(f"classify_every must be an integer >= 1, got {classify_every!r}")
        if not (isinstance(detect_every, int | np.integer) and detect_every >= 1):
            raise ConfigError(f"detect_every must be an integer >= 1, got {detect_every!r}")
        if not (isinstance(detect_side, int | np.integer) and detect_side >= 1):
            raise ConfigError(f"detect_side must be a positive number of pixels, got {detect_side!r}")
        if classifier is not None and not isinstance(classifier, FrameClassifier):
            classifier = FrameClassifier(classifier)
        self.classifier = classifier
        self._detector = detector
        self.fps = float(fps)
        self.threshold = float(threshold)
        self.window = int(window or _sign.window_for_fps(fps))
        self.alert_delta = float(alert_delta)
        self.alert_frames = max(1, int(round(alert_seconds * fps)))
        self.no_face_frames = max(1, int(round(no_face_seconds * fps)))
        self.type_frames = max(1, int(round(type_window_s * fps)))
        self.sign_typer = sign_typer or paper_sign_type
        self.detect_every = int(detect_every)
        self.detect_side = int(detect_side)
        self.crop_size = crop_size
        self.classify_every = int(classify_every)
        self._history = _Ring(int(round(history_s * fps)), 4)
        self.alerts: deque[Alert] = deque(maxlen=10_000)
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget everything (a new recording)."""
        self.n = 0  # frames consumed
        self.n_final = 0  # frames whose sign is final
        self._last_idx = -1  # last frame with a face
        self._last_p = math.nan
        self._ma: deque[float] = deque(maxlen=self.window)  # last interpolated probabilities
        self._sum_p = 0.0
        self._n_face = 0
        self._prev_sign = math.nan
        self._last_sign = math.nan
        self._crossings = 0
        self._hist = [0] * 10
        self._entropy, self._entropy_at = math.nan, 0
        self._type_ring = _Ring(self.type_frames)
        self._alert_buf: deque[float] = deque(maxlen=self.alert_frames + 1)
        self._episode: tuple[str, float, int] | None = None  # the movement an alert belongs to
        self._no_face_run = 0
        self._track = None  # last detection, held between detector runs
        self.n_tracked = 0
        self._history.data[:] = np.nan
        self._history.n = 0
        self.alerts.clear()
        self._sign_type: str | None = None
        self._window_stats = (math.nan, 0)

    # ------------------------------------------------------------------ core: probabilities
    def update_prob(self, p: float, skipped: bool = False) -> MonitorState:
        """Consume the pain probability of the next frame (NaN: no face found).

        ``skipped=True`` marks a frame that was deliberately not classified (``classify_every``):
        its sign is interpolated like a gap, but it does not count as a frame without a face.

        Returns
        -------
        MonitorState
        """
        p = float(p)
        if math.isinf(p) or (not math.isnan(p) and not 0.0 <= p <= 1.0):
            raise DataError(f"probability must be in [0, 1] or NaN, got {p!r}")
        i = self.n
        self.n += 1
        alerts: list[Alert] = []
        final = np.empty(0)
        start = self.n_final
        if skipped:
            p = math.nan
        elif math.isnan(p):
            self._no_face_run += 1
            if self._no_face_run == self.no_face_frames:
                alerts.append(Alert("no_face", i, i / self.fps, math.nan, self._no_face_run / self.fps))
        else:
            self._no_face_run = 0
            self._sum_p += p
            self._n_face += 1
            if self._last_idx < 0:  # leading gap holds the first observed value
                final = np.full(i - self.n_final + 1, p)
            else:  # interior gap: linear interpolation, exactly as sign.interpolate_missing
                gap = np.arange(self._last_idx + 1, i)
                interp = np.interp(gap, [self._last_idx, i], [self._last_p, p])
                final = np.concatenate([interp, [p]])
            self._last_idx, self._last_p = i, p
        self._record(i, p)  # before finalizing, so that this frame's row receives its sign
        if len(final):
            new_alerts, final = self._finalize(final)
            alerts += new_alerts
        self.alerts.extend(alerts)
        return self._state(i, p, alerts, start, final)

    def finish(self) -> MonitorState | None:
        """End of the recording: a trailing gap holds the last probability (as offline).

        Returns the state with the last finalized values, or None if nothing was pending.
        """
        if self.n_final == self.n or self._last_idx < 0:
            return None
        start = self.n_final
        final = np.full(self.n - self.n_final, self._last_p)
        alerts, final = self._finalize(final)
        self.alerts.extend(alerts)
        i = self.n - 1
        return self._state(i, math.nan, alerts, start, final)

    def _finalize(self, values: np.ndarray) -> tuple[list[Alert], np.ndarray]:
        """Push interpolated probabilities through the moving average and every statistic.

        Returns the alerts raised and the finalized sign values, shape (len(values),).
        """
        alerts: list[Alert] = []
        signs = np.empty(len(values))
        ma = self._ma
        t = self.threshold
        for k, v in enumerate(values):
            ma.append(float(v))
            w = np.fromiter(ma, float, len(ma))
            s = float(w[0] + np.mean(w - w[0]))  # == sign.window_mean: bit-exact with offline
            signs[k] = s
            if not math.isnan(self._prev_sign) and (s >= t) != (self._prev_sign >= t):
                self._crossings += 1
            self._prev_sign = s
            alert = self._check_change(self.n_final + k, s)
            if alert is not None:
                alerts.append(alert)
        if len(signs):
            for v in signs.tolist():
                self._hist[_bin10(v)] += 1
            self._type_ring.push(signs)
            first = self.n_final
            self.n_final += len(signs)
            self._last_sign = float(signs[-1])
            # Fill the sign column of the history rows already recorded for these frames.
            self._history_set_sign(first, signs)
            # Sign type once per second of finalized sign (cheap enough, and stable to read).
            if (self.n_final // self.window) != (first // self.window) or self._sign_type is None:
                self._update_type()
        return alerts, signs

    def _check_change(self, frame: int, s: float) -> Alert | None:
        """Surge/drop trigger: a change of ``alert_delta`` within ``alert_seconds``.

        One alert per movement: after an alert, while the sign keeps setting new highs (surge) or
        lows (drop), the reference follows it, so a long rise of 0.8 raises one surge, not two.
        """
        buf = self._alert_buf
        ep = self._episode
        if ep is not None:
            kind, extreme, at = ep
            if (s >= extreme) if kind == "surge" else (s <= extreme):
                buf.clear()
                buf.append(s)
                self._episode = (kind, s, frame)
                return None
            if frame - at > self.alert_frames:
                self._episode = None
        buf.append(s)
        lo, hi = min(buf), max(buf)
        if s - lo >= self.alert_delta:
            kind, change = "surge", s - lo
        elif hi - s >= self.alert_delta:
            kind, change = "drop", s - hi
        else:
            return None
        buf.clear()
        buf.append(s)  # the reference restarts here
        self._episode = (kind, s, frame)
        return Alert(kind, frame, frame / self.fps, s, change)

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
        if self._last_idx < 0:
            return math.nan
        pending = self.n - self.n_final
        if pending == 0:
            return self._last_sign
        held = list(self._ma)[max(0, len(self._ma) - (self.window - pending)) :] if pending < self.window else []
        w = np.array(held + [self._last_p] * min(pending, self.window))
        return float(w[0] + np.mean(w - w[0]))

    @property
    def mean_prob(self) -> float:
        """Mean probability of the frames with a face so far (NaN before the first face)."""
        return self._sum_p / self._n_face if self._n_face else math.nan

    @property
    def entropy(self) -> float:
        """Entropy (bits, 10 bins on [0, 1]) of the finalized sign so far; equals the offline value."""
        total = sum(self._hist)
        if total == 0:
            return math.nan
        if self._entropy_at == total:  # unchanged since last asked
            return self._entropy
        counts = np.array(self._hist)
        q = counts[counts > 0] / total
        h = float(-(q * np.log(q)).sum() / math.log(2))
        self._entropy = h if h > 0 else 0.0  # never -0.0 for a constant sign
        self._entropy_at = total
        return self._entropy

    @property
    def crossings(self) -> int:
        """Threshold crossings of the finalized sign so far; equals the offline value."""
        return self._crossings

    @property
    def sign_type(self) -> str | None:
        """Sign type over the last ``type_window_s`` seconds of finalized sign."""
        return self._sign_type

    def _state(self, i: int, p: float, alerts: list[Alert], start: int, final: np.ndarray) -> MonitorState:
        s = self.current_sign()
        we, wc = self._window_stats
        return MonitorState(
            frame=i,
            time=i / self.fps,
            prob=p,
            sign=s,
            provisional=self.n_final < self.n,
            above=None if math.isnan(s) else bool(s >= self.threshold),
            mean_prob=self.mean_prob,
            crossings=self._crossings,
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
        rows = [dict(kind=a.kind, frame=a.frame, time=a.time, value=a.value, change=a.change,
                     message=a.message) for a in self.alerts]
        return pd.DataFrame(rows, columns=["kind", "frame", "time", "value", "change", "message"])

    # ------------------------------------------------------------------ frames
    @property
    def detector(self):
        """The face detector (created on first use)."""
        if self._detector is None:
            from .faces import get_detector

            self._detector = get_detector(max_side=self.detect_side)
        return self._detector

    def locate(self, rgb: np.ndarray):
        """The face to classify in this frame: detected on every ``detect_every``-th frame, else held."""
        if self.n_tracked % self.detect_every == 0:
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
            self.update_prob(math.nan, skipped=True) if c is _SKIP
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
            from .video import video_info

            total = video_info(source).n_frames
        from .runtime import progress as tqdm

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
        from .video import iter_frames

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
            raise DataError(f"frames must be RGB uint8 arrays (H, W, 3), got {rgb.dtype} {rgb.shape}")
        yield rgb


def stream_sign(probs: Iterable[float], **kwargs) -> np.ndarray:
    """The sign a monitor finalizes for a sequence of probabilities (for tests and comparisons)."""
    mon = PainMonitor(**kwargs)
    parts = [st.final for st in (mon.update_prob(p) for p in probs)]
    last = mon.finish()
    if last is not None:
        parts.append(last.final)
    return np.concatenate(parts) if parts else np.empty(0)
