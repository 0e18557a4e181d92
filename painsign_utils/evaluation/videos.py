"""Per-frame probabilities of the test videos, cached per model and video (paper §2.5).

* :func:`run_video_inference` — every test video through each model's best checkpoint, via the
  project's one engine :func:`painsign_utils.inference.video_probabilities_by_model` (one task per
  video decodes it once for every model still to run; cached per model and video: a changed
  checkpoint, video or detections recomputes only what it affects).
* :func:`cached_runs` — the same run table rebuilt from the cache (later chapters).
* :func:`label_to_int` — ``"pain"`` / ``"nopain"`` to 1 / 0.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ..storage import atomic_path, find_artifact
from ..tasks import TaskRunner


def label_to_int(labels: Iterable) -> np.ndarray:
    """``"pain"`` → 1, ``"nopain"`` → 0 (ints 0/1 pass through); anything else is a DataError."""
    out = []
    for v in labels:
        if v in ("pain", 1, True):
            out.append(1)
        elif v in ("nopain", "no pain", 0, False):
            out.append(0)
        else:
            raise DataError(f"unknown video label {v!r}; expected 'pain' or 'nopain'")
    return np.array(out, dtype=int)


def run_video_inference(
    videos: pd.DataFrame,
    best_models: pd.DataFrame,
    cache_dir: str | Path,
    resolve: Callable[[str], Path] = Path,
    loader: Callable | None = None,
    engine: Callable | None = None,
    progress: bool = True,
    tasks: TaskRunner | None = None,
) -> pd.DataFrame:
    """Per-frame probabilities of every video with every model's best checkpoint, cached per video.

    Parameters
    ----------
    videos : DataFrame
        Video manifest with columns ``path, detections`` (paths), one row per video, and optionally
        ``rotate`` (degrees clockwise the frames were turned before detection; passed to the engine).
    best_models : DataFrame
        ``training/best_models.csv``: ``model, checkpoint, threshold``.
    cache_dir : path
        Probabilities go to ``cache_dir/<model>/<video stem>.csv`` (reused when present).
    resolve : callable
        Maps a manifest path to a file (e.g. joins it with the data folder).
    loader, engine : callable, optional
        Defaults :func:`painsign_utils.models.load_checkpoint` and
        :func:`painsign_utils.inference.video_probabilities_by_model` (replaceable in tests).
    tasks : TaskRunner, optional
        Each video with a model still to compute is one task, which decodes the video once for
        all those models; default: this process.

    Returns
    -------
    DataFrame
        One row per (model, video): ``model, video, probs`` (path of the cached CSV with columns
        ``frame, time, prob``) and ``seconds`` (wall time of the inference; NaN when cached).
    """
    if loader is None:
        from ..models import load_checkpoint as loader
    if engine is None:
        from ..inference import video_probabilities_by_model as engine
    from ..video import rotation

    for col in ("path", "detections"):
        if col not in videos.columns:
            raise DataError(f"video manifest lacks the {col!r} column")
    from ..models import checkpoint_fingerprint
    from ..storage import reset_if_changed

    tasks = tasks or TaskRunner(None)
    checkpoints = {}
    for best in best_models.itertuples():
        # Probabilities cached with another checkpoint (an earlier training run) are not reused.
        ckpt = find_artifact(best.checkpoint) if resolve is Path else resolve(best.checkpoint)
        stamp = {"checkpoint": checkpoint_fingerprint(ckpt)}
        reset_if_changed(Path(cache_dir) / best.model, stamp, f"{best.model} probabilities")
        checkpoints[best.model] = (str(ckpt), stamp["checkpoint"])
    rows: dict[tuple[str, int], dict] = {}  # (model, position in the manifest) → its row
    futures, busy = [], set()
    for pos, video in enumerate(videos.itertuples()):
        stem = Path(video.path).stem
        # Each video's probabilities carry what they were computed from (the video file and
        # its detections): a replaced video or other detections recompute, the rest is reused.
        rot = rotation(getattr(video, "rotate", 0))
        key = _input_key(resolve(video.path), resolve(video.detections)) + (
            f"-rot{rot}" if rot else ""
        )
        todo = []
        for model, (ckpt, fingerprint) in checkpoints.items():
            cache = Path(cache_dir) / model / f"{stem}.csv"
            keyfile = cache.with_suffix(".key")
            if cache.exists() and (not keyfile.exists() or keyfile.read_text() != key):
                print(
                    f"{model} probabilities of {stem}: recomputed (the video or its detections changed)"
                )
                cache.unlink()
            rows[model, pos] = {
                "model": model,
                "video": stem,
                "probs": str(cache),
                "seconds": np.nan,
            }
            if not cache.exists():
                todo.append((model, ckpt, fingerprint, cache))
                busy.add(model)
        if todo:
            args = (todo, resolve(video.path), resolve(video.detections), key, rot)
            futures.append((pos, tasks.submit(_infer_video, loader, engine, *args)))
    if futures:
        names = ", ".join(m for m in checkpoints if m in busy)
        seconds = tasks.gather([f for _, f in futures], f"inference {names}: videos", progress)
        for (pos, _), per_model in zip(futures, seconds):
            for model, secs in per_model.items():
                rows[model, pos]["seconds"] = secs
    table = [rows[m, p] for m in checkpoints for p in range(len(videos))]  # models, then videos
    return pd.DataFrame(table, columns=["model", "video", "probs", "seconds"])


@functools.lru_cache(maxsize=3)
def _model_for(loader: Callable, checkpoint: str, fingerprint: str):
    """A loaded checkpoint, kept while a process works through its videos (``fingerprint`` keys it)."""
    return loader(Path(checkpoint))


def _infer_video(
    loader: Callable,
    engine: Callable,
    models: list[tuple[str, str, str, Path]],
    video: Path,
    detections: Path,
    key: str,
    rot: int,
) -> dict[str, float]:
    """One video's task: each ``(model, checkpoint, fingerprint, cache)`` on one decoding → seconds."""
    loaded = {m: _model_for(loader, ckpt, fp) for m, ckpt, fp, _ in models}
    caches = {m: cache for m, _, _, cache in models}
    dets = pd.read_csv(detections)
    start = time.perf_counter()
    # frames rotated as for the detections (the manifest's ``rotate``, iCOPEvid 90)
    tables = engine(
        video, loaded, dets, caches=caches, progress=False, **({"rotate": rot} if rot else {})
    )
    # engines that do not time each model: an equal share of the whole
    share = (time.perf_counter() - start) / len(models)
    for cache in caches.values():
        with atomic_path(cache.with_suffix(".key")) as tmp:
            tmp.write_text(key)
    return {m: float(tables[m].attrs.get("seconds", share)) for m in caches}


def _input_key(video: Path, detections: Path) -> str:
    """Digest of a video file's identity (path, size, mtime) and of its detections' content."""
    from ..storage import file_key

    h = hashlib.sha1(
        json.dumps(file_key(video) if video.exists() else str(video), sort_keys=True).encode()
    )
    h.update(detections.read_bytes() if detections.exists() else b"")
    return h.hexdigest()[:16]


def cached_runs(cache_dir: str | Path, summary: pd.DataFrame) -> pd.DataFrame:
    """The ``model, video, probs`` table of :func:`run_video_inference` rebuilt from its cache."""
    pairs = summary[["model", "video"]].drop_duplicates()
    paths = [str(Path(cache_dir) / m / f"{v}.csv") for m, v in pairs.itertuples(index=False)]
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise DataError(
            f"{len(missing)} cached probability files are missing (e.g. {missing[0]}); "
            "run chapter 3 first"
        )
    return pairs.assign(probs=paths).reset_index(drop=True)
