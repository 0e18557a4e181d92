"""Explaining a video for the chapter's strips (Figs 1-4): frames at regular intervals, both methods
on their face crops (cached as ``.npz``), how much the maps change along the video, which videos."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from torch import nn

from ..errors import DataError
from ..models import fingerprint
from .gradcam import GradCAM
from .ig import IntegratedGradients


def frames_at_interval(
    detections: pd.DataFrame,
    fps: float,
    interval_s: float = 1.0,
    max_frames: int | None = None,
) -> pd.DataFrame:
    """Rows of a detection table at ``0, interval_s, 2*interval_s, ...`` seconds.

    For each time the analysed frame with a face nearest to it (within half an interval) is
    chosen; a time with no such frame keeps its nearest frame with ``found`` False, so that the
    strip shows the gap (the pain sign there is interpolated).

    Returns
    -------
    DataFrame
        The chosen detection rows plus ``target_time``; at most ``max_frames`` rows, spread over
        the whole video when the cap bites.
    """
    if detections.empty:
        raise DataError("empty detection table")
    frames = detections["frame"].to_numpy(dtype=float)
    duration = frames.max() / fps
    targets = np.arange(0.0, duration + 1e-9, interval_s)
    if max_frames is not None and len(targets) > max_frames:
        targets = targets[np.round(np.linspace(0, len(targets) - 1, max_frames)).astype(int)]
    found = detections["found"].astype(bool).to_numpy()
    rows = []
    for t in targets:
        dist = np.abs(frames / fps - t)
        near = found & (dist <= interval_s / 2)
        i = int(np.argmin(np.where(near, dist, np.inf))) if near.any() else int(np.argmin(dist))
        rows.append(detections.iloc[i].to_dict() | {"target_time": float(t)})
    return pd.DataFrame(rows)


def read_face_crops(
    video_path: str | Path, picks: pd.DataFrame, crop_size: int = 256, rotate: int = 0
) -> list[np.ndarray | None]:
    """Face crops (made as for inference, frames turned clockwise by ``rotate`` degrees as for the
    detections) of the picked frames; None where no face was found."""
    from ..faces import detection_from_row
    from ..inference import crop_for_model
    from ..video import iter_frames

    wanted = {int(f): i for i, f in enumerate(picks["frame"])}
    crops: list[np.ndarray | None] = [None] * len(picks)
    last = max(wanted)
    # Only every gcd-th frame can be wanted: the others are grabbed, never converted (~40 % faster).
    step = math.gcd(*wanted) or 1
    for index, rgb in iter_frames(video_path, step=step, rotate=rotate):
        if index in wanted:
            det = detection_from_row(picks.iloc[wanted[index]])
            crops[wanted[index]] = None if det is None else crop_for_model(rgb, det, crop_size)
        if index >= last:
            break
    return crops


@dataclass
class VideoExplanation:
    """Grad-CAM and IG of one model on frames of one video at regular intervals.

    Attributes
    ----------
    picks : DataFrame
        The chosen frames (see :func:`frames_at_interval`), K rows.
    crops : list of K uint8 RGB crops or None
    gradcam, ig : list of K float maps (S, S) or None
    table : DataFrame
        Per explained frame: ``frame, time, prob, logit, baseline_logit, ig_sum, ig_delta,
        rel_delta, gradcam_flat`` (``rel_delta = |delta| / |f(x) - f(baseline)|``;
        ``gradcam_flat``: the Grad-CAM map is flat, see :func:`~.attribution.flat_maps`).
    """

    picks: pd.DataFrame
    crops: list
    gradcam: list
    ig: list
    table: pd.DataFrame


def explain_video(
    model: nn.Module,
    video_path: str | Path,
    detections: pd.DataFrame,
    fps: float,
    interval_s: float = 1.0,
    max_frames: int | None = None,
    ig_steps: int = 50,
    ig_baseline: str = "black",
    batch_size: int = 8,
    cache: str | Path | None = None,
    rotate: int = 0,
) -> VideoExplanation:
    """Grad-CAM and IG of ``model`` on a video's frames at ``interval_s`` (Figs 1-4's strips).

    ``cache`` (an ``.npz`` path) is reused when it exists and written atomically when done.
    """
    from ..storage import atomic_path

    picks = frames_at_interval(detections, fps, interval_s, max_frames)
    crops = read_face_crops(video_path, picks, rotate=rotate)
    keep = [i for i, c in enumerate(crops) if c is not None]
    ig = IntegratedGradients(model, baseline=ig_baseline, n_steps=ig_steps)  # validates both
    frames = picks["frame"].to_numpy()[keep].astype(int)
    # The model's fingerprint is part of the settings: another model's maps are never reused.
    # ... and so is the Grad-CAM layer (the registry's choice may depend on the input size).
    layer = getattr(model, "gradcam_layer_name", "")
    settings = np.array(
        [str(ig_steps), ig_baseline, fingerprint(model), f"layer {layer}"]
        + ([f"rotate {rotate}"] if rotate else [])
    )  # other frames: other crops
    cached = _load_explanations(cache, frames, settings)
    if cached is not None:
        gc_maps, ig_maps, table = cached
    else:
        gc_maps, ig_maps, table = _explain_crops(
            GradCAM(model), ig, [crops[i] for i in keep], batch_size
        )
        table.insert(0, "time", frames / fps)
        table.insert(0, "frame", frames)
        if cache is not None:
            with atomic_path(cache) as tmp:
                tabs = {f"tab_{k}": table[k].to_numpy() for k in table.columns}
                np.savez_compressed(
                    tmp, gradcam=gc_maps, ig=ig_maps, frames=frames, settings=settings, **tabs
                )
    gradcam: list = [None] * len(crops)
    igs: list = [None] * len(crops)
    for j, i in enumerate(keep):
        gradcam[i], igs[i] = gc_maps[j], ig_maps[j]
    return VideoExplanation(picks=picks, crops=crops, gradcam=gradcam, ig=igs, table=table)


def _explain_crops(
    gc: GradCAM, ig: IntegratedGradients, crops: list[np.ndarray], batch_size: int
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Grad-CAM maps (K, S, S), IG maps (K, S, S) and the per-crop IG bookkeeping table."""
    parts = [
        (gc.attribute(crops[i : i + batch_size]), ig.attribute(crops[i : i + batch_size]))
        for i in range(0, len(crops), batch_size)
    ]
    if not parts:
        empty = np.zeros((0, 1, 1), dtype=np.float32)
        cols = (
            "prob",
            "logit",
            "baseline_logit",
            "ig_sum",
            "ig_delta",
            "rel_delta",
            "gradcam_flat",
        )
        return empty, empty, pd.DataFrame({c: np.zeros(0) for c in cols})
    gc_maps = np.concatenate([g.maps for g, _ in parts])
    ig_maps = np.concatenate([i.maps for _, i in parts])
    logit = np.concatenate([i.logits for _, i in parts])
    base = np.concatenate([i.baseline_logits for _, i in parts])
    delta = np.concatenate([i.delta for _, i in parts])
    table = pd.DataFrame(
        {
            "prob": 1 / (1 + np.exp(-logit)),
            "logit": logit,
            "baseline_logit": base,
            "ig_sum": ig_maps.reshape(len(ig_maps), -1).sum(axis=1),
            "ig_delta": delta,
            # |delta| relative to the change it should account for (tiny changes: large ratios).
            "rel_delta": np.abs(delta) / (np.abs(logit - base) + 1e-12),
            # No positive Grad-CAM evidence anywhere: reported, not drawn as an empty overlay.
            "gradcam_flat": np.concatenate([g.flat for g, _ in parts]),
        }
    )
    return gc_maps, ig_maps, table


def _load_explanations(
    cache: str | Path | None, frames: np.ndarray, settings: np.ndarray
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame] | None:
    """Cached maps and table, or None when absent or made for other frames or IG settings."""
    if cache is None or not Path(cache).exists():
        return None
    with np.load(cache, allow_pickle=False) as z:
        if "frames" not in z.files or not (
            np.array_equal(z["frames"], frames)
            and z["settings"].shape == settings.shape
            and (z["settings"].astype(str) == settings).all()
        ):
            return None
        table = pd.DataFrame({k[4:]: z[k] for k in z.files if k.startswith("tab_")})
        return z["gradcam"], z["ig"], table


def choose_videos(
    manifest: pd.DataFrame,
    stems: Sequence[str] = (),
    scenarios: Sequence[str] = (),
    limit: int | None = None,
) -> pd.DataFrame:
    """Videos to explain: those named by file stem, else the first of each scenario, else the first.

    Scenarios absent from the manifest (real data has none) are skipped; unknown stems raise.
    """
    stem_of = manifest["path"].map(lambda p: Path(p).stem)
    if len(stems):
        unknown = sorted(set(stems) - set(stem_of))
        if unknown:
            raise DataError(f"videos not in the manifest: {', '.join(unknown)}")
        chosen = manifest[stem_of.isin(list(stems))]
    elif len(scenarios) and "scenario" in manifest:
        firsts = [manifest[manifest["scenario"] == s].head(1) for s in scenarios]
        chosen = pd.concat(firsts) if firsts else manifest.head(0)
    else:
        chosen = manifest.head(0)
    if chosen.empty:
        chosen = manifest.head(1)
    return chosen.head(limit) if limit else chosen


def map_stability(maps: Sequence[np.ndarray | None]) -> float:
    """Mean Pearson correlation of consecutive attribution maps (absolute values), in [-1, 1].

    Quantifies the paper's observation that IG "remained mostly static" along a video while
    Grad-CAM follows the prediction: a value near 1 means the map hardly changes from one shown
    frame to the next. Pairs with a missing or constant map are skipped; NaN when none is left.
    """
    present = [np.abs(np.asarray(m, dtype=np.float64)).ravel() for m in maps if m is not None]
    corrs = [
        float(np.corrcoef(a, b)[0, 1])
        for a, b in zip(present[:-1], present[1:], strict=True)
        if a.std() > 0 and b.std() > 0
    ]
    return float(np.mean(corrs)) if corrs else float("nan")
