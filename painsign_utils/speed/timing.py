"""Timing one path: the benchmark clip, the classifier a path asks for, crops per second, the whole
pipeline's frames per second and each stage's CPU cost. Nothing here claims a speed it did not measure."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..inference import FrameClassifier
from ..monitor import PainMonitor
from .paths import PathSpec


def render_benchmark_video(
    path: str | Path,
    seconds: float = 20.0,
    fps: float = 30.0,
    size: tuple[int, int] = (640, 480),
    seed: int = 0,
    scenario: str = "irregular",
) -> Path:
    """A synthetic 640x480 30-fps clip (hands over the face, a blanket, sudden changes); reused if present."""
    from ..synthetic import SynthConfig
    from ..synthetic.videos import video_job

    path = Path(path)
    if path.exists():
        return path
    cfg = SynthConfig(seed=seed, video_size=tuple(size), video_seconds=seconds, video_fps=fps)
    rec = dict(video_id=path.stem, subject="B000", subject_index=0, label="pain", scenario=scenario)
    video_job((cfg, rec, str(path.parent)))  # one video of a chosen scenario
    return path


def build_classifier(
    name: str, spec: PathSpec, seed: int = 0, checkpoint: str | Path | None = None
) -> FrameClassifier:
    """The model of ``name`` wrapped as ``spec`` asks.

    With ``checkpoint`` (a trained model whose input size equals ``spec.input_size``) its weights
    are used, so that agreement numbers mean something; otherwise a random initialisation (speed
    does not depend on the weights, but a random model's nearly constant output makes the sign
    correlation uninformative).
    """
    from ..models import create_model, load_checkpoint

    torch.manual_seed(seed)
    model = None
    if checkpoint is not None:
        trained = load_checkpoint(checkpoint)
        if trained.input_size == (spec.input_size or trained.input_size):
            model = trained
    if model is None:
        model = create_model(name, weights="random", input_size=spec.input_size)
    return FrameClassifier(
        model,
        batch_size=spec.batch_size,
        channels_last=spec.channels_last,
        quantize=spec.quantize,
        reorder=spec.reorder,
        bf16=False,
    )


def classification_fps(
    clf: FrameClassifier, crops: list[np.ndarray], budget_s: float = 5.0
) -> tuple[float, float]:
    """Face crops classified per second (preprocessing included): wall clock and CPU time.

    After one warm-up batch (oneDNN builds its kernels on the first call), batches of ``crops`` are
    classified, cycling through them, until ``budget_s`` seconds have passed (at least one batch).

    Returns
    -------
    (fps, cpu_fps)
        Crops per second of wall time, and per second of this process's CPU time (all threads).
        On a busy machine the first drops with the load; the second much less, so it estimates
        what a quiet machine would give per core in use.
    """
    clf.predict(crops[: clf.batch_size])
    n, t0, c0 = 0, time.perf_counter(), time.process_time()
    while True:
        for start in range(0, len(crops), clf.batch_size):
            batch = crops[start : start + clf.batch_size]
            clf.predict(batch)
            n += len(batch)
            if time.perf_counter() - t0 > budget_s:
                return n / (time.perf_counter() - t0), n / max(time.process_time() - c0, 1e-9)
        if time.perf_counter() - t0 > budget_s / 2:
            return n / (time.perf_counter() - t0), n / max(time.process_time() - c0, 1e-9)


def end_to_end(
    video: str | Path,
    clf: FrameClassifier,
    spec: PathSpec,
    fps: float = 30.0,
    budget_s: float | None = None,
    max_frames: int | None = None,
) -> dict:
    """Run the monitor on a video as ``spec`` says and time it.

    Stops after ``budget_s`` seconds (at a batch boundary) or ``max_frames`` frames.

    Returns
    -------
    dict
        ``fps`` (frames of video processed per second of wall time, decoding included), ``cpu_fps``
        (per second of this process's CPU time, all threads), ``frames``,
        ``probs`` (ndarray (frames,), NaN where no face or not classified), ``sign`` (ndarray
        (frames,), the finalized sign).
    """
    from ..faces import get_detector

    det = get_detector(max_side=spec.detect_side)
    mon = PainMonitor(
        clf,
        detector=det,
        fps=fps,
        detect_every=spec.detect_every,
        classify_every=spec.classify_every,
    )
    probs, signs = [], []
    latency = spec.batch_size / fps
    t0, c0 = time.perf_counter(), time.process_time()
    states = mon.run(
        video, max_latency_s=latency, max_frames=max_frames, prefetch_frames=spec.prefetch
    )
    for st in states:
        if st.frame == len(probs):
            probs.append(st.prob)
        signs.append(st.final)
        if (
            budget_s is not None
            and time.perf_counter() - t0 > budget_s
            and len(probs) % spec.batch_size == 0
        ):
            states.close()
            break
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    sign = np.concatenate(signs)[: len(probs)] if signs else np.empty(0)
    return {
        "fps": len(probs) / elapsed,
        "cpu_fps": len(probs) / max(cpu, 1e-9),
        "frames": len(probs),
        "probs": np.array(probs),
        "sign": sign,
    }


def stage_costs(
    video: str | Path,
    clf: FrameClassifier,
    detect_sides: tuple[int, ...] = (640, 480),
    n_frames: int = 60,
) -> pd.DataFrame:
    """CPU milliseconds per frame of each pipeline stage, measured one stage at a time.

    Process CPU time is far less sensitive than wall time to other programs sharing the machine,
    so ``1000 / total`` estimates the frames per second of one quiet core (with one torch thread).

    Returns
    -------
    DataFrame
        ``stage, cpu_ms`` for decode, detection at each side, crop, preprocess, forward (batched
        as ``clf``), and the sign update.
    """
    from ..faces import get_detector
    from ..inference import crop_for_model
    from ..video import iter_frames

    def cpu(fn, n):
        c0 = time.process_time()
        out = fn()
        return out, (time.process_time() - c0) * 1000 / n

    def first_frames():
        out = []
        for _, f in iter_frames(video):
            out.append(f)
            if len(out) == n_frames:
                break
        return out

    frames, ms = cpu(first_frames, n_frames)
    rows = [("decode", ms)]
    found = None
    for side in detect_sides:
        det = get_detector(max_side=side)
        det.detect(frames[0])
        res, ms = cpu(lambda det=det: [det.detect(f) for f in frames], len(frames))
        rows.append((f"detect@{side}", ms))
        found = found or res
    pairs = [(f, d[0]) for f, d in zip(frames, found) if d]
    crops, ms = cpu(lambda: [crop_for_model(f, d) for f, d in pairs], max(len(pairs), 1))
    rows.append(("crop 256", ms))
    clf.predict(crops[: clf.batch_size])
    xs, ms = cpu(
        lambda: [
            clf.model.preprocess(crops[i : i + clf.batch_size])
            for i in range(0, len(crops), clf.batch_size)
        ],
        len(crops),
    )
    rows.append((f"preprocess {clf.input_size}px", ms))
    _, ms = cpu(lambda: [clf.logits(x) for x in xs], len(crops))
    rows.append((f"forward {clf.name} batch {clf.batch_size}", ms))
    mon = PainMonitor(fps=30.0)
    rng = np.random.default_rng(0)
    probs = rng.random(3000)
    _, ms = cpu(lambda: [mon.update_prob(p) for p in probs], len(probs))
    rows.append(("sign update", ms))
    return pd.DataFrame(rows, columns=["stage", "cpu_ms"])


def face_crops(video: str | Path, n: int = 64, side: int = 640) -> list[np.ndarray]:
    """The first ``n`` face crops of a video (256 px, as the models see them)."""
    from ..faces import get_detector
    from ..inference import crop_for_model
    from ..video import iter_frames

    det = get_detector(max_side=side)
    crops = []
    for _, rgb in iter_frames(video):
        found = det.detect(rgb)
        if found:
            crops.append(crop_for_model(rgb, found[0]))
        if len(crops) == n:
            break
    return crops
