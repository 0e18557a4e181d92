"""``painsign video FILE``: the pain sign of one video, from the command line.

Owns the ``video`` subcommand: it runs :class:`painsign_utils.monitor.PainMonitor` over a video file
with a trained model and writes the per-frame CSV, the sign plot and a one-line summary (mean
probability, prediction, entropy, crossings, sign type). ``painsign_utils.cli`` registers it through
:func:`add_video_parser`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError, ModelError


def add_video_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``video`` subcommand to ``painsign``'s subparsers."""
    p = subparsers.add_parser(
        "video", help="pain sign of a video: per-frame CSV, sign plot, one-line summary",
        description="Run the real-time monitor over a video file with a trained model.",
    )
    p.add_argument("file", type=Path, help="video file (any format OpenCV reads)")
    p.add_argument("--model", default="ncnn", choices=("ncnn", "vggface", "vit_b16"),
                   help="architecture (default: %(default)s)")
    p.add_argument("--weights", type=Path, default=None,
                   help="checkpoint (.pt) from training; default: the best fold of --profile")
    p.add_argument("--profile", default="demo",
                   help="where to look for the trained model when --weights is not given")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: beside FILE)")
    p.add_argument("--threshold", type=float, default=None,
                   help="classification threshold (default: the checkpoint's Youden threshold)")
    p.add_argument("--batch", type=int, default=15, help="frames per forward pass (default: %(default)s)")
    p.add_argument("--classify-every", type=int, default=1,
                   help="classify every k-th frame; the sign averages the classified ones "
                        "(default: 1, exact; 3 keeps N-CNN above 200 fps on 2 CPU cores, see chapter 08)")
    p.add_argument("--detect-every", type=int, default=1,
                   help="run the face detector on every k-th classified frame, holding the box between "
                        "(default: 1, exact)")
    p.add_argument("--detect-side", type=int, default=640,
                   help="longer side of the frame the detector sees (default: %(default)s)")
    p.add_argument("--alert-delta", type=float, default=0.3, help="surge/drop size (default: %(default)s)")
    p.add_argument("--alert-seconds", type=float, default=2.0, help="surge/drop within (default: %(default)s s)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=video_command)
    return p


def resolve_checkpoint(model: str, weights: Path | None, profile: str) -> Path:
    """The checkpoint to use: ``weights`` if given, else the best fold of ``profile`` for ``model``."""
    if weights is not None:
        if not Path(weights).is_file():
            raise ModelError(f"checkpoint not found: {weights}")
        return Path(weights)
    from .storage import artifacts_dir

    table = artifacts_dir(profile) / "training" / "best_models.csv"
    if table.exists():
        best = pd.read_csv(table)
        row = best[best["model"] == model]
        if len(row) and Path(row["checkpoint"].iloc[0]).is_file():
            return Path(row["checkpoint"].iloc[0])
    raise ModelError(
        f"no trained {model} model: pass --weights CHECKPOINT, or train it first "
        f"(notebook 02_training, profile {profile!r}, writes {table})"
    )


def video_command(args: argparse.Namespace) -> int:
    """Run the monitor on ``args.file`` and write ``<stem>_<model>_frames.csv``, ``_sign.png``, ``_summary.json``."""
    from .figures import save
    from .figures.monitor import plot_monitor
    from .inference import FrameClassifier
    from .models import load_checkpoint
    from .monitor import PainMonitor
    from .sign import shannon_entropy, threshold_crossings
    from .storage import write_csv, write_json
    from .video import video_info

    path = Path(args.file)
    info = video_info(path)  # DataError with one line if missing or unreadable
    ckpt = resolve_checkpoint(args.model, args.weights, args.profile)
    model = load_checkpoint(ckpt)
    if model.name != args.model:
        raise ModelError(f"{ckpt} holds a {model.name} model, not {args.model}")
    threshold = args.threshold if args.threshold is not None else model.threshold
    if threshold is None:
        raise ModelError(f"{ckpt} has no threshold; pass --threshold")
    out = Path(args.out) if args.out else path.parent
    stem = f"{path.stem}_{args.model}"
    clf = FrameClassifier(model, batch_size=args.batch)
    mon = PainMonitor(clf, fps=info.fps, threshold=float(threshold), detect_every=args.detect_every,
                      classify_every=args.classify_every, detect_side=args.detect_side,
                      alert_delta=args.alert_delta, alert_seconds=args.alert_seconds,
                      history_s=max(info.duration, 1.0) + 1.0)
    probs, signs = [], []
    for st in mon.run(path, max_latency_s=args.batch / info.fps, progress=not args.quiet):
        if st.frame == len(probs):
            probs.append(st.prob)
        signs.append(st.final)
    if not probs or np.isnan(probs).all():
        raise DataError(f"no face found in any frame of {path}")
    sign = np.concatenate(signs)
    index = np.arange(len(probs))
    classified = index % args.classify_every == 0
    # Whether a face was seen is known only on the frames that were looked at.
    face = pd.array(np.where(classified, ~np.isnan(probs), False), dtype="boolean")
    face[~classified] = pd.NA
    frames = pd.DataFrame({"frame": index, "time": index / info.fps, "classified": classified,
                           "face": face, "prob": probs, "sign": sign})
    write_csv(frames, out / f"{stem}_frames.csv")
    mean = float(np.nanmean(probs))
    summary = {
        "video": str(path), "model": args.model, "checkpoint": str(ckpt), "threshold": float(threshold),
        "frames": len(probs), "frames_classified": int(classified.sum()),
        "frames_with_face": int(frames["face"].sum()),
        "mean_prob": mean, "prediction": "pain" if mean >= threshold else "nopain",
        "entropy": shannon_entropy(sign), "crossings": threshold_crossings(sign, threshold),
        "sign_type": mon.sign_type, "alerts": len(mon.alerts),
    }
    fig = plot_monitor(mon.history(), mon.alert_table(), threshold=float(threshold), model=args.model,
                       title=f"{path.name}: {summary['prediction']} ({args.model})")
    save(fig, out / f"{stem}_sign.png")
    write_json(summary, out / f"{stem}_summary.json")
    print(f"{path.name} [{args.model}] mean probability {mean:.3f} -> {summary['prediction']} "
          f"(threshold {threshold:.3f}); entropy {summary['entropy']:.2f} bits; "
          f"{summary['crossings']} crossings; sign type {summary['sign_type']}; "
          f"{summary['alerts']} alerts; outputs in {out}")
    return 0
