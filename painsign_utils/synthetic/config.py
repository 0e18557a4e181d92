"""The size and look of a synthetic data set, and the seeds everything is drawn from.

:class:`SynthConfig` (defaults: the paper's Table 1); :func:`rng_for` gives a generator that depends
on every part of a key (``seed, image id, frame``), so the same seed gives byte-identical files
however many worker processes render them; :func:`make_subjects` draws the newborns.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

import numpy as np

from ..errors import ConfigError
from ..render import Subject
from .world import World


@dataclass(frozen=True)
class SynthConfig:
    """Size and look of a synthetic data set. Defaults match the paper's Table 1.

    Attributes
    ----------
    seed : int
        Root seed of everything.
    icope_subjects, icope_pain, icope_nopain : int
        iCOPE-like image subset (26 newborns, 60 pain, 63 rest images).
    unifesp_subjects, unifesp_pain, unifesp_nopain : int
        UNIFESP-like image subset (30 newborns, 164 pain, 196 no-pain images).
    icope_size, unifesp_size : (int, int)
        Image width, height. iCOPE's 3008 x 2000 camera is scaled down to keep files small.
    video_subjects, video_pain, video_nopain : int
        iCOPEvid-like video set (49 newborns, 49 pain, 71 no-pain videos: the counts of the
        authors' data; the paper's Table 1 transposes them).
    video_seconds, video_fps : float
        Length and frame rate of each video (iCOPEvid: 20 s at 30 fps).
    video_size : (int, int)
        Video width, height.
    world : World
        The documented causes that make the videos differ from the photos
        (:mod:`painsign_utils.synthetic.world`); the default ``matched`` world has none. Only the
        video set depends on it.
    """

    seed: int = 0
    icope_subjects: int = 26
    icope_pain: int = 60
    icope_nopain: int = 63
    unifesp_subjects: int = 30
    unifesp_pain: int = 164
    unifesp_nopain: int = 196
    icope_size: tuple[int, int] = (600, 400)
    unifesp_size: tuple[int, int] = (320, 233)
    video_subjects: int = 49
    video_pain: int = 49
    video_nopain: int = 71
    video_seconds: float = 20.0
    video_fps: float = 30.0
    video_size: tuple[int, int] = (320, 240)
    extra: dict = field(default_factory=dict)
    world: World = field(default_factory=World)

    def record(self) -> dict:
        """The settings as JSON data (``config.json``); a ``matched`` world is left out, so sets
        made before worlds existed keep their record."""
        rec = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
        if self.world.matched:
            del rec["world"]
        return rec

    @classmethod
    def scaled(cls, fraction: float, **overrides) -> SynthConfig:
        """The Table-1-shaped set with every count multiplied by ``fraction`` (at least 2 of each)."""
        base = cls()
        counts = {
            k: max(2, int(round(getattr(base, k) * fraction)))
            for k in (
                "icope_subjects",
                "icope_pain",
                "icope_nopain",
                "unifesp_subjects",
                "unifesp_pain",
                "unifesp_nopain",
                "video_subjects",
                "video_pain",
                "video_nopain",
            )
        }
        counts.update(overrides)
        return cls(**counts)

    def validate(self) -> None:
        """Raise :class:`ConfigError` for sizes that cannot make a data set."""
        if min(self.icope_subjects, self.unifesp_subjects, self.video_subjects) < 1:
            raise ConfigError("every synthetic subset needs at least one subject")
        if self.video_seconds <= 0 or self.video_fps <= 0:
            raise ConfigError("video_seconds and video_fps must be positive")
        if min(*self.video_size, *self.icope_size, *self.unifesp_size) < 64:
            raise ConfigError("synthetic images and videos must be at least 64 pixels on each side")


def _key(part: int | str) -> int:
    """A seed word for one part of a key; text is hashed whole (not cut to its first bytes)."""
    if isinstance(part, (int, np.integer)):
        return int(part)
    return int.from_bytes(hashlib.blake2b(part.encode(), digest_size=8).digest(), "little")


def rng_for(*key: int | str) -> np.random.Generator:
    """A generator that depends on every part of ``key`` (e.g. seed, image id, frame)."""
    return np.random.default_rng(np.random.SeedSequence([_key(k) for k in key]))


def make_subjects(seed: int, prefix: str, n: int) -> list[Subject]:
    """``n`` subjects whose looks depend only on ``(seed, prefix, index)``."""
    return [Subject.random(rng_for(seed, prefix, i), f"{prefix}{i:03d}") for i in range(n)]
