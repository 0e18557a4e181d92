"""Chapter 11's uncertainty samples of one build (:func:`build_samples`): MC-dropout and fold-ensemble
samples of the sampled test frames, MC-dropout samples of the best fold's validation images, and
what the MC-dropout shortcut saves — cached by the checkpoints, videos and settings they come from."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from . import uncertainty
from .models import checkpoint_fingerprint, load_checkpoint
from .registry import DISPLAY_NAMES
from .storage import find_artifact
from .tasks import cached_result
from .training import read_crops

#: Face crops timed with and without the MC-dropout shortcut.
SPEED_CROPS = 16


def fold_checkpoints(art: Path, model: str) -> list[Path]:
    """The fold models of ``model`` in build ``art`` (``training/<model>/fold*/best.pt``), in order."""
    return sorted((Path(art) / "training" / model).glob("fold*/best.pt"))


def build_samples(
    art: Path,
    models: list[str],
    videos: pd.DataFrame,
    best: pd.DataFrame,
    validation: pd.DataFrame,
    sample_every_s: float,
    passes: int,
    seed: int,
) -> dict:
    """MC-dropout and ensemble samples of a build's models, computed once per inputs and settings.

    Parameters
    ----------
    art : path
        The build's artifacts folder.
    models : list of str
    videos : DataFrame
        Chapter 01's video table (``path``, ``detections``, ...).
    best : DataFrame
        ``training/best_models.csv`` indexed by model (``checkpoint``, ``fold``).
    validation : DataFrame
        The folds' validation predictions, ``model, crop, y`` at least.
    sample_every_s : float
        One test frame every this many seconds (:func:`uncertainty.frame_crops`).
    passes : int
        MC-dropout passes.
    seed : int

    Returns
    -------
    dict
        ``"frames"``: the sampled frames; ``(model, "mc")`` and ``(model, "ensemble")``: arrays of
        shape (samples, frames); ``(model, "val_mc")`` (passes, n) and ``(model, "val_y")`` (n,)
        for the best fold's validation images; ``"speed"``: model → time of full passes over the
        time with the deterministic part run once.
    """
    art = Path(art)

    def make() -> dict:
        picked, crops = uncertainty.frame_crops(videos, sample_every_s)
        out: dict = {"frames": picked, "speed": {}}
        for m in models:
            model = load_checkpoint(find_artifact(best.loc[m, "checkpoint"]))
            folds = [load_checkpoint(p) for p in fold_checkpoints(art, m)]
            name = DISPLAY_NAMES.get(m, m)
            out[m, "mc"] = uncertainty.mc_dropout(
                model, crops, passes, seed, desc=f"{name} MC-dropout"
            )
            out[m, "ensemble"] = uncertainty.ensemble(folds, crops, desc=f"{name} ensemble")
            # The validation images of the best fold: the fold model that never trained on them.
            fold_dir = art / "training" / m / f"fold{int(best.loc[m, 'fold'])}"
            own = pd.read_csv(fold_dir / "predictions.csv")["crop"]
            val = validation[(validation["model"] == m) & validation["crop"].isin(own)]
            images = read_crops([str(find_artifact(c)) for c in val["crop"]])
            out[m, "val_mc"] = uncertainty.mc_dropout(model, images, passes, seed)
            out[m, "val_y"] = val["y"].to_numpy()
            few = crops[:SPEED_CROPS]
            t0 = time.perf_counter()
            uncertainty.mc_dropout(model, few, passes, seed)
            t1 = time.perf_counter()
            uncertainty.mc_dropout(model, few, passes, seed, shortcut=False)
            out["speed"][m] = (time.perf_counter() - t1) / (t1 - t0)
        return out

    key = {
        "checkpoints": {
            m: [checkpoint_fingerprint(find_artifact(best.loc[m, "checkpoint"]))]
            + [checkpoint_fingerprint(p) for p in fold_checkpoints(art, m)]
            for m in models
        },
        "videos": videos[["path", "detections"]],
        "sample_every_s": sample_every_s,
        "passes": passes,
        "seed": seed,
        "code": [Path(uncertainty.__file__), Path(__file__)],  # the sampling code itself
    }
    return cached_result(art / "uncertainty", key, make, "MC-dropout and ensemble samples")
