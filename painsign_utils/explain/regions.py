"""Probe faces with ground-truth regions: which pixels of a model's face crop are face, cap and
background.

The synthetic generator knows where it drew every part of a face (:func:`painsign_utils.render.
region_masks`). :func:`region_probes` draws fresh still images the way the photo set's are drawn
(:data:`painsign_utils.synthetic.images.STILL_LOOK`, subjects disjoint from every data set), crops
each face as inference does (the ground-truth box, which follows RetinaFace's convention, with
:data:`painsign_utils.inference.CROP_MARGIN`) and crops its region masks the same way, so that a
mask pixel lies exactly under the crop pixel it describes. Half the probes wear a cap, so that the
cap's share of a model's evidence can be measured. The occlusion test and the attribution shares
of :mod:`.occlusion` use them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import pandas as pd

from ..faces import crop_face
from ..faces.detection import Detection
from ..inference import CROP_MARGIN
from ..render import REGIONS, Subject, expression_from_intensity, region_masks
from ..synthetic import rng_for
from ..synthetic.images import STILL_LOOK, image_state
from ..synthetic.scene import still_frame


@dataclass
class RegionProbes:
    """Face crops with their ground-truth region masks.

    Attributes
    ----------
    crops : ndarray, shape (N, S, S, 3), uint8
        Face crops as a model receives them (RGB).
    masks : ndarray, shape (N, S, S, R), float32
        Coverage in [0, 1] of each of :attr:`regions` (``face, cap, background``; they add up to 1).
    table : DataFrame
        One row per probe: ``probe, subject, label, intensity, state, cap`` and the area share of
        every region (``area_face``, ...).
    regions : tuple of str
    """

    crops: np.ndarray
    masks: np.ndarray
    table: pd.DataFrame
    regions: tuple[str, ...] = REGIONS

    def mask(self, region: str, size: int | None = None) -> np.ndarray:
        """The masks of one region, shape (N, size, size) (the crops' size when None)."""
        if region not in self.regions:
            raise KeyError(f"unknown region {region!r}; known: {', '.join(self.regions)}")
        m = self.masks[..., self.regions.index(region)]
        return m if size is None else resize_masks(m, size)


def resize_masks(masks: np.ndarray, size: int) -> np.ndarray:
    """Masks ``(N, H, W)`` resized to ``(N, size, size)`` by area averaging (coverage kept)."""
    m = np.asarray(masks, dtype=np.float32)
    if m.shape[1:] == (size, size):
        return m
    interp = cv2.INTER_AREA if m.shape[1] > size else cv2.INTER_LINEAR
    out = [cv2.resize(x, (size, size), interpolation=interp) for x in m]
    return np.clip(np.stack(out) if out else np.zeros((0, size, size), np.float32), 0.0, 1.0)


def _probe_subjects(seed: int, n: int) -> list[Subject]:
    """``n`` subjects of the probe identities, alternately with and without a cap.

    Subjects are drawn in order from their own seed key and kept when their cap matches the turn,
    so each keeps its natural look (the cap's colour included).
    """
    out: list[Subject] = []
    i = 0
    while len(out) < n:
        subject = Subject.random(rng_for(seed, "region-probe", i), f"R{i:03d}")
        if (subject.cap is not None) == (len(out) % 2 == 0):
            out.append(subject)
        i += 1
    return out


def region_probes(
    n: int = 48, seed: int = 0, crop_size: int = 128, size: tuple[int, int] = (320, 233)
) -> RegionProbes:
    """Draw ``n`` probe faces (half pain, half no pain; half with a cap) with their region masks.

    Parameters
    ----------
    n : int
        Number of probes.
    seed : int
        Seed of everything drawn (the same seed gives the same probes).
    crop_size : int
        Side of the crops and masks (models resize the crops to their own input size).
    size : (width, height)
        Size of the still each face is drawn in (the UNIFESP-like photos' by default).

    Returns
    -------
    RegionProbes
    """
    width, height = size
    crops, masks, rows = [], [], []
    for i, subject in enumerate(_probe_subjects(seed, n)):
        label = "pain" if i % 4 < 2 else "nopain"
        rng = rng_for(seed, "region-probe-image", i)
        intensity, asleep, yawn, state = image_state(label, rng)
        expr = expression_from_intensity(intensity, subject, rng, asleep=asleep, yawn=yawn)
        frame, box, lms, where = still_frame(rng, subject, expr, width, height, STILL_LOOK)
        det = Detection(box=np.asarray(box, dtype=float), landmarks=lms, score=1.0)
        crops.append(crop_face(frame, det, margin=CROP_MARGIN, size=crop_size))
        region = crop_face(
            region_masks(subject, where, (height, width)), det, CROP_MARGIN, crop_size
        )
        region = np.clip(region.astype(np.float32), 0.0, 1.0)
        masks.append(region)
        rows.append(
            {
                "probe": i,
                "subject": subject.id,
                "label": label,
                "intensity": round(intensity, 4),
                "state": state,
                "cap": subject.cap is not None,
            }
            | {f"area_{r}": float(region[..., k].mean()) for k, r in enumerate(REGIONS)}
        )
    empty = (0, crop_size, crop_size)
    return RegionProbes(
        crops=np.stack(crops) if crops else np.zeros((*empty, 3), np.uint8),
        masks=np.stack(masks) if masks else np.zeros((*empty, len(REGIONS)), np.float32),
        table=pd.DataFrame(rows),
    )
