"""Does a model look at the face? An occlusion test of face, cap and background, and the share of
attribution that falls on the face.

A heat map on the cap can mean two things: the model uses the cap (a shortcut of the data), or the
map is wrong (a layer too coarse, a transformer's tokens misplaced). The two are told apart by
measuring the model itself, not its maps:

- :func:`occlusion_drops` -- per face crop and region (face, cap, background, from the generator's
  ground truth, :mod:`.regions`), the pain probability with the region filled with a neutral
  value (the crop's mean colour, a grey, or a heavy blur of the crop) and its drop from the
  unoccluded probability. A model that reads the face loses its "pain" when the face is hidden
  and hardly notices the cap or the background.
- :func:`face_share` -- the share of a map's positive mass that lies inside the face mask; to
  be read against the face's share of the crop's area (what a uniform map would give).
- :func:`region_summary` -- both per model, one row, for the chapter's table.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import pandas as pd
import torch
from torch import nn

from ..errors import ModelError
from .attribution import prepare_inputs
from .regions import RegionProbes, resize_masks

#: How an occluded region is filled: the crop's mean colour, mid grey, or a heavy blur of the crop.
FILLS: tuple[str, ...] = ("mean", "grey", "blur")


def occlude(crops: np.ndarray, masks: np.ndarray, fill: str = "mean") -> np.ndarray:
    """Crops with the masked region replaced by a neutral value.

    Parameters
    ----------
    crops : ndarray, shape (N, S, S, 3), uint8
    masks : ndarray, shape (N, S, S)
        Coverage in [0, 1] of the region to hide (soft edges blend).
    fill : {"mean", "grey", "blur"}
        ``"mean"``: each crop's mean colour (removes colour and texture); ``"grey"``: 128;
        ``"blur"``: the crop blurred with a Gaussian of sigma ``S / 8`` (keeps the colour,
        removes shape and texture).

    Returns
    -------
    ndarray, shape (N, S, S, 3), uint8
    """
    if fill not in FILLS:
        raise ModelError(f"occlusion fill must be one of {', '.join(FILLS)}, got {fill!r}")
    x = np.asarray(crops, dtype=np.float32)
    m = np.asarray(masks, dtype=np.float32)
    if x.ndim != 4 or m.shape != x.shape[:3]:
        raise ModelError(f"crops {x.shape} and masks {m.shape} do not match")
    if fill == "mean":
        filler = np.broadcast_to(x.mean(axis=(1, 2), keepdims=True), x.shape)
    elif fill == "grey":
        filler = np.full_like(x, 128.0)
    else:
        sigma = max(x.shape[1] / 8.0, 1.0)
        filler = np.stack([cv2.GaussianBlur(c, (0, 0), sigma) for c in x]) if len(x) else x
    out = x * (1 - m[..., None]) + filler * m[..., None]
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def pain_probabilities(
    model: nn.Module, crops: np.ndarray | Sequence[np.ndarray], batch_size: int = 16
) -> np.ndarray:
    """The model's pain probability of each uint8 RGB crop, float64 array (N,), in eval mode."""
    probs = []
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for i in range(0, len(crops), batch_size):
                x = prepare_inputs(model, list(crops[i : i + batch_size]))
                probs.append(torch.sigmoid(model(x).reshape(-1)).double().cpu().numpy())
    finally:
        model.train(was_training)
    return np.concatenate(probs) if probs else np.zeros(0)


def occlusion_drops(
    model: nn.Module,
    probes: RegionProbes,
    fill: str = "mean",
    regions: Sequence[str] | None = None,
    batch_size: int = 16,
) -> pd.DataFrame:
    """Drop of the pain probability when each region of each probe is hidden.

    Parameters
    ----------
    model : nn.Module
        A PainModel (``preprocess``, one logit per crop).
    probes : RegionProbes
        Crops and their ground-truth region masks (:func:`.regions.region_probes`).
    fill : {"mean", "grey", "blur"}
        See :func:`occlude`.
    regions : sequence of str, optional
        Regions to hide, one at a time; default every region of ``probes``.

    Returns
    -------
    DataFrame
        One row per probe and region: ``probe, region, area, prob, prob_occluded, drop``
        (``drop = prob - prob_occluded``: positive when hiding the region lowers "pain").
        ``area`` is the region's share of the crop; a region a probe lacks (a bare head's cap)
        has area 0 and is left out.
    """
    regions = list(probes.regions if regions is None else regions)
    base = pain_probabilities(model, probes.crops, batch_size)
    rows = []
    for region in regions:
        masks = probes.mask(region)
        area = masks.reshape(len(masks), -1).mean(axis=1)
        keep = np.flatnonzero(area > 0.005)
        hidden = occlude(probes.crops[keep], masks[keep], fill)
        occluded = pain_probabilities(model, hidden, batch_size)
        for j, i in enumerate(keep):
            rows.append(
                {
                    "probe": int(probes.table["probe"].iloc[i]),
                    "region": region,
                    "area": float(area[i]),
                    "prob": float(base[i]),
                    "prob_occluded": float(occluded[j]),
                    "drop": float(base[i] - occluded[j]),
                }
            )
    cols = ["probe", "region", "area", "prob", "prob_occluded", "drop"]
    return pd.DataFrame(rows, columns=cols)


def face_share(maps: np.ndarray, face_masks: np.ndarray) -> np.ndarray:
    """Share of each map's positive mass inside the face: ``sum(max(m, 0) * face) / sum(max(m, 0))``.

    Parameters
    ----------
    maps : ndarray, shape (N, H, W)
        Attribution maps (Grad-CAM, or signed IG summed over colours: only its positive part, the
        evidence *for* the explained output, counts).
    face_masks : ndarray, shape (N, h, w)
        Face coverage in [0, 1]; resized to the maps' size when it differs.

    Returns
    -------
    ndarray, shape (N,)
        In [0, 1]; NaN for a map with no positive mass (a flat Grad-CAM).
    """
    m = np.clip(np.asarray(maps, dtype=np.float64), 0.0, None)
    if m.ndim != 3 or m.shape[1] != m.shape[2]:
        raise ModelError(f"maps must be a stack of square maps (N, S, S), got {m.shape}")
    face = resize_masks(face_masks, m.shape[1]).astype(np.float64)
    if len(face) != len(m):
        raise ModelError(f"{len(m)} maps but {len(face)} masks")
    total = m.reshape(len(m), -1).sum(axis=1)
    inside = (m * face).reshape(len(m), -1).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, inside / np.where(total > 0, total, 1.0), np.nan)


def probe_attributions(
    model: nn.Module,
    probes: RegionProbes,
    ig_steps: int = 8,
    ig_baseline: str = "black",
    batch_size: int = 16,
) -> pd.DataFrame:
    """Grad-CAM and IG of the pain logit on every probe, reduced to their shares on the face.

    ``ig_steps`` of 0 leaves IG out (its shares NaN): IG costs ``ig_steps`` backward passes a
    face, Grad-CAM one.

    Returns
    -------
    DataFrame
        One row per probe: ``probe, face_area, gradcam_face_share, gradcam_flat, ig_face_share,
        grid`` (the Grad-CAM layer's ``h x w``); shares are NaN where a map has no positive mass.
    """
    from .gradcam import GradCAM
    from .ig import IntegratedGradients

    size = int(getattr(model, "input_size", probes.crops.shape[1]))
    face = probes.mask("face", size)
    gc = GradCAM(model)
    ig = IntegratedGradients(model, baseline=ig_baseline, n_steps=ig_steps) if ig_steps else None
    gc_maps, ig_maps, flat, grid = [], [], [], (0, 0)
    for i in range(0, len(probes.crops), batch_size):
        batch = list(probes.crops[i : i + batch_size])
        g = gc.attribute(batch)
        gc_maps.append(g.maps)
        flat.append(g.flat)
        grid = g.grid or grid
        ig_maps.append(ig.attribute(batch).maps if ig else np.full_like(g.maps, np.nan))
    empty = np.zeros((0, size, size), np.float32)
    gc_all = np.concatenate(gc_maps) if gc_maps else empty
    ig_all = np.concatenate(ig_maps) if ig_maps else empty
    return pd.DataFrame(
        {
            "probe": probes.table["probe"].to_numpy() if len(probes.table) else np.zeros(0, int),
            "face_area": face.reshape(len(face), -1).mean(axis=1),
            "gradcam_face_share": face_share(gc_all, face),
            "gradcam_flat": np.concatenate(flat) if flat else np.zeros(0, bool),
            "ig_face_share": face_share(ig_all, face),
            "grid": f"{grid[0]}x{grid[1]}",
        }
    )


def region_summary(drops: pd.DataFrame, shares: pd.DataFrame) -> dict[str, float]:
    """One model's row of the chapter's table from :func:`occlusion_drops` and
    :func:`probe_attributions`.

    Returns
    -------
    dict
        ``probes``; ``face_area`` (mean share of the crop that is face); ``gradcam_face_share``
        and ``ig_face_share`` (means over the maps with positive mass); ``gradcam_flat`` (share
        of flat Grad-CAM maps); ``grid``; and per region ``drop_<region>`` (mean drop of the pain
        probability when hidden), ``abs_drop_<region>`` (mean absolute change) and
        ``drop_per_area_<region>`` (mean absolute change over the region's mean area: how much
        a region weighs per unit of crop it covers).
    """
    out: dict[str, float] = {
        "probes": float(len(shares)),
        "face_area": float(shares["face_area"].mean()),
        "gradcam_face_share": float(shares["gradcam_face_share"].mean()),
        "ig_face_share": float(shares["ig_face_share"].mean()),
        "gradcam_flat": float(shares["gradcam_flat"].mean()),
        "grid": shares["grid"].iloc[0] if len(shares) else "",
    }
    for region, part in drops.groupby("region", sort=False):
        out[f"drop_{region}"] = float(part["drop"].mean())
        out[f"abs_drop_{region}"] = float(part["drop"].abs().mean())
        out[f"drop_per_area_{region}"] = float(part["drop"].abs().mean() / part["area"].mean())
    return out


def model_regions(
    model: nn.Module,
    probes: RegionProbes,
    fill: str = "mean",
    ig_steps: int = 8,
    ig_baseline: str = "black",
) -> tuple[dict[str, float], pd.DataFrame, pd.DataFrame]:
    """Occlusion drops, attribution shares and their summary for one model.

    Returns
    -------
    summary : dict
        :func:`region_summary`, plus ``gradcam_layer`` (the module explained) and ``input_size``.
    drops : DataFrame
        :func:`occlusion_drops`.
    shares : DataFrame
        :func:`probe_attributions`.
    """
    drops = occlusion_drops(model, probes, fill=fill)
    shares = probe_attributions(model, probes, ig_steps=ig_steps, ig_baseline=ig_baseline)
    summary = {
        "gradcam_layer": str(getattr(model, "gradcam_layer_name", "")),
        "input_size": float(getattr(model, "input_size", probes.crops.shape[1])),
        **region_summary(drops, shares),
    }
    return summary, drops, shares


__all__ = [
    "FILLS",
    "face_share",
    "model_regions",
    "occlude",
    "occlusion_drops",
    "pain_probabilities",
    "probe_attributions",
    "region_summary",
]
