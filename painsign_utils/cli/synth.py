"""``painsign synth``: generate the synthetic image and video sets from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import ConfigError
from .args import bounded_int, output_folder, positive_float

#: Largest ``synth --scale``: 10x the paper's counts is already ~5,000 images and 1,200 videos.
MAX_SCALE = 10.0


def register(sub) -> None:
    """Register ``painsign synth`` on the CLI's subparsers."""
    p = sub.add_parser("synth", help="generate the synthetic image and video sets")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("data/synthetic"),
        help="output folder (default: %(default)s)",
    )
    p.add_argument(
        "--scale",
        type=positive_float,
        default=1.0,
        help=f"fraction of the paper's Table 1 counts, at most {MAX_SCALE:g} (default: %(default)s)",
    )
    p.add_argument(
        "--seconds",
        type=positive_float,
        default=20.0,
        help="video length in seconds (default: %(default)s)",
    )
    p.add_argument(
        "--fps", type=positive_float, default=30.0, help="video frame rate (default: %(default)s)"
    )
    p.add_argument(
        "--video-size", type=bounded_int(64, 4096), nargs=2, default=(320, 240), metavar=("W", "H")
    )
    p.add_argument("--seed", type=bounded_int(0, 2**63 - 1), default=0)
    p.add_argument(
        "--world",
        default="icopevid-like",
        help="the videos' world: matched (like the photos) or icopevid-like (default: %(default)s)",
    )
    p.add_argument(
        "--cause",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one cause of the world: on, off or a strength (repeatable)",
    )
    p.add_argument(
        "--jobs", type=bounded_int(1, 256), default=None, help="worker processes (default: up to 4)"
    )
    only = p.add_mutually_exclusive_group()
    only.add_argument("--images-only", action="store_true")
    only.add_argument("--videos-only", action="store_true")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=synth_command)


def synth_command(args: argparse.Namespace) -> int:
    """Check the options (nothing is created from bad input), then generate the sets."""
    if args.scale > MAX_SCALE:
        raise ConfigError(
            f"--scale {args.scale:g} is too large (at most {MAX_SCALE:g}: "
            f"{MAX_SCALE:g}x the paper's counts)"
        )
    from ..synthetic import SynthConfig, generate, make_world

    if args.images_only and args.videos_only:
        raise ConfigError("--images-only and --videos-only exclude each other; give at most one")
    world = make_world(args.world, parse_causes(args.cause))
    output_folder(args.out)
    cfg = SynthConfig.scaled(
        args.scale,
        seed=args.seed,
        video_seconds=args.seconds,
        video_fps=args.fps,
        video_size=tuple(args.video_size),
        world=world,
    )
    cfg.validate()
    paths = generate(
        args.out,
        cfg,
        images=not args.videos_only,
        videos=not args.images_only,
        n_jobs=args.jobs,
        progress=not args.quiet,
    )
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    return 0


def parse_causes(items: list[str]) -> dict[str, bool | float]:
    """``["distress=off", "compression=0.3"]`` -> ``{"distress": False, "compression": 0.3}``."""
    out: dict[str, bool | float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        words = {"on": True, "true": True, "off": False, "false": False}
        if not sep or not name:
            raise ConfigError(f"--cause {item!r}: write NAME=on, NAME=off or NAME=STRENGTH")
        try:
            out[name] = words[value.lower()] if value.lower() in words else float(value)
        except ValueError:
            raise ConfigError(f"--cause {item!r}: the value must be on, off or a number") from None
    return out
