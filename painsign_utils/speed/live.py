"""The authors' real-time scenarios on a live stream: frames dropped and capture-to-sign latency.

Owns the measurement behind ``benchmarks/live.py`` and chapter 08's live table. A clip is served
as a paced MJPEG stream on 127.0.0.1 (:class:`~painsign_utils.monitor.mjpeg.MJPEGServer`, the
format of an IP camera) and the monitor reads it as it reads any live source: through a queue that
drops the oldest frame when the model is slower than the camera. Each (model, scenario) is one
session — ``single`` (one model), ``mc_dropout`` (``passes`` dropout samples per frame) or
``ensemble`` (the fold models) — and yields the frames received, analysed and dropped, the
sustained analysed rate and the capture-to-sign latency (mean, p50, p95). These are the scenarios
of the authors' later code (a 30-fps target, a queue of 4 dropping the oldest frame, single /
MC-dropout / ensemble, latency mean / median / p95).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError

#: The scenarios, in the order they are reported.
SCENARIOS: tuple[str, ...] = ("single", "mc_dropout", "ensemble")


class _NullSink:
    """Keeps nothing: the measurement needs only the session's statistics."""

    def frames(self, rows) -> None:
        pass

    def alerts(self, alerts) -> None:
        pass

    def no_face(self, row) -> None:
        pass


def scenario_classifier(scenario: str, models: Sequence, passes: int = 10, batch_size: int = 4):
    """The classifier of one scenario: ``models[0]`` is the best model, the rest its folds.

    ``single`` classifies with ``models[0]``; ``mc_dropout`` averages ``passes`` dropout samples
    of it; ``ensemble`` averages the fold models (``models[1:]``, or the best model alone).
    """
    from ..inference import FrameClassifier
    from ..monitor.scenarios import EnsembleClassifier, MCDropoutClassifier

    if scenario not in SCENARIOS:
        raise ConfigError(f"unknown scenario {scenario!r}; use {', '.join(SCENARIOS)}")
    if scenario == "single":
        return FrameClassifier(models[0], batch_size=batch_size)
    if scenario == "mc_dropout":
        return MCDropoutClassifier(models[0], passes, batch_size=batch_size)
    return EnsembleClassifier(list(models[1:]) or list(models[:1]), batch_size=batch_size)


def live_session(
    frames: list[bytes],
    classifier,
    fps: float,
    threshold: float,
    queue: int = 4,
    detect_every: int = 10,
    detect_side: int = 400,
    classify_every: int = 1,
) -> dict[str, float]:
    """Stream ``frames`` (JPEG bytes) at ``fps`` on 127.0.0.1 and monitor them with ``classifier``.

    Returns
    -------
    dict
        ``received, analysed, dropped, dropped share, analysed fps, latency mean ms,
        latency p50 ms, latency p95 ms, load average`` (the 1-minute load when it ended: other
        programs slow every number down).
    """
    from ..monitor.mjpeg import MJPEGServer
    from ..monitor.session import BoxMonitor, run_session
    from ..monitor.sources import open_live, parse_source

    mon = BoxMonitor(
        classifier,
        fps=fps,
        threshold=threshold,
        detect_every=detect_every,
        detect_side=detect_side,
        classify_every=classify_every,
        history_s=60.0,
    )
    _ = mon.detector  # load the face detector before the stream starts (not on frame 1)
    with MJPEGServer(frames, fps) as server:
        capture, _ = open_live(parse_source(server.url), queue_size=queue, stall_seconds=10.0)
        t0 = time.monotonic()
        try:
            stats = run_session(mon, capture.batches(classifier.batch_size), _NullSink())
        finally:
            capture.close()
        seconds = time.monotonic() - t0
    lat = stats.latency()
    received = stats.analysed + capture.dropped
    return {
        "received": received,
        "analysed": stats.analysed,
        "dropped": capture.dropped,
        "dropped share": capture.dropped / received if received else float("nan"),
        "analysed fps": stats.analysed / seconds,
        "latency mean ms": lat["mean"],
        "latency p50 ms": lat["p50"],
        "latency p95 ms": lat["p95"],
        "load average": os.getloadavg()[0],
    }


def live_benchmark(
    frames: list[bytes],
    models: dict[str, tuple[Sequence, float]],
    scenarios: Sequence[str] = SCENARIOS,
    fps: float = 30.0,
    passes: int = 10,
    batch_size: int = 4,
    progress: bool = True,
    **session,
) -> pd.DataFrame:
    """Every (model, scenario) as one :func:`live_session` on the same stream.

    Parameters
    ----------
    frames : list of bytes
        The clip's frames as JPEG (:func:`~painsign_utils.monitor.mjpeg.jpeg_frames`).
    models : dict
        Model name → (``[best, fold models...]``, its threshold).
    scenarios : sequence of str
        Among :data:`SCENARIOS`.
    fps : float
        The stream's frame rate (the camera's).
    passes : int
        MC-dropout samples per frame (the authors: 50).
    batch_size : int
        Frames per forward pass at most (the monitor takes what the queue holds, up to this).
    **session
        ``queue``, ``detect_every``, ``detect_side``, ``classify_every`` of :func:`live_session`.

    Returns
    -------
    DataFrame
        One row per (model, scenario): ``model, scenario, samples`` (forward samples per frame)
        and the columns of :func:`live_session`.
    """
    from ..runtime import progress as tqdm

    unknown = sorted(set(scenarios) - set(SCENARIOS))
    if unknown:
        raise ConfigError(f"unknown scenario(s) {', '.join(unknown)}; use {', '.join(SCENARIOS)}")
    rows = []
    runs = [(m, s) for m in models for s in scenarios]
    for name, scenario in tqdm(runs, desc="live stream sessions", disable=not progress):
        chain, threshold = models[name]
        clf = scenario_classifier(scenario, chain, passes, batch_size)
        clf.predict(np.zeros((batch_size, 64, 64, 3), np.uint8))  # warm up before the stream
        samples = {"single": 1, "mc_dropout": passes}.get(scenario, max(1, len(chain) - 1))
        row = live_session(frames, clf, fps, threshold, **session)
        rows.append({"model": name, "scenario": scenario, "samples": samples, **row})
    return pd.DataFrame(rows)


def cached_live_benchmark(
    folder: str | Path,
    video: str | Path,
    checkpoints: dict[str, Sequence[str | Path]],
    seconds: float = 5.0,
    **kwargs,
) -> pd.DataFrame:
    """:func:`live_benchmark` of trained checkpoints on ``seconds`` of ``video``, or its table from
    an earlier run on this machine with the same inputs.

    ``checkpoints`` maps a model to its best checkpoint then its fold checkpoints. The table is
    kept in ``folder`` keyed by the clip, the checkpoint files, the settings and
    :func:`~painsign_utils.speed.benchmark.machine_key`; the reused table is the very one measured.
    """
    from ..models import load_checkpoint
    from ..monitor.mjpeg import jpeg_frames
    from ..storage import file_key
    from ..tasks import cached_result
    from .benchmark import machine_key

    for path in [video, *(p for ps in checkpoints.values() for p in ps)]:
        if not Path(path).is_file():
            raise DataError(f"live stream benchmark: no such file: {path}")
    fps = float(kwargs.get("fps", 30.0))
    key = {
        "clip": file_key(video),
        "seconds": float(seconds),
        "options": {k: v for k, v in kwargs.items() if k != "progress"},
        "checkpoints": {m: [file_key(p) for p in ps] for m, ps in checkpoints.items()},
        "machine": machine_key(),
    }

    def measure() -> pd.DataFrame:
        frames = jpeg_frames(video, max_frames=max(1, int(round(seconds * fps))))
        chains = {}
        for m, paths in checkpoints.items():
            chain = [load_checkpoint(p).eval() for p in paths]
            chains[m] = (chain, float(chain[0].threshold))
        return live_benchmark(frames, chains, **kwargs)

    return cached_result(folder, key, measure, "live stream benchmark")
