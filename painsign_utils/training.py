"""Cross-validated training of the three models and their validation metrics (paper §2.2, §2.5, App. B).

This module owns:

* the folds — leave-some-subjects-out, subjects stratified by source data set, a subject in
  exactly one fold (:func:`make_folds`);
* the training loop of App. B — one logit, BCE, RMSprop (lr 1e-4), batch 16, at most 100 epochs,
  early stop after 5 epochs without a lower validation loss, the best checkpoint kept; VGG-Face
  fine-tunes its last two conv blocks once its head has stalled; ViT trains its head only
  (:func:`train_model`, :func:`run_cv`);
* the thresholds under two rules, from the same run: ``training_folds`` (Youden's index on the
  training folds' original images, no leak; in ``done.json``) and ``validation_folds`` (the
  authors' rule, ``protocol: authors``: θ_k = :func:`painsign_utils.metrics.fold_thresholds` on
  fold k's validation predictions, Table 2 per fold at θ_k, the videos at the mean θ ± sd), see
  :func:`rule_metrics`; the validation metrics, their mean ± sd and Friedman test, Table 2 next
  to the paper's numbers (:func:`table2`, :func:`table2_rules`, :func:`best_models`).

Frozen layers are not recomputed: their output for every (image, augmentation) is computed once,
cached on disk under ``training/cache/`` and reused by every fold and epoch. This is exact because
the frozen layers have no dropout, the augmentations are deterministic, and every fold starts from
the same initial weights (seeded by ``seed`` alone).

Everything is resumable: after every epoch ``last.pt`` holds the model, optimizer, counters and
RNG state; a fold with ``done.json`` is skipped. Layout under ``artifacts/<profile>/training/``::

    folds.csv                       subject, dataset, fold
    cache/                          augmented images and frozen features (npy, atomic)
    <model>/fold<k>/last.pt         resume point (deleted when the fold is done)
    <model>/fold<k>/best.pt         best checkpoint (lowest validation loss), with its threshold
    <model>/fold<k>/log.csv         epoch, phase, train_loss, val_loss, val_auc, seconds, improved
    <model>/fold<k>/predictions.csv validation predictions of the best checkpoint
    <model>/fold<k>/done.json       threshold, metrics, epochs, timings
    metrics.csv, best_models.csv    one row per model and fold / per model
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
import torch
from torch import nn

from .augment import (
    PAPER_AUGMENT,
    AlbumentationsParams,
    AugmentParams,
    augment_params,
    augmented_stack,
    retinaface_check,
)
from .errors import ConfigError, DataError
from .metrics import (
    METRICS,
    binary_metrics,
    fold_thresholds,
    friedman_test,
    mean_sd,
    threshold_summary,
    youden_threshold,
)
from .models import PainModel, create_model, fingerprint, list_models, save_base, save_checkpoint
from .paper import TABLE2, THRESHOLDS
from .protocol import Protocol, get_protocol
from .registry import DISPLAY_NAMES as MODEL_NAMES
from .registry import get_spec
from .runtime import default_device
from .runtime import progress as tqdm
from .storage import (
    artifact_relative,
    atomic_path,
    read_json,
    read_table,
    reset_if_changed,
    write_csv,
    write_json,
)

#: Paper Table 2 (validation) and the Friedman p-values: an alias of :data:`painsign_utils.paper.TABLE2`.
PAPER_TABLE2 = TABLE2

#: Threshold rules (:func:`rule_metrics`).
THRESHOLD_RULES: tuple[str, ...] = ("validation_folds", "training_folds")

#: Weights no phase trains, identical in every fold (seeded start): stored once per model.
BASE_FILE = "base.pt"
#: How fold checkpoints refer to it (relative to ``<model>/fold<k>/``).
BASE = f"../{BASE_FILE}"


@dataclass
class TrainConfig:
    """Training protocol; the defaults are the paper's (App. A and B).

    Attributes
    ----------
    n_folds : int
        Cross-validation folds (leave-some-subjects-out).
    max_epochs : int
        Epoch budget of the first phase (every model).
    finetune_epochs : int
        Epoch budget of VGG-Face's fine-tuning phase (0 skips it). Fine-tuning starts from the
        best head when the first phase stalls for ``patience`` epochs or uses up ``max_epochs``.
    patience : int
        Epochs without a lower validation loss before stopping (or, for VGG-Face's first
        phase, before fine-tuning starts).
    batch_size, lr : int, float
        Mini-batch size and RMSprop learning rate.
    weight_decay : float
        RMSprop weight decay (0 in the paper's text; 1e-5 in the authors' code, ``protocol: authors``).
    finetune_lr : float or None
        Learning rate of VGG-Face's fine-tuning phase; None uses ``lr`` (the paper's text; the
        authors' code uses 1e-6).
    n_augment : int
        Augmented copies of each training image (the original is used too).
    input_sizes : dict
        Model name → input side in pixels, where it differs from the paper's.
    augment : AugmentParams or AlbumentationsParams
        Keras-style (the paper's text) or albumentations-style (the authors' code) ranges.
    face_check : bool
        Redraw augmentations in which RetinaFace finds no face (slow; geometric check always on).
    cache_features : bool
        Cache the frozen layers' output (exact; turn off when it would not fit on disk).
    bf16 : bool
        bf16 autocast for the frozen layers' forward pass. Off by default: the book's tables are
        computed in float32 so they do not depend on whether the CPU has bf16 units.
    device : str or None
        ``"cpu"`` or ``"cuda"``; None picks the GPU when there is one.
    seed : int
    model_overrides : dict
        Model name → {setting: value} for settings that differ per model on a small CPU
        budget (e.g. ``{"vggface": {"n_augment": 0}}``).
    """

    n_folds: int = 10
    max_epochs: int = 100
    finetune_epochs: int = 100
    patience: int = 5
    batch_size: int = 16
    lr: float = 1e-4
    weight_decay: float = 0.0
    finetune_lr: float | None = None
    n_augment: int = 20
    input_sizes: dict[str, int] = field(default_factory=dict)
    augment: AugmentParams | AlbumentationsParams = PAPER_AUGMENT
    face_check: bool = True
    cache_features: bool = True
    bf16: bool = False
    device: str | None = None
    seed: int = 0
    model_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    def for_model(self, name: str) -> TrainConfig:
        """This configuration with ``model_overrides[name]`` applied (e.g. fewer epochs for one model)."""
        over = dict(self.model_overrides.get(name, {}))
        bad = sorted(set(over) - set(TrainConfig.__dataclass_fields__) | ({"model_overrides"} & set(over)))
        if bad:
            raise ConfigError(f"unknown setting(s) in model_overrides[{name!r}]: {', '.join(bad)}")
        return replace(self, model_overrides={}, **over)

    def input_size(self, name: str) -> int:
        """Input side used for model ``name``."""
        return int(self.input_sizes.get(name) or get_spec(name).input_size)

    def phase_lr(self, phase: int) -> float:
        """Learning rate of a training phase: ``lr``, or ``finetune_lr`` for phase 2 when set."""
        return float(self.finetune_lr) if phase == 2 and self.finetune_lr is not None else float(self.lr)

    def differences(self) -> pd.DataFrame:
        """What this configuration changes with respect to the paper's text (weight decay,
        fine-tuning lr and augmentation style included: ``protocol: authors`` follows the authors'
        code there)."""
        paper = TrainConfig()
        rows = []
        for k in ("n_folds", "max_epochs", "finetune_epochs", "patience", "batch_size", "lr",
                  "weight_decay", "n_augment", "face_check"):  # fmt: skip
            if getattr(self, k) != getattr(paper, k):
                rows.append({"setting": k, "paper": getattr(paper, k), "this run": getattr(self, k)})
        if self.phase_lr(2) != paper.phase_lr(2):
            rows.append({"setting": "finetune_lr (VGG-Face)", "paper": paper.phase_lr(2),
                         "this run": self.phase_lr(2)})  # fmt: skip
        for name, over in self.model_overrides.items():
            for k, v in over.items():
                if k != "input_sizes" and v != getattr(paper, k):
                    rows.append({"setting": f"{k} ({name})", "paper": getattr(paper, k), "this run": v})
        for name in list_models():
            if self.input_size(name) != paper.input_size(name):
                rows.append({"setting": f"input size {name}", "paper": paper.input_size(name),
                             "this run": self.input_size(name)})  # fmt: skip
        if self.augment.style != paper.augment.style:
            rows.append({"setting": "augmentation style", "paper": paper.augment.style,
                         "this run": self.augment.style})  # fmt: skip
        elif self.augment != paper.augment:
            rows.append({"setting": "augmentation", "paper": paper.augment.key(),
                         "this run": self.augment.key()})  # fmt: skip
        return pd.DataFrame(rows, columns=["setting", "paper", "this run"])


# ---------------------------------------------------------------------------------------- folds


def make_folds(images: pd.DataFrame, n_folds: int = 10, seed: int = 0) -> pd.DataFrame:
    """Assign subjects to folds, stratified by data set (leave-some-subjects-out).

    Within each data set the subjects are shuffled and dealt to the fold that has the fewest
    subjects so far (ties: fewest images, then lowest index), so every fold gets its share of
    every data set and fold sizes differ by at most one subject.

    Parameters
    ----------
    images : DataFrame with columns ``subject, dataset``
    n_folds : int
    seed : int

    Returns
    -------
    DataFrame with columns ``subject, dataset, fold`` (fold in 0..n_folds-1), one row a subject.
    """
    for col in ("subject", "dataset"):
        if col not in images.columns:
            raise DataError(f"the image table has no {col!r} column")
    per = images.groupby("subject").agg(dataset=("dataset", "first"), n=("dataset", "size"))
    mixed = images.groupby("subject")["dataset"].nunique()
    if (mixed > 1).any():
        raise DataError(f"subject {mixed[mixed > 1].index[0]!r} appears in two data sets; give it distinct ids")
    if n_folds < 2 or n_folds > len(per):
        raise ConfigError(f"n_folds must be between 2 and the number of subjects ({len(per)}), got {n_folds}")
    rng = np.random.default_rng(seed)
    n_subj, n_img = np.zeros(n_folds, int), np.zeros(n_folds, int)
    rows = []
    for dataset in sorted(per["dataset"].unique()):
        subjects = sorted(per.index[per["dataset"] == dataset])
        for s in rng.permutation(subjects):
            fold = int(np.lexsort((np.arange(n_folds), n_img, n_subj))[0])
            n_subj[fold] += 1
            n_img[fold] += int(per.loc[s, "n"])
            rows.append({"subject": s, "dataset": dataset, "fold": fold})
    return pd.DataFrame(rows).sort_values(["fold", "dataset", "subject"]).reset_index(drop=True)


def folds_for(images: pd.DataFrame, folds: pd.DataFrame) -> np.ndarray:
    """Fold of each image row, shape (n_images,); raises if an image's subject has no fold."""
    fold_of = dict(zip(folds["subject"], folds["fold"], strict=True))
    missing = sorted(set(images["subject"]) - set(fold_of))
    if missing:
        raise DataError(f"subject {missing[0]!r} has no fold in folds.csv; delete it to recompute")
    return images["subject"].map(fold_of).to_numpy(int)


def load_or_make_folds(images: pd.DataFrame, path: str | Path, n_folds: int, seed: int) -> pd.DataFrame:
    """Read ``folds.csv`` if it exists with the same subjects and fold count, else make and save it."""
    path = Path(path)
    if path.exists():
        folds = read_table(path)
        if set(folds["subject"]) == set(images["subject"]) and folds["fold"].nunique() == n_folds:
            return folds
    folds = make_folds(images, n_folds, seed)
    write_csv(folds, path)
    return folds


# ----------------------------------------------------------------------------------------- data


def augment_keys(images: pd.DataFrame) -> list[str]:
    """What seeds each image's augmentations: ``dataset/subject/file name``, not a file path.

    Paths depend on where the project was cloned; seeding by them would make the same seed give
    other augmentations, and so other tables, in another folder.
    """
    source = images["path"] if "path" in images.columns else images["crop"]
    names = [Path(str(p)).name for p in source]
    return [f"{d}/{s}/{n}" for d, s, n in zip(images["dataset"].astype(str), images["subject"].astype(str), names)]


def training_images(images: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``faces/images.csv`` usable for training: a face was found and its crop exists."""
    need = {"crop", "label", "subject", "dataset"}
    if not need <= set(images.columns):
        raise DataError(f"the image table lacks columns {sorted(need - set(images.columns))}")
    df = images[images["found"].astype(bool)] if "found" in images.columns else images
    df = df[df["crop"].notna() & (df["crop"].astype(str) != "")].reset_index(drop=True)
    if df.empty:
        raise DataError("no image with a face crop to train on")
    bad = set(df["label"]) - {"pain", "nopain"}
    if bad:
        raise DataError(f"labels must be 'pain' or 'nopain', found {sorted(bad)}")
    return df


def read_crops(paths: Sequence[str]) -> list[np.ndarray]:
    """Read face crops (PNG/JPEG) as uint8 RGB arrays."""
    out = []
    for p in paths:
        bgr = cv2.imread(str(p), cv2.IMREAD_COLOR)
        if bgr is None:
            raise DataError(f"cannot read face crop {p}")
        out.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    return out


def _digest(*parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]


def _cached_array(path: Path, make: Callable[[], np.ndarray]) -> tuple[np.ndarray, float]:
    """Load ``path`` (memory-mapped) or make and save it atomically; returns (array, seconds spent)."""
    if path.exists():
        return np.load(path, mmap_mode="r"), 0.0
    t0 = time.perf_counter()
    arr = make()
    with atomic_path(path) as tmp:
        np.save(tmp, arr)
    return np.load(path, mmap_mode="r"), time.perf_counter() - t0


@contextlib.contextmanager
def _autocast(enabled: bool, device: str = "cpu") -> Iterator[None]:
    if enabled:
        with torch.autocast(device.split(":")[0], dtype=torch.bfloat16):
            yield
    else:
        yield


@torch.no_grad()
def _frozen_features(
    model: PainModel, frozen: nn.Module, stack: np.ndarray, batch: int, bf16: bool, desc: str
) -> np.ndarray:
    """Output of ``frozen`` for every image of ``stack`` (N, K, S, S, 3) → (N, K, ...)."""
    n, k = stack.shape[:2]
    flat = stack.reshape(n * k, *stack.shape[2:])
    frozen.eval()
    device = next(model.parameters()).device
    out = None
    for i in tqdm(range(0, len(flat), batch), desc=desc, leave=False):
        with _autocast(bf16, device.type):
            x = model.preprocess(np.asarray(flat[i : i + batch])).to(device)
            f = frozen(x).float().cpu().numpy()
        if out is None:
            out = np.empty((len(flat), *f.shape[1:]), np.float32)
        out[i : i + len(f)] = f
    return out.reshape(n, k, *out.shape[1:])


class _Inputs:
    """Gives the trainable part its input for (image, augmentation) index pairs of one phase."""

    def __init__(self, model: PainModel, frozen: nn.Module, stack: np.ndarray,
                 feats: np.ndarray | None, bf16: bool) -> None:  # fmt: skip
        self.model, self.frozen, self.stack, self.feats, self.bf16 = model, frozen, stack, feats, bf16

    def __call__(self, i: np.ndarray, k: np.ndarray) -> torch.Tensor:
        device = next(self.model.parameters()).device
        if self.feats is not None:
            return torch.from_numpy(np.asarray(self.feats[i, k])).to(device)
        x = self.model.preprocess(np.asarray(self.stack[i, k])).to(device)
        if isinstance(self.frozen, nn.Identity):
            return x
        with torch.no_grad(), _autocast(self.bf16, device.type):
            return self.frozen(x).float()


# ------------------------------------------------------------------------------------- training


def _bce(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return nn.functional.binary_cross_entropy_with_logits(logits.reshape(-1), y, reduction="sum")


@torch.no_grad()
def _logits(trainable: nn.Module, inputs: _Inputs, idx: np.ndarray, batch: int = 64) -> torch.Tensor:
    """Logits of the original images (augmentation 0) ``idx``, shape (len(idx),)."""
    trainable.eval()
    out = [trainable(inputs(idx[j : j + batch], np.zeros(len(idx[j : j + batch]), int))).reshape(-1)
           for j in range(0, len(idx), batch)]  # fmt: skip
    return torch.cat(out).float().cpu() if out else torch.zeros(0)


def _predict(trainable: nn.Module, inputs: _Inputs, idx: np.ndarray, batch: int = 64) -> np.ndarray:
    return torch.sigmoid(_logits(trainable, inputs, idx, batch)).numpy()


def _optimizer(model: PainModel, phase: int, cfg: TrainConfig) -> torch.optim.Optimizer:
    """RMSprop over the parameters ``phase`` trains, at that phase's lr, with ``cfg.weight_decay``."""
    return torch.optim.RMSprop(model.set_phase(phase), lr=cfg.phase_lr(phase), weight_decay=cfg.weight_decay)


def _train_fold(
    model: PainModel,
    phase_inputs: dict[int, _Inputs],
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
            save_checkpoint(model, best, base=BASE, fold=fold, epoch=state["epoch"], phase=phase, val_loss=val_loss)
        else:
            state["bad"] += 1
        row = {"epoch": state["epoch"], "phase": phase, "train_loss": total / len(tr_i),
               "val_loss": val_loss, "val_auc": val_auc, "seconds": time.perf_counter() - t0,
               "improved": improved}  # fmt: skip
        state["log"].append(row)
        write_csv(pd.DataFrame(state["log"]), fold_dir / "log.csv")
        with atomic_path(last) as tmp:
            torch.save({"state": state, "model": model.trained_state(), "optimizer": opt.state_dict(),
                        "torch_rng": torch.get_rng_state(),
                        "cuda_rng": torch.cuda.get_rng_state() if torch.cuda.is_available() else None,
                        }, tmp)  # fmt: skip
        bar.set_postfix(fold=fold, epoch=state["epoch"], phase=phase, val_loss=f"{val_loss:.3f}")
        if callback is not None:
            callback({"model": model.name, "fold": fold, **row})
    return state


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
        Called with a dict (model, fold, epoch, losses, …) after every epoch, once the epoch's
        resume point is saved (raising from it simulates an interruption).
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
    stamp = _settings_stamp(model, cfg, folds)
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
        aug_key = _digest(keys, size, cfg.n_augment, cfg.seed, cfg.augment.key(), cfg.face_check)
        check = retinaface_check() if cfg.face_check else None
        stack, timings["augment_s"] = _cached_array(
            out_dir / "cache" / f"aug_{size}px_{aug_key}.npy",
            lambda: augmented_stack(read_crops(crops), keys, cfg.n_augment, size, cfg.seed,
                                    cfg.augment, check),  # fmt: skip
        )
        phase_inputs = {}
        for phase in model.phases:
            frozen, _ = model.split(phase)
            feats = None
            if cfg.cache_features and not isinstance(frozen, nn.Identity):
                fkey = _digest(aug_key, name, phase, stamp["initial weights"], bf16)
                feats, secs = _cached_array(
                    out_dir / "cache" / f"{name}_phase{phase}_{fkey}.npy",
                    lambda frozen=frozen, phase=phase: _frozen_features(
                        model, frozen, stack, 32, bf16, f"{name} frozen features (phase {phase})"),
                )
                timings["features_s"] += secs
            phase_inputs[phase] = _Inputs(model, frozen, stack, feats, bf16)
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
        state = _train_fold(model, phase_inputs, y, train_idx, val_idx, fold_dir, cfg, k, callback, bar)
        _finish_fold(name, model, phase_inputs, images, y, train_idx, val_idx, fold_dir, state,
                     time.perf_counter() - t0, timings if k == pending[0] else None)  # fmt: skip
        bar.update(1)
    bar.close()
    return collect_metrics(out_dir, [name])


def _settings_stamp(model: PainModel, cfg: TrainConfig, folds: pd.DataFrame) -> dict:
    """What a model's finished folds depend on: the protocol, the folds and the starting weights."""
    protocol = {k: v for k, v in asdict(cfg).items() if k not in ("device", "model_overrides")}
    protocol["augment"] = cfg.augment.key()  # the style is part of the key
    return {"input size": model.input_size, "weights": model.weights_source, "augment seeds": "dataset/subject/name",
            "training settings": _digest(protocol), "folds": _digest(folds.to_dict("list")),
            "initial weights": fingerprint(model)}  # fmt: skip


def _finish_fold(name, model, phase_inputs, images, y, train_idx, val_idx, fold_dir, state,
                 seconds, timings) -> None:  # fmt: skip
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
    save_checkpoint(model, best, **{k: v for k, v in ck.items() if k not in
                                    ("name", "input_size", "state_dict", "weights_source", "threshold")},
                    metrics=metrics)  # fmt: skip
    pred = images.iloc[val_idx][["crop", "subject", "dataset", "label"]].assign(prob=p_val)
    write_csv(pred, fold_dir / "predictions.csv")
    done = {"model": name, "fold": int(fold_dir.name[4:]), **metrics, "threshold": threshold,
            "epochs": state["epoch"], "best_epoch": state.get("best_epoch", 0),
            "best_phase": ck["phase"], "val_loss": state["best_loss"], "train_s": seconds,
            "n_train": int(len(train_idx)), "n_val": int(len(val_idx)),
            "weights_source": model.weights_source, "input_size": model.input_size,
            **(timings or {})}  # fmt: skip
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
        train_model(name, images, folds, out_dir, cfg, (weights or {}).get(name), callback, progress)
    metrics = rule_metrics(collect_metrics(out_dir, models), out_dir, threshold_rule)
    write_csv(metrics[["model", "fold", *METRICS, "threshold", "threshold_rule"]], out_dir / "metrics.csv")
    write_csv(best_models(metrics, out_dir, threshold_rule), out_dir / "best_models.csv")
    return metrics


# -------------------------------------------------------------------------------------- results


def collect_metrics(out_dir: str | Path, models: Sequence[str]) -> pd.DataFrame:
    """Every finished fold's ``done.json`` as one table (model, fold, metrics, threshold, timings)."""
    rows = []
    for name in models:
        for done in sorted(Path(out_dir, name).glob("fold*/done.json")):
            rows.append(read_json(done))
    if not rows:
        raise DataError(f"no finished fold under {out_dir}")
    return pd.DataFrame(rows).sort_values(["model", "fold"], key=_model_order).reset_index(drop=True)


def _model_order(col: pd.Series) -> pd.Series:
    order = {m: i for i, m in enumerate(list_models())}
    return col.map(order) if col.name == "model" else col


def best_models(metrics: pd.DataFrame, out_dir: str | Path, rule: str = "training_folds") -> pd.DataFrame:
    """Per model, the fold with the highest validation AUC (the paper's choice for testing).

    ``threshold`` is the video threshold of ``rule``: under ``training_folds`` the best fold's own
    (training-fold Youden) threshold, ``threshold_sd`` NaN; under ``validation_folds`` the mean of
    the per-fold θ_k in ``metrics`` (:func:`rule_metrics`), ``threshold_sd`` their ``np.std``.
    The AUC, and so the best fold, does not depend on the rule.
    """
    if rule not in THRESHOLD_RULES:
        raise ConfigError(f"unknown threshold rule {rule!r}; use one of {', '.join(THRESHOLD_RULES)}")
    rows = []
    for name, g in metrics.groupby("model", sort=False):
        r = g.loc[g["auc"].fillna(-1.0).idxmax()]  # NaN AUC (one class) ranks last
        if rule == "validation_folds":
            summ = threshold_summary(g["threshold"].to_numpy(float))
            thr, sd = summ["mean"], summ["sd"]
        else:
            thr, sd = float(r["threshold"]), float("nan")
        rows.append({"model": name, "fold": int(r["fold"]),
                     "checkpoint": artifact_relative(Path(out_dir) / name / f"fold{int(r['fold'])}" / "best.pt"),
                     "val_auc": r["auc"], "threshold": thr,
                     "weights_source": r["weights_source"], "input_size": int(r["input_size"]),
                     "threshold_sd": sd, "threshold_rule": rule})  # fmt: skip
    return pd.DataFrame(rows)


def read_predictions(out_dir: str | Path, name: str, fold: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels (1 pain) and probabilities of a fold's validation predictions (``predictions.csv``)."""
    path = Path(out_dir) / name / f"fold{int(fold)}" / "predictions.csv"
    if not path.exists():
        raise DataError(f"no validation predictions at {path}; re-run chapter 2")
    pred = read_table(path)
    return (pred["label"] == "pain").to_numpy(int), pred["prob"].to_numpy(float)


def rule_metrics(metrics: pd.DataFrame, out_dir: str | Path, rule: str) -> pd.DataFrame:
    """Per-fold validation metrics under a threshold rule, from the same trained folds.

    ``training_folds``: ``metrics`` as they are (each fold at its training-fold Youden threshold,
    :func:`collect_metrics`). ``validation_folds`` (the authors' rule): θ_k =
    :func:`painsign_utils.metrics.fold_thresholds` on fold k's validation predictions
    (``predictions.csv``), and the fold's metrics at θ_k; a fold where no threshold beats chance
    (θ_k = inf, ``roc_curve``'s leading value) counts as 1.0, as :func:`youden_threshold` clips.

    Returns
    -------
    DataFrame like ``metrics`` with ``threshold`` and the :data:`METRICS` of the rule, and a
    ``threshold_rule`` column.
    """
    if rule not in THRESHOLD_RULES:
        raise ConfigError(f"unknown threshold rule {rule!r}; use one of {', '.join(THRESHOLD_RULES)}")
    out = metrics.copy()
    if rule == "validation_folds":
        for i, r in metrics.iterrows():
            y, p = read_predictions(out_dir, r["model"], int(r["fold"]))
            theta = float(min(fold_thresholds([(y, p)])[0], 1.0))
            out.loc[i, "threshold"] = theta
            for m, v in binary_metrics(y, p, theta).items():
                out.loc[i, m] = v
    return out.assign(threshold_rule=rule)


def table2_rules(metrics: pd.DataFrame, out_dir: str | Path) -> pd.DataFrame:
    """Table 2 (validation) under both threshold rules from the same run, one row per model and rule.

    Returns
    -------
    DataFrame with ``model, rule, accuracy, sensitivity, specificity, auc`` (means over folds),
    their ``*_sd`` (``np.std``), ``threshold`` (mean of the per-fold thresholds) and
    ``threshold_sd``, ``n_folds``. The ``validation_folds`` rows flatter Table 2: their thresholds
    are chosen on the very predictions they score.
    """
    rows = []
    for rule in THRESHOLD_RULES:
        per_fold = rule_metrics(metrics, out_dir, rule)
        for name, g in per_fold.groupby("model", sort=False):
            row: dict[str, Any] = {"model": name, "rule": rule}
            for m in METRICS:
                row[m] = float(g[m].mean())
            for m in METRICS:
                row[f"{m}_sd"] = float(g[m].std(ddof=0))
            row["threshold"] = float(g["threshold"].mean())
            row["threshold_sd"] = float(g["threshold"].std(ddof=0))
            row["n_folds"] = len(g)
            rows.append(row)
    return pd.DataFrame(rows).sort_values(["model", "rule"], key=_model_order, kind="stable").reset_index(drop=True)


def friedman_pvalues(metrics: pd.DataFrame) -> dict[str, float]:
    """Friedman test across models, folds as blocks, for each metric."""
    out = {}
    for m in METRICS:
        wide = metrics.pivot(index="fold", columns="model", values=m)
        out[m] = friedman_test(wide)
    return out


def table2(metrics: pd.DataFrame) -> pd.DataFrame:
    """Table 2 (validation): mean ± sd per metric and model, ours next to the paper's.

    Returns
    -------
    DataFrame indexed by metric with columns ``(<model display name>, "ours"|"paper")`` and
    ``("p-value", "ours"|"paper")``.
    """
    p_ours = friedman_pvalues(metrics) if metrics["model"].nunique() >= 3 else {}
    cols: dict[tuple[str, str], list[str]] = {}
    names = [m for m in list_models() if m in set(metrics["model"])]
    for name in names:
        g = metrics[metrics["model"] == name]
        cols[(MODEL_NAMES[name], "ours")] = [mean_sd(g[m]) for m in METRICS]
        cols[(MODEL_NAMES[name], "paper")] = [
            f"{100 * PAPER_TABLE2[name][m][0]:.1f}% ± {100 * PAPER_TABLE2[name][m][1]:.1f}%"
            for m in METRICS
        ]
    cols[("p-value", "ours")] = [f"{p_ours[m]:.4f}" if m in p_ours else "–" for m in METRICS]
    cols[("p-value", "paper")] = [f"{PAPER_TABLE2['p_value'][m]:.4f}" for m in METRICS]
    df = pd.DataFrame(cols, index=[m.capitalize() if m != "auc" else "AUC" for m in METRICS])
    df.columns = pd.MultiIndex.from_tuples(df.columns)
    return df


def timing_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """Where the training time went, per model (display names): augmentation and frozen-feature
    caches (0 when an earlier run made them), training seconds over all folds, mean epochs."""
    return metrics.groupby("model", sort=False).agg(
        augment_s=("augment_s", "max"), frozen_features_s=("features_s", "max"),
        train_s=("train_s", "sum"), epochs=("epochs", "mean"),
    ).rename(index=MODEL_NAMES)  # fmt: skip


def threshold_table(metrics: pd.DataFrame, best: pd.DataFrame) -> pd.DataFrame:
    """Thresholds per model: the per-fold thresholds' mean ± sd (``np.std``), the video threshold
    of ``best_models.csv`` (its rule) and the paper's (the mean of its validation-fold θ_k)."""
    thr = metrics.groupby("model", sort=False)["threshold"].agg(
        lambda t: f"{t.mean():.1%} ± {t.std(ddof=0):.1%}").rename("ours, per fold").to_frame()
    b = best.set_index("model")
    thr["ours, videos"] = thr.index.map(b["threshold"]).map("{:.1%}".format)
    if "threshold_rule" in b.columns:
        thr["rule"] = thr.index.map(b["threshold_rule"])
    thr["paper, videos (validation-fold mean)"] = [f"{THRESHOLDS[m]:.1%}" for m in thr.index]
    return thr.rename(index=MODEL_NAMES)


def provenance(images: pd.DataFrame, sources: dict[str, str], n_changes: int) -> str:
    """One paragraph (Markdown) on which data, weights and protocol produced our Table 2."""
    synthetic = images["dataset"].astype(str).str.startswith("synthetic").all()
    data_note = "synthetic neonatal faces" if synthetic else ", ".join(sorted(images["dataset"].unique()))
    protocol = (f". The run departs from the paper's protocol in {n_changes} setting(s) listed in "
                "section 3." if n_changes else ". The protocol is the paper's.")  # fmt: skip
    return (f"Our numbers come from **{data_note}** ({len(images)} images of "
            f"{images['subject'].nunique()} newborns), with weights: "
            + "; ".join(f"{MODEL_NAMES[m]} — {src}" for m, src in sources.items()) + protocol
            + " The paper's numbers come from the real iCOPE and UNIFESP images with pretrained"
            " VGG-Face and ImageNet ViT-B/16 weights.")  # fmt: skip


def read_logs(out_dir: str | Path, models: Sequence[str]) -> pd.DataFrame:
    """All per-epoch logs as one table with ``model`` and ``fold`` columns."""
    frames = []
    for name in models:
        for log in sorted(Path(out_dir, name).glob("fold*/log.csv")):
            frames.append(pd.read_csv(log).assign(model=name, fold=int(log.parent.name[4:])))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def config_from_params(protocol: str | Protocol | None = None, **params: Any) -> TrainConfig:
    """A :class:`TrainConfig` from notebook parameters (unknown keys raise :class:`ConfigError`).

    Parameters
    ----------
    protocol : {"authors", "causal"}, Protocol or None
        Sets ``weight_decay``, ``finetune_lr`` and the augmentation style from
        :func:`painsign_utils.protocol.get_protocol` unless ``params`` gives them (an ``augment``
        dict then overrides ranges of the protocol's style). None keeps the paper's text.
    **params
        :class:`TrainConfig` fields.
    """
    known = {f for f in TrainConfig.__dataclass_fields__}
    unknown = sorted(set(params) - known)
    if unknown:
        raise ConfigError(f"unknown training parameter(s): {', '.join(unknown)}")
    style = "keras"
    if protocol is not None:
        p = get_protocol(protocol)
        style = p.augment_style
        params.setdefault("weight_decay", p.weight_decay)
        params.setdefault("finetune_lr", p.vgg_finetune_lr)
        if "augment" not in params:
            params["augment"] = augment_params(style)
    if "augment" in params and isinstance(params["augment"], dict):
        params["augment"] = augment_params(style, **params["augment"])
    return TrainConfig(**params)
