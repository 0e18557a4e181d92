"""The training loop of App. B and the cross-validation around it.

One logit, BCE, RMSprop, early stop on the validation loss with the best checkpoint kept; VGG-Face
fine-tunes its last two conv blocks once its head has stalled (:func:`train_model`, :func:`run_cv`).
Resumable: ``last.pt`` after each phase's first epoch and then at least once a minute (replaying
epochs from it is exact: seeded order and dropout), a fold with ``done.json`` is skipped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..augment import augmented_stack, retinaface_check
from ..metrics import METRICS, binary_metrics, youden_threshold
from ..models import PainModel, create_model, list_models, save_base, save_checkpoint
from ..runtime import default_device
from ..runtime import progress as tqdm
from ..storage import atomic_path, reset_if_changed, write_csv, write_json
from .config import TrainConfig, settings_stamp
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
from .optim import InPlaceRMSprop
from .results import best_models, collect_metrics, rule_metrics

#: Weights no phase trains, identical in every fold (seeded start): stored once per model.
BASE_FILE = "base.pt"
#: Seconds between resume points within a phase (see ``_train_fold``).
RESUME_EVERY_S = 60.0
#: How fold checkpoints refer to it (relative to ``<model>/fold<k>/``).
BASE = f"../{BASE_FILE}"


def _bce(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return nn.functional.binary_cross_entropy_with_logits(logits.reshape(-1), y, reduction="sum")


@torch.no_grad()
def _logits(trainable: nn.Module, inputs: Inputs, idx: np.ndarray, batch: int = 64) -> torch.Tensor:
    """Logits of the original images (augmentation 0) ``idx``, shape (len(idx),)."""
    trainable.eval()
    out = [
        trainable(inputs(idx[j : j + batch], np.zeros(len(idx[j : j + batch]), int))).reshape(-1)
        for j in range(0, len(idx), batch)
    ]
    return torch.cat(out).float().cpu() if out else torch.zeros(0)


def _predict(trainable: nn.Module, inputs: Inputs, idx: np.ndarray, batch: int = 64) -> np.ndarray:
    return torch.sigmoid(_logits(trainable, inputs, idx, batch)).numpy()


def _optimizer(model: PainModel, phase: int, cfg: TrainConfig) -> torch.optim.Optimizer:
    """RMSprop over the parameters ``phase`` trains, at that phase's lr, with ``cfg.weight_decay``."""
    return InPlaceRMSprop(
        model.set_phase(phase), lr=cfg.phase_lr(phase), weight_decay=cfg.weight_decay
    )


def _train_fold(
    model: PainModel,
    phase_inputs: dict[int, Inputs],
    y: np.ndarray,
    train_idx: np.ndarray,
    val_idx: np.ndarray,
    fold_dir: Path,
    cfg: TrainConfig,
    fold: int,
    callback: Callable[[dict], None] | None,
    bar: Any,
) -> dict:
    """Train one fold, resuming from ``last.pt``; returns the training summary."""
    n_views = 1 + cfg.n_augment
    tr_i = np.repeat(train_idx, n_views)
    tr_k = np.tile(np.arange(n_views), len(train_idx))
    yt = torch.from_numpy(y.astype(np.float32))
    last, best = fold_dir / "last.pt", fold_dir / "best.pt"
    state = {"phase": 1, "epoch": 0, "phase_epoch": 0, "best_loss": math.inf, "bad": 0, "log": []}
    opt = _optimizer(model, 1, cfg)
    if last.exists():
        ck = torch.load(last, map_location="cpu", weights_only=True)
        state = ck["state"]
        model.load_state_dict(ck["model"], strict=False)  # shared weights: same seeded init
        opt = _optimizer(model, state["phase"], cfg)
        opt.load_state_dict(ck["optimizer"])
        torch.set_rng_state(ck["torch_rng"])
        if ck.get("cuda_rng") is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state(ck["cuda_rng"])
    finetune = 2 in model.phases and cfg.finetune_epochs > 0
    saved_at = time.perf_counter()

    while True:
        phase = state["phase"]
        budget = cfg.max_epochs if phase == 1 else cfg.finetune_epochs
        stalled = state["bad"] >= cfg.patience or state["phase_epoch"] >= budget
        if stalled and phase == 1 and finetune:
            # App. B: when the head stalls, fine-tune from the best head with blocks 4-5 unfrozen.
            best_sd = torch.load(best, map_location="cpu", weights_only=True)["state_dict"]
            model.load_state_dict(best_sd, strict=False)
            opt = _optimizer(model, 2, cfg)
            state.update(phase=2, phase_epoch=0, bad=0)
            continue
        if stalled:
            break
        t0 = time.perf_counter()
        _, trainable = model.split(phase)
        inputs = phase_inputs[phase]
        trainable.train()
        order = np.random.default_rng([cfg.seed, fold, state["epoch"]]).permutation(len(tr_i))
        total = 0.0
        for j in range(0, len(order), cfg.batch_size):
            b = order[j : j + cfg.batch_size]
            logits = trainable(inputs(tr_i[b], tr_k[b]))
            loss = _bce(logits, yt[tr_i[b]].to(logits.device))
            opt.zero_grad(set_to_none=True)
            (loss / len(b)).backward()
            opt.step()
            total += loss.item()
        z_val = _logits(trainable, inputs, val_idx)
        val_loss = float(_bce(z_val, yt[val_idx])) / max(len(val_idx), 1)
        val_auc = binary_metrics(y[val_idx], torch.sigmoid(z_val).numpy(), 0.5)["auc"]
        improved = val_loss < state["best_loss"]
        state["epoch"] += 1
        state["phase_epoch"] += 1
        if improved:
            state.update(best_loss=val_loss, bad=0, best_epoch=state["epoch"])
            save_checkpoint(
                model,
                best,
                base=BASE,
                fold=fold,
                epoch=state["epoch"],
                phase=phase,
                val_loss=val_loss,
            )
        else:
            state["bad"] += 1
        row = {
            "epoch": state["epoch"],
            "phase": phase,
            "train_loss": total / len(tr_i),
            "val_loss": val_loss,
            "val_auc": val_auc,
            "seconds": time.perf_counter() - t0,
            "improved": improved,
        }
        state["log"].append(row)
        write_csv(pd.DataFrame(state["log"]), fold_dir / "log.csv")
        # A resume point on each phase's first epoch, then at most one a minute: VGG-Face's is
        # 100 MB, and replaying a few epochs from an older one gives the same result (seeded).
        if state["phase_epoch"] == 1 or time.perf_counter() - saved_at >= RESUME_EVERY_S:
            saved_at = time.perf_counter()
            _save_resume_point(last, state, model, opt)
        bar.set_postfix(fold=fold, epoch=state["epoch"], phase=phase, val_loss=f"{val_loss:.3f}")
        if callback is not None:
            callback({"model": model.name, "fold": fold, **row})
    return state


def _save_resume_point(
    last: Path, state: dict, model: PainModel, opt: torch.optim.Optimizer
) -> None:
    with atomic_path(last) as tmp:
        torch.save(
            {
                "state": state,
                "model": model.trained_state(),
                "optimizer": opt.state_dict(),
                "torch_rng": torch.get_rng_state(),
                "cuda_rng": torch.cuda.get_rng_state() if torch.cuda.is_available() else None,
            },
            tmp,
        )


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
) -> pd.DataFrame:
    """Cross-validate one model; finished folds are reused.

    Parameters
    ----------
    name : model registry name
    images : DataFrame
        ``faces/images.csv`` rows (see :func:`training_images`).
    folds : DataFrame
        ``subject, dataset, fold`` from :func:`make_folds`.
    out_dir : path
        The profile's ``training/`` folder.
    cfg : TrainConfig
    weights : path, "random" or None
        Pretrained weights, passed to :func:`~painsign_utils.models.create_model`.
    callback : callable, optional
        Called with a dict (model, fold, epoch, losses, …) after every epoch, once the epoch is logged
        (raising from it simulates an interruption; training resumes from the last resume point).
    only_folds : sequence of int, optional
        Train only these folds (quick checks); default all.

    Returns
    -------
    DataFrame, one row per fold: ``model, fold, accuracy, sensitivity, specificity, auc,
    threshold`` and timings.
    """
    out_dir = Path(out_dir)
    cfg = cfg.for_model(name)
    images = training_images(images)
    fold_of = folds_for(images, folds)
    y = (images["label"] == "pain").to_numpy(int)
    size = cfg.input_size(name)
    device = cfg.device or default_device()
    bf16 = bool(cfg.bf16)
    model_dir = out_dir / name

    def fresh_model() -> PainModel:
        # Seeded: the same initial weights in every run, so caches and base.pt stay valid.
        torch.manual_seed(cfg.seed)
        return create_model(name, weights=weights, input_size=size).to(device)

    n_folds = int(folds["fold"].max()) + 1
    wanted = range(n_folds) if only_folds is None else only_folds
    model = fresh_model()
    stamp = settings_stamp(model, cfg, folds)
    # Finished folds are reused only if they were trained as now asked.
    reset_if_changed(model_dir, stamp, f"{name} training", "settings.json")
    pending = [k for k in wanted if not (model_dir / f"fold{k}" / "done.json").exists()]
    timings = {"augment_s": 0.0, "features_s": 0.0}
    if pending:
        if not (model_dir / BASE_FILE).exists():
            save_base(model, model_dir / BASE_FILE)
        init_state = {k: v.clone() for k, v in model.trained_state().items()}
        crops = images["crop"].astype(str).tolist()
        keys = augment_keys(images)
        aug_key = digest(keys, size, cfg.n_augment, cfg.seed, cfg.augment.key(), cfg.face_check)
        check = retinaface_check() if cfg.face_check else None
        stack, timings["augment_s"] = cached_array(
            out_dir / "cache" / f"aug_{size}px_{aug_key}.npy",
            lambda: augmented_stack(
                read_crops(crops), keys, cfg.n_augment, size, cfg.seed, cfg.augment, check
            ),
        )
        phase_inputs = {}
        for phase in model.phases:
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
    bar = tqdm(total=len(wanted), desc=f"{name} folds", disable=not progress)
    bar.update(len(wanted) - len(pending))
    for k in pending:
        fold_dir = model_dir / f"fold{k}"
        fold_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        # Every fold starts from the same initial weights (frozen ones never change).
        model.load_state_dict(init_state, strict=False)
        torch.manual_seed(cfg.seed + 1000 * (k + 1))  # dropout stream of this fold
        train_idx, val_idx = np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)
        state = _train_fold(
            model, phase_inputs, y, train_idx, val_idx, fold_dir, cfg, k, callback, bar
        )
        _finish_fold(
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
            timings if k == pending[0] else None,
        )
        bar.update(1)
    bar.close()
    return collect_metrics(out_dir, [name])


def _finish_fold(
    name, model, phase_inputs, images, y, train_idx, val_idx, fold_dir, state, seconds, timings
) -> None:
    """Threshold on the training folds, validation metrics, predictions, ``done.json``."""
    best = fold_dir / "best.pt"
    ck = torch.load(best, map_location="cpu", weights_only=True)
    model.load_state_dict(ck["state_dict"], strict=False)
    _, trainable = model.split(ck["phase"])
    inputs = phase_inputs[ck["phase"]]
    # Youden's index on the training folds' original images only (no leak from validation).
    threshold = youden_threshold(y[train_idx], _predict(trainable, inputs, train_idx))
    p_val = _predict(trainable, inputs, val_idx)
    metrics = binary_metrics(y[val_idx], p_val, threshold)
    model.threshold = threshold
    save_checkpoint(
        model,
        best,
        **{
            k: v
            for k, v in ck.items()
            if k not in ("name", "input_size", "state_dict", "weights_source", "threshold")
        },
        metrics=metrics,
    )
    pred = images.iloc[val_idx][["crop", "subject", "dataset", "label"]].assign(prob=p_val)
    write_csv(pred, fold_dir / "predictions.csv")
    done = {
        "model": name,
        "fold": int(fold_dir.name[4:]),
        **metrics,
        "threshold": threshold,
        "epochs": state["epoch"],
        "best_epoch": state.get("best_epoch", 0),
        "best_phase": ck["phase"],
        "val_loss": state["best_loss"],
        "train_s": seconds,
        "n_train": int(len(train_idx)),
        "n_val": int(len(val_idx)),
        "weights_source": model.weights_source,
        "input_size": model.input_size,
        **(timings or {}),
    }
    write_json(done, fold_dir / "done.json")
    (fold_dir / "last.pt").unlink(missing_ok=True)


def run_cv(
    images: pd.DataFrame,
    out_dir: str | Path,
    cfg: TrainConfig,
    models: Sequence[str] | None = None,
    weights: dict[str, str | Path | None] | None = None,
    callback: Callable[[dict], None] | None = None,
    progress: bool = True,
    threshold_rule: str = "training_folds",
) -> pd.DataFrame:
    """Folds + :func:`train_model` for each model; writes ``folds.csv``, ``metrics.csv``, ``best_models.csv``.

    ``threshold_rule`` (the protocol's) sets the thresholds of ``metrics.csv`` (per fold) and of
    ``best_models.csv`` (the video threshold), see :func:`rule_metrics` and :func:`best_models`;
    it does not change the training, so switching it never retrains.

    Returns the per-fold metrics of all models under that rule (``metrics.csv``); ``models``
    defaults to every registered model.
    """
    models = list_models() if models is None else list(models)
    out_dir = Path(out_dir)
    images = training_images(images)
    folds = load_or_make_folds(images, out_dir / "folds.csv", cfg.n_folds, cfg.seed)
    for name in models:
        train_model(
            name, images, folds, out_dir, cfg, (weights or {}).get(name), callback, progress
        )
    metrics = rule_metrics(collect_metrics(out_dir, models), out_dir, threshold_rule)
    write_csv(
        metrics[["model", "fold", *METRICS, "threshold", "threshold_rule"]], out_dir / "metrics.csv"
    )
    write_csv(best_models(metrics, out_dir, threshold_rule), out_dir / "best_models.csv")
    return metrics
