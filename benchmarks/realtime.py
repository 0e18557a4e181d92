"""Real-time benchmark: frames per second of each model, naive vs optimized, in one run.

Not a test: it takes minutes. It renders (once) a 20-s 640x480 30-fps synthetic clip, then for each
model measures classification alone and the whole pipeline (decode, detect, crop, classify, sign)

* ``naive``     — paper input size, float32, one frame at a time, detection on the full frame;
* ``exact``     — the CPU profile's input size, batched (bounded latency) and channels-last: the
                  exact reference for agreement;
* ``optimized`` — ``exact`` plus the accuracy-trading choices of ``speed.OPTIMIZED`` (detector on a
                  frame downscaled to 400 px, on every 10th classified frame with the box held
                  between, int8 linear layers for ViT, each model classifying every k-th frame),
                  with face agreement, max |Δp| and max |Δsign| / sign r against ``exact``.

Speed does not depend on the weights, so randomly initialised models are timed. Results go to
``--out`` as CSV and the side-by-side table is printed. Other processes on the machine slow every
number down: the table records the load average of each measurement.

Usage::

    python benchmarks/realtime.py                       # all models, CPU-profile sizes 64 px
    python benchmarks/realtime.py --models ncnn --budget 5
    python benchmarks/realtime.py --sizes vggface=112,vit_b16=112 --classify-every vit_b16=4
    python benchmarks/realtime.py --classify-every ''          # classify every frame
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    from painsign_utils.speed import OPTIMIZED as speed_defaults

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--video", type=Path, default=None, help="default: OUT/bench_irregular.mp4")
    parser.add_argument("--models", default="ncnn,vggface,vit_b16")
    parser.add_argument("--sizes", default="ncnn=120,vggface=64,vit_b16=64",
                        help="input size of the exact/optimized paths per model")
    parser.add_argument("--budget", type=float, default=8.0, help="seconds per end-to-end run")
    parser.add_argument("--ref-frames", type=int, default=300, help="frames of the exact reference")
    parser.add_argument("--batch", type=int, default=15, help="batch = max latency x fps")
    parser.add_argument("--detect-side", type=int, default=speed_defaults["detect_side"])
    parser.add_argument("--detect-every", type=int, default=speed_defaults["detect_every"],
                        help="detect on every k-th classified frame (default: %(default)s)")
    parser.add_argument("--quantize", default=",".join(speed_defaults["quantize"]),
                        help="models with int8 linear layers (default: %(default)s)")
    parser.add_argument("--classify-every",
                        default=",".join(f"{k}={v}" for k, v in speed_defaults["classify_every"].items()),
                        help="optimized path: classify every n-th frame per model; '' for all "
                             "(default: %(default)s)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    parser.add_argument("--stages", action="store_true",
                        help="also measure CPU ms per frame of each stage (decode, detect, crop, ...)")
    parser.add_argument("--profile", default=None,
                        help="use this profile's trained models (training/best_models.csv) for the "
                             "exact and optimized paths, so that agreement is measured on real outputs")
    args = parser.parse_args(argv)

    import torch

    from painsign_utils import speed

    if args.threads:
        torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        paths = speed.default_paths(
            speed.per_model(args.sizes), models=args.models.split(","), batch_size=args.batch,
            detect_side=args.detect_side, detect_every=args.detect_every,
            quantize=tuple(filter(None, args.quantize.split(","))),
            classify_every=speed.per_model(args.classify_every),
        )
    except ValueError as exc:
        parser.error(str(exc))
    video = speed.render_benchmark_video(args.video or args.out / "bench_irregular.mp4")
    print(f"video {video}; torch threads {torch.get_num_threads()}; cpu count {os.cpu_count()}; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    checkpoints = None
    if args.profile:
        from painsign_utils.storage import artifacts_dir

        best = pd.read_csv(artifacts_dir(args.profile) / "training" / "best_models.csv")
        checkpoints = dict(zip(best["model"], best["checkpoint"]))
    df = speed.benchmark(video, paths, budget_s=args.budget, ref_frames=args.ref_frames,
                         checkpoints=checkpoints)
    table = speed.speedup_table(df)
    speed_csv = args.out / "realtime.csv"
    from painsign_utils.storage import write_csv

    write_csv(df, speed_csv)
    write_csv(table, args.out / "realtime_summary.csv")
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.precision", 3):
        print("\nAll paths:")
        print(df.drop(columns=["settings"]).to_string(index=False))
        print("\nNaive vs optimized (frames per second):")
        print(table.drop(columns=["naive settings", "optimized settings"]).to_string(index=False))
        print("\nSettings:")
        print(table[["model", "naive settings", "optimized settings"]].to_string(index=False))
    if args.stages:
        rows = []
        for name, specs in paths.items():
            opt = [s for s in specs if s.label == "optimized"][0]
            costs = speed.stage_costs(video, speed.build_classifier(name, opt),
                                      detect_sides=tuple(sorted({640, args.detect_side}, reverse=True)))
            rows.append(costs.set_index("stage")["cpu_ms"].rename(f"{name} ({opt.input_size}px)"))
        stages = pd.concat(rows, axis=1)
        write_csv(stages.reset_index(), args.out / "realtime_stages.csv")
        with pd.option_context("display.width", 200, "display.precision", 2):
            print(f"\nCPU ms per frame of each stage ({torch.get_num_threads()} torch threads; "
                  "the detector's ONNX runtime uses its own threads):")
            print(stages.to_string())
    print(f"\nwrote {speed_csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
