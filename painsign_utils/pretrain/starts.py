"""Where each model starts (real file, synthetic pretraining, or random) and how linearly
separable pain is in each start's features (:func:`starting_weights`, :func:`prepare_starts`,
:func:`probe_starts`, :func:`probe_images`: the probe on chapter 02's images, reused while its
inputs stay the same)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from ..errors import ModelError
from ..models import create_model, find_weights
from ..registry import pretrainable
from ..storage import read_json
from ..tasks import TaskRunner, cached_result
from .config import PretrainConfig, config_for
from .corpus import corpus_key, prepare_corpus
from .train import embed, is_finished, pretrain, run_folder


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
        Which start the model had: ``scratch`` (a model the paper trains from random weights),
        ``weights`` (the file given or found), ``random`` (no weights and no synthetic
        pretraining) or ``synthetic pretraining``.
    """
    if name not in pretrainable():
        return None, "scratch"
    if weights:
        return weights, "weights"
    found = find_weights(name)
    if found is not None:
        return found, "weights"
    if pretrain_cfg is None:
        return "random", "random"
    run = pretrain(name, input_size, pretrain_cfg, root=root, progress=progress)
    return run / "weights.pt", "synthetic pretraining"


def pretraining_due(
    name: str,
    input_size: int,
    weights: str | Path | None = None,
    pretrain_cfg: PretrainConfig | None = None,
    root: str | Path | None = None,
) -> bool:
    """Whether :func:`starting_weights` would pretrain (minutes); otherwise it returns at once."""
    if pretrain_cfg is None or weights or name not in pretrainable():
        return False
    if find_weights(name) is not None:
        return False
    return not is_finished(run_folder(name, input_size, pretrain_cfg, root))


def prepare_starts(
    models: list[str],
    sizes: dict[str, int],
    weights: dict[str, str | None],
    pretrain_models: list[str],
    settings: dict | None = None,
    overrides: dict | None = None,
    seed: int = 0,
    progress: bool = True,
    tasks: TaskRunner | None = None,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Chapter 02's starting point of every model, pretraining where needed.

    Each model's pretraining still to run is one task of ``tasks`` (default: this process); on a
    cluster the cache folder (:func:`cache_root`) must be one the workers and this process share.
    A start that needs no pretraining (found weights, a finished run, a random start) is read here,
    so a re-run submits no task.

    Returns
    -------
    weights : dict model → what training passes to ``create_model``
    table : DataFrame, one row per model: ``model, start`` (see :func:`starting_weights`), the
        ``weights`` file where one was given or found and, for synthetic pretraining, the card's
        corpus size, epochs, held-out accuracy and minutes.
    """
    tasks = tasks or TaskRunner(None)
    args = {
        m: (
            m,
            sizes[m],
            weights.get(m),
            config_for(m, settings, overrides, seed) if m in pretrain_models else None,
        )
        for m in models
    }
    due_models = [m for m in models if pretraining_due(*args[m])]
    # Models pretrained on the same faces at different sizes share one rendering of them.
    corpora: dict[str, tuple[PretrainConfig, list[int]]] = {}
    for m in due_models:
        cfg = args[m][3]
        corpora.setdefault(corpus_key(cfg), (cfg, []))[1].append(sizes[m])
    if corpora:
        rendering = [
            tasks.submit(prepare_corpus, c, s, progress=progress) for c, s in corpora.values()
        ]
        tasks.gather(rendering, "rendering the pretraining faces", progress)
    futures = {m: tasks.submit(starting_weights, *args[m], progress=progress) for m in due_models}
    due = list(futures.values())
    started = dict(zip(futures, tasks.gather(due, "starting weights", progress) if due else []))
    out, rows = {}, []
    for m in models:
        w, start = started[m] if m in started else starting_weights(*args[m], progress=progress)
        out[m] = w
        row: dict[str, Any] = {"model": m, "start": start}
        if start == "weights":
            row["weights"] = str(w)
        if (
            w is not None
            and Path(str(w)).name == "weights.pt"
            and (Path(str(w)).parent / "card.json").is_file()
        ):
            card = read_card(Path(str(w)).parent)
            row.update(
                {
                    "faces": card["corpus"]["faces"],
                    "identities": card["corpus"]["identities"],
                    "epochs": card["epochs"],
                    "identity_top1": card["identity_top1"],
                    "unseen_action_r": card["unseen_action_r"],
                    "unseen_identity_1nn": card["unseen_identity_1nn"],
                    "unseen_identity_1nn_random": card["unseen_identity_1nn_random"],
                    "minutes": card["total_seconds"] / 60,
                }
            )
        rows.append(row)
    return out, pd.DataFrame(rows)


def linear_probe_auc(
    features: np.ndarray, y: np.ndarray, groups: np.ndarray, n_splits: int = 5
) -> float:
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
    p = cross_val_predict(
        clf, features, y, groups=groups, cv=GroupKFold(n_splits), method="predict_proba"
    )[:, 1]
    return float(roc_auc_score(y, p))


def probe_starts(
    crops: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    weights: dict[str, Any],
    sizes: dict[str, int],
    seed: int = 0,
) -> pd.DataFrame:
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
            row["this_start"] = linear_probe_auc(
                embed(create_model(m, weights=w, input_size=sizes[m]), crops), y, groups
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=["model", "random_start", "this_start"])


def probe_images(
    images: pd.DataFrame,
    weights: dict[str, Any],
    sizes: dict[str, int],
    seed: int = 0,
    cache: str | Path | None = None,
) -> pd.DataFrame:
    """:func:`probe_starts` on the training images of chapter 02 (``faces/images.csv`` rows).

    With ``cache`` (a folder) the table is reused while what it depends on stays the same: the
    crops' bytes, labels and newborns, the starting weight files' bytes, the sizes, the seed, the
    models' code and the PyTorch version (:func:`~painsign_utils.tasks.cached_result`).
    """
    from ..training.inputs import read_crops

    crops = images["crop"].astype(str).tolist()
    labels = (images["label"] == "pain").to_numpy(int)
    subjects = images["subject"].astype(str).to_numpy()

    def probe() -> pd.DataFrame:
        return probe_starts(read_crops(crops), labels, subjects, weights, sizes, seed=seed)

    if cache is None:
        return probe()
    files = {m: w if w in (None, "random") else Path(str(w)) for m, w in weights.items()}
    package = Path(__file__).resolve().parents[1]
    key = {
        "crops": [Path(c) for c in crops],
        "labels": labels.tolist(),
        "subjects": subjects.tolist(),
        "weights": files,
        "sizes": sizes,
        "seed": seed,
        # the models' code and this probe's: a random start is what this code builds
        "code": sorted((package / "models").glob("*.py"))
        + [package / "registry.py", Path(__file__), package / "pretrain" / "train.py"],
        "torch": torch.__version__,
    }
    return cached_result(cache, key, probe, "start probe")
