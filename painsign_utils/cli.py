"""The ``painsign`` command line: ``synth``, ``book``, ``check``, ``pretrain``, ``video``.

Errors caused by input print one line, ``painsign: error: ...``, and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import PainsignError


def _synth(args: argparse.Namespace) -> int:
    from .synthetic import SynthConfig, generate

    cfg = SynthConfig.scaled(args.scale, seed=args.seed, video_seconds=args.seconds,
                             video_fps=args.fps, video_size=tuple(args.video_size))
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
    from .data import read_manifest, subject_table

    df = read_manifest(args.manifest, kind=args.kind)
    subjects = subject_table(df)
    print(f"{args.manifest}: {len(df)} {args.kind}s of {len(subjects)} subjects in "
          f"{df['dataset'].nunique()} dataset(s); {int((df['label'] == 'pain').sum())} pain, "
          f"{int((df['label'] == 'nopain').sum())} no pain")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``painsign`` command."""
    parser = argparse.ArgumentParser(prog="painsign", description="The neonatal pain-sign book: synthetic data, the book runner, manifests, videos.")
    parser.add_argument("--version", action="version", version=f"painsign {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("synth", help="generate the synthetic image and video sets")
    p.add_argument("--out", type=Path, default=Path("data/synthetic"), help="output folder (default: %(default)s)")
    p.add_argument("--scale", type=float, default=1.0, help="fraction of the paper's Table 1 counts (default: %(default)s)")
    p.add_argument("--seconds", type=float, default=20.0, help="video length in seconds (default: %(default)s)")
    p.add_argument("--fps", type=float, default=30.0, help="video frame rate (default: %(default)s)")
    p.add_argument("--video-size", type=int, nargs=2, default=(320, 240), metavar=("W", "H"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: up to 4)")
    p.add_argument("--images-only", action="store_true")
    p.add_argument("--videos-only", action="store_true")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_synth)

    p = sub.add_parser("book", help="execute the notebooks under a profile and build the book")
    p.add_argument("--profile", default="demo", help="smoke, demo, paper, or a YAML file (default: %(default)s)")
    p.add_argument("--only", default="", help="comma-separated notebook prefixes, e.g. 00,01")
    p.add_argument("--no-build", action="store_true", help="execute the notebooks but do not render HTML")
    p.set_defaults(func=_book)

    p = sub.add_parser("check", help="validate a manifest CSV")
    p.add_argument("manifest", type=Path)
    p.add_argument("--kind", choices=("image", "video"), default="image")
    p.set_defaults(func=_check)

    from .pretrain import add_pretrain_parser

    add_pretrain_parser(sub)

    try:
        from .monitor import add_video_parser
    except ImportError:  # pragma: no cover - the monitor module is optional while it is written
        pass
    else:
        add_video_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``painsign``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except PainsignError as exc:
        print(f"painsign: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("painsign: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
