"""The training loop of App. B for one fold (:mod:`.cv` runs the folds as tasks).

One logit, BCE, RMSprop, early stop on the validation loss with the best checkpoint kept; VGG-Face
fine-tunes its last two conv blocks once its head has stalled.
Resumable: ``last.pt`` after each phase's first epoch and then at least once a minute (replaying
epochs from it is exact: seeded order and dropout), a fold with ``done.json`` is skipped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..metrics import binary_metrics, youden_threshold
from ..models import PainModel, save_checkpoint
from ..storage import atomic_path, write_csv, write_json
from .config import TrainConfig
from .inputs import Inputs
from .optim import InPlaceRMSprop

#: Weights no phase trains, identical in every fold (seeded start): stored once per model.
BASE_FILE = "base.pt"
#: Seconds between resume points within a phase (see ``fit_fold``).
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


def fit_fold(
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
        bar.update(1)
        bar.set_postfix(phase=phase, val_loss=f"{val_loss:.3f}", refresh=False)
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


def finish_fold(
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
