"""Measured speed of the monitor pipeline, and what each speed-up costs in accuracy.

Owns the measurement behind ``benchmarks/realtime.py`` and notebook 08's table: frames per second of
classification alone and of the whole pipeline (decode, detect, crop, classify, sign) for a *path* —
a set of choices such as batch size, channels-last layout, int8 linear layers, detector input side,
detecting every k-th frame, classifying every k-th frame — and the agreement of a path's per-frame
probabilities and sign with the exact float32 path at the same input size (max |Δp|, face-found
agreement, Pearson r of the signs). Nothing here claims a speed it did not just measure.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .inference import FrameClassifier
from .monitor import PainMonitor
from .registry import get_spec, list_models
from .sign import pain_sign

#: Below this standard deviation the exact sign counts as flat and its correlation is not reported.
FLAT_SIGN_SD = 0.01
#: The optimized path's accuracy-trading choices, chosen on this project's 2-core CPU so that every
#: model keeps up with a 30-fps camera (N-CNN at 200 fps): the detector sees the frame at 400 px
#: (at 320 px RetinaFace loses most 640x480 synthetic faces) on every 10th classified frame, and
#: each model classifies every k-th frame (k = 3: 10 probabilities a second, 10 of the 30 in each
#: 1-s sign window). Notebook 08 and ``benchmarks/realtime.py`` measure what they cost.
OPTIMIZED = {"detect_side": 400, "detect_every": 10,
             "classify_every": {"ncnn": 3, "vggface": 2, "vit_b16": 2}, "quantize": ("vit_b16",)}


@dataclass(frozen=True)
class PathSpec:
    """One way of running the pipeline.

    ``exact`` paths (batching, channels-last) change probabilities only by float rounding; the others
    (``quantize``, ``detect_side`` below the frame size, ``detect_every`` > 1, ``classify_every`` > 1)
    trade accuracy for speed.
    """

    label: str
    input_size: int | None = None
    batch_size: int = 1
    channels_last: bool = False
    quantize: bool = False
    detect_side: int = 640
    detect_every: int = 1
    classify_every: int = 1
    reorder: bool = False
    prefetch: int = 0

    def describe(self) -> str:
        """Short text of the choices, for tables."""
        parts = [f"{self.input_size}px", f"batch {self.batch_size}"]
        if self.channels_last:
            parts.append("channels-last")
        if self.reorder:
            parts.append("pool before activation")
        if self.prefetch:
            parts.append("decode ahead")
        if self.quantize:
            parts.append("int8 linear")
        parts.append(f"detect@{self.detect_side}px" + (f" every {self.detect_every}" if self.detect_every > 1 else ""))
        if self.classify_every > 1:
            parts.append(f"classify every {self.classify_every}")
        return ", ".join(parts)


def per_model(text: str) -> dict[str, int]:
    """Parse ``"ncnn:3,vggface:2"`` (or ``=`` instead of ``:``) into ``{"ncnn": 3, "vggface": 2}``.

    papermill cannot read a parameter string containing ``=``, so notebooks use ``:``.
    """
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.replace("=", ":").partition(":")
        if not sep or not value.strip().isdigit():
            raise ValueError(f"expected model:number, got {part!r} in {text!r}")
        out[key.strip()] = int(value)
    return out


def naive_path(name: str) -> PathSpec:
    """The plain path: paper input size, float32, one frame at a time, full-frame detection."""
    return PathSpec("naive", input_size=get_spec(name).input_size)


def render_benchmark_video(path: str | Path, seconds: float = 20.0, fps: float = 30.0,
                           size: tuple[int, int] = (640, 480), seed: int = 0,
                           scenario: str = "irregular") -> Path:
    """A synthetic 640x480 30-fps clip (hands over the face, a blanket, sudden changes); reused if present."""
    from . import synthetic as sy

    path = Path(path)
    if path.exists():
        return path
    cfg = sy.SynthConfig(seed=seed, video_size=tuple(size), video_seconds=seconds, video_fps=fps)
    rec = dict(video_id=path.stem, subject="B000", subject_index=0, label="pain", scenario=scenario)
    sy._video_job((cfg, rec, str(path.parent)))  # one video of a chosen scenario
    return path


def build_classifier(name: str, spec: PathSpec, seed: int = 0,
                     checkpoint: str | Path | None = None) -> FrameClassifier:
    """The model of ``name`` wrapped as ``spec`` asks.

    With ``checkpoint`` (a trained model whose input size equals ``spec.input_size``) its weights
    are used, so that agreement numbers mean something; otherwise a random initialisation (speed
    does not depend on the weights, but a random model's nearly constant output makes the sign
    correlation uninformative).
    """
    from .models import create_model, load_checkpoint

    torch.manual_seed(seed)
    model = None
    if checkpoint is not None:
        trained = load_checkpoint(checkpoint)
        if trained.input_size == (spec.input_size or trained.input_size):
            model = trained
    if model is None:
        model = create_model(name, weights="random", input_size=spec.input_size)
    return FrameClassifier(model, batch_size=spec.batch_size, channels_last=spec.channels_last,
                           quantize=spec.quantize, reorder=spec.reorder, bf16=False)


def classification_fps(clf: FrameClassifier, crops: list[np.ndarray], budget_s: float = 5.0) -> tuple[float, float]:
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


def end_to_end(video: str | Path, clf: FrameClassifier, spec: PathSpec, fps: float = 30.0,
               budget_s: float | None = None, max_frames: int | None = None) -> dict:
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
    from .faces import get_detector

    det = get_detector(max_side=spec.detect_side)
    mon = PainMonitor(clf, detector=det, fps=fps, detect_every=spec.detect_every,
                      classify_every=spec.classify_every)
    probs, signs = [], []
    latency = spec.batch_size / fps
    t0, c0 = time.perf_counter(), time.process_time()
    states = mon.run(video, max_latency_s=latency, max_frames=max_frames, prefetch_frames=spec.prefetch)
    for st in states:
        if st.frame == len(probs):
            probs.append(st.prob)
        signs.append(st.final)
        if budget_s is not None and time.perf_counter() - t0 > budget_s and len(probs) % spec.batch_size == 0:
            states.close()
            break
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    sign = np.concatenate(signs)[: len(probs)] if signs else np.empty(0)
    return {"fps": len(probs) / elapsed, "cpu_fps": len(probs) / max(cpu, 1e-9), "frames": len(probs),
            "probs": np.array(probs), "sign": sign}


def stage_costs(video: str | Path, clf: FrameClassifier, detect_sides: tuple[int, ...] = (640, 480),
                n_frames: int = 60) -> pd.DataFrame:
    """CPU milliseconds per frame of each pipeline stage, measured one stage at a time.

    Process CPU time is far less sensitive than wall time to other programs sharing the machine,
    so ``1000 / total`` estimates the frames per second of one quiet core (with one torch thread).

    Returns
    -------
    DataFrame
        ``stage, cpu_ms`` for decode, detection at each side, crop, preprocess, forward (batched
        as ``clf``), and the sign update.
    """
    from .faces import get_detector
    from .inference import crop_for_model
    from .video import iter_frames

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
    xs, ms = cpu(lambda: [clf.model.preprocess(crops[i : i + clf.batch_size])
                          for i in range(0, len(crops), clf.batch_size)], len(crops))
    rows.append((f"preprocess {clf.input_size}px", ms))
    _, ms = cpu(lambda: [clf.logits(x) for x in xs], len(crops))
    rows.append((f"forward {clf.name} batch {clf.batch_size}", ms))
    mon = PainMonitor(fps=30.0)
    rng = np.random.default_rng(0)
    probs = rng.random(3000)
    _, ms = cpu(lambda: [mon.update_prob(p) for p in probs], len(probs))
    rows.append(("sign update", ms))
    return pd.DataFrame(rows, columns=["stage", "cpu_ms"])


def agreement(ref_probs: np.ndarray, probs: np.ndarray, window: int = 30,
              classify_every: int = 1) -> dict:
    """How far a path's output is from the exact one on their common frames.

    Returns
    -------
    dict
        ``max_dp`` (max |Δp| over frames where both classified a face), ``face_agree`` (fraction of
        the frames the path classified on which both agree whether a face is there), ``sign_r``
        (Pearson r of the two signs; NaN when the exact sign is flat, sd < :data:`FLAT_SIGN_SD`),
        ``sign_max_d`` (max |Δ sign|), ``frames``.
    """
    n = min(len(ref_probs), len(probs))
    a, b = np.asarray(ref_probs[:n], float), np.asarray(probs[:n], float)
    both = ~np.isnan(a) & ~np.isnan(b)
    looked = np.arange(n) % classify_every == 0
    out = {"frames": n, "max_dp": float(np.abs(a[both] - b[both]).max()) if both.any() else np.nan}
    out["face_agree"] = float(np.mean(np.isnan(a[looked]) == np.isnan(b[looked]))) if n else np.nan
    if np.isnan(a).all() or np.isnan(b).all():
        out.update(sign_r=np.nan, sign_max_d=np.nan)
        return out
    sa, sb = pain_sign(a, window), pain_sign(b, window)
    out["sign_max_d"] = float(np.abs(sa - sb).max())
    # A sign that barely moves (sd < 0.01, e.g. an untrained model) makes r meaningless noise.
    moving = sa.std() >= FLAT_SIGN_SD and sb.std() > 0
    out["sign_r"] = float(np.corrcoef(sa, sb)[0, 1]) if moving else np.nan
    return out


def face_crops(video: str | Path, n: int = 64, side: int = 640) -> list[np.ndarray]:
    """The first ``n`` face crops of a video (256 px, as the models see them)."""
    from .faces import get_detector
    from .inference import crop_for_model
    from .video import iter_frames

    det = get_detector(max_side=side)
    crops = []
    for _, rgb in iter_frames(video):
        found = det.detect(rgb)
        if found:
            crops.append(crop_for_model(rgb, found[0]))
        if len(crops) == n:
            break
    return crops


def benchmark(video: str | Path, paths: dict[str, list[PathSpec]], budget_s: float = 10.0,
              ref_frames: int | None = None, n_crops: int = 64, progress: bool = True,
              checkpoints: dict[str, str | Path] | None = None) -> pd.DataFrame:
    """Measure every path of every model on one video.

    Parameters
    ----------
    video : path
        The benchmark clip (:func:`render_benchmark_video`).
    paths : dict
        Model name -> list of paths. A path labelled ``"exact"`` is the reference: its per-frame
        probabilities (over ``ref_frames`` frames, default the whole clip) are compared with those of
        every other path of the same model and input size.
    budget_s : float
        Wall-time budget of each end-to-end run (the naive paths of heavy models see fewer frames).
    checkpoints : dict, optional
        Model name -> trained checkpoint, used by the paths whose input size matches it (column
        ``weights``); the others run a random initialisation.

    Returns
    -------
    DataFrame
        One row per (model, path): ``model, path, settings, weights, exact, classify_fps, e2e_fps,
        frames, classify_cpu_fps, e2e_cpu_fps`` (per CPU-second, see :func:`classification_fps`)
        and, against the exact path at the same input size, ``max_dp, face_agree, sign_r,
        sign_max_d``; plus ``load`` (the 1-min load average when measured: other processes on the
        machine slow every number down).
    """
    from .video import video_info

    info = video_info(video)
    crops = face_crops(video, n_crops)
    rows = []
    for name, specs in paths.items():
        refs: dict[int | None, np.ndarray] = {}
        ordered = sorted(specs, key=lambda s: s.label != "exact")  # references first
        for spec in ordered:
            clf = build_classifier(name, spec, checkpoint=(checkpoints or {}).get(name))
            cls_fps, cls_cpu = classification_fps(clf, crops, budget_s=budget_s / 2)
            is_ref = spec.label == "exact"
            run = end_to_end(video, clf, spec, fps=info.fps,
                             budget_s=None if is_ref else budget_s,
                             max_frames=ref_frames if is_ref else None)
            if is_ref:
                refs[spec.input_size] = run["probs"]
            row = {"model": name, "path": spec.label, "settings": spec.describe(),
                   "weights": "trained" if clf.model.threshold is not None else "random init",
                   "exact": not (spec.quantize or spec.detect_side < max(info.width, info.height)
                                 or spec.detect_every > 1 or spec.classify_every > 1),
                   "classify_fps": cls_fps, "e2e_fps": run["fps"], "frames": run["frames"],
                   "classify_cpu_fps": cls_cpu, "e2e_cpu_fps": run["cpu_fps"],
                   "load": os.getloadavg()[0]}
            ref = refs.get(spec.input_size)
            if ref is not None and not is_ref:
                row.update(agreement(ref, run["probs"], window=int(round(info.fps)),
                                     classify_every=spec.classify_every))
            rows.append(row)
            if progress:
                print(f"{name:8s} {spec.label:10s} classify {cls_fps:7.1f}/s  end-to-end {run['fps']:7.1f} fps"
                      f"  ({run['frames']} frames; {spec.describe()})", flush=True)
    return pd.DataFrame(rows)


def speedup_table(df: pd.DataFrame) -> pd.DataFrame:
    """Naive and optimized figures side by side per model, with their ratio."""
    out = []
    for name, g in df.groupby("model", sort=False):
        naive = g[g["path"] == "naive"].iloc[0]
        opt = g[g["path"] == "optimized"].iloc[0]
        out.append({
            "model": name,
            "naive settings": naive["settings"], "optimized settings": opt["settings"],
            "classify naive": naive["classify_fps"], "classify optimized": opt["classify_fps"],
            "classify ratio": opt["classify_fps"] / naive["classify_fps"],
            "e2e naive": naive["e2e_fps"], "e2e optimized": opt["e2e_fps"],
            "e2e ratio": opt["e2e_fps"] / naive["e2e_fps"],
            "e2e naive per CPU-s": naive["e2e_cpu_fps"], "e2e optimized per CPU-s": opt["e2e_cpu_fps"],
            "faces agree vs exact": opt.get("face_agree", np.nan),
            "max |dp| vs exact": opt.get("max_dp", np.nan),
            "max |d sign| vs exact": opt.get("sign_max_d", np.nan),
            "sign r vs exact": opt.get("sign_r", np.nan),
        })
    return pd.DataFrame(out)


def default_paths(sizes: dict[str, int], models: list[str] | None = None, batch_size: int = 15,
                  detect_side: int = OPTIMIZED["detect_side"],
                  detect_every: int = OPTIMIZED["detect_every"],
                  quantize: tuple[str, ...] = OPTIMIZED["quantize"],
                  classify_every: dict[str, int] | None = None) -> dict[str, list[PathSpec]]:
    """Naive, exact (batched, channels-last) and optimized paths of each model.

    ``sizes`` gives the input size of the exact and optimized paths (the CPU profile's); the naive
    path uses the paper's. ``classify_every`` defaults to ``OPTIMIZED["classify_every"]``; pass
    ``{}`` to classify every frame.
    """
    classify_every = OPTIMIZED["classify_every"] if classify_every is None else classify_every
    out = {}
    for name in models or list_models():
        size = sizes.get(name, get_spec(name).input_size)
        exact = PathSpec("exact", input_size=size, batch_size=batch_size, channels_last=True,
                         reorder=True, prefetch=2 * batch_size)
        opt = replace(exact, label="optimized", quantize=name in quantize, detect_side=detect_side,
                      detect_every=detect_every, classify_every=classify_every.get(name, 1))
        out[name] = [naive_path(name), exact, opt]
    return out


def spec_table(paths: dict[str, list[PathSpec]]) -> pd.DataFrame:
    """The paths as a table (for the record)."""
    return pd.DataFrame([{"model": m, **asdict(s)} for m, specs in paths.items() for s in specs])
