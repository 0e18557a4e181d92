"""The pretraining corpus: rendered faces of identities disjoint from the book's data sets, on crib
backgrounds, roll ±30°, lighting, blur, noise, caps, hands, cropped like the detector's crops."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from ..render import Subject, expression_from_intensity
from ..runtime import progress as tqdm
from ..storage import atomic_path
from ..synthetic import draw_hand, rng_for
from ..synthetic.scene import StillLook, still_frame
from .config import PREFIX, SEED_OFFSET, TARGETS, PretrainConfig, cache_root

#: Framing and light of the corpus faces: centred (the crop follows the face), a narrower size range.
CORPUS_LOOK = StillLook(unit=(0.17, 0.23), shift=(0.05, 0.05), gain_low=0.7)


def corpus_subjects(seed: int, n: int, first: int = 0) -> list[Subject]:
    """Pretraining identities ``P{first:03d}`` …, drawn from ``seed + SEED_OFFSET``."""
    s = seed + SEED_OFFSET
    return [
        Subject.random(rng_for(s, PREFIX, i), f"{PREFIX}{i:03d}") for i in range(first, first + n)
    ]


def frame_side(size: int) -> int:
    """Side of the square frame a ``size``-px crop is cut from.

    Crop sizes with the same frame side are cut from the same frames: :func:`render_corpus_sizes`
    renders those once.
    """
    return max(160, int(2.5 * size))


def render_face_crop(
    subject: Subject, size: int | Sequence[int], rng: np.random.Generator
) -> tuple[dict[int, np.ndarray], np.ndarray]:
    """One face of ``subject`` in a random state, cropped like a detector crop at each size.

    Parameters
    ----------
    subject : Subject
    size : int or sequence of int
        Crop side(s) in pixels; every size must have the same :func:`frame_side`.
    rng : Generator
        Draws the face, its frame and the crop's jitter (the same draws whatever the sizes).

    Returns
    -------
    crops : dict size → ndarray, shape (size, size, 3), uint8 RGB
    targets : ndarray, shape (len(TARGETS),), float32
    """
    sizes = [int(size)] if np.isscalar(size) else [int(s) for s in size]
    if len({frame_side(s) for s in sizes}) != 1:
        raise ValueError(f"crop sizes {sizes} are cut from frames of different sides")
    u = rng.random()
    asleep = yawn = 0.0
    if u < 0.12:
        intensity, asleep = rng.uniform(0.0, 0.15), 1.0
    elif u < 0.22:
        intensity, yawn = rng.uniform(0.0, 0.2), rng.uniform(0.5, 1.0)
    else:
        intensity = rng.uniform(0.0, 1.0)
    expr = expression_from_intensity(intensity, subject, rng, asleep=asleep, yawn=yawn)
    side = frame_side(sizes[0])

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
    crops = {}
    for size in sizes:
        s = size / crop_side
        m = np.array([[s, 0, size / 2 - s * cx], [0, s, size / 2 - s * cy]])
        crops[size] = cv2.warpAffine(
            frame, m, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
        )
    if rng.random() < 0.5:
        crops = {k: np.ascontiguousarray(c[:, ::-1]) for k, c in crops.items()}
    targets = np.r_[expr.actions, asleep, yawn, intensity].astype(np.float32)
    return crops, targets


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
    return render_corpus_sizes(subjects, per_subject, [size], seed, tag, progress)[size]


def render_corpus_sizes(
    subjects: list[Subject],
    per_subject: int,
    sizes: Sequence[int],
    seed: int,
    tag: str = "train",
    progress: bool = True,
) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """:func:`render_corpus` at several crop sizes, each face rendered once per frame side.

    The crops of each size are exactly those :func:`render_corpus` gives at that size alone (the
    random draws do not depend on the crop size), so two models pretrained at different sizes
    share one rendering.
    """
    n = len(subjects) * per_subject
    identity = np.repeat(np.arange(len(subjects)), per_subject)
    targets = np.empty((n, len(TARGETS)), np.float32)
    out = {}
    cv2.setNumThreads(1)
    for side in sorted({frame_side(s) for s in sizes}):
        group = sorted({int(s) for s in sizes if frame_side(s) == side})
        images = {s: np.empty((n, s, s, 3), np.uint8) for s in group}
        for i in tqdm(range(n), desc=f"rendering {tag} faces", disable=not progress, leave=False):
            subject = subjects[identity[i]]
            rng = rng_for(seed + SEED_OFFSET, tag, subject.id, int(i % per_subject))
            crops, targets[i] = render_face_crop(subject, group, rng)
            for s in group:
                images[s][i] = crops[s]
        out.update({s: (images[s], identity, targets.copy()) for s in group})
    return out


#: The parts of a corpus: training faces, held-out faces of the training identities, and faces of
#: identities never trained on (8 each).
PARTS = ("train", "val", "unseen")


def corpus_key(cfg: PretrainConfig) -> str:
    """Digest of what the corpus faces depend on (seed, identities, renders per identity).

    Not of the training recipe: runs that differ only in epochs or learning rate share a corpus.
    """
    keys = ("seed", "subjects", "per_subject", "val_per_subject", "unseen_subjects")
    text = json.dumps({k: getattr(cfg, k) for k in keys} | {"version": 1}, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def corpus_path(cfg: PretrainConfig, size: int, root: str | Path | None = None) -> Path:
    """Cache file of the corpus ``cfg`` describes at crop size ``size``."""
    return Path(root or cache_root()) / "corpus" / f"{corpus_key(cfg)}-{size}px.npz"


def prepare_corpus(
    cfg: PretrainConfig,
    sizes: Sequence[int],
    root: str | Path | None = None,
    progress: bool = True,
) -> float:
    """Render and cache the corpus at every size of ``sizes`` not cached yet; returns seconds spent."""
    todo = sorted({int(s) for s in sizes if not corpus_path(cfg, s, root).is_file()})
    if not todo:
        return 0.0
    t0 = time.perf_counter()
    train = corpus_subjects(cfg.seed, cfg.subjects)
    unseen = corpus_subjects(cfg.seed, cfg.unseen_subjects, first=cfg.subjects)
    plan = {
        "train": (train, cfg.per_subject),
        "val": (train, cfg.val_per_subject),
        "unseen": (unseen, 8),
    }
    rendered = {
        part: render_corpus_sizes(subjects, k, todo, cfg.seed, part, progress)
        for part, (subjects, k) in plan.items()
    }
    for size in todo:
        arrays = {
            f"{part}_{name}": a
            for part in PARTS
            for name, a in zip(("images", "identity", "targets"), rendered[part][size])
        }
        path = corpus_path(cfg, size, root)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path, suffix=".npz") as tmp:
            np.savez(tmp, **arrays)
    return time.perf_counter() - t0


def load_corpus(
    cfg: PretrainConfig, size: int, root: str | Path | None = None, progress: bool = True
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], float]:
    """The corpus at ``size`` (rendered first when not cached): part → (images, identity, targets),
    and the seconds its rendering took here (0 when it was cached)."""
    seconds = prepare_corpus(cfg, [size], root, progress)
    with np.load(corpus_path(cfg, size, root)) as z:
        parts = {p: (z[f"{p}_images"], z[f"{p}_identity"], z[f"{p}_targets"]) for p in PARTS}
    return parts, seconds
