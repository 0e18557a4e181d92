"""The multitask pretraining: identity cross-entropy + action regression from the pooled features,
AdamW with warm-up and cosine decay, gradient clipping, float32; resumable, cached per settings
digest (:func:`pretrain`), and the backbone exported as a weights file (:func:`export_weights`)."""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..errors import ModelError
from ..models import PainModel, create_model
from ..registry import get_spec, pretrainable
from ..render import NFCS_ACTIONS
from ..runtime import progress as tqdm
from ..storage import atomic_path, write_csv, write_json
from .config import PREFIX, SEED_OFFSET, TARGETS, PretrainConfig, cache_root
from .corpus import load_corpus


class _Pretrainer(nn.Module):
    """Backbone embedding plus an identity head and an action-regression head."""

    def __init__(self, model: PainModel, n_ids: int) -> None:
        super().__init__()
        self.model = model
        self.backbone, dim = model.embedding()
        self.identity = nn.Linear(dim, n_ids)
        self.actions = nn.Linear(dim, len(TARGETS))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        f = self.backbone(x)
        return f, self.identity(f), self.actions(f)


@torch.no_grad()
def embed(model: PainModel, images: np.ndarray, batch: int = 64) -> np.ndarray:
    """Backbone features of face crops, shape (N, dim), float32 (the model is put in eval mode)."""
    backbone, _ = model.embedding()
    backbone.eval()
    out = [
        backbone(model.preprocess(images[i : i + batch])).float().numpy()
        for i in range(0, len(images), batch)
    ]
    return np.concatenate(out)


def identity_separation(features: np.ndarray, identity: np.ndarray) -> float:
    """Leave-one-out 1-nearest-neighbour identity accuracy under cosine similarity.

    How well features tell apart faces of identities no head was trained on: 1/n_ids is chance.
    """
    f = features - features.mean(0)
    f = f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)
    sim = f @ f.T
    np.fill_diagonal(sim, -np.inf)
    return float((identity[sim.argmax(1)] == identity).mean())


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def export_weights(model: PainModel) -> dict[str, torch.Tensor]:
    """The backbone as a state dict in the format ``create_model(weights=path)`` reads.

    Which module is the backbone, and the prefix its weight names carry, are the model's registry
    entry (:attr:`~painsign_utils.registry.ModelSpec.backbone`, ``backbone_prefix``); the head is
    left out.
    """
    spec = get_spec(model.name)
    if not spec.backbone:
        raise ModelError(
            f"{model.name} has no backbone to pretrain; pretrainable: {', '.join(pretrainable())}"
        )
    state = model.get_submodule(spec.backbone).state_dict()
    return {
        f"{spec.backbone_prefix}{k}": v.clone()
        for k, v in state.items()
        if not k.startswith("head.")
    }


def _lr_at(step: int, total: int, cfg: PretrainConfig) -> float:
    warm = max(1, int(cfg.warmup * total))
    if step < warm:
        return cfg.lr * (step + 1) / warm
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))


def run_folder(
    name: str, input_size: int, cfg: PretrainConfig, root: str | Path | None = None
) -> Path:
    """The cache folder of ``name``'s pretraining at ``input_size`` with settings ``cfg``."""
    return Path(root or cache_root()) / f"{name}-{input_size}px-{cfg.digest(name, input_size)}"


def is_finished(run: Path) -> bool:
    """Whether pretraining run ``run`` (a :func:`run_folder`) has finished: card and weights."""
    return (run / "card.json").is_file() and (run / "weights.pt").is_file()


def pretrain(
    name: str,
    input_size: int,
    cfg: PretrainConfig | None = None,
    root: str | Path | None = None,
    progress: bool = True,
) -> Path:
    """Pretrain ``name``'s backbone on synthetic faces, or reuse a finished run with these settings.

    Parameters
    ----------
    name : {"vggface", "vit_b16"}
    input_size : int
        Side of the model's input in pixels (the profile's ``input_size_<model>``).
    cfg : PretrainConfig, optional
    root : path, optional
        Cache folder; default :func:`cache_root`.
    progress : bool
        Progress bars.

    Returns
    -------
    Path of the run folder, holding ``weights.pt`` and ``card.json``.
    """
    cfg = cfg or PretrainConfig()
    cfg.validate()
    if name not in pretrainable():
        raise ModelError(f"cannot pretrain {name!r}; pretrainable: {', '.join(pretrainable())}")
    run = run_folder(name, input_size, cfg, root)
    if is_finished(run):
        return run
    run.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    corpus, render_seconds = load_corpus(cfg, input_size, root, progress)
    images, identity, targets = corpus["train"]
    val_images, val_identity, val_targets = corpus["val"]
    unseen_images, unseen_identity, unseen_targets = corpus["unseen"]

    torch.manual_seed(cfg.seed)
    model = create_model(name, weights="random", input_size=input_size)
    random_sep = identity_separation(embed(model, unseen_images), unseen_identity)
    net = _Pretrainer(model, cfg.subjects)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps_per_epoch = math.ceil(len(images) / cfg.batch_size)
    total = cfg.epochs * steps_per_epoch
    state: dict[str, Any] = {"epoch": 0, "log": [], "seconds": 0.0}
    last = run / "last.pt"
    if last.is_file():
        ck = torch.load(last, map_location="cpu", weights_only=True)
        net.load_state_dict(ck["net"])
        opt.load_state_dict(ck["opt"])
        torch.set_rng_state(ck["rng"])
        state = json.loads(ck["state"])
        print(f"pretraining {name}: resuming after epoch {state['epoch']} of {cfg.epochs}")
    y_t = torch.from_numpy(targets)
    id_t = torch.from_numpy(identity)
    ce, mse = nn.CrossEntropyLoss(), nn.MSELoss()
    bar = tqdm(
        total=total,
        initial=state["epoch"] * steps_per_epoch,
        desc=f"pretraining {name}",
        disable=not progress,
    )
    while state["epoch"] < cfg.epochs:
        t0 = time.perf_counter()
        net.train()
        order = np.random.default_rng([cfg.seed, state["epoch"]]).permutation(len(images))
        totals = np.zeros(2)
        for j in range(steps_per_epoch):
            b = order[j * cfg.batch_size : (j + 1) * cfg.batch_size]
            for group in opt.param_groups:
                group["lr"] = _lr_at(state["epoch"] * steps_per_epoch + j, total, cfg)
            _, id_logits, pred = net(model.preprocess(images[b]))
            loss_id, loss_act = ce(id_logits, id_t[b]), mse(pred, y_t[b])
            loss = loss_id + cfg.action_weight * loss_act
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            totals += [loss_id.item() * len(b), loss_act.item() * len(b)]
            bar.update(1)
        held = _held_out(net, model, val_images, val_identity, unseen_images, unseen_targets)
        state["epoch"] += 1
        state["seconds"] += time.perf_counter() - t0
        state["log"].append(
            {
                "epoch": state["epoch"],
                "identity_loss": totals[0] / len(images),
                "action_mse": totals[1] / len(images),
                **held,
                "seconds": time.perf_counter() - t0,
            }
        )
        bar.set_postfix(
            id_acc=f"{held['identity_top1']:.2f}", action_r=f"{held['unseen_action_r']:.2f}"
        )
        with atomic_path(last) as tmp:
            torch.save(
                {
                    "net": net.state_dict(),
                    "opt": opt.state_dict(),
                    "rng": torch.get_rng_state(),
                    "state": json.dumps(state),
                },
                tmp,
            )
    bar.close()
    write_csv(pd.DataFrame(state["log"]), run / "log.csv")
    net.eval()
    final = state["log"][-1]
    sep = identity_separation(embed(model, unseen_images), unseen_identity)
    with atomic_path(run / "weights.pt") as tmp:
        torch.save(export_weights(model), tmp)
    card = {
        "model": name,
        "input_size": input_size,
        "start": "synthetic-face pretraining (not VGG-Face / ImageNet)",
        "corpus": {
            "identities": cfg.subjects,
            "faces": int(len(images)),
            "prefix": PREFIX,
            "seed": cfg.seed + SEED_OFFSET,
            "held_out_faces": int(len(val_images)),
            "unseen_identities": cfg.unseen_subjects,
            "unseen_faces": int(len(unseen_images)),
        },
        "settings": asdict(cfg),
        "digest": cfg.digest(name, input_size),
        "epochs": state["epoch"],
        "identity_top1": final["identity_top1"],
        "unseen_action_r": final["unseen_action_r"],
        "unseen_intensity_r": final["unseen_intensity_r"],
        "unseen_identity_1nn": sep,
        "unseen_identity_1nn_random": random_sep,
        "chance_identity_1nn": 1 / cfg.unseen_subjects,
        "train_seconds": round(state["seconds"], 1),
        "total_seconds": round(time.perf_counter() - t_start, 1),
        "render_seconds": round(render_seconds, 1),
    }
    write_json(card, run / "card.json")  # last: its presence means the run is complete
    last.unlink(missing_ok=True)
    return run


@torch.no_grad()
def _held_out(
    net: _Pretrainer,
    model: PainModel,
    val_images: np.ndarray,
    val_identity: np.ndarray,
    unseen_images: np.ndarray,
    unseen_targets: np.ndarray,
) -> dict[str, float]:
    net.eval()
    ids, preds = [], []
    for images, keep in ((val_images, ids), (unseen_images, preds)):
        for i in range(0, len(images), 64):
            _, id_logits, pred = net(model.preprocess(images[i : i + 64]))
            keep.append(id_logits.argmax(1).numpy() if keep is ids else pred.numpy())
    pred = np.concatenate(preds)
    r = [_pearson(pred[:, j], unseen_targets[:, j]) for j in range(len(NFCS_ACTIONS))]
    return {
        "identity_top1": float((np.concatenate(ids) == val_identity).mean()),
        "unseen_action_r": float(np.nanmean(r)),
        "unseen_intensity_r": _pearson(pred[:, -1], unseen_targets[:, -1]),
    }
