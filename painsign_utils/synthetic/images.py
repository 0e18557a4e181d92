"""The iCOPE+UNIFESP-like still images: which exist (:func:`image_plan`), and drawing each one.

Also :func:`render_gallery_face`, one subject at one intensity on a plain background.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from ..faces import LANDMARK_COLUMNS
from ..render import (
    Expression,
    Placement,
    Subject,
    expression_from_intensity,
    nfcs_score,
    place_face,
)
from ..storage import atomic_path
from .config import SynthConfig, rng_for
from .scene import StillLook, still_frame

#: Framing and light of the Table-1-like stills.
STILL_LOOK = StillLook(unit=(0.17, 0.27), shift=(0.12, 0.08), gain_low=0.75)


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
                    rows.append(
                        {
                            "subject": f"{prefix}{s:03d}",
                            "dataset": dataset,
                            "label": label,
                            "image_id": f"{prefix}{s:03d}_{label}_{j:02d}",
                            "subject_index": s,
                        }
                    )
    return pd.DataFrame(rows)


def render_image(cfg: SynthConfig, rec: dict) -> tuple[np.ndarray, dict]:
    """Draw one still image; returns the RGB image and its ground truth."""
    prefix = rec["subject"][0]
    subject = Subject.random(rng_for(cfg.seed, prefix, rec["subject_index"]), rec["subject"])
    rng = rng_for(cfg.seed, rec["image_id"])
    width, height = cfg.icope_size if prefix == "I" else cfg.unifesp_size
    intensity, asleep, yawn, kind = image_state(rec["label"], rng)
    expr = expression_from_intensity(intensity, subject, rng, asleep=asleep, yawn=yawn)
    frame, box, lms, where = still_frame(rng, subject, expr, width, height, STILL_LOOK)
    truth = {
        "intensity": round(intensity, 4),
        "nfcs": nfcs_score(expr),
        "state": kind,
        "roll": round(where.roll, 2),
        "x": box[0],
        "y": box[1],
        "w": box[2],
        "h": box[3],
    }
    truth.update(dict(zip(LANDMARK_COLUMNS, lms.ravel().round(2).tolist())))
    return frame, truth


def image_job(args: tuple[SynthConfig, dict, str]) -> dict:
    """Render and write one image (skipped if its file exists); its manifest row. Runs in a worker."""
    cfg, rec, out = args
    path = Path(out) / f"{rec['image_id']}.jpg"
    frame, truth = render_image(cfg, rec)
    if not path.exists():
        ok, buf = cv2.imencode(
            ".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92]
        )
        with atomic_path(path) as tmp:
            tmp.write_bytes(buf.tobytes())
    return {
        "path": path.name,
        "subject": rec["subject"],
        "dataset": rec["dataset"],
        "label": rec["label"],
        **truth,
    }


def render_gallery_face(
    subject: Subject,
    intensity: float,
    size: int = 160,
    seed: int = 0,
    asleep: float = 0.0,
    yawn: float = 0.0,
) -> np.ndarray:
    """One subject at one intensity on a plain background, for galleries (RGB uint8, square)."""
    rng = rng_for(seed, subject.id, int(intensity * 1000))
    frame = np.full((size, size, 3), 225, np.uint8)
    expr: Expression = expression_from_intensity(
        intensity, subject, rng, asleep=asleep, yawn=yawn, jitter=0.0
    )
    place_face(frame, subject, expr, Placement(size / 2, size / 2 + size * 0.02, size * 0.3, 0.0))
    return frame
