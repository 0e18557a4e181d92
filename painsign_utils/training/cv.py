"""Cross-validation as independent tasks: one per (model, fold), after one preparation per model.

:func:`prepare_model` checks a model's finished folds against the settings, and fills the caches
that every fold reads (the augmented images, the frozen layers' features, ``base.pt``);
:func:`train_fold` trains one fold from those caches (:mod:`.loop`); :func:`train_model` and
:func:`run_cv` submit them to a :class:`~painsign_utils.tasks.TaskRunner` (this process, a
LocalCluster or a Dask cluster) and write ``metrics.csv`` and ``best_models.csv``. A fold depends
only on its model, its index and the seed, never on which worker trains it or in what order. A model
whose wanted folds are all finished under its current settings (:func:`folds_finished`, checked
here) submits no task, so a cached re-run starts no worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..augment import augmented_stack, retinaface_check
from ..errors import ConfigError
from ..metrics import METRICS
from ..models import PainModel, create_model, save_base
from ..registry import list_models
from ..runtime import default_device
from ..runtime import progress as tqdm
from ..storage import read_json, reset_if_changed, write_csv, write_json
from ..tasks import TaskRunner
from .config import TrainConfig, settings_stamp, stamp_key
from .folds import folds_for, load_or_make_folds
from .inputs import (
    Inputs,
    augment_keys,
    cached_array,
    digest,
    frozen_features,
    read_crops,
    training_images,
)
from .loop import BASE_FILE, finish_fold, fit_fold
from .results import best_models, collect_metrics, rule_metrics


def _fresh_model(name: str, cfg: TrainConfig, weights: str | Path | None) -> PainModel:
    # Seeded: the same initial weights in every process, so caches and base.pt stay valid.
    torch.manual_seed(cfg.seed)
    device = cfg.device or default_device()
    return create_model(name, weights=weights, input_size=cfg.input_size(name)).to(device)


def _inputs(
    name: str,
    model: PainModel,
    images: pd.DataFrame,
    out_dir: Path,
    cfg: TrainConfig,
    stamp: dict,
) -> tuple[dict[int, Inputs], dict[str, float]]:
    """Each phase's :class:`Inputs` from the caches, making a cache that is missing."""
    size, bf16 = cfg.input_size(name), bool(cfg.bf16)
    keys = augment_keys(images)
    aug_key = digest(keys, size, cfg.n_augment, cfg.seed, cfg.augment.key(), cfg.face_check)
    check = retinaface_check() if cfg.face_check else None
    timings = {"augment_s": 0.0, "features_s": 0.0}
    stack, timings["augment_s"] = cached_array(
        out_dir / "cache" / f"aug_{size}px_{aug_key}.npy",
        lambda: augmented_stack(
            read_crops(images["crop"].astype(str).tolist()),
            keys,
            cfg.n_augment,
            size,
            cfg.seed,
            cfg.augment,
            check,
        ),
    )
    phase_inputs = {}
    # No fine-tuning epochs: phase 2 never runs, so its features are not computed.
    for phase in (p for p in model.phases if p == 1 or cfg.finetune_epochs > 0):
        frozen, _ = model.split(phase)
        feats = None
        if cfg.cache_features and not isinstance(frozen, nn.Identity):
            fkey = digest(aug_key, name, phase, stamp["initial weights"], bf16)
            feats, secs = cached_array(
                out_dir / "cache" / f"{name}_phase{phase}_{fkey}.npy",
                lambda frozen=frozen, phase=phase: frozen_features(
                    model, frozen, stack, 32, bf16, f"{name} frozen features (phase {phase})"
                ),
            )
            timings["features_s"] += secs
        phase_inputs[phase] = Inputs(model, frozen, stack, feats, bf16)
    return phase_inputs, timings


def prepare_model(
    name: str,
    images: pd.DataFrame,
    folds: pd.DataFrame,
    out_dir: str | Path,
    cfg: TrainConfig,
    weights: str | Path | None = None,
    wanted: Sequence[int] | None = None,
) -> dict:
    """Get a model's folds ready: reset them if the settings changed, fill the shared caches.

    Returns
    -------
    dict
        ``pending`` (folds of ``wanted`` without ``done.json``) and ``timings`` (seconds spent
        making the augmentation and feature caches; 0 when reused).
    """
    out_dir, cfg = Path(out_dir), cfg.for_model(name)
    images = training_images(images)
    model = _fresh_model(name, cfg, weights)
    stamp = settings_stamp(model, cfg, folds)
    model_dir = out_dir / name
    # Finished folds are reused only if they were trained as now asked.
    reset_if_changed(model_dir, stamp, f"{name} training", "settings.json")
    n_folds = int(folds["fold"].max()) + 1
    wanted = range(n_folds) if wanted is None else wanted
    pending = [int(k) for k in wanted if not (model_dir / f"fold{k}" / "done.json").exists()]
    timings = {"augment_s": 0.0, "features_s": 0.0}
    if pending:
        if not (model_dir / BASE_FILE).exists():
            save_base(model, model_dir / BASE_FILE)
        _, timings = _inputs(name, model, images, out_dir, cfg, stamp)
    return {"model": name, "pending": pending, "timings": timings}


def train_fold(
    name: str,
    fold: int,
    images: pd.DataFrame,
    folds: pd.DataFrame,
    out_dir: str | Path,
    cfg: TrainConfig,
    weights: str | Path | None = None,
    prepared: dict | None = None,
    callback: Callable[[dict], None] | None = None,
    progress: bool = True,
) -> int:
    """Train fold ``fold`` of ``name`` (resuming from ``last.pt``) and write its ``done.json``.

    ``prepared`` is :func:`prepare_model`'s result: the fold listed first in its ``pending``
    records the cache timings; a fold that ``prepared`` found finished is left as it is.
    Returns ``fold``.
    """
    out_dir, cfg = Path(out_dir), cfg.for_model(name)
    if prepared is not None and fold not in prepared["pending"]:
        return fold
    images = training_images(images)
    fold_of = folds_for(images, folds)
    y = (images["label"] == "pain").to_numpy(int)
    model = _fresh_model(name, cfg, weights)
    stamp = settings_stamp(model, cfg, folds)
    phase_inputs, _ = _inputs(name, model, images, out_dir, cfg, stamp)
    fold_dir = out_dir / name / f"fold{fold}"
    fold_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    torch.manual_seed(cfg.seed + 1000 * (fold + 1))  # dropout stream of this fold
    train_idx, val_idx = np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)
    n_folds = int(folds["fold"].max()) + 1
    budget = cfg.max_epochs + (cfg.finetune_epochs if 2 in model.phases else 0)
    bar = tqdm(total=budget, desc=f"{name} fold {fold + 1}/{n_folds} epochs", disable=not progress)
    try:
        state = fit_fold(
            model, phase_inputs, y, train_idx, val_idx, fold_dir, cfg, fold, callback, bar
        )
    finally:
        bar.close()
    first = prepared is None or fold == prepared["pending"][0]
    timings = (prepared or {}).get("timings") if first else None
    finish_fold(
        name,
        model,
        phase_inputs,
        images,
        y,
        train_idx,
        val_idx,
        fold_dir,
        state,
        time.perf_counter() - t0,
        timings,
    )
    return fold


def folds_finished(
    name: str,
    folds: pd.DataFrame,
    out_dir: str | Path,
    cfg: TrainConfig,
    weights: str | Path | None = None,
    wanted: Sequence[int] | None = None,
) -> bool:
    """Whether every wanted fold of ``name`` is finished under the settings asked now.

    The same check as :func:`prepare_model`'s (it resets the model's folds when its settings stamp
    changed), made in this process on the CPU without filling any cache. The stamp is saved under
    its :func:`~painsign_utils.training.config.stamp_key`, so a re-run builds no model.
    """
    model_dir = Path(out_dir) / name
    n_folds = int(folds["fold"].max()) + 1
    wanted = range(n_folds) if wanted is None else wanted
    if not all((model_dir / f"fold{k}" / "done.json").exists() for k in wanted):
        return False
    cfg = cfg.for_model(name)
    known = Path(out_dir) / "cache" / f"{name}_stamp_{stamp_key(name, cfg, folds, weights)}.json"
    settings = model_dir / "settings.json"
    if known.is_file() and settings.is_file() and read_json(known) == read_json(settings):
        return True
    torch.manual_seed(cfg.seed)  # the initial weights _fresh_model gives, on the CPU
    model = create_model(name, weights=weights, input_size=cfg.input_size(name))
    stamp = settings_stamp(model, cfg, folds)
    reset_if_changed(model_dir, stamp, f"{name} training", "settings.json")
    write_json(stamp, known)
    return all((model_dir / f"fold{k}" / "done.json").exists() for k in wanted)


def _submit_model(
    tasks: TaskRunner,
    name: str,
    images: pd.DataFrame,
    folds: pd.DataFrame,
    out_dir: Path,
    cfg: TrainConfig,
    weights: str | Path | None,
    wanted: Sequence[int] | None,
    callback: Callable[[dict], None] | None,
    progress: bool,
) -> list:
    """One task preparing ``name`` (it may reset its folds), then one task per wanted fold; none
    when they are all finished."""
    n_folds = int(folds["fold"].max()) + 1
    wanted = list(range(n_folds) if wanted is None else wanted)
    if folds_finished(name, folds, out_dir, cfg, weights, wanted):
        return []
    prepared = tasks.submit(prepare_model, name, images, folds, out_dir, cfg, weights, wanted)
    return [
        tasks.submit(
            train_fold,
            name,
            k,
            images,
            folds,
            out_dir,
            cfg,
            weights,
            prepared,
            callback,
            progress,
        )
        for k in wanted
    ]


def train_model(
    name: str,
    images: pd.DataFrame,
    folds: pd.DataFrame,
    out_dir: str | Path,
    cfg: TrainConfig,
    weights: str | Path | None = None,
    callback: Callable[[dict], None] | None = None,
    progress: bool = True,
    only_folds: Sequence[int] | None = None,
    tasks: TaskRunner | None = None,
) -> pd.DataFrame:
    """Cross-validate one model; finished folds are reused.

    Parameters
    ----------
    name : model registry name
    images : DataFrame
        ``faces/images.csv`` rows (see :func:`~painsign_utils.training.training_images`).
    folds : DataFrame
        ``subject, dataset, fold`` from :func:`~painsign_utils.training.make_folds`.
    out_dir : path
        The profile's ``training/`` folder.
    cfg : TrainConfig
    weights : path, "random" or None
        Pretrained weights, passed to :func:`~painsign_utils.models.create_model`.
    callback : callable, optional
        Called with a dict (model, fold, epoch, losses, …) after every epoch, once the epoch is
        logged (raising from it simulates an interruption; training resumes from the last resume
        point). Only with tasks run in this process.
    only_folds : sequence of int, optional
        Train only these folds; default all.
    tasks : TaskRunner, optional
        Where the folds run; default this process.

    Returns
    -------
    DataFrame, one row per finished fold of ``name``: ``model, fold, accuracy, sensitivity,
    specificity, auc, threshold`` and timings.
    """
    tasks = tasks or TaskRunner(None)
    out_dir = Path(out_dir)
    futures = _submit_model(
        tasks, name, images, folds, out_dir, cfg, weights, only_folds, callback, progress
    )
    if futures:
        tasks.gather(futures, desc=f"{name} folds", progress=progress)
    return collect_metrics(out_dir, [name])


def finished_models(out_dir: str | Path) -> list[str]:
    """Models with at least one finished fold under ``out_dir``, in registry order."""
    return [m for m in list_models() if any(Path(out_dir, m).glob("fold*/done.json"))]


def run_cv(
    images: pd.DataFrame,
    out_dir: str | Path,
    cfg: TrainConfig,
    models: Sequence[str] | None = None,
    weights: dict[str, str | Path | None] | None = None,
    callback: Callable[[dict], None] | None = None,
    progress: bool = True,
    threshold_rule: str = "training_folds",
    only_folds: Sequence[int] | None = None,
    tasks: TaskRunner | None = None,
) -> pd.DataFrame:
    """Folds, then every (model, fold) as a task; writes ``folds.csv``, ``metrics.csv``, ``best_models.csv``.

    All folds of all models are submitted before any is awaited, so a cluster trains them side by
    side. ``metrics.csv`` and ``best_models.csv`` cover every model with finished folds under
    ``out_dir`` (trained now or by an earlier run with the same folds, e.g. one papermill run per
    model on several GPUs), not only ``models``. ``threshold_rule`` (the protocol's) sets their
    thresholds (see :func:`rule_metrics` and :func:`best_models`); it does not change the
    training, so switching it never retrains.

    Returns the per-fold metrics of those models under that rule (``metrics.csv``); ``models``
    defaults to every registered model.
    """
    tasks = tasks or TaskRunner(None)
    models = list_models() if models is None else list(models)
    out_dir = Path(out_dir)
    images = training_images(images)
    folds = load_or_make_folds(images, out_dir / "folds.csv", cfg.n_folds, cfg.seed)
    if only_folds:
        bad = sorted(set(only_folds) - set(range(cfg.n_folds)))
        if bad:
            raise ConfigError(f"only_folds {bad} outside 0..{cfg.n_folds - 1}")
    futures = [
        f
        for name in models
        for f in _submit_model(
            tasks,
            name,
            images,
            folds,
            out_dir,
            cfg,
            (weights or {}).get(name),
            only_folds or None,
            callback,
            progress,
        )
    ]
    if futures:  # none when every fold is finished
        tasks.gather(futures, desc=f"{len(models)} models: folds", progress=progress)
    done = finished_models(out_dir)
    metrics = rule_metrics(collect_metrics(out_dir, done), out_dir, threshold_rule)
    write_csv(
        metrics[["model", "fold", *METRICS, "threshold", "threshold_rule"]], out_dir / "metrics.csv"
    )
    write_csv(best_models(metrics, out_dir, threshold_rule), out_dir / "best_models.csv")
    return metrics
