"""A monitor run of a video file that a re-run replays instead of redoing: :func:`run_recorded`.

What the frame pipeline computes for each frame (detect, crop, classify) is only its probability;
everything a :class:`~painsign_utils.monitor.PainMonitor` shows after that (the sign, its
statistics, the sign type, the alerts) follows from that sequence alone, through
:meth:`~painsign_utils.monitor.PainMonitor.update_prob`. So the probabilities of a run are kept
(:func:`painsign_utils.tasks.cached_result`, keyed by the video file, the classifier and the
settings that reach the probabilities), and a re-run feeds them through a fresh monitor: the same
calls in the same order give the same states, alerts and history, whatever the alert settings now
are. Chapter 08 uses it for the video it shows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .pipeline import PainMonitor
from .states import MonitorState

#: The settings that reach a frame's probability (the rest act on the probabilities only).
FRAME_SETTINGS: tuple[str, ...] = (
    "fps",
    "detect_every",
    "detect_side",
    "crop_size",
    "classify_every",
)


def replay(monitor: PainMonitor, probs: np.ndarray) -> list[MonitorState]:
    """Feed recorded per-frame probabilities through ``monitor`` as :meth:`PainMonitor.run` would.

    ``probs`` are the states' ``prob`` of a run (NaN: no face, or a frame left unclassified by
    ``classify_every``, recognised by its index as the pipeline skips it).

    Returns
    -------
    list of MonitorState
        One per frame, then the state of :meth:`PainMonitor.finish` when a gap was pending.
    """
    every = monitor.classify_every
    states = [monitor.update_prob(p, skipped=i % every != 0) for i, p in enumerate(probs.tolist())]
    last = monitor.finish()
    if last is not None:
        states.append(last)
    return states


def run_recorded(
    monitor: PainMonitor,
    video: str | Path,
    folder: str | Path,
    key: dict | None = None,
    max_latency_s: float = 0.5,
) -> list[MonitorState]:
    """``list(monitor.run(video, max_latency_s))``, from the probabilities recorded in ``folder``
    when a run of the same video with the same classifier and frame settings recorded them.

    Parameters
    ----------
    monitor : PainMonitor
        A fresh monitor with its classifier (a detector of its own counts by its class).
    video : path
        A video file.
    folder : path
        Where the probabilities are kept (one pickle and its stamp).
    key : dict, optional
        What else the probabilities depend on, e.g. ``{"checkpoint": file_key(ckpt)}``: the
        classifier's weights are not in its description.
    max_latency_s : float
        As in :meth:`PainMonitor.run` (it sets the batches, which move the probabilities by float
        rounding).

    Returns
    -------
    list of MonitorState
        The states of the run, equal to those of ``monitor.run``.
    """
    from ..storage import file_key
    from ..tasks import cached_result

    full = {
        "video": file_key(video),
        "classifier": repr(monitor.classifier),
        "detector": type(monitor._detector).__qualname__ if monitor._detector else "default",
        "settings": {k: getattr(monitor.settings, k) for k in FRAME_SETTINGS},
        "max_latency_s": float(max_latency_s),
        **(key or {}),
    }
    fresh: list[MonitorState] = []

    def record() -> np.ndarray:
        fresh.extend(monitor.run(video, max_latency_s=max_latency_s))
        return np.array([st.prob for st in fresh[: monitor.n]], dtype=float)

    probs = cached_result(folder, full, record, f"monitor probabilities of {Path(video).name}")
    return fresh or replay(monitor, probs)
