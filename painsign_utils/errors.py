"""Errors the user can act on.

Every failure caused by input (a missing file, a corrupt video, a malformed manifest, an unknown
model name, missing weights) raises a :class:`PainsignError` whose message is one clear line. The
command-line interface prints that line and exits with status 2 instead of a traceback.
"""

from __future__ import annotations


class PainsignError(Exception):
    """Base class of user-facing errors: the message is one line that says what to fix."""


class DataError(PainsignError, ValueError):
    """A manifest, image or video is missing, unreadable or malformed."""


class NoFaceError(DataError):
    """A video in which no face was found in any frame."""


class ModelError(PainsignError, ValueError):
    """An unknown model name, or weights that are missing or do not fit the model."""


class ConfigError(PainsignError, ValueError):
    """A profile or parameter that is unknown or out of range."""
