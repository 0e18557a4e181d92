"""Synthetic neonatal data with ground truth: an iCOPE+UNIFESP-like image set and an iCOPEvid-like video set.

Real neonatal data cannot be redistributed, so the book runs by default on faces drawn by
:mod:`painsign_utils.render`, whose NFCS facial actions follow a latent pain intensity in [0, 1].
This module decides *what* is drawn: subjects, which images and videos exist, their labels, the
intensity over time of each video scenario (stable rest, stable pain, irregular, unstable,
indeterminate), confounders (sleep, yawns, fussing), occlusions, camera and lighting; and it writes
files plus manifests that follow the data contracts of :mod:`painsign_utils.data`.

Everything is drawn from ``numpy.random.SeedSequence([seed, ...])`` per item, so the same seed gives
byte-identical files however many worker processes render them.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from .errors import ConfigError, PainsignError
from .faces import LANDMARK_COLUMNS
from .render import (
    Expression,
    Placement,
    Subject,
    expression_from_intensity,
    nfcs_score,
    place_face,
    premultiply,
    render_face,
)
from .runtime import progress as tqdm
from .storage import atomic_path, read_json, remove_stale_temporaries, write_csv, write_json
from .video import VideoWriter

#: Video scenarios and what they look like (paper §3, Figs 1-4).
SCENARIOS: dict[str, str] = {
    "stable_rest": "calm or asleep throughout; the sign stays low",
    "stable_pain": "a sustained pain face; the sign stays high",
    "irregular": "one state with hands over the face and sudden brief changes",
    "unstable": "repeated switching between pain and no-pain faces",
    "indeterminate": "an expression hovering near the pain / no-pain boundary",
}

# iCOPEvid's label counts split over scenarios. The authors' predictions hold 49 pain and 71
# no-pain videos (N-CNN's sensitivity 0.8163 = 40/49); the paper's Table 1 transposes the two.
# The mix follows the sign types of paper Table 3 (N-CNN: 54 stable, 42 irregular, 24 unstable).
_VIDEO_MIX = {
    "pain": {"stable_pain": 19, "irregular": 16, "unstable": 9, "indeterminate": 5},
    "nopain": {"stable_rest": 33, "irregular": 20, "unstable": 12, "indeterminate": 6},
}


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

    @classmethod
    def scaled(cls, fraction: float, **overrides) -> SynthConfig:
        """The Table-1-shaped set with every count multiplied by ``fraction`` (at least 2 of each)."""
        base = cls()
        counts = {
            k: max(2, int(round(getattr(base, k) * fraction)))
            for k in (
                "icope_subjects", "icope_pain", "icope_nopain", "unifesp_subjects",
                "unifesp_pain", "unifesp_nopain", "video_subjects", "video_pain", "video_nopain",
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


# --------------------------------------------------------------------------------------------
# Backgrounds and photographic effects
# --------------------------------------------------------------------------------------------

def background(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A crib sheet or blanket: smooth colour field, optional stripes, fabric grain."""
    base = rng.uniform(90, 235, (3, 4, 3)).astype(np.float32)
    img = cv2.resize(base, (width, height), interpolation=cv2.INTER_CUBIC)
    if rng.random() < 0.5:
        period = rng.uniform(12, 40)
        angle = rng.uniform(0, np.pi)
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        stripes = np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / period)
        img *= (1 + 0.08 * (stripes > 0))[..., None]
    grain = cv2.GaussianBlur(rng.normal(0, 6, (height, width)).astype(np.float32), (0, 0), 1.2)
    img += grain[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


def photographic(frame: np.ndarray, rng: np.random.Generator, gain: float, blur: float,
                 noise: float, gradient: np.ndarray | None = None) -> np.ndarray:
    """Lighting gain and gradient, lens blur and sensor noise applied to a uint8 RGB frame."""
    img = frame.astype(np.float32) * gain
    if gradient is not None:
        img *= gradient[..., None]
    if blur > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), blur)
    if noise > 0:
        img += rng.normal(0, noise, img.shape[:2]).astype(np.float32)[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


def light_gradient(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """Multiplicative illumination field: brighter on one side (a window, a lamp)."""
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    t = ((xx / width - 0.5) * np.cos(angle) + (yy / height - 0.5) * np.sin(angle))
    return (1 + rng.uniform(0.1, 0.45) * t).astype(np.float32)


def draw_hand(frame: np.ndarray, rng: np.random.Generator, centre: tuple[float, float],
              size: float, skin: np.ndarray) -> None:
    """A small hand (palm and four fingers) over ``centre``, e.g. a newborn's fist or a carer's hand."""
    col = tuple(float(c) for c in np.clip(skin * rng.uniform(0.9, 1.1), 0, 255))
    cx, cy = centre
    angle = rng.uniform(0, 360)
    cv2.ellipse(frame, (int(cx), int(cy)), (int(size * 0.55), int(size * 0.45)), angle, 0, 360, col, -1, cv2.LINE_AA)
    for k in range(4):
        a = np.deg2rad(angle - 45 + k * 30)
        fx, fy = cx + np.cos(a) * size * 0.6, cy + np.sin(a) * size * 0.6
        cv2.ellipse(frame, (int(fx), int(fy)), (int(size * 0.32), int(size * 0.11)), np.rad2deg(a), 0, 360, col, -1, cv2.LINE_AA)


def draw_cloth(frame: np.ndarray, rng: np.random.Generator, box: np.ndarray) -> None:
    """A blanket covering the whole face box (the face becomes invisible)."""
    x, y, w, h = box
    pad = 0.25
    x0, y0 = int(x - pad * w), int(y - pad * h)
    x1, y1 = int(x + (1 + pad) * w), int(y + (1 + pad) * h)
    col = rng.uniform(150, 250, 3)
    cv2.rectangle(frame, (x0, y0), (x1, y1), tuple(float(c) for c in col), -1)
    for k in range(y0, y1, 6):
        cv2.line(frame, (x0, k), (x1, k), tuple(float(c) for c in col * 0.9), 1)


# --------------------------------------------------------------------------------------------
# Images (iCOPE + UNIFESP shaped)
# --------------------------------------------------------------------------------------------

def _split_counts(total: int, parts: int, rng: np.random.Generator) -> np.ndarray:
    """Split ``total`` items over ``parts`` subjects as evenly as a random order allows."""
    counts = np.full(parts, total // parts)
    counts[rng.permutation(parts)[: total % parts]] += 1
    return counts


def image_state(label: str, rng: np.random.Generator) -> tuple[float, float, float, str]:
    """Latent intensity and confounders of one still image: ``(intensity, asleep, yawn, kind)``."""
    if label == "pain":
        if rng.random() < 0.12:
            return float(rng.uniform(0.4, 0.55)), 0.0, 0.0, "mild pain"
        return float(rng.uniform(0.55, 1.0)), 0.0, 0.0, "pain"
    u = rng.random()
    if u < 0.2:
        return float(rng.uniform(0.0, 0.15)), 1.0, 0.0, "asleep"
    if u < 0.32:
        return float(rng.uniform(0.0, 0.2)), 0.0, float(rng.uniform(0.6, 1.0)), "yawn"
    if u < 0.5:
        return float(rng.uniform(0.3, 0.5)), 0.0, 0.0, "fussing"
    return float(rng.uniform(0.0, 0.3)), 0.0, 0.0, "rest"


def image_plan(cfg: SynthConfig) -> pd.DataFrame:
    """Which images exist: one row per image with subject, dataset, label (no pixels yet)."""
    rows = []
    for dataset, n_sub, n_pain, n_nopain in (
        ("synthetic-icope", cfg.icope_subjects, cfg.icope_pain, cfg.icope_nopain),
        ("synthetic-unifesp", cfg.unifesp_subjects, cfg.unifesp_pain, cfg.unifesp_nopain),
    ):
        rng = rng_for(cfg.seed, dataset)
        prefix = "I" if dataset.endswith("icope") else "U"
        for label, total in (("pain", n_pain), ("nopain", n_nopain)):
            for s, k in enumerate(_split_counts(total, n_sub, rng)):
                for j in range(k):
                    rows.append({"subject": f"{prefix}{s:03d}", "dataset": dataset, "label": label,
                                 "image_id": f"{prefix}{s:03d}_{label}_{j:02d}", "subject_index": s})
    return pd.DataFrame(rows)


def render_image(cfg: SynthConfig, rec: dict) -> tuple[np.ndarray, dict]:
    """Draw one still image; returns the RGB image and its ground truth."""
    prefix = rec["subject"][0]
    subject = Subject.random(rng_for(cfg.seed, prefix, rec["subject_index"]), rec["subject"])
    rng = rng_for(cfg.seed, rec["image_id"])
    width, height = cfg.icope_size if prefix == "I" else cfg.unifesp_size
    intensity, asleep, yawn, kind = image_state(rec["label"], rng)
    expr = expression_from_intensity(intensity, subject, rng, asleep=asleep, yawn=yawn)
    frame = background(rng, width, height)
    unit = height * rng.uniform(0.17, 0.27)
    where = Placement(
        cx=width / 2 + rng.uniform(-0.12, 0.12) * width,
        cy=height / 2 + rng.uniform(-0.08, 0.08) * height,
        unit=unit,
        roll=float(np.clip(rng.normal(0, 12), -30, 30)),
    )
    box, lms = place_face(frame, subject, expr, where, quiver_phase=rng.uniform(0, 2 * np.pi))
    frame = photographic(frame, rng, gain=rng.uniform(0.75, 1.12), blur=rng.uniform(0, 1.3),
                         noise=rng.uniform(1, 7), gradient=light_gradient(rng, width, height))
    truth = {"intensity": round(intensity, 4), "nfcs": nfcs_score(expr), "state": kind,
             "roll": round(where.roll, 2), "x": box[0], "y": box[1], "w": box[2], "h": box[3]}
    truth.update(dict(zip(LANDMARK_COLUMNS, lms.ravel().round(2).tolist())))
    return frame, truth


def _image_job(args: tuple[SynthConfig, dict, str]) -> dict:
    cfg, rec, out = args
    path = Path(out) / f"{rec['image_id']}.jpg"
    frame, truth = render_image(cfg, rec)
    if not path.exists():
        ok, buf = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
        with atomic_path(path) as tmp:
            tmp.write_bytes(buf.tobytes())
    return {"path": path.name, "subject": rec["subject"], "dataset": rec["dataset"],
            "label": rec["label"], **truth}


# --------------------------------------------------------------------------------------------
# Videos (iCOPEvid shaped)
# --------------------------------------------------------------------------------------------

def video_plan(cfg: SynthConfig) -> pd.DataFrame:
    """Which videos exist: id, subject, label and scenario, balanced like iCOPEvid."""
    rng = rng_for(cfg.seed, "videos")
    rows = []
    for label, total in (("pain", cfg.video_pain), ("nopain", cfg.video_nopain)):
        mix = _VIDEO_MIX[label]
        weights = np.array(list(mix.values()), float)
        counts = np.floor(weights / weights.sum() * total).astype(int)
        for i in np.argsort(-(weights / weights.sum() * total - counts))[: total - counts.sum()]:
            counts[i] += 1
        for scenario, k in zip(mix, counts):
            rows += [{"label": label, "scenario": scenario} for _ in range(k)]
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    subjects = np.concatenate([np.arange(cfg.video_subjects),
                               rng.integers(0, cfg.video_subjects, max(0, len(rows) - cfg.video_subjects))])
    for i, row in enumerate(rows):
        row.update(video_id=f"V{i:03d}", subject=f"V{int(subjects[i]):03d}", subject_index=int(subjects[i]))
    return pd.DataFrame(rows)


def _ou(rng: np.random.Generator, n: int, fps: float, sd: float, tau: float = 0.6) -> np.ndarray:
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


def video_script(scenario: str, label: str, n: int, fps: float, rng: np.random.Generator) -> VideoScript:
    """The latent intensity over time for one scenario (see :data:`SCENARIOS`)."""
    t = np.arange(n) / fps
    high, low = rng.uniform(0.72, 0.95), rng.uniform(0.03, 0.2)
    base = high if label == "pain" else low
    asleep = np.zeros(n)
    yawn = np.zeros(n)
    hand = np.zeros(n, dtype=np.int8)
    cloth = np.zeros(n, dtype=bool)
    noise = _ou(rng, n, fps, 0.04)
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
        drift = _ou(rng, n, fps, 0.16, tau=2.5)
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
        noise = _ou(rng, n, fps, 0.06, tau=0.5)
    else:
        raise ConfigError(f"unknown scenario {scenario!r}; choose from {sorted(SCENARIOS)}")
    intensity = np.clip(level + noise, 0.0, 1.0)
    return VideoScript(intensity, asleep, yawn, hand, cloth)


def _video_job(args: tuple[SynthConfig, dict, str]) -> dict:
    cfg, rec, out = args
    cv2.setNumThreads(1)
    out = Path(out)
    path = out / f"{rec['video_id']}.mp4"
    truth_path = out / "truth" / f"{rec['video_id']}.csv"
    row = {"path": path.name, "subject": rec["subject"], "dataset": "synthetic-icopevid",
           "label": rec["label"], "fps": cfg.video_fps, "scenario": rec["scenario"],
           "truth": f"truth/{truth_path.name}"}
    if path.exists() and truth_path.exists():
        return row
    subject = Subject.random(rng_for(cfg.seed, "V", rec["subject_index"]), rec["subject"])
    rng = rng_for(cfg.seed, rec["video_id"])
    n = int(round(cfg.video_seconds * cfg.video_fps))
    width, height = cfg.video_size
    script = video_script(rec["scenario"], rec["label"], n, cfg.video_fps, rng)
    bg = background(rng, width, height)
    grad = light_gradient(rng, width, height)
    gain, blur, noise_sd = rng.uniform(0.8, 1.1), rng.uniform(0, 1.0), rng.uniform(1, 5)
    if blur > 0.3:
        bg = cv2.GaussianBlur(bg, (0, 0), blur)
    unit0 = height * rng.uniform(0.17, 0.26)
    roll0 = float(np.clip(rng.normal(0, 12), -25, 25))
    drift = np.stack([_ou(rng, n, cfg.video_fps, s, tau=2.0) for s in (0.03, 0.02, 3.0)], axis=1)
    cx0, cy0 = width * rng.uniform(0.4, 0.6), height * rng.uniform(0.45, 0.55)
    hand_pos = rng.uniform(-0.5, 0.5, 2)
    # Lighting and sensor noise are baked into a few background frames once; each face patch gets
    # the light at the face and its own noise when it is first rendered. Per frame, only a copy,
    # one warp and one blend remain, which keeps ~70,000 frames within a minute or two.
    light = (gain * grad).astype(np.float32)
    lit = [cv2.convertScaleAbs(bg.astype(np.float32) * light[..., None]
                               + rng.normal(0, noise_sd, (height, width, 1)).astype(np.float32))
           for _ in range(5)]
    face_light = float(light[int(np.clip(cy0, 0, height - 1)), int(np.clip(cx0, 0, width - 1))])
    boxes = np.empty((n, 4))
    marks = np.empty((n, 10))
    nfcs = np.empty(n, dtype=int)
    patches: dict[tuple, tuple] = {}
    with VideoWriter(path, cfg.video_fps, (width, height)) as writer:
        for i in range(n):
            # Expressions are quantized (1/100 of intensity, 5 quiver phases) so that a video
            # renders each distinct face once; the latent intensity itself stays exact.
            key = (int(round(script.intensity[i] * 100)), int(round(script.asleep[i] * 4)),
                   int(round(script.yawn[i] * 20)), i % 5)
            if key not in patches:
                expr = expression_from_intensity(key[0] / 100, subject, np.random.default_rng(key[0]),
                                                 asleep=key[1] / 4, yawn=key[2] / 20, jitter=0.0)
                phase = 2 * np.pi * key[3] / 5 if expr["chin_quiver"] > 0.05 else 0.0
                rgba, lm = premultiply(*render_face(subject, expr, unit0, phase))
                if blur > 0.3:  # lens blur applied once per distinct face, not per frame
                    rgba = cv2.GaussianBlur(rgba, (0, 0), blur)
                grain = np.random.default_rng(list(key)).normal(0, noise_sd, rgba.shape[:2])
                rgba[..., :3] = rgba[..., :3] * face_light + (grain * rgba[..., 3])[..., None]
                patches[key] = (expr, (rgba.astype(np.float32), lm))
            expr, patch = patches[key]
            where = Placement(cx0 + drift[i, 0] * width, cy0 + drift[i, 1] * height, unit0,
                              float(np.clip(roll0 + drift[i, 2], -30, 30)))
            frame = lit[i % len(lit)].copy()
            box, lms = place_face(frame, subject, expr, where, patch=patch)
            if script.hand[i]:
                draw_hand(frame, rng_for(cfg.seed, rec["video_id"], int(i // 15)),
                          (where.cx + hand_pos[0] * where.unit, where.cy + (0.4 + hand_pos[1] * 0.5) * where.unit),
                          where.unit * 0.55, subject.skin * face_light)
            if script.cloth[i]:
                draw_cloth(frame, rng_for(cfg.seed, rec["video_id"], "cloth"), box)
            writer.write(frame)
            boxes[i], marks[i], nfcs[i] = box, lms.ravel(), nfcs_score(expr)
    records = pd.DataFrame({
        "frame": np.arange(n), "time": (np.arange(n) / cfg.video_fps).round(4),
        "intensity": script.intensity.round(4), "face_visible": ~script.cloth, "hand": script.hand.astype(int),
        "asleep": script.asleep, "yawn": script.yawn.round(3), "nfcs": nfcs,
    })
    records[["x", "y", "w", "h"]] = boxes.round(2)
    records[list(LANDMARK_COLUMNS)] = marks.round(2)
    write_csv(records, truth_path)
    return row


# --------------------------------------------------------------------------------------------
# Whole data sets
# --------------------------------------------------------------------------------------------

def _end_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's worker processes now (Ctrl-C, SIGTERM or an error), not after their jobs."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    for proc in procs:
        proc.join(timeout=5)
        if proc.is_alive():  # pragma: no cover - a worker that ignores SIGTERM
            proc.kill()
            proc.join(timeout=5)
    # The workers are gone: let the pool's manager thread finish and release its queues now, so
    # that nothing (a leaked-semaphore warning of the resource tracker) is printed at exit.
    pool.shutdown(wait=True, cancel_futures=True)


def _worker_init() -> None:
    """Workers leave Ctrl-C to the main process, which ends them (no traceback from each worker)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(jobs: list, fn, n_jobs: int, desc: str, progress: bool) -> Iterator[dict]:
    if n_jobs <= 1 or len(jobs) <= 1:
        yield from (fn(j) for j in tqdm(jobs, desc=desc, disable=not progress))
        return
    # "spawn", not fork: forking a process whose PyTorch/ONNX thread pools are already running can
    # deadlock the children (seen when tests import torch before generating data).
    pool = ProcessPoolExecutor(max_workers=n_jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_init)
    try:
        yield from tqdm(pool.map(fn, jobs, chunksize=4), total=len(jobs), desc=desc, disable=not progress)
    except BrokenProcessPool:
        _end_workers(pool)
        raise PainsignError(
            f"a worker process died while rendering {desc} (killed, or out of memory?); "
            "run again to continue where it stopped, or with --jobs 1"
        ) from None
    except BaseException:  # Ctrl-C, SIGTERM (raised as KeyboardInterrupt by the CLI), errors
        _end_workers(pool)
        raise
    else:
        pool.shutdown(wait=True)


def _discard_partial(out: Path) -> int:
    """Remove the files an unfinished run made under ``out/images`` and ``out/videos`` (ours only)."""
    n = 0
    for pattern in ("images/*.jpg", "images/manifest.csv", "videos/*.mp4", "videos/manifest.csv",
                    "videos/truth/*.csv"):
        for p in out.glob(pattern):
            p.unlink()
            n += 1
    return n


def generate(out: str | Path, cfg: SynthConfig | None = None, images: bool = True, videos: bool = True,
             n_jobs: int | None = None, progress: bool = True) -> dict[str, Path]:
    """Write the synthetic image and video sets with their manifests under ``out``.

    Layout::

        out/config.json
        out/images/manifest.csv      path, subject, dataset, label, nfcs, intensity, state, roll, x, y, w, h, landmarks
        out/images/<id>.jpg
        out/videos/manifest.csv      path, subject, dataset, label, fps, scenario, truth
        out/videos/<id>.mp4
        out/videos/truth/<id>.csv    frame, time, intensity, face_visible, hand, ..., x, y, w, h, landmarks

    A finished set (its manifest present and the same config) is reused as it is; files from an
    interrupted run with the same settings are reused one by one, files from one with other settings
    are discarded, and hidden temporary files of killed writers are removed. ``config.json`` is
    written last. Ctrl-C or SIGTERM ends the worker processes.

    Returns
    -------
    dict
        ``{"images": manifest path, "videos": manifest path}`` for the parts generated.
    """
    cfg = cfg or SynthConfig()
    cfg.validate()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} is a file; the synthetic set needs a folder")
    out.mkdir(parents=True, exist_ok=True)
    config_path = out / "config.json"
    # config.json marks a finished set and is written last; while a run is under way its settings
    # are in .config.partial.json, so that an interrupted run never blocks a rerun with other
    # settings, and its files are never mixed with files made under other settings.
    partial_path = out / ".config.partial.json"
    wanted = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()}
    if config_path.exists() and read_json(config_path) != wanted:
        raise ConfigError(f"{out} holds a synthetic set made with other settings; choose another folder or delete it")
    for sub in (out / "images", out / "videos"):
        removed = remove_stale_temporaries(sub, recursive=True)
        if removed:
            print(f"synthetic: removed {removed} temporary file(s) left by an interrupted run in {sub}")
    if not config_path.exists():
        if partial_path.exists() and read_json(partial_path) != wanted:
            n = _discard_partial(out)
            print(f"synthetic: an interrupted run with other settings left {n} file(s) in {out}; discarded")
        write_json(wanted, partial_path)
    n_jobs = n_jobs or min(4, os.cpu_count() or 1)
    result: dict[str, Path] = {}
    if images:
        manifest = out / "images" / "manifest.csv"
        if not manifest.exists():
            plan = image_plan(cfg)
            jobs = [(cfg, rec, str(out / "images")) for rec in plan.to_dict("records")]
            (out / "images").mkdir(exist_ok=True)
            rows = list(_run(jobs, _image_job, n_jobs, "images", progress))
            write_csv(pd.DataFrame(rows), manifest)
        result["images"] = manifest
    if videos:
        manifest = out / "videos" / "manifest.csv"
        if not manifest.exists():
            plan = video_plan(cfg)
            jobs = [(cfg, rec, str(out / "videos")) for rec in plan.to_dict("records")]
            (out / "videos" / "truth").mkdir(parents=True, exist_ok=True)
            rows = list(_run(jobs, _video_job, n_jobs, "videos", progress))
            write_csv(pd.DataFrame(rows), manifest)
        result["videos"] = manifest
    if not config_path.exists():
        os.replace(partial_path, config_path)  # atomic: the set is finished
    return result


def render_gallery_face(subject: Subject, intensity: float, size: int = 160, seed: int = 0,
                        asleep: float = 0.0, yawn: float = 0.0) -> np.ndarray:
    """One subject at one intensity on a plain background, for galleries (RGB uint8, square)."""
    rng = rng_for(seed, subject.id, int(intensity * 1000))
    frame = np.full((size, size, 3), 225, np.uint8)
    expr: Expression = expression_from_intensity(intensity, subject, rng, asleep=asleep, yawn=yawn, jitter=0.0)
    place_face(frame, subject, expr, Placement(size / 2, size / 2 + size * 0.02, size * 0.3, 0.0))
    return frame
