"""The video scenarios (paper §3, Figs 1-4): the latent pain intensity over time of each.

:func:`video_script` plans one video frame by frame: intensity, sleep, yawns, hands over the face and
blankets, for stable rest, stable pain, irregular, unstable and indeterminate videos.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

#: Video scenarios (paper §3, Figs 1-4); chapter 00 says what each looks like.
SCENARIOS: tuple[str, ...] = (
    "stable_rest",
    "stable_pain",
    "irregular",
    "unstable",
    "indeterminate",
)


def ou_noise(
    rng: np.random.Generator, n: int, fps: float, sd: float, tau: float = 0.6
) -> np.ndarray:
    """Ornstein-Uhlenbeck noise: smooth wander with standard deviation ``sd``."""
    a = np.exp(-1.0 / (fps * tau))
    x = np.empty(n)
    x[0] = rng.normal(0, sd)
    eps = rng.normal(0, sd * np.sqrt(1 - a * a), n)
    for i in range(1, n):
        x[i] = a * x[i - 1] + eps[i]
    return x


def _smooth_steps(levels: np.ndarray, fps: float, ramp: float = 0.25) -> np.ndarray:
    k = max(1, int(ramp * fps))
    kernel = np.ones(k) / k
    padded = np.concatenate([np.full(k, levels[0]), levels, np.full(k, levels[-1])])
    return np.convolve(padded, kernel, mode="same")[k:-k]


@dataclass
class VideoScript:
    """Per-frame plan of one video: intensity, confounders, occlusions."""

    intensity: np.ndarray
    asleep: np.ndarray
    yawn: np.ndarray
    hand: np.ndarray  # 0 none, 1 hand over part of the face
    cloth: np.ndarray  # True where a blanket hides the whole face


def video_script(
    scenario: str, label: str, n: int, fps: float, rng: np.random.Generator
) -> VideoScript:
    """The latent intensity over time for one scenario (see :data:`SCENARIOS`)."""
    t = np.arange(n) / fps
    high, low = rng.uniform(0.72, 0.95), rng.uniform(0.03, 0.2)
    base = high if label == "pain" else low
    asleep = np.zeros(n)
    yawn = np.zeros(n)
    hand = np.zeros(n, dtype=np.int8)
    cloth = np.zeros(n, dtype=bool)
    noise = ou_noise(rng, n, fps, 0.04)
    if scenario in ("stable_rest", "stable_pain"):
        level = np.full(n, base)
        if label == "nopain":
            if rng.random() < 0.4:
                asleep[:] = 1.0
            elif rng.random() < 0.5:  # a yawn: open mouth without a pain face
                s = rng.uniform(0, max(t[-1] - 2.0, 0.1))
                yawn = np.clip(1 - np.abs(t - s - 1.0) / 1.0, 0, 1) * rng.uniform(0.7, 1.0)
    elif scenario == "irregular":
        # Few transitions, wide spread (paper Fig. 2): the expression drifts slowly on its own
        # side of the boundary, is briefly hidden by hands, and changes suddenly once or twice.
        side = (0.55, 0.97) if base >= 0.5 else (0.03, 0.45)
        drift = ou_noise(rng, n, fps, 0.16, tau=2.5)
        level = np.clip(base + drift, *side)
        for _ in range(rng.integers(1, 3)):  # sudden brief changes across the boundary
            s, d = rng.uniform(1.0, max(t[-1] - 2.5, 1.1)), rng.uniform(0.8, 1.8)
            other = rng.uniform(0.75, 0.95) if base < 0.5 else rng.uniform(0.05, 0.25)
            level[(t >= s) & (t < s + d)] = other
        for _ in range(rng.integers(1, 4)):  # hands over the face
            s, d = rng.uniform(0, max(t[-1] - 1, 0.1)), rng.uniform(0.8, 2.5)
            hand[(t >= s) & (t < s + d)] = 1
        if rng.random() < 0.5:  # the face disappears under a blanket for a moment
            s, d = rng.uniform(0, max(t[-1] - 1, 0.1)), rng.uniform(0.4, 1.2)
            cloth[(t >= s) & (t < s + d)] = True
        level = _smooth_steps(level, fps, 0.15)
    elif scenario == "unstable":
        # Repeated pain / no-pain switching (paper Fig. 3): a new state every 0.8-2 s.
        level = np.empty(n)
        state = label == "pain"
        i = 0
        while i < n:
            d = int(rng.uniform(0.8, 2.0) * fps * (1.2 if state == (label == "pain") else 0.85))
            level[i : i + d] = rng.uniform(0.72, 0.95) if state else rng.uniform(0.03, 0.2)
            state = not state
            i += d
        level = _smooth_steps(level, fps, 0.25)
    elif scenario == "indeterminate":
        # Hovering at the boundary (paper Fig. 4): small, slow wander around 0.5.
        centre = 0.51 if label == "pain" else 0.49
        level = np.full(n, centre)
        noise = ou_noise(rng, n, fps, 0.06, tau=0.5)
    else:
        raise ConfigError(f"unknown scenario {scenario!r}; choose from {sorted(SCENARIOS)}")
    intensity = np.clip(level + noise, 0.0, 1.0)
    return VideoScript(intensity, asleep, yawn, hand, cloth)
