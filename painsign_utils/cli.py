"""The ``painsign`` command line: ``synth``, ``book``, ``check``, ``pretrain``, ``video``.

Errors caused by input print one line, ``painsign: error: ...``, and exit with status 2: a bad
option (argparse's usage text is left out, ``--help`` shows it), a :class:`PainsignError` raised by
the work, or a file-system error. ``--debug`` (or ``PAINSIGN_DEBUG=1``) shows the traceback
instead. Options are checked before any work starts, and nothing is created from bad input.
``SIGTERM`` (``kill``, ``timeout``, a cancelled CI job) is handled like Ctrl-C: the command stops,
ends its worker processes, and exits with 143 (130 for Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__
from .cli_args import (  # noqa: F401 - the option types are part of this module's interface
    Parser,
    bounded_int,
    fraction,
    output_folder,
    positive_float,
    probability,
    profile_name,
)
from .errors import ConfigError, PainsignError

#: Environment variable that makes every error show its traceback (like ``--debug``).
DEBUG_ENV = "PAINSIGN_DEBUG"

#: Largest ``synth --scale``: 10x the paper's counts is already ~5,000 images and 1,200 videos.
MAX_SCALE = 10.0


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so that it unwinds like Ctrl-C (workers are ended)."""


def _on_sigterm(signum: int, frame: object) -> NoReturn:
    raise Terminated()


# ----------------------------------------------------------------------------- commands


def _synth(args: argparse.Namespace) -> int:
    from .synthetic import SynthConfig, generate

    if args.images_only and args.videos_only:
        raise ConfigError("--images-only and --videos-only exclude each other; give at most one")
    output_folder(args.out)
    cfg = SynthConfig.scaled(args.scale, seed=args.seed, video_seconds=args.seconds,
                             video_fps=args.fps, video_size=tuple(args.video_size))
    cfg.validate()
    paths = generate(args.out, cfg, images=not args.videos_only, videos=not args.images_only,
                     n_jobs=args.jobs, progress=not args.quiet)
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    return 0


def _book(args: argparse.Namespace) -> int:
    from .runner import run_book

    only = args.only.split(",") if args.only else None
    result = run_book(args.profile, only=only, build=not args.no_build)
    if "index" in result:
        print(result["index"])
    return 0


def _check(args: argparse.Namespace) -> int:
    from .data import read_manifest, subject_table, verify_files

    df = read_manifest(args.manifest, kind=args.kind)
    opened = verify_files(df, args.kind, source=str(args.manifest), progress=not args.quiet)
    if args.kind == "video":
        # Chapter 01 names its caches by a digest of the full path, but per-video tables further on
        # are filed under the file name: two videos of one name would share them.
        stems = df["path"].map(lambda p: Path(p).stem)
        same = stems[stems.duplicated(keep=False)]
        if len(same):
            print(f"painsign: warning: {same.nunique()} file name(s) used by more than one video "
                  f"(e.g. {same.iloc[0]!r}, rows {', '.join(str(i + 2) for i in same.index[:3])}); "
                  "give every video a unique file name", file=sys.stderr)
    subjects = subject_table(df)
    frames = f"; {int(opened['frames'].sum())} frames" if "frames" in opened else ""
    print(f"{args.manifest}: {len(df)} {args.kind}s of {len(subjects)} subjects in "
          f"{df['dataset'].nunique()} dataset(s); {int((df['label'] == 'pain').sum())} pain, "
          f"{int((df['label'] == 'nopain').sum())} no pain; every file opened{frames}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``painsign`` command."""
    parser = Parser(prog="painsign", description="The neonatal pain-sign book: synthetic data, the book runner, manifests, videos.")
    parser.add_argument("--version", action="version", version=f"painsign {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help=f"show the traceback of an error (also: {DEBUG_ENV}=1)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("synth", help="generate the synthetic image and video sets")
    p.add_argument("--out", type=Path, default=Path("data/synthetic"), help="output folder (default: %(default)s)")
    p.add_argument("--scale", type=positive_float, default=1.0,
                   help=f"fraction of the paper's Table 1 counts, at most {MAX_SCALE:g} (default: %(default)s)")
    p.add_argument("--seconds", type=positive_float, default=20.0, help="video length in seconds (default: %(default)s)")
    p.add_argument("--fps", type=positive_float, default=30.0, help="video frame rate (default: %(default)s)")
    p.add_argument("--video-size", type=bounded_int(64, 4096), nargs=2, default=(320, 240), metavar=("W", "H"))
    p.add_argument("--seed", type=bounded_int(0, 2**63 - 1), default=0)
    p.add_argument("--jobs", type=bounded_int(1, 256), default=None, help="worker processes (default: up to 4)")
    only = p.add_mutually_exclusive_group()
    only.add_argument("--images-only", action="store_true")
    only.add_argument("--videos-only", action="store_true")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_synth)

    p = sub.add_parser("book", help="execute the notebooks under a profile and build the book")
    p.add_argument("--profile", default="demo", help="smoke, demo, paper, or a YAML file (default: %(default)s)")
    p.add_argument("--only", default="", help="comma-separated notebook prefixes, e.g. 00,01")
    p.add_argument("--no-build", action="store_true", help="execute the notebooks but do not render HTML")
    p.set_defaults(func=_book)

    p = sub.add_parser("check", help="validate a manifest CSV and open every file it lists")
    p.add_argument("manifest", type=Path)
    p.add_argument("--kind", choices=("image", "video"), default="image")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_check)

    # Each subcommand module registers itself; parsing must not import PyTorch, so that a bad option
    # is refused in a fraction of a second.
    from .cli_pretrain import add_pretrain_parser
    from .cli_video import add_video_parser

    add_pretrain_parser(sub)
    add_video_parser(sub)
    return parser


def _validate(args: argparse.Namespace) -> None:
    """Checks that need more than one option; run before any command does work."""
    if getattr(args, "command", None) == "synth" and args.scale > MAX_SCALE:
        raise ConfigError(f"--scale {args.scale:g} is too large (at most {MAX_SCALE:g}: "
                          f"{MAX_SCALE:g}x the paper's counts)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``painsign``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = bool(args.debug or os.environ.get(DEBUG_ENV, "") not in ("", "0"))
    if not debug:  # FFmpeg's own warnings about a damaged file would bury the one error line
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (e.g. called from a test runner's worker thread)
        pass
    try:
        _validate(args)
        return int(args.func(args) or 0)
    except Terminated:
        print("painsign: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("painsign: interrupted", file=sys.stderr)
        return 130
    except (PainsignError, OSError) as exc:
        if debug:
            raise
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, OSError) and exc.filename is not None:
            message = f"{exc.strerror or type(exc).__name__}: {exc.filename}"
        print(f"painsign: error: {message}", file=sys.stderr)
        return 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
