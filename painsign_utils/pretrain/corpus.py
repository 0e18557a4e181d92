"""The pretraining corpus: rendered faces of identities disjoint from the book's data sets, on crib
backgrounds, roll ±30°, lighting, blur, noise, caps, hands, cropped like the detector's crops."""

from __future__ import annotations

import cv2
import numpy as np

from ..render import Subject, expression_from_intensity
from ..runtime import progress as tqdm
from ..synthetic import draw_hand, rng_for
from ..synthetic.scene import StillLook, still_frame
from .config import PREFIX, SEED_OFFSET, TARGETS

#: Framing and light of the corpus faces: centred (the crop follows the face), a narrower size range.
CORPUS_LOOK = StillLook(unit=(0.17, 0.23), shift=(0.05, 0.05), gain_low=0.7)


def corpus_subjects(seed: int, n: int, first: int = 0) -> list[Subject]:
    """Pretraining identities ``P{first:03d}`` …, drawn from ``seed + SEED_OFFSET``."""
    s = seed + SEED_OFFSET
    return [
        Subject.random(rng_for(s, PREFIX, i), f"{PREFIX}{i:03d}") for i in range(first, first + n)
    ]


def render_face_crop(
    subject: Subject, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One face of ``subject`` in a random state, cropped like a detector crop.

    Returns
    -------
    crop : ndarray, shape (size, size, 3), uint8 RGB
    targets : ndarray, shape (len(TARGETS),), float32
    """
    u = rng.random()
    asleep = yawn = 0.0
    if u < 0.12:
        intensity, asleep = rng.uniform(0.0, 0.15), 1.0
    elif u < 0.22:
        intensity, yawn = rng.uniform(0.0, 0.2), rng.uniform(0.5, 1.0)
    else:
        intensity = rng.uniform(0.0, 1.0)
    expr = expression_from_intensity(intensity, subject, rng, asleep=asleep, yawn=yawn)
    side = max(160, int(2.5 * size))

    def hand(frame: np.ndarray, lms: np.ndarray, unit: float) -> None:
        if rng.random() < 0.15:  # a hand over part of the face
            k = rng.integers(5)
            centre = (float(lms[k, 0]), float(lms[k, 1]))
            draw_hand(frame, rng, centre, unit * rng.uniform(0.6, 1.0), subject.skin)

    frame, box, lms, _ = still_frame(rng, subject, expr, side, side, CORPUS_LOOK, hand)
    # A detector's square crop with a 0.2 margin, with the jitter a detector's box has.
    x, y, w, h = box
    crop_side = max(w, h) * 1.4 * rng.uniform(0.92, 1.08)
    cx = x + w / 2 + rng.normal(0, 0.04) * w
    cy = y + h / 2 + rng.normal(0, 0.04) * h
    s = size / crop_side
    m = np.array([[s, 0, size / 2 - s * cx], [0, s, size / 2 - s * cy]])
    crop = cv2.warpAffine(
        frame, m, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
    )
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    targets = np.r_[expr.actions, asleep, yawn, intensity].astype(np.float32)
    return np.ascontiguousarray(crop), targets


def render_corpus(
    subjects: list[Subject],
    per_subject: int,
    size: int,
    seed: int,
    tag: str = "train",
    progress: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render ``per_subject`` faces of each subject.

    Returns
    -------
    images : ndarray, shape (N, size, size, 3), uint8
    identity : ndarray, shape (N,), int64 (index into ``subjects``)
    targets : ndarray, shape (N, len(TARGETS)), float32
    """
    n = len(subjects) * per_subject
    images = np.empty((n, size, size, 3), np.uint8)
    identity = np.repeat(np.arange(len(subjects)), per_subject)
    targets = np.empty((n, len(TARGETS)), np.float32)
    cv2.setNumThreads(1)
    for i in tqdm(range(n), desc=f"rendering {tag} faces", disable=not progress, leave=False):
        subject = subjects[identity[i]]
        rng = rng_for(seed + SEED_OFFSET, tag, subject.id, int(i % per_subject))
        images[i], targets[i] = render_face_crop(subject, size, rng)
    return images, identity, targets
