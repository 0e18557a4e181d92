"""``painsign video FILE``: the pain sign of one video, from the command line.

Owns the ``video`` subcommand: it runs :class:`painsign_utils.monitor.PainMonitor` over a video file
with a trained model and writes the per-frame CSV, the sign plot and a one-line summary (mean
probability, prediction, entropy, crossings, sign type). :mod:`painsign_utils.cli.main` registers
it through :func:`register`.

Everything that can be checked is checked before the first frame is decoded: the options' ranges,
that ``--out`` is a writable folder, the checkpoint and its threshold. A damaged video whose frames
run out before the container's count stops with ``read N of M frames from FILE`` unless
``--allow-partial`` (then the summary records ``frames_expected`` and ``frames_read``). ``--fast``
turns bf16 autocast on where the CPU or GPU has native bf16 and prints its agreement with float32.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError, ModelError

#: Crops used to measure ``--fast``'s agreement with float32.
AGREEMENT_SAMPLE = 64


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``video`` subcommand to ``painsign``'s subparsers."""
    p = subparsers.add_parser(
        "video",
        help="pain sign of a video: per-frame CSV, sign plot, one-line summary",
        description="Run the real-time monitor over a video file with a trained model.",
    )
    from ..registry import get_spec, list_models
    from .args import bounded_int, fraction, positive_float, probability, profile_name

    p.add_argument("file", type=Path, help="video file (any format OpenCV reads)")
    p.add_argument(
        "--model", default="ncnn", choices=list_models(), help="architecture (default: %(default)s)"
    )
    p.add_argument(
        "--weights",
        type=Path,
        default=None,
        help="checkpoint (.pt) from training; default: the best fold of --profile",
    )
    p.add_argument(
        "--profile",
        type=profile_name,
        default="demo",
        help="profile name whose trained model is used when --weights is not given "
        "(default: %(default)s)",
    )
    p.add_argument("--out", type=Path, default=None, help="output folder (default: beside FILE)")
    p.add_argument(
        "--threshold",
        type=probability,
        default=None,
        help="classification threshold in (0, 1) (default: the checkpoint's Youden threshold)",
    )
    p.add_argument(
        "--batch",
        type=bounded_int(1, 4096),
        default=None,
        help="frames per forward pass (default: the model's, "
        + ", ".join(f"{m} {get_spec(m).video_batch}" for m in list_models())
        + ")",
    )
    p.add_argument(
        "--classify-every",
        type=bounded_int(1, 10_000),
        default=1,
        help="classify every k-th frame; the sign averages the classified ones "
        "(default: 1, exact; 3 keeps N-CNN above 200 fps on 2 CPU cores, see chapter 08)",
    )
    p.add_argument(
        "--detect-every",
        type=bounded_int(1, 10_000),
        default=1,
        help="run the face detector on every k-th classified frame, holding the box between "
        "(default: 1, exact)",
    )
    p.add_argument(
        "--detect-side",
        type=bounded_int(32, 8192),
        default=640,
        help="longer side of the frame the detector sees (default: %(default)s)",
    )
    p.add_argument(
        "--alert-delta", type=fraction, default=0.3, help="surge/drop size (default: %(default)s)"
    )
    p.add_argument(
        "--alert-seconds",
        type=positive_float,
        default=2.0,
        help="surge/drop within (default: %(default)s s)",
    )
    p.add_argument(
        "--allow-partial",
        action="store_true",
        help="score a damaged video whose frames end before its announced count "
        "(warns; the summary records frames_expected and frames_read)",
    )
    p.add_argument(
        "--fast",
        action="store_true",
        help="bf16 autocast where the hardware has native bf16 (prints its agreement "
        "with float32; exact float32 elsewhere)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=video_command)
    return p


def resolve_checkpoint(model: str, weights: Path | None, profile: str) -> Path:
    """The checkpoint to use: ``weights`` if given, else the best fold of ``profile`` for ``model``.

    The profile's artifacts are found from any current folder (:func:`storage.artifacts_root`),
    and nothing is created while looking.
    """
    if weights is not None:
        if not Path(weights).is_file():
            raise ModelError(f"checkpoint not found: {weights}")
        return Path(weights)
    from ..storage import artifacts_dir, read_table, resolve_artifact

    table = artifacts_dir(profile, create=False) / "training" / "best_models.csv"
    if table.is_file():
        best = read_table(table)
        row = best[best["model"] == model]
        if len(row):
            ckpt = resolve_artifact(row["checkpoint"].iloc[0], profile)
            if ckpt.is_file():
                return ckpt
    raise ModelError(
        f"no trained {model} model: pass --weights CHECKPOINT, or train it first "
        f"(notebook 02_training, profile {profile!r}, writes {table})"
    )


def _checked_threshold(value: object, ckpt: Path) -> float:
    """The checkpoint's threshold as a number in (0, 1), or :class:`ModelError`."""
    if value is None:
        raise ModelError(f"{ckpt} has no threshold; pass --threshold")
    try:
        t = float(value)
    except (TypeError, ValueError):
        raise ModelError(
            f"{ckpt} has a threshold {value!r} that is not a number; pass --threshold"
        ) from None
    if not 0 < t < 1:
        raise ModelError(f"{ckpt} has a threshold {t!r} outside (0, 1); pass --threshold")
    return t


def video_command(args: argparse.Namespace) -> int:
    """Run the monitor on ``args.file`` and write ``<stem>_<model>_frames.csv``, ``_sign.png``, ``_summary.json``."""
    from ..figures import save
    from ..figures.monitor import plot_monitor
    from ..inference import FrameClassifier
    from ..models import load_checkpoint
    from ..monitor import PainMonitor
    from ..registry import get_spec
    from ..sign import shannon_entropy, threshold_crossings
    from ..storage import write_csv, write_json
    from ..video import iter_frames, video_info
    from .args import output_folder

    path = Path(args.file)
    out = Path(args.out) if args.out else path.parent
    try:
        output_folder(out, "--out" if args.out else "the video's folder")
    except ConfigError as exc:
        raise ConfigError(f"{exc}; pass --out FOLDER" if not args.out else str(exc)) from None
    info = video_info(path)  # DataError with one line if missing or unreadable
    ckpt = resolve_checkpoint(args.model, args.weights, args.profile)
    model = load_checkpoint(ckpt)
    if model.name != args.model:
        raise ModelError(f"{ckpt} holds a {model.name} model, not {args.model}")
    threshold = (
        args.threshold if args.threshold is not None else _checked_threshold(model.threshold, ckpt)
    )
    stem = f"{path.stem}_{args.model}"
    batch = args.batch or get_spec(args.model).video_batch
    clf = FrameClassifier(model, batch_size=batch, bf16="auto" if args.fast else False)
    try:
        mon = PainMonitor(
            clf,
            fps=info.fps,
            threshold=float(threshold),
            detect_every=args.detect_every,
            classify_every=args.classify_every,
            detect_side=args.detect_side,
            alert_delta=args.alert_delta,
            alert_seconds=args.alert_seconds,
            history_s=max(info.duration, 1.0) + 1.0,
        )
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if args.fast:
        print(_fast_line(clf, mon, path))
    report: dict = {}
    frames_in = (
        rgb for _, rgb in iter_frames(path, allow_partial=args.allow_partial, report=report)
    )
    probs, signs = [], []
    for st in mon.run(frames_in, max_latency_s=batch / info.fps, progress=not args.quiet):
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
    frames = pd.DataFrame(
        {
            "frame": index,
            "time": index / info.fps,
            "classified": classified,
            "face": face,
            "prob": probs,
            "sign": sign,
        }
    )
    write_csv(frames, out / f"{stem}_frames.csv")
    mean = float(np.nanmean(probs))
    summary = {
        "video": str(path),
        "model": args.model,
        "checkpoint": str(ckpt),
        "threshold": float(threshold),
        "frames": len(probs),
        "frames_classified": int(classified.sum()),
        "frames_with_face": int(frames["face"].sum()),
        "mean_prob": mean,
        "prediction": "pain" if mean >= threshold else "nopain",
        "entropy": shannon_entropy(sign),
        "crossings": threshold_crossings(sign, threshold),
        "sign_type": mon.sign_type,
        "alerts": len(mon.alerts),
        "frames_expected": report.get("frames_expected", len(probs)),
        "frames_read": report.get("frames_read", len(probs)),
        "partial": bool(report.get("partial")),
        "bf16": clf.bf16,
    }
    fig = plot_monitor(
        mon.history(),
        mon.alert_table(),
        threshold=float(threshold),
        model=args.model,
        title=f"{path.name}: {summary['prediction']} ({args.model})",
    )
    save(fig, out / f"{stem}_sign.png")
    write_json(summary, out / f"{stem}_summary.json")
    print(
        f"{path.name} [{args.model}] mean probability {mean:.3f} -> {summary['prediction']} "
        f"(threshold {threshold:.3f}); entropy {summary['entropy']:.2f} bits; "
        f"{summary['crossings']} crossings; sign type {summary['sign_type']}; "
        f"{summary['alerts']} alerts; outputs in {out}"
        + (
            f" (PARTIAL: {summary['frames_read']} of {summary['frames_expected']} frames)"
            if summary["partial"]
            else ""
        )
    )
    return 0


def _fast_line(clf, mon, path: Path) -> str:
    """One line saying what ``--fast`` does here, and its agreement with float32 on sample crops."""
    if not clf.bf16:
        return "--fast: no native bf16 on this machine; using exact float32"
    from ..inference import crop_for_model
    from ..video import iter_frames, video_info

    crops = []
    step = 1
    try:
        info = video_info(path)
        step = max(1, info.n_frames // AGREEMENT_SAMPLE)
        for _, rgb in iter_frames(path, step=step, allow_partial=True):
            det = mon.detector.detect(rgb)
            if det:
                crops.append(crop_for_model(rgb, det[0], mon.crop_size))
            if len(crops) >= AGREEMENT_SAMPLE:
                break
    except DataError:
        pass  # the main pass reports a damaged file in its own words
    if not crops:
        return "--fast: bf16 autocast on (no face in the sample to measure its agreement)"
    diff = clf.agreement(crops)
    return (
        f"--fast: bf16 autocast on; largest probability difference from float32 on "
        f"{len(crops)} sampled faces: {diff:.4f}"
    )
