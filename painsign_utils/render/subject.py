"""One newborn's look and expressiveness, and how a latent pain intensity shows on that face.

A :class:`Subject` fixes what does not change over time (face shape, skin tone, eyes, hair or cap,
how strongly each facial action shows); :func:`expression_from_intensity` maps a pain intensity in
[0, 1] to that subject's eight NFCS actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .actions import NFCS_ACTIONS, Expression

# Skin tones from very light to very dark (RGB), spanning the Fitzpatrick range.
_SKIN_TONES = np.array(
    [
        [246, 214, 196],
        [236, 192, 166],
        [222, 170, 140],
        [196, 140, 104],
        [160, 108, 76],
        [120, 80, 56],
        [98, 64, 46],
    ],
    dtype=np.float32,
)
_CAP_COLOURS = np.array(
    [[232, 180, 196], [170, 200, 235], [240, 236, 220], [190, 225, 190], [250, 220, 150]],
    dtype=np.float32,
)


@dataclass(frozen=True)
class Subject:
    """What stays fixed for one newborn: appearance and expressiveness.

    Attributes
    ----------
    id : str
        Subject identifier, e.g. ``"S012"``.
    skin : ndarray, shape (3,)
        Base skin colour, RGB in 0..255.
    aspect : float
        Head height over width (newborn heads are round: 1.05-1.2).
    eye_gap, eye_size : float
        Half distance between the eyes and eye width, face units.
    gains : ndarray, shape (8,)
        How strongly each NFCS action shows on this face (1 = typical).
    cap : ndarray or None
        RGB colour of a knitted cap, or None for a bare head.
    hair : float
        Darkness of scalp hair where no cap is worn (0 = none).
    """

    id: str
    skin: np.ndarray
    aspect: float
    eye_gap: float
    eye_size: float
    gains: np.ndarray
    cap: np.ndarray | None
    hair: float
    brow: float
    lip: np.ndarray = field(default_factory=lambda: np.array([200.0, 110.0, 110.0]))

    @classmethod
    def random(cls, rng: np.random.Generator, subject_id: str) -> Subject:
        """Draw a subject; every attribute comes from ``rng`` so the same seed gives the same face."""
        t = rng.uniform(0, len(_SKIN_TONES) - 1)
        lo = int(np.floor(t))
        hi = min(lo + 1, len(_SKIN_TONES) - 1)
        skin = _SKIN_TONES[lo] * (1 - (t - lo)) + _SKIN_TONES[hi] * (t - lo)
        skin = np.clip(skin * rng.uniform(0.95, 1.05, 3) * [1.0, 0.97, 0.97], 0, 255)
        cap = _CAP_COLOURS[rng.integers(len(_CAP_COLOURS))] if rng.random() < 0.35 else None
        # Lips: pink mixed into the skin tone, so they stay visible on every skin.
        lip = np.clip(
            0.55 * skin * np.array([0.9, 0.6, 0.62]) + 0.45 * np.array([185.0, 95.0, 105.0]), 0, 255
        )
        return cls(
            id=subject_id,
            skin=skin.astype(np.float32),
            aspect=float(rng.uniform(1.05, 1.2)),
            eye_gap=float(rng.uniform(0.33, 0.39)),
            eye_size=float(rng.uniform(0.22, 0.28)),
            gains=rng.uniform(0.75, 1.25, len(NFCS_ACTIONS)).astype(np.float32),
            cap=cap,
            hair=float(rng.uniform(0.0, 0.7)),
            brow=float(rng.uniform(0.25, 0.6)),
            lip=lip.astype(np.float32),
        )


def expression_from_intensity(
    intensity: float,
    subject: Subject,
    rng: np.random.Generator,
    asleep: float = 0.0,
    yawn: float = 0.0,
    jitter: float = 0.06,
) -> Expression:
    """Map a latent pain intensity in [0, 1] to the eight facial actions of ``subject``.

    Each action switches on smoothly above its own onset (the brow bulges first, the tongue
    tightens last), scaled by the subject's gain, with a little independent noise so that two
    frames of equal intensity are not identical.
    """
    onsets = np.array([0.18, 0.24, 0.3, 0.34, 0.42, 0.38, 0.55, 0.5], dtype=np.float32)
    x = np.clip((intensity - onsets) / 0.4, 0.0, 1.0)
    smooth = x * x * (3 - 2 * x)
    actions = smooth * subject.gains + rng.normal(0, jitter, len(NFCS_ACTIONS))
    return Expression(np.clip(actions, 0.0, 1.0).astype(np.float32), asleep, yawn)
