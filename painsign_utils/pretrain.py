"""Synthetic-face pretraining: the offline stand-in for VGG-Face and ImageNet weights.

The paper's VGG-Face starts from a network trained to tell thousands of adult identities apart and
its ViT-B/16 from ImageNet; only their heads (and VGG's last two blocks) learn pain. Those weights
cannot ship here, and a frozen *random* base gives features in which pain is barely separable. So,
when no real pretrained weights are found locally (they always take precedence), each backbone is
first pretrained on rendered faces of **subjects disjoint from the book's data sets** (another seed
and the identity prefix ``P``), with the labels the renderer knows: the identity (what VGG-Face
was trained on) and the intensity of each NFCS facial action, plus sleep and yawns. The paper's
transfer protocol then runs unchanged on top (chapter 02). See docs/design.md, "Models and weights".

This module owns:

* the corpus (:func:`render_corpus`): faces on crib backgrounds, roll ±30°, lighting, blur,
  noise, caps, hands, cropped like the detector's crops;
* the multitask pretraining (:func:`pretrain`): identity cross-entropy + action regression from the
  pooled features, AdamW with warm-up and cosine decay, gradient clipping, float32;
* the cache: one folder per model, input size and settings digest under
  ``$PAINSIGN_CACHE/pretrain`` (default ``~/.cache/painsign/pretrain``), holding ``weights.pt``
  (a state dict that :func:`~painsign_utils.models.create_model` loads like real weights) and
  ``card.json`` (corpus, epochs, held-out accuracy, time, digest). Resumable after every epoch,
  written atomically, reused by every later run with the same settings;
* :func:`starting_weights`: where each model starts (real file, synthetic pretraining, or random).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
import torch
from torch import nn

from .errors import ConfigError, ModelError
from .models import PainModel, create_model, find_weights
from .registry import get_spec, pretrainable
from .render import NFCS_ACTIONS, Placement, Subject, expression_from_intensity, place_face
from .runtime import progress as tqdm
from .storage import atomic_path, read_json, write_csv, write_json
from .synthetic import background, draw_hand, light_gradient, photographic, rng_for

#: Identity prefix of pretraining subjects: the book's sets use I, U and V (see :mod:`synthetic`).
PREFIX = "P"
#: Added to the profile's seed so no pretraining face is drawn from the book's random streams.
SEED_OFFSET = 7919
#: Regression targets: the eight NFCS actions, then sleep, yawn and the latent intensity.
TARGETS: tuple[str, ...] = (*NFCS_ACTIONS, "asleep", "yawn", "intensity")


@dataclass(frozen=True)
class PretrainConfig:
    """Size and recipe of one pretraining run.

    Attributes
    ----------
    subjects, per_subject : int
        Training identities and renders of each (the corpus has ``subjects * per_subject`` faces).
    val_per_subject : int
        Extra renders of each training identity, for held-out identity accuracy.
    unseen_subjects : int
        Further identities never trained on (8 renders each): action r and how well the features
        separate identities they have not seen, against a random start.
    epochs, batch_size, lr, weight_decay, warmup : recipe of AdamW (warm-up fraction of the steps,
        then cosine decay to 0), gradient norm clipped at 1.
    action_weight : float
        Weight of the action regression loss against the identity cross-entropy.
    seed : int
        Root seed; the corpus uses ``seed + SEED_OFFSET``.
    """

    subjects: int = 160
    per_subject: int = 24
    val_per_subject: int = 3
    unseen_subjects: int = 24
    epochs: int = 4
    batch_size: int = 32
    lr: float = 1e-4
    weight_decay: float = 0.05
    warmup: float = 0.1
    action_weight: float = 5.0
    seed: int = 0

    def validate(self) -> None:
        """Raise :class:`ConfigError` for settings that cannot pretrain anything."""
        if min(self.subjects, self.per_subject, self.epochs, self.batch_size) < 1:
            raise ConfigError("pretraining needs subjects, per_subject, epochs and batch_size >= 1")
        if self.unseen_subjects < 2 or self.val_per_subject < 1:
            raise ConfigError("pretraining needs unseen_subjects >= 2 and val_per_subject >= 1")
        if not (self.lr > 0 and math.isfinite(self.lr)) or not 0 <= self.warmup < 1:
            raise ConfigError(f"pretraining lr must be > 0 and warmup in [0, 1), got {self.lr}, {self.warmup}")

    def digest(self, model: str, size: int) -> str:
        """Short digest of everything the weights depend on."""
        text = json.dumps({"model": model, "size": size, **asdict(self), "version": 1}, sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()[:10]


def cache_root() -> Path:
    """``$PAINSIGN_CACHE/pretrain``, default ``~/.cache/painsign/pretrain``: once per machine."""
    base = os.environ.get("PAINSIGN_CACHE") or Path.home() / ".cache" / "painsign"
    return Path(base) / "pretrain"


# ------------------------------------------------------------------------------------- corpus


def corpus_subjects(seed: int, n: int, first: int = 0) -> list[Subject]:
    """Pretraining identities ``P{first:03d}`` …, drawn from ``seed + SEED_OFFSET``."""
    s = seed + SEED_OFFSET
    return [Subject.random(rng_for(s, PREFIX, i), f"{PREFIX}{i:03d}") for i in range(first, first + n)]


def render_face_crop(subject: Subject, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One face of ``subject`` in a random state, cropped like a detector crop.

    Returns
    -------
    crop : ndarray, shape (size, size, 3), uint8 RGB
    targets : ndarray, shape (len(TARGETS),), float32
    """
    u = rng.random()
    asleep = yawn = 0.0
    if u < 0.12:
        intensity, asleep = rng.uniform(0.0, 0.15), 1.0
    elif u < 0.22:
        intensity, yawn = rng.uniform(0.0, 0.2), rng.uniform(0.5, 1.0)
    else:
        intensity = rng.uniform(0.0, 1.0)
    expr = expression_from_intensity(intensity, subject, rng, asleep=asleep, yawn=yawn)
    side = max(160, int(2.5 * size))
    frame = background(rng, side, side)
    unit = side * rng.uniform(0.17, 0.23)
    where = Placement(cx=side / 2 + rng.uniform(-0.05, 0.05) * side,
                      cy=side / 2 + rng.uniform(-0.05, 0.05) * side,
                      unit=unit, roll=float(np.clip(rng.normal(0, 12), -30, 30)))  # fmt: skip
    box, lms = place_face(frame, subject, expr, where, quiver_phase=rng.uniform(0, 2 * np.pi))
    if rng.random() < 0.15:  # a hand over part of the face
        k = rng.integers(5)
        draw_hand(frame, rng, (float(lms[k, 0]), float(lms[k, 1])), unit * rng.uniform(0.6, 1.0), subject.skin)
    frame = photographic(frame, rng, gain=rng.uniform(0.7, 1.12), blur=rng.uniform(0, 1.3),
                         noise=rng.uniform(1, 7), gradient=light_gradient(rng, side, side))  # fmt: skip
    # A detector's square crop with a 0.2 margin, with the jitter a detector's box has.
    x, y, w, h = box
    crop_side = max(w, h) * 1.4 * rng.uniform(0.92, 1.08)
    cx = x + w / 2 + rng.normal(0, 0.04) * w
    cy = y + h / 2 + rng.normal(0, 0.04) * h
    s = size / crop_side
    m = np.array([[s, 0, size / 2 - s * cx], [0, s, size / 2 - s * cy]])
    crop = cv2.warpAffine(frame, m, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    targets = np.r_[expr.actions, asleep, yawn, intensity].astype(np.float32)
    return np.ascontiguousarray(crop), targets


def render_corpus(subjects: list[Subject], per_subject: int, size: int, seed: int,
                  tag: str = "train", progress: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Render ``per_subject`` faces of each subject.

    Returns
    -------
    images : ndarray, shape (N, size, size, 3), uint8
    identity : ndarray, shape (N,), int64 (index into ``subjects``)
    targets : ndarray, shape (N, len(TARGETS)), float32
    """
    n = len(subjects) * per_subject
    images = np.empty((n, size, size, 3), np.uint8)
    identity = np.repeat(np.arange(len(subjects)), per_subject)
    targets = np.empty((n, len(TARGETS)), np.float32)
    cv2.setNumThreads(1)
    for i in tqdm(range(n), desc=f"rendering {tag} faces", disable=not progress, leave=False):
        subject = subjects[identity[i]]
        rng = rng_for(seed + SEED_OFFSET, tag, subject.id, int(i % per_subject))
        images[i], targets[i] = render_face_crop(subject, size, rng)
    return images, identity, targets


# ----------------------------------------------------------------------------------- networks


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
    out = [backbone(model.preprocess(images[i : i + batch])).float().numpy()
           for i in range(0, len(images), batch)]  # fmt: skip
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
    """The backbone as a state dict in the format ``create_model(weights=path)`` reads."""
    if model.name == "vggface":
        return {f"features.{k}": v.clone() for k, v in model.features.state_dict().items()}
    if model.name == "vit_b16":
        return {k: v.clone() for k, v in model.vit.state_dict().items() if not k.startswith("head.")}
    raise ModelError(f"{model.name} has no backbone to pretrain; pretrainable: {', '.join(pretrainable())}")


# ----------------------------------------------------------------------------------- training


def _lr_at(step: int, total: int, cfg: PretrainConfig) -> float:
    warm = max(1, int(cfg.warmup * total))
    if step < warm:
        return cfg.lr * (step + 1) / warm
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))


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
    digest = cfg.digest(name, input_size)
    run = Path(root or cache_root()) / f"{name}-{input_size}px-{digest}"
    if (run / "card.json").is_file() and (run / "weights.pt").is_file():
        return run
    run.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    corpus = _corpus(run, cfg, input_size, progress)
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
    bar = tqdm(total=total, initial=state["epoch"] * steps_per_epoch, desc=f"pretraining {name}",
               disable=not progress)  # fmt: skip
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
        state["log"].append({"epoch": state["epoch"], "identity_loss": totals[0] / len(images),
                             "action_mse": totals[1] / len(images), **held,
                             "seconds": time.perf_counter() - t0})  # fmt: skip
        bar.set_postfix(id_acc=f"{held['identity_top1']:.2f}", action_r=f"{held['unseen_action_r']:.2f}")
        with atomic_path(last) as tmp:
            torch.save({"net": net.state_dict(), "opt": opt.state_dict(), "rng": torch.get_rng_state(),
                        "state": json.dumps(state)}, tmp)  # fmt: skip
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
        "corpus": {"identities": cfg.subjects, "faces": int(len(images)), "prefix": PREFIX,
                   "seed": cfg.seed + SEED_OFFSET, "held_out_faces": int(len(val_images)),
                   "unseen_identities": cfg.unseen_subjects, "unseen_faces": int(len(unseen_images))},
        "settings": asdict(cfg),
        "digest": digest,
        "epochs": state["epoch"],
        "identity_top1": final["identity_top1"],
        "unseen_action_r": final["unseen_action_r"],
        "unseen_intensity_r": final["unseen_intensity_r"],
        "unseen_identity_1nn": sep,
        "unseen_identity_1nn_random": random_sep,
        "chance_identity_1nn": 1 / cfg.unseen_subjects,
        "train_seconds": round(state["seconds"], 1),
        "total_seconds": round(time.perf_counter() - t_start + corpus["seconds"], 1),
    }  # fmt: skip
    write_json(card, run / "card.json")  # last: its presence means the run is complete
    last.unlink(missing_ok=True)
    return run


def _corpus(run: Path, cfg: PretrainConfig, size: int, progress: bool) -> dict[str, Any]:
    """Render (or reload) the training, held-out and unseen-identity faces of a run."""
    path = run / "corpus.npz"
    t0 = time.perf_counter()
    if path.is_file():
        with np.load(path) as z:
            out = {k: (z[f"{k}_images"], z[f"{k}_identity"], z[f"{k}_targets"]) for k in ("train", "val", "unseen")}
        return {**out, "seconds": 0.0}
    train_subjects = corpus_subjects(cfg.seed, cfg.subjects)
    unseen = corpus_subjects(cfg.seed, cfg.unseen_subjects, first=cfg.subjects)
    out = {
        "train": render_corpus(train_subjects, cfg.per_subject, size, cfg.seed, "train", progress),
        "val": render_corpus(train_subjects, cfg.val_per_subject, size, cfg.seed, "val", progress),
        "unseen": render_corpus(unseen, 8, size, cfg.seed, "unseen", progress),
    }
    arrays = {f"{k}_{part}": a for k, v in out.items() for part, a in zip(("images", "identity", "targets"), v)}
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, **arrays)
    return {**out, "seconds": time.perf_counter() - t0}


@torch.no_grad()
def _held_out(net: _Pretrainer, model: PainModel, val_images: np.ndarray, val_identity: np.ndarray,
              unseen_images: np.ndarray, unseen_targets: np.ndarray) -> dict[str, float]:  # fmt: skip
    net.eval()
    ids, preds = [], []
    for images, keep in ((val_images, ids), (unseen_images, preds)):
        for i in range(0, len(images), 64):
            _, id_logits, pred = net(model.preprocess(images[i : i + 64]))
            keep.append(id_logits.argmax(1).numpy() if keep is ids else pred.numpy())
    pred = np.concatenate(preds)
    r = [_pearson(pred[:, j], unseen_targets[:, j]) for j in range(len(NFCS_ACTIONS))]
    return {"identity_top1": float((np.concatenate(ids) == val_identity).mean()),
            "unseen_action_r": float(np.nanmean(r)),
            "unseen_intensity_r": _pearson(pred[:, -1], unseen_targets[:, -1])}  # fmt: skip


# ------------------------------------------------------------------------------- starting point


def read_card(run: str | Path) -> dict:
    """The card of a finished pretraining run."""
    path = Path(run) / "card.json"
    if not path.is_file():
        raise ModelError(f"no finished pretraining in {run} (card.json missing)")
    return read_json(path)


def starting_weights(
    name: str,
    input_size: int,
    weights: str | Path | None = None,
    pretrain_cfg: PretrainConfig | None = None,
    root: str | Path | None = None,
    progress: bool = True,
) -> tuple[str | Path | None, str]:
    """Where model ``name`` starts, for chapter 02 and ``painsign pretrain``.

    Real pretrained weights win: an explicit ``weights`` file, else one found locally
    (:func:`~painsign_utils.models.find_weights`). Otherwise, with ``pretrain_cfg``, the backbone
    is pretrained on synthetic faces (or the cached run is reused); without it the model starts
    from random weights.

    Returns
    -------
    weights : path, "random" or None
        What to pass to :func:`~painsign_utils.models.create_model` / training (None: N-CNN, or
        the model's own local lookup, e.g. the Hugging Face cache for ViT).
    start : str
        One line for the book: which start the model had.
    """
    if name not in pretrainable():
        return None, "random start, trained from scratch (as in the paper)"
    if weights:
        return weights, f"pretrained weights from {weights}"
    found = find_weights(name)
    if found is not None:
        return found, f"pretrained weights from {found}"
    if pretrain_cfg is None:
        return "random", "random start (no pretrained weights, no synthetic pretraining)"
    run = pretrain(name, input_size, pretrain_cfg, root=root, progress=progress)
    card = read_card(run)
    return run / "weights.pt", (
        f"synthetic-face pretraining, not {get_spec(name).pretrained}: "
        f"{card['corpus']['faces']} faces of {card['corpus']['identities']} other identities, "
        f"{card['epochs']} epochs"
    )


def pretrain_config_from_params(seed: int = 0, **params: Any) -> PretrainConfig:
    """A :class:`PretrainConfig` from notebook / profile parameters (unknown keys are an error)."""
    known = set(PretrainConfig.__dataclass_fields__)
    unknown = sorted(set(params) - known)
    if unknown:
        raise ConfigError(f"unknown pretraining setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return replace(PretrainConfig(seed=seed), **params)


def config_for(name: str, settings: dict | None = None, overrides: dict | None = None,
               seed: int = 0) -> PretrainConfig:  # fmt: skip
    """The pretraining settings of one model: ``settings`` for all, ``overrides[name]`` on top."""
    return pretrain_config_from_params(seed=seed, **{**(settings or {}), **(overrides or {}).get(name, {})})


def profile_plan(profile: str) -> dict[str, tuple[int, PretrainConfig]]:
    """What chapter 02 of ``profile`` pretrains: model → (input size, settings).

    Read from the profile's ``02_training`` parameters over the notebook's defaults, so
    ``painsign pretrain`` fills exactly the cache that chapter 02 then reuses.
    """
    import papermill

    from .runner import ROOT, load_profile, notebook_parameters

    nb = ROOT / "notebooks" / "02_training.ipynb"
    prof = load_profile(profile)
    defaults = {k: v["default"] for k, v in papermill.inspect_notebook(str(nb)).items()}
    params = {k: _literal(v) for k, v in defaults.items()}
    params.update(notebook_parameters(nb, prof))
    models = [m for m in params["models"] if m in pretrainable() and m in (params["pretrain_models"] or ())]
    return {m: (int(params[f"input_size_{m}"]),
                config_for(m, params["pretrain_settings"], params["pretrain_overrides"], int(params["seed"])))
            for m in models}  # fmt: skip


def _literal(text: str) -> Any:
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def prepare_starts(
    models: list[str],
    sizes: dict[str, int],
    weights: dict[str, str | None],
    pretrain_models: list[str],
    settings: dict | None = None,
    overrides: dict | None = None,
    seed: int = 0,
    progress: bool = True,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Chapter 02's starting point of every model, pretraining where needed.

    Returns
    -------
    weights : dict model → what training passes to ``create_model``
    table : DataFrame, one row per model: ``model, start`` and, for synthetic pretraining, the
        card's corpus size, epochs, held-out accuracy and minutes.
    """
    out, rows = {}, []
    for m in models:
        cfg = config_for(m, settings, overrides, seed) if m in pretrain_models else None
        w, start = starting_weights(m, sizes[m], weights.get(m), cfg, progress=progress)
        out[m] = w
        row: dict[str, Any] = {"model": m, "start": start}
        if w is not None and Path(str(w)).name == "weights.pt" and (Path(str(w)).parent / "card.json").is_file():
            card = read_card(Path(str(w)).parent)
            row.update({"faces": card["corpus"]["faces"], "identities": card["corpus"]["identities"],
                        "epochs": card["epochs"], "identity_top1": card["identity_top1"],
                        "unseen_action_r": card["unseen_action_r"],
                        "unseen_identity_1nn": card["unseen_identity_1nn"],
                        "unseen_identity_1nn_random": card["unseen_identity_1nn_random"],
                        "minutes": card["total_seconds"] / 60})  # fmt: skip
        rows.append(row)
    return out, pd.DataFrame(rows)


def linear_probe_auc(features: np.ndarray, y: np.ndarray, groups: np.ndarray, n_splits: int = 5) -> float:
    """AUC of a regularized logistic regression on frozen features, cross-validated by subject.

    How linearly separable pain is in a backbone's features, on newborns the probe never saw.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    n_splits = min(n_splits, len(np.unique(groups)))
    if n_splits < 2 or len(np.unique(y)) < 2:
        return float("nan")
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    p = cross_val_predict(clf, features, y, groups=groups, cv=GroupKFold(n_splits), method="predict_proba")[:, 1]
    return float(roc_auc_score(y, p))


def probe_starts(crops: np.ndarray, y: np.ndarray, groups: np.ndarray, weights: dict[str, Any],
                 sizes: dict[str, int], seed: int = 0) -> pd.DataFrame:  # fmt: skip
    """Linear-probe AUC of each backbone from a random start and from the start chapter 02 uses.

    Parameters
    ----------
    crops : ndarray, shape (N, H, W, 3), uint8 — the training face crops
    y : ndarray, shape (N,) — 1 for pain
    groups : ndarray, shape (N,) — subject of each crop (the probe's folds never split a newborn)
    weights, sizes : what :func:`prepare_starts` returned, and the input size of each model

    Returns
    -------
    DataFrame, one row per pretrainable model: ``model, random_start, this_start``.
    """
    rows = []
    for m, w in weights.items():
        if m not in pretrainable():
            continue
        torch.manual_seed(seed)
        random_model = create_model(m, weights="random", input_size=sizes[m])
        row = {"model": m, "random_start": linear_probe_auc(embed(random_model, crops), y, groups)}
        if w not in (None, "random"):
            torch.manual_seed(seed)
            row["this_start"] = linear_probe_auc(embed(create_model(m, weights=w, input_size=sizes[m]), crops), y, groups)
        rows.append(row)
    return pd.DataFrame(rows, columns=["model", "random_start", "this_start"])
