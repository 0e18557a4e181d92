"""The ``painsign`` command line's option types and parser class, shared by every subcommand.

:mod:`.main` builds the command from them, and the subcommand modules use them without importing
the command itself (no import cycle). Nothing here imports PyTorch.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from ..errors import ConfigError


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``painsign: error: ...`` and exit status 2."""

    def error(self, message: str) -> NoReturn:  # noqa: D401 - argparse's hook
        print(f"painsign: error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)


# ----------------------------------------------------------------------------- option types


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be > 0")
    return value


def nonnegative_float(text: str) -> float:
    """A finite number >= 0."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 0")
    return value


def probability(text: str) -> float:
    """A number strictly between 0 and 1 (a classification threshold)."""
    value = _number(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 0 and 1 (exclusive)")
    return value


def fraction(text: str) -> float:
    """A number in (0, 1]."""
    value = _number(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be in (0, 1]")
    return value


def bounded_int(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in ``[low, high]``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low or (high is not None and value > high):
            span = f">= {low}" if high is None else f"between {low} and {high}"
            raise argparse.ArgumentTypeError(f"{text!r} must be {span}")
        return value

    parse.__name__ = "integer"
    return parse


def profile_name(text: str) -> str:
    """A profile *name* (``demo``, ``smoke``, ``paper``...), never a path or a file name."""
    from ..storage import check_profile_name

    try:
        return check_profile_name(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def output_folder(path: Path, what: str = "--out") -> Path:
    """Refuse an output folder that is a file, lies under a file, or is not writable (nothing is created)."""
    from ..storage import check_writable_dir

    return check_writable_dir(path, what)
