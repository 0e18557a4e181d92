"""Who each newborn is, for the subgroup checks: skin tone measured as ITA°, and sex when known.

Skin tone is measured, not assumed: the Individual Typology Angle (ITA°) of the subject's base skin
colour in CIELAB, ``atan((L* - 50) / b*)`` in degrees (Chardon et al. 1991), in three groups.
:mod:`painsign_utils.fairness` computes the metrics per group.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: ITA° boundaries of the three groups (Chardon's six classes merged in pairs).
ITA_GROUPS = (("light", 41.0), ("intermediate", 10.0), ("dark", -np.inf))
#: Group order for tables and figures.
TONE_ORDER = ("light", "intermediate", "dark")


def ita_degrees(rgb: np.ndarray) -> np.ndarray:
    """Individual Typology Angle of RGB colours (0..255), degrees; higher is lighter skin."""
    import cv2

    rgb = np.asarray(rgb, dtype=np.float32).reshape(-1, 1, 3) / 255.0
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).reshape(-1, 3)
    return np.degrees(np.arctan2(lab[:, 0] - 50.0, lab[:, 2]))


def tone_group(ita: float | np.ndarray) -> np.ndarray:
    """``light`` / ``intermediate`` / ``dark`` for ITA° values (see :data:`ITA_GROUPS`)."""
    ita = np.atleast_1d(np.asarray(ita, dtype=float))
    out = np.full(ita.shape, "dark", dtype=object)
    for name, low in reversed(ITA_GROUPS):
        out[ita > low] = name
    return out


def synthetic_subject_attributes(subjects: list[str], seed: int) -> pd.DataFrame:
    """Skin colour, ITA° and tone group of synthetic subjects, re-created from the data seed.

    A synthetic subject's looks depend only on ``(seed, prefix, index)`` (``synthetic.make_subjects``),
    so ``"V007"`` under seed 0 is the same face that chapter 00 rendered.
    """
    from .render import Subject
    from .synthetic import rng_for

    rows = []
    for sid in dict.fromkeys(map(str, subjects)):
        prefix, index = sid[0], int(sid[1:])
        skin = Subject.random(rng_for(seed, prefix, index), sid).skin
        rows.append(
            {
                "subject": sid,
                "skin_r": float(skin[0]),
                "skin_g": float(skin[1]),
                "skin_b": float(skin[2]),
            }
        )
    table = pd.DataFrame(rows, columns=["subject", "skin_r", "skin_g", "skin_b"])
    table["ita"] = (
        ita_degrees(table[["skin_r", "skin_g", "skin_b"]].to_numpy()) if len(table) else []
    )
    table["skin_tone"] = tone_group(table["ita"].to_numpy()) if len(table) else []
    return table


def video_attributes(
    manifest: pd.DataFrame, seed: int | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """One row per video with the attributes that can be checked, and their names.

    Parameters
    ----------
    manifest : DataFrame
        The video manifest (``path, subject, dataset, ...``); ``skin_tone`` and ``sex`` columns are
        used when present (real data described by their owners).
    seed : int, optional
        Seed of the synthetic data (``data/config.json``); needed to re-create synthetic subjects.

    Returns
    -------
    (DataFrame, list of str)
        Columns ``video, subject`` and one per attribute; the attribute names found.
    """
    from .data import is_synthetic

    out = pd.DataFrame(
        {
            "video": [Path(p).stem for p in manifest["path"]],
            "subject": manifest["subject"].astype(str).to_numpy(),
        }
    )
    attrs = []
    for col in ("skin_tone", "sex"):
        if col in manifest and manifest[col].notna().any():
            out[col] = manifest[col].astype(str).to_numpy()
            attrs.append(col)
    if "skin_tone" not in attrs and seed is not None and is_synthetic(manifest["dataset"]):
        skin = synthetic_subject_attributes(out["subject"].tolist(), seed)
        out = out.merge(skin[["subject", "ita", "skin_tone"]], on="subject", how="left")
        attrs.insert(0, "skin_tone")
    return out, attrs
