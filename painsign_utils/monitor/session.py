"""One monitor session: frames from a source through a :class:`PainMonitor`, each frame's record out.

Owns :func:`run_session`, the loop behind ``painsign monitor`` and ``painsign video``: it takes
batches of :class:`~painsign_utils.monitor.live.Captured` frames (a file's frames in order, or the
newest frames of a live source), feeds the frames a live source dropped to the monitor as frames
left unclassified (the sign interpolates over them, as over ``classify_every``), classifies the
rest in one forward pass, and hands a record of every frame (its face box, probability, the sign
shown, its pain state, the delay from capture to that sign), every alert and every interval without a face to a
*sink* as soon as they are known. :class:`BoxMonitor` is the monitor that remembers which face
box it used; :class:`SessionStats` what the summary reports.
"""

from __future__ import annotations

import math
import threading
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from .alerts import Alert
from .live import Captured
from .painstates import PainStates
from .pipeline import PainMonitor
from .states import MonitorState

#: Columns of a frame record, in the order of the per-frame CSV.
FRAME_COLUMNS: tuple[str, ...] = (
    "frame",
    "time",
    "captured",
    "dropped",
    "classified",
    "face",
    "prob",
    "sign",
    "provisional",
    "state",
    "x",
    "y",
    "w",
    "h",
    "latency_ms",
)
#: Columns of an interval without a face.
NO_FACE_COLUMNS: tuple[str, ...] = (
    "start_frame",
    "end_frame",
    "start_time",
    "end_time",
    "seconds",
    "face_returned",
)


class Sink(Protocol):
    """Where a session's records go as they come (:class:`~.outputs.RunOutputs`)."""

    def frames(self, rows: list[tuple]) -> None: ...

    def alerts(self, alerts: list[Alert]) -> None: ...

    def no_face(self, row: tuple) -> None: ...


class BoxMonitor(PainMonitor):
    """A :class:`PainMonitor` that keeps, in order, the face it used for each classified frame."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.located: deque = deque()

    def locate(self, rgb: np.ndarray):
        """As :meth:`PainMonitor.locate`, remembering the detection (None: no face)."""
        det = super().locate(rgb)
        self.located.append(det)
        return det


@dataclass
class SessionStats:
    """What a session saw: counts, delays and the finalized sign.

    Attributes
    ----------
    received, analysed, dropped, classified, with_face : int
        Frames the source delivered, that reached the monitor, that the queue dropped, that were
        classified, and in which a face was found.
    latencies_ms : array of float
        Capture-to-sign delay of each analysed frame (8 bytes a frame: a night fits).
    finals : array of float
        The finalized sign, in order (one value per frame once the session ended).
    no_face : list of tuple
        Intervals without a face (:data:`NO_FACE_COLUMNS`).
    confirmations, pain_frames : int
        Times the pain states confirmed pain, and frames spent in confirmed pain.
    first_time, last_time : float
        Capture times (``time.monotonic()``) of the first and last frame.
    """

    received: int = 0
    analysed: int = 0
    dropped: int = 0
    classified: int = 0
    with_face: int = 0
    latencies_ms: array = field(default_factory=lambda: array("d"))
    finals: array = field(default_factory=lambda: array("d"))
    no_face: list[tuple] = field(default_factory=list)
    confirmations: int = 0
    pain_frames: int = 0
    first_time: float = math.nan
    last_time: float = math.nan

    def sign(self) -> np.ndarray:
        """The finalized sign of every frame so far."""
        return np.frombuffer(self.finals, dtype=float).copy()

    def latency(self) -> dict[str, float]:
        """Capture-to-sign delay in ms: ``mean``, ``p50``, ``p95``, ``max`` (NaN with none)."""
        v = np.asarray(self.latencies_ms, dtype=float)
        if not len(v):
            return {k: math.nan for k in ("mean", "p50", "p95", "max")}
        p50, p95 = np.percentile(v, [50, 95])
        return {
            "mean": float(v.mean()),
            "p50": float(p50),
            "p95": float(p95),
            "max": float(v.max()),
        }


def contiguous(batch: list[Captured]) -> Iterator[list[Captured]]:
    """Split a batch where frame indices jump (frames dropped in between)."""
    run: list[Captured] = []
    for item in batch:
        if run and item.index != run[-1].index + 1:
            yield run
            run = []
        run.append(item)
    if run:
        yield run


def run_session(
    monitor: BoxMonitor,
    batches: Iterable[list[Captured]],
    sink: Sink,
    bgr: bool = True,
    stop: threading.Event | None = None,
    on_batch: Callable[[int], object] | None = None,
    states: PainStates | None = None,
    annotate: Callable[[np.ndarray, dict, object, list[str]], object] | None = None,
) -> SessionStats:
    """Run ``monitor`` over ``batches`` until they end or ``stop`` is set, then finish the sign.

    Parameters
    ----------
    monitor : BoxMonitor
        A fresh monitor with its classifier.
    batches : iterable of list of Captured
        Frames in increasing index order; a gap in the indices is frames dropped by the source.
    sink : Sink
        Receives the frame records (:data:`FRAME_COLUMNS`), alerts and intervals without a face.
    bgr : bool
        The images are BGR (OpenCV's order) and are converted to RGB for the monitor.
    stop : threading.Event, optional
        Checked between batches (Ctrl-C, SIGTERM): the session ends cleanly.
    on_batch : callable, optional
        Called with the number of frames of each batch once it is recorded (a progress bar).
    states : PainStates, optional
        The pain-state machine fed with each frame's sign (NaN where the face was not found);
        default: the authors' timings at the monitor's frame rate and threshold.
    annotate : callable, optional
        Called for every frame that reached the monitor with its RGB image, its record (a dict of
        :data:`FRAME_COLUMNS`), the face detection used (or None) and the kinds of the alerts it
        raised: e.g. an annotated video's writer.

    Returns
    -------
    SessionStats
    """
    import cv2

    stats = SessionStats()
    machine = states or PainStates(monitor.fps, monitor.threshold)
    gap: list = []  # [start frame, start time] of the interval without a face in progress
    every = monitor.classify_every

    def close_gap(end: int, returned: bool) -> None:
        start, t0 = gap
        t1 = end / monitor.fps
        row = (start, end, t0, t1, t1 - t0, returned)
        stats.no_face.append(row)
        sink.no_face(row)
        gap.clear()

    def record(st: MonitorState, item: Captured | None, now: float) -> tuple[tuple, object]:
        stats.finals.extend(st.final.tolist())
        classified = item is not None and st.frame % every == 0
        box = monitor.located.popleft() if classified else None
        face = None if not classified else not math.isnan(st.prob)
        if classified:
            stats.classified += 1
            stats.with_face += int(face)
            if not face and not gap:
                gap.extend([st.frame, st.time])
            elif face and gap:
                close_gap(st.frame, True)
        xywh = box.box.tolist() if box is not None else [math.nan] * 4
        latency = math.nan if item is None else (now - item.time) * 1000.0
        if item is not None:
            stats.latencies_ms.append(latency)
        captured = math.nan if item is None else item.time - stats.first_time
        was_confirmed = machine.confirmed
        state = machine.push(math.nan if face is False else st.sign)
        stats.confirmations += int(machine.confirmed and not was_confirmed)
        stats.pain_frames += int(state == "pain")
        row = (
            st.frame,
            st.time,
            captured,
            item is None,
            classified,
            face,
            st.prob,
            st.sign,
            st.provisional,
            state,
            *xywh,
            latency,
        )
        return row, box

    for batch in batches:
        if math.isnan(stats.first_time):
            stats.first_time = batch[0].time
        rows: list[tuple] = []
        alerts: list[Alert] = []
        for run in contiguous(batch):
            while monitor.n < run[0].index:  # dropped by the source: interpolated like a skip
                st = monitor.update_prob(math.nan, skipped=True)
                rows.append(record(st, None, math.nan)[0])
                alerts += st.alerts
                stats.dropped += 1
            images = [cv2.cvtColor(c.image, cv2.COLOR_BGR2RGB) if bgr else c.image for c in run]
            states = monitor.update_batch(images)
            now = time.monotonic()
            for item, st, image in zip(run, states, images):
                row, det = record(st, item, now)
                rows.append(row)
                alerts += st.alerts
                if annotate is not None:
                    kinds = [a.kind for a in st.alerts]
                    annotate(image, dict(zip(FRAME_COLUMNS, row)), det, kinds)
            stats.analysed += len(run)
            stats.last_time = run[-1].time
        stats.received = stats.analysed + stats.dropped
        sink.frames(rows)
        if alerts:
            sink.alerts(alerts)
        if on_batch is not None:
            on_batch(len(rows))
        if stop is not None and stop.is_set():
            break
    last = monitor.finish()
    if last is not None:
        stats.finals.extend(last.final.tolist())
        if last.alerts:
            sink.alerts(list(last.alerts))
    if gap:
        close_gap(monitor.n, False)
    return stats
