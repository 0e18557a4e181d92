"""``painsign book``: execute the notebooks under a profile and build the book."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    """Register ``painsign book`` on the CLI's subparsers."""
    p = sub.add_parser("book", help="execute the notebooks under a profile and build the book")
    p.add_argument(
        "--profile",
        default="demo",
        help="smoke, demo, paper, or a YAML file (default: %(default)s)",
    )
    p.add_argument("--only", default="", help="comma-separated notebook prefixes, e.g. 00,01")
    p.add_argument(
        "--no-build", action="store_true", help="execute the notebooks but do not render HTML"
    )
    p.set_defaults(func=book_command)


def book_command(args: argparse.Namespace) -> int:
    """Run the book (:func:`painsign_utils.runner.run_book`) and print the index page it built."""
    from .runner import run_book

    only = args.only.split(",") if args.only else None
    result = run_book(args.profile, only=only, build=not args.no_build)
    if "index" in result:
        print(result["index"])
    return 0
