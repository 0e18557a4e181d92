"""The ``painsign`` command: its parser, and one way of failing.

Errors caused by input print one line, ``painsign: error: ...``, and exit with status 2: a bad
option (argparse's usage text is left out, ``--help`` shows it), a :class:`PainsignError` raised by
the work, or a file-system error. ``--debug`` (or ``PAINSIGN_DEBUG=1``) shows the traceback
instead. Options are checked before any work starts, and nothing is created from bad input.
``SIGTERM`` (``kill``, ``timeout``, a cancelled CI job) is handled like Ctrl-C: the command stops,
ends its worker processes, and exits with 143 (130 for Ctrl-C).

Each subcommand module has a ``register(subparsers)`` function; :data:`SUBCOMMANDS` lists them and
:func:`build_parser` calls each.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from .. import __version__
from ..errors import PainsignError
from . import book, check, pretrain, synth, video
from .args import Parser

#: Environment variable that makes every error show its traceback (like ``--debug``).
DEBUG_ENV = "PAINSIGN_DEBUG"

#: The subcommand modules, in the order ``painsign --help`` lists them; each registers itself with
#: ``register(subparsers)``. Parsing imports none of PyTorch, so a bad option is refused in a
#: fraction of a second.
SUBCOMMANDS = (synth, book, check, pretrain, video)


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so that it unwinds like Ctrl-C (workers are ended)."""


def _on_sigterm(signum: int, frame: object) -> NoReturn:
    raise Terminated()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``painsign`` command."""
    parser = Parser(
        prog="painsign",
        description="The neonatal pain-sign book: synthetic data, the book runner and its papermill "
        "parameters, manifests, and the monitor of videos, cameras and streams.",
    )
    parser.add_argument("--version", action="version", version=f"painsign {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help=f"show the traceback of an error (also: {DEBUG_ENV}=1)"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in SUBCOMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``painsign``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = bool(args.debug or os.environ.get(DEBUG_ENV, "") not in ("", "0"))
    if not debug:  # FFmpeg's and OpenCV's own warnings would bury the one error line
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
        os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (e.g. called from a test runner's worker thread)
        pass
    try:
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
