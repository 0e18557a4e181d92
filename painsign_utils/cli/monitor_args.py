"""The options of ``painsign monitor SOURCE`` and ``painsign video FILE``, in one list.

Owns :func:`add_monitor_options` (both subcommands call it, ``monitor`` with the options of live
sources as well), :func:`changed_settings` (the options a run sets away from their defaults: they
name its output files, so runs with other settings never overwrite each other) and
:func:`stop_on_signals` (Ctrl-C and SIGTERM end a run cleanly, with its summary). Nothing here
imports PyTorch.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

#: Options that do not change a run's results (they are left out of its output names).
NOT_SETTINGS = frozenset(
    {
        "file",
        "source",
        "out",
        "quiet",
        "debug",
        "command",
        "func",
        "annotate",
        "show_faces",
        "serve",
    }
)


def add_monitor_options(p: argparse.ArgumentParser, live: bool) -> argparse.ArgumentParser:
    """Add the model, speed and alert options; with ``live``, those of cameras and streams too."""
    from ..monitor.painstates import AUTHORS_TIMINGS
    from ..registry import get_spec, list_models
    from .args import (
        bounded_int,
        fraction,
        nonnegative_float,
        positive_float,
        probability,
        profile_name,
    )

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
        help="profile whose trained model is used without --weights (default: %(default)s)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: beside a video file; the current folder for a live source)",
    )
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
        help="frames per forward pass at most (default: the model's, "
        + ", ".join(f"{m} {get_spec(m).video_batch}" for m in list_models())
        + ")",
    )
    p.add_argument(
        "--classify-every",
        type=bounded_int(1, 10_000),
        default=1,
        help="classify every k-th frame; the sign interpolates the others "
        "(default: 1, exact; 3 keeps N-CNN above 200 fps on 2 CPU cores, see chapter 08)",
    )
    p.add_argument(
        "--detect-every",
        type=bounded_int(1, 10_000),
        default=1,
        help="run the face detector on every k-th classified frame, holding the box between; "
        "a lost face is looked for on every frame (default: 1, exact)",
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
        "--no-face-seconds",
        type=positive_float,
        default=1.0,
        help="alert when no face is seen for this long (default: %(default)s s, as chapter 08)",
    )
    p.add_argument(
        "--hysteresis",
        type=nonnegative_float,
        default=AUTHORS_TIMINGS["hysteresis"],
        help="pain states: a rise starts above threshold + this, a recovery below threshold - "
        "this (default: %(default)s, the authors')",
    )
    p.add_argument(
        "--confirm-seconds",
        type=nonnegative_float,
        default=AUTHORS_TIMINGS["confirm_s"],
        help="pain states: pain is confirmed after the sign stays high this long "
        "(default: %(default)s s, the authors')",
    )
    p.add_argument(
        "--recover-seconds",
        type=nonnegative_float,
        default=AUTHORS_TIMINGS["recover_s"],
        help="pain states: calm again after the sign stays low this long "
        "(default: %(default)s s, the authors')",
    )
    p.add_argument(
        "--allow-partial",
        action="store_true",
        help="score a damaged video file whose frames end before its announced count "
        "(warns; the summary records frames_expected and frames_read)",
    )
    p.add_argument(
        "--fast",
        action="store_true",
        help="bf16 autocast where the hardware has native bf16 (prints its agreement "
        "with float32; exact float32 elsewhere); its outputs get their own names",
    )
    if live:
        p.add_argument(
            "--fps",
            type=positive_float,
            default=None,
            help="frame rate of the source (default: what it reports; 30 if it reports none)",
        )
        p.add_argument(
            "--queue",
            type=bounded_int(1, 100_000),
            default=4,
            help="frames of a live source waiting for the model at most; when the model is "
            "slower, the oldest is dropped (default: %(default)s, as the authors' benchmark)",
        )
        p.add_argument(
            "--stall-seconds",
            type=positive_float,
            default=5.0,
            help="stop when a live source delivers no frame for this long (default: %(default)s)",
        )
    p.add_argument(
        "--annotate",
        type=Path,
        default=None,
        metavar="VIDEO",
        help="also write the frames with the face box, landmarks and a strip of the last 10 s of "
        "the sign, the threshold and the pain state (.webm, VP8; plays in a browser); encoding "
        "slows the run, so a live source drops more frames",
    )
    p.add_argument(
        "--serve",
        nargs="?",
        const="127.0.0.1:8765",
        default=None,
        metavar="HOST:PORT",
        help="show the run live on a local web page (default address 127.0.0.1:8765: this "
        "machine only; port 0 picks a free one); the page's address is printed",
    )
    p.add_argument(
        "--show-faces",
        action="store_true",
        help="show the faces in the annotated video (real faces are health data: blurred by "
        "default)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return p


def changed_settings(args: argparse.Namespace, live: bool) -> dict[str, object]:
    """The options of ``args`` that differ from their defaults (paths resolved), by name."""
    defaults = add_monitor_options(argparse.ArgumentParser(add_help=False), live)
    changed = {}
    for name, value in sorted(vars(args).items()):
        if name in NOT_SETTINGS or value == defaults.get_default(name):
            continue
        changed[name] = str(Path(value).resolve()) if isinstance(value, Path) else value
    return changed


@contextlib.contextmanager
def stop_on_signals() -> Iterator[dict]:
    """While inside, the first Ctrl-C or SIGTERM sets ``state["stop"]`` (an Event) and names the
    signal in ``state["signal"]``; a second one interrupts at once. Outside the main thread
    (a test runner's worker) nothing is installed."""
    state: dict = {"stop": threading.Event(), "signal": None}

    def handler(signum: int, frame: object) -> None:
        if state["stop"].is_set():
            raise KeyboardInterrupt()
        state["signal"] = "terminated" if signum == signal.SIGTERM else "interrupted"
        state["stop"].set()

    previous = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)
    except ValueError:  # not the main thread
        pass
    try:
        yield state
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
