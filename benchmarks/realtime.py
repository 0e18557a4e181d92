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

``--bf16 auto`` (or ``on``) adds one measurement per model: classification with bf16 autocast
against exact float32 on the same face crops, with their agreement (largest |Δp|, from
``FrameClassifier.agreement``). ``auto`` measures it only where the CPU has native bf16 (AVX-512
BF16 / AMX) and says so otherwise; ``on`` forces it (emulated bf16 is slow: for comparison only).

Batch size per model. N-CNN classifies *fewer* crops per second in batches of 15 than one at a time
(issue 13: 334 vs 676 crops/s). It is not the batching code: N-CNN's first layers write
120×120×64 float maps (3.7 MB per crop) and its 10×10 max-pool reads them back, so a batch of 15
streams ~55 MB per layer through the cache, more than a 32 MB L3, and both the convolutions and the
pooling become memory-bound (measured with one thread, forward only, crops per CPU-second: batch 1
580, 2 625, 4 630, 8 514, 15 214, 32 210; the profiler shows both the oneDNN convolution and
max-pool ~2.2x slower per crop at batch 15). VGG-Face and ViT at 64 px are compute-bound and gain
from batches. Hence the default ``--batch ncnn=4,vggface=15,vit_b16=15``.

Usage::

    python benchmarks/realtime.py                       # all models, CPU-profile sizes 64 px
    python benchmarks/realtime.py --models ncnn --budget 5
    python benchmarks/realtime.py --sizes vggface=112,vit_b16=112 --classify-every vit_b16=4
    python benchmarks/realtime.py --classify-every ''          # classify every frame
    python benchmarks/realtime.py --models ncnn --bf16 auto     # + bf16 speed and agreement
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
    parser.add_argument(
        "--sizes",
        default="ncnn=120,vggface=64,vit_b16=64",
        help="input size of the exact/optimized paths per model",
    )
    parser.add_argument("--budget", type=float, default=8.0, help="seconds per end-to-end run")
    parser.add_argument("--ref-frames", type=int, default=300, help="frames of the exact reference")
    parser.add_argument(
        "--batch",
        default="ncnn=4,vggface=15,vit_b16=15",
        help="crops per forward pass of the exact/optimized paths, one number for all "
        "models or per model (N-CNN is cache-bound: see the module docstring; "
        "default: %(default)s)",
    )
    parser.add_argument(
        "--bf16",
        choices=("off", "auto", "on"),
        default="off",
        help="also measure bf16 autocast against float32 with its agreement: 'auto' "
        "only where bf16 is native, 'on' always (default: %(default)s)",
    )
    parser.add_argument("--detect-side", type=int, default=speed_defaults["detect_side"])
    parser.add_argument(
        "--detect-every",
        type=int,
        default=speed_defaults["detect_every"],
        help="detect on every k-th classified frame (default: %(default)s)",
    )
    parser.add_argument(
        "--quantize",
        default=",".join(speed_defaults["quantize"]),
        help="models with int8 linear layers (default: %(default)s)",
    )
    parser.add_argument(
        "--classify-every",
        default=",".join(f"{k}={v}" for k, v in speed_defaults["classify_every"].items()),
        help="optimized path: classify every n-th frame per model; '' for all "
        "(default: %(default)s)",
    )
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    parser.add_argument(
        "--stages",
        action="store_true",
        help="also measure CPU ms per frame of each stage (decode, detect, crop, ...)",
    )
    parser.add_argument(
        "--profile",
        default=None,
        help="use this profile's trained models (training/best_models.csv) for the "
        "exact and optimized paths, so that agreement is measured on real outputs",
    )
    args = parser.parse_args(argv)

    import torch

    from painsign_utils import speed

    if args.threads:
        torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        models = args.models.split(",")
        batches = (
            {m: int(args.batch) for m in models}
            if args.batch.strip().isdigit()
            else speed.per_model(args.batch)
        )
        paths = {}
        for name in models:
            paths.update(
                speed.default_paths(
                    speed.per_model(args.sizes),
                    models=[name],
                    batch_size=batches.get(name, 15),
                    detect_side=args.detect_side,
                    detect_every=args.detect_every,
                    quantize=tuple(filter(None, args.quantize.split(","))),
                    classify_every=speed.per_model(args.classify_every),
                )
            )
        if min(batches.values(), default=1) < 1:
            raise ValueError(f"--batch must be >= 1, got {args.batch!r}")
    except (ValueError, KeyError) as exc:
        parser.error(str(exc))
    video = speed.render_benchmark_video(args.video or args.out / "bench_irregular.mp4")
    print(
        f"video {video}; torch threads {torch.get_num_threads()}; cpu count {os.cpu_count()}; "
        f"load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    checkpoints = None
    if args.profile:
        from painsign_utils.storage import artifacts_dir, read_table, resolve_artifact

        best = read_table(
            artifacts_dir(args.profile, create=False) / "training" / "best_models.csv"
        )
        checkpoints = {
            m: resolve_artifact(c, args.profile) for m, c in zip(best["model"], best["checkpoint"])
        }
    df = speed.benchmark(
        video, paths, budget_s=args.budget, ref_frames=args.ref_frames, checkpoints=checkpoints
    )
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
            costs = speed.stage_costs(
                video,
                speed.build_classifier(name, opt),
                detect_sides=tuple(sorted({640, args.detect_side}, reverse=True)),
            )
            rows.append(costs.set_index("stage")["cpu_ms"].rename(f"{name} ({opt.input_size}px)"))
        stages = pd.concat(rows, axis=1)
        write_csv(stages.reset_index(), args.out / "realtime_stages.csv")
        with pd.option_context("display.width", 200, "display.precision", 2):
            print(
                f"\nCPU ms per frame of each stage ({torch.get_num_threads()} torch threads; "
                "the detector's ONNX runtime uses its own threads):"
            )
            print(stages.to_string())
    if args.bf16 != "off":
        bf16 = bf16_table(video, paths, args.bf16, budget_s=args.budget / 2)
        write_csv(bf16, args.out / "realtime_bf16.csv")
        with pd.option_context("display.width", 200, "display.precision", 4):
            print("\nbf16 autocast vs float32 (classification, same crops):")
            print(bf16.to_string(index=False))
    print(f"\nwrote {speed_csv}")
    return 0


def bf16_table(video: Path, paths: dict, mode: str, budget_s: float = 4.0) -> pd.DataFrame:
    """Crops per second in float32 and with bf16 autocast, and their agreement, per model.

    ``mode="auto"`` measures only where :func:`painsign_utils.runtime.bf16_supported` (native bf16);
    ``"on"`` always. The exact path of each model (batched, channels-last, no int8: bf16 and int8
    do not combine) is the float32 reference.
    """
    from painsign_utils import speed
    from painsign_utils.inference import FrameClassifier
    from painsign_utils.runtime import bf16_supported

    native = bf16_supported("cpu")
    crops = speed.face_crops(video, 64)
    rows = []
    for name, specs in paths.items():
        spec = [s for s in specs if s.label == "exact"][0]
        row = {
            "model": name,
            "input": spec.input_size,
            "batch": spec.batch_size,
            "native bf16": native,
        }
        if mode == "auto" and not native:
            print(
                f"{name}: bf16 not measured: this CPU has no native bf16 (AVX-512 BF16 / AMX); "
                "--bf16 on forces an emulated run",
                flush=True,
            )
            rows.append(row)
            continue
        ref = speed.build_classifier(name, spec)
        fast = FrameClassifier(
            ref.model,
            batch_size=spec.batch_size,
            channels_last=spec.channels_last,
            reorder=spec.reorder,
            bf16=True,
        )
        row["float32 crops/s"], _ = speed.classification_fps(ref, crops, budget_s=budget_s)
        row["bf16 crops/s"], _ = speed.classification_fps(fast, crops, budget_s=budget_s)
        row["speed-up"] = row["bf16 crops/s"] / row["float32 crops/s"]
        row["max |dp| vs float32"] = fast.agreement(crops)
        print(
            f"{name}: float32 {row['float32 crops/s']:.1f}/s, bf16 {row['bf16 crops/s']:.1f}/s "
            f"(x{row['speed-up']:.2f}); largest |dp| vs float32 {row['max |dp| vs float32']:.4f}"
            + ("" if native else " (emulated bf16)"),
            flush=True,
        )
        rows.append(row)
    return pd.DataFrame(rows)


if __name__ == "__main__":
    sys.exit(main())
