"""``painsign monitor SOURCE`` and ``painsign video FILE``: the pain sign of a camera, stream or video.

Owns both subcommands (one implementation; ``video`` is ``monitor`` for files, kept for its
users) and the checkpoint they use. :mod:`painsign_utils.cli.main` registers them through
:func:`register`; their options are :mod:`.monitor_args`'s.

SOURCE is a video file, a camera index (``0``) or a URL OpenCV opens (``rtsp://...``,
``http://.../video.mjpg``). A file is read in full; a live source through a queue of ``--queue``
frames that drops the oldest when the model is slower than the source, each frame stamped with its
capture time (:mod:`painsign_utils.monitor.live`). The per-frame CSV (face box, probability, sign,
capture-to-sign delay), the alerts and the intervals without a face are written as the run goes
and completed at its end (:mod:`painsign_utils.monitor.outputs`); the summary is one line and a
JSON file. Ctrl-C and SIGTERM end a run cleanly with its summary (a live run then exits 0, a
file's with 130 or 143, since it is incomplete).

Everything that can be checked is checked before the first frame: the options' ranges, that
``--out`` is a writable folder, the source, the checkpoint and its threshold. A camera or URL that
cannot be opened, or that delivers no frame for ``--stall-seconds``, ends in one error line (exit
2); a stall after frames came completes the outputs first. A damaged file whose frames run out
before the container's count stops with ``read N of M frames from FILE`` unless
``--allow-partial``. ``--fast`` turns bf16 autocast on where the CPU or GPU has native bf16 and
prints its agreement with float32.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..errors import ConfigError, DataError, ModelError

#: Crops used to measure ``--fast``'s agreement with float32.
AGREEMENT_SAMPLE = 64
#: Frame rate assumed for a live source that reports none (and no ``--fps``).
DEFAULT_LIVE_FPS = 30.0
#: Exit status of a file run ended by a signal (its results are incomplete), as ``main``'s.
SIGNAL_STATUS = {"interrupted": 130, "terminated": 143}


def register(subparsers) -> None:
    """Add the ``monitor`` and ``video`` subcommands to ``painsign``'s subparsers."""
    from .monitor_args import add_monitor_options

    p = subparsers.add_parser(
        "monitor",
        help="live pain sign of a camera, stream URL or video file: CSVs as it goes, summary",
        description="Run the real-time monitor on a camera, a stream or a video file. Outputs: "
        "<name>_frames.csv (per frame: face box, probability, sign, capture-to-sign delay), "
        "_alerts.csv, _noface.csv, _sign.png, _summary.json; <name> holds a digest of the "
        "options set away from their defaults. Ctrl-C or SIGTERM ends a run with its summary.",
    )
    p.add_argument(
        "source",
        help="video file, camera index (0, 1, ...) or URL (rtsp://..., http://.../video.mjpg)",
    )
    add_monitor_options(p, live=True)
    p.set_defaults(func=monitor_command)
    v = subparsers.add_parser(
        "video",
        help="pain sign of a video file: per-frame CSV, sign plot, one-line summary",
        description="Run the real-time monitor over a video file with a trained model "
        "(painsign monitor FILE, without the options of live sources).",
    )
    v.add_argument("file", type=Path, help="video file (any format OpenCV reads)")
    add_monitor_options(v, live=False)
    v.set_defaults(func=monitor_command)


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


def checked_threshold(value: object, ckpt: Path) -> float:
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


def monitor_command(args: argparse.Namespace) -> int:
    """Run the monitor on ``args.source`` (or ``args.file``) and write ``<name>_frames.csv``,
    ``_alerts.csv``, ``_noface.csv``, ``_sign.png`` and ``_summary.json``."""
    from ..inference import FrameClassifier
    from ..models import load_checkpoint
    from ..monitor.live import STALLED
    from ..monitor.outputs import RunOutputs, run_prefix, unused_prefix
    from ..monitor.painstates import PainStates
    from ..monitor.session import BoxMonitor, run_session
    from ..monitor.sources import file_batches, open_live, parse_source
    from ..registry import get_spec
    from ..runtime import progress
    from ..video import video_info
    from .args import output_folder
    from .monitor_args import changed_settings, stop_on_signals
    from .monitor_summary import finish_run

    live_options = hasattr(args, "queue")
    source = parse_source(args.source if live_options else args.file)
    out = Path(args.out) if args.out else (Path(".") if source.live else source.target.parent)
    try:
        output_folder(out, "--out" if args.out else "the video's folder")
    except ConfigError as exc:
        raise ConfigError(f"{exc}; pass --out FOLDER" if not args.out else str(exc)) from None
    fps_given = getattr(args, "fps", None)
    capture = info = None
    if source.live:
        capture, fps = open_live(source, args.queue, args.stall_seconds)  # one-line DataError
        fps = fps_given or fps or DEFAULT_LIVE_FPS
    else:
        info = video_info(source.target)  # DataError with one line if missing or unreadable
        fps = fps_given or info.fps
    try:
        ckpt = resolve_checkpoint(args.model, args.weights, args.profile)
        model = load_checkpoint(ckpt)
        if model.name != args.model:
            raise ModelError(f"{ckpt} holds a {model.name} model, not {args.model}")
        threshold = float(
            args.threshold
            if args.threshold is not None
            else checked_threshold(model.threshold, ckpt)
        )
        batch = args.batch or get_spec(args.model).video_batch
        clf = FrameClassifier(model, batch_size=batch, bf16="auto" if args.fast else False)
        try:
            mon = BoxMonitor(
                clf,
                fps=fps,
                threshold=threshold,
                detect_every=args.detect_every,
                classify_every=args.classify_every,
                detect_side=args.detect_side,
                alert_delta=args.alert_delta,
                alert_seconds=args.alert_seconds,
                no_face_seconds=args.no_face_seconds,
                history_s=max(info.duration, 1.0) + 1.0 if info else 600.0,
            )
        except ConfigError as exc:
            raise ConfigError(f"{source.name}: {exc}") from None
        if args.fast:
            print(fast_line(clf, mon, None if source.live else source.target))
    except BaseException:
        if capture is not None:
            capture.close()
        raise
    annotator = view = None
    if args.annotate is not None or args.serve is not None:
        from ..monitor.liveview import LiveView, parse_address
        from .monitor_annotate import SessionAnnotator

        try:
            if args.serve is not None:
                view = LiveView(*parse_address(args.serve)).__enter__()
                print(f"live view: {view.url}", flush=True)
            annotator = SessionAnnotator(args.annotate, fps, threshold, args.show_faces, view)
        except BaseException:
            if view is not None:
                view.close()
            if capture is not None:
                capture.close()
            raise
    started = time.strftime("%Y%m%d-%H%M%S") if source.live else None
    settings = changed_settings(args, live_options)
    prefix = run_prefix(source.stem, args.model, settings, started)
    outputs = RunOutputs(out, unused_prefix(out, prefix) if source.live else prefix)
    report: dict = {}
    with (
        stop_on_signals() as signals,
        progress(
            total=None if source.live else info.n_frames,
            unit="frame",
            disable=args.quiet,
            leave=False,
        ) as bar,
    ):
        if source.live:
            batches = capture.batches(batch, signals["stop"])
        else:
            batches = file_batches(
                source.target, batch, args.allow_partial, report, signals["stop"]
            )
        try:
            states = PainStates(
                mon.fps,
                mon.threshold,
                hysteresis=args.hysteresis,
                confirm_s=args.confirm_seconds,
                recover_s=args.recover_seconds,
            )
            stats = run_session(
                mon, batches, outputs, source.live, signals["stop"], bar.update, states, annotator
            )
            if not stats.analysed and signals["signal"]:
                raise KeyboardInterrupt()  # stopped before any frame: nothing to summarize
            if not stats.analysed:
                why = "stalled" if capture and capture.ended == STALLED else "ended"
                raise DataError(
                    f"{source.name} delivered no frame"
                    + (f" within {args.stall_seconds:g} s ({why})" if source.live else "")
                )
            if not stats.with_face and not source.live:
                raise DataError(f"no face found in any frame of {source.name}")
        except BaseException:
            # A file can be run again: nothing half-written. A live run keeps its partial files
            # (a recording cannot be repeated).
            if not source.live:
                outputs.discard()
            if annotator is not None:
                annotator.abort()
            raise
        finally:
            if capture is not None:
                capture.close()
            if view is not None:
                view.close()
    if annotator is not None:
        annotator.close()
    ended = signals["signal"] or (capture.ended if capture else "end of file")
    if not source.live and ended != "end of file":  # keep a complete run's files of this name
        outputs.prefix = unused_prefix(out, f"{prefix}-{ended}")
    finish_run(
        args,
        source,
        mon,
        stats,
        outputs,
        capture,
        report,
        ended,
        checkpoint=str(ckpt),
        bf16=clf.bf16,
        settings=settings,
    )
    if ended == STALLED:
        raise DataError(
            f"{source.name} delivered no frame for {args.stall_seconds:g} s (stalled); "
            f"stopped after {stats.received} frames, outputs in {outputs.path('*', '')}"
        )
    return SIGNAL_STATUS.get(ended, 0) if not source.live else 0


def fast_line(clf, mon, path: Path | None) -> str:
    """One line saying what ``--fast`` does here, and its agreement with float32 on sample crops
    of the video file ``path`` (None: a live source, nothing to sample before it starts)."""
    if not clf.bf16:
        return "--fast: no native bf16 on this machine; using exact float32"
    if path is None:
        return "--fast: bf16 autocast on (its agreement with float32 is measured on video files)"
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
