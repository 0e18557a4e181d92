"""Live real-time benchmark: the authors' scenarios on a 30-fps stream, with drops and latency.

Not a test: it takes minutes. A synthetic clip (20 s, 320x240 — the demo's video size — or
``--video``) is served as an MJPEG stream on 127.0.0.1 at ``--fps`` (the format of an IP camera),
and the monitor reads it as it reads any live source: through a queue of ``--queue`` frames that
drops the oldest frame when the model is slower than the camera (``painsign monitor URL``). For
every model and scenario — ``single`` (one model), ``mc_dropout`` (``--passes`` dropout samples per
frame; the head only where the model's dropout sits after its frozen backbone) and ``ensemble``
(the ``--folds`` fold models) — it reports the frames analysed and dropped, the sustained analysed
frames per second and the capture-to-sign latency (mean, p50, p95). These are the authors'
real-time scenarios (their later code: a 30-fps target, a queue of 4 dropping the oldest frame,
single / MC-dropout x 50 / ensemble x 10, latency mean / median / p95).

With ``--profile`` the trained checkpoints of that build are timed (the fold models for the
ensemble); otherwise randomly initialised ones (speed does not depend on the weights). Detection
follows ``--detect-every`` / ``--detect-side`` (default: the optimized path of chapter 08: the
detector on a 400-px frame every 10th frame, the box held between), and ``--classify-every k``
classifies every k-th frame only (the sign interpolated between, as ``painsign monitor`` does). Results go to
``OUT/live.csv``; the load average of each run is recorded, since other processes slow every
number down.

Usage::

    python benchmarks/live.py --profile demo
    python benchmarks/live.py --models ncnn --scenarios single,mc_dropout --passes 50
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pandas as pd


def load_models(name: str, profile: str | None, folds: int) -> tuple[list, float]:
    """The best model then the fold models of ``name`` (``folds`` of them) and its threshold."""
    import torch

    from painsign_utils.models import create_model, load_checkpoint
    from painsign_utils.registry import get_spec

    if profile:
        from painsign_utils.storage import artifacts_dir, read_table, resolve_artifact

        art = artifacts_dir(profile, create=False)
        best = read_table(art / "training" / "best_models.csv").set_index("model")
        first = load_checkpoint(resolve_artifact(best.loc[name, "checkpoint"], profile))
        paths = sorted((art / "training" / name).glob("fold*/best.pt"))[:folds]
        return [first, *[load_checkpoint(p) for p in paths]], float(first.threshold)
    spec = get_spec(name)
    size = spec.cpu_input_size or spec.input_size
    models = []
    for k in range(folds + 1):
        torch.manual_seed(k)
        models.append(create_model(name, weights="random", input_size=size).eval())
    return models, 0.5


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # FFmpeg's end-of-stream notes
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--video", type=Path, default=None, help="default: OUT/live_clip.mp4")
    parser.add_argument("--profile", default=None, help="time this build's trained models")
    parser.add_argument("--models", default="ncnn,vggface,vit_b16")
    parser.add_argument("--scenarios", default="single,mc_dropout,ensemble")
    parser.add_argument("--passes", type=int, default=10, help="MC-dropout samples (authors: 50)")
    parser.add_argument("--folds", type=int, default=5, help="ensemble size (authors: 10)")
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--queue", type=int, default=4)
    parser.add_argument("--batch", type=int, default=4, help="frames per forward pass at most")
    parser.add_argument("--detect-every", type=int, default=10)
    parser.add_argument("--detect-side", type=int, default=400)
    parser.add_argument(
        "--classify-every",
        type=int,
        default=1,
        help="classify every k-th frame, the sign interpolated between (chapter 08's fast path)",
    )
    args = parser.parse_args(argv)

    from painsign_utils.monitor.mjpeg import jpeg_frames
    from painsign_utils.speed import SCENARIOS, live_benchmark, render_benchmark_video
    from painsign_utils.storage import write_csv

    unknown = set(args.scenarios.split(",")) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s) {sorted(unknown)}; use {', '.join(SCENARIOS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    video = args.video or render_benchmark_video(
        args.out / "live_clip.mp4", seconds=args.seconds, fps=args.fps, size=(320, 240)
    )
    frames = jpeg_frames(video, max_frames=int(args.seconds * args.fps))
    print(f"stream: {video.name}, {len(frames)} frames at {args.fps:g} fps; cpu count "
          f"{os.cpu_count()}", flush=True)  # fmt: skip
    models = {name: load_models(name, args.profile, args.folds) for name in args.models.split(",")}
    table = live_benchmark(
        frames,
        models,
        args.scenarios.split(","),
        fps=args.fps,
        passes=args.passes,
        batch_size=args.batch,
        queue=args.queue,
        detect_every=args.detect_every,
        detect_side=args.detect_side,
        classify_every=args.classify_every,
    )
    table.insert(3, "classify every", args.classify_every)
    write_csv(table, args.out / "live.csv")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("\n" + table.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
