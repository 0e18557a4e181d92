"""From the ledger's numbers to words: the paired table, one sentence per element, the joined ledger."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..protocol import LEDGER, ledger_rows
from .elements import (
    AGREEMENT,
    AUGMENT_STYLES,
    AUGMENTATION,
    CLUSTERING,
    CLUSTERINGS,
    FINETUNE,
    IG,
    INDETERMINATE,
    OPTIMIZER,
    PEARSON,
    SIGN_MODES,
    SMOOTHING,
    THRESHOLD,
    THRESHOLD_RULES,
    VARIANTS,
    VIDEO_SCORE,
    VIDEO_SCORES,
)
from .measures import effect_numbers


def paired_table(numbers: pd.DataFrame) -> pd.DataFrame:
    """The quantities measured under both variants, side by side.

    Returns
    -------
    DataFrame with columns ``element, quantity, model, authors, causal, difference``
    (``authors - causal``; ``authors`` is the variant the authors' code uses), in the order of
    ``numbers``; quantities measured under one variant only are left out.
    """
    rows = []
    keys = numbers[["element", "quantity", "model"]].drop_duplicates()
    for elem, quantity, model in keys.itertuples(index=False):
        if elem not in VARIANTS:
            continue
        a, c = (_get(numbers, elem, quantity, model, v) for v in VARIANTS[elem])
        if np.isnan(a) or np.isnan(c):
            continue
        rows.append(
            {
                "element": elem,
                "quantity": quantity,
                "model": model,
                "authors": a,
                "causal": c,
                "difference": a - c,
            }
        )
    return pd.DataFrame(
        rows, columns=["element", "quantity", "model", "authors", "causal", "difference"]
    )


# -- from numbers to words -------------------------------------------------------------------------


def _get(numbers: pd.DataFrame, elem: str, quantity: str, model: str, variant: str) -> float:
    hit = numbers[
        (numbers["element"] == elem)
        & (numbers["quantity"] == quantity)
        & (numbers["model"] == model)
        & (numbers["variant"] == variant)
    ]["value"]
    return float(hit.iloc[0]) if len(hit) else float("nan")


def _f(x: float, digits: int = 2) -> str:
    return "–" if not np.isfinite(x) else f"{x:.{digits}f}"


def _pair(numbers, elem, quantity, model, variants, digits=2) -> str:
    a, b = (_get(numbers, elem, quantity, model, v) for v in variants)
    return f"{_f(a, digits)} vs {_f(b, digits)}"


def _per_model(numbers: pd.DataFrame, elem: str, text) -> str:
    models = numbers.loc[numbers["element"] == elem, "model"].drop_duplicates()
    return "; ".join(f"{m}: {text(m)}" for m in models)


_NOT_MEASURED = "not measured: needs a second training run under the other protocol"


def effects_text(numbers: pd.DataFrame) -> pd.DataFrame:
    """One sentence per ledger element from :func:`effect_numbers`' table.

    Returns
    -------
    DataFrame with columns ``element, measured effect``, one row per element of
    :data:`painsign_utils.protocol.LEDGER`, in its order. Pairs read *authors vs causal*.
    """
    n = numbers
    text: dict[str, str] = {}
    text[SMOOTHING] = "valid vs causal — " + _per_model(
        n,
        SMOOTHING,
        lambda m: (
            f"entropy {_pair(n, SMOOTHING, 'mean entropy (bits)', m, SIGN_MODES)} bits, crossings "
            f"{_pair(n, SMOOTHING, 'mean crossings', m, SIGN_MODES, 1)}, video AUC "
            f"{_pair(n, SMOOTHING, 'video AUC', m, SIGN_MODES)}, accuracy "
            f"{_pair(n, SMOOTHING, 'video accuracy', m, SIGN_MODES)}"
        ),
    )
    text[VIDEO_SCORE] = "sign mean vs face mean — " + _per_model(
        n,
        VIDEO_SCORE,
        lambda m: (
            f"video accuracy {_pair(n, VIDEO_SCORE, 'video accuracy', m, VIDEO_SCORES)}, AUC "
            f"{_pair(n, VIDEO_SCORE, 'video AUC', m, VIDEO_SCORES)}"
        ),
    )
    if (n["element"] == THRESHOLD).any():

        def thr(m: str) -> str:
            acc = _pair(n, THRESHOLD, "validation accuracy", m, THRESHOLD_RULES)
            sens = _pair(n, THRESHOLD, "validation sensitivity", m, THRESHOLD_RULES)
            spec = _pair(n, THRESHOLD, "validation specificity", m, THRESHOLD_RULES)
            mean = _get(n, THRESHOLD, "θ mean", m, THRESHOLD_RULES[0])
            sd = _get(n, THRESHOLD, "θ sd", m, THRESHOLD_RULES[0])
            best = _get(n, THRESHOLD, "θ best fold", m, THRESHOLD_RULES[1])
            vid = _pair(n, THRESHOLD, "video accuracy", m, THRESHOLD_RULES)
            return (
                f"Table 2 validation accuracy {acc}, sensitivity {sens}, specificity {spec}; "
                f"video θ {_f(mean, 3)} ± {_f(sd, 3)} vs {_f(best, 3)} (best fold), video "
                f"accuracy {vid}"
            )

        text[THRESHOLD] = "θ_k on validation folds vs training-fold θ — " + _per_model(
            n, THRESHOLD, thr
        )
    else:
        text[THRESHOLD] = "not measured: no fold with both classes in its validation predictions"

    def clu(m: str) -> str:
        parts = []
        for v, short in zip(CLUSTERINGS, ("authors", "causal"), strict=True):
            sizes = n[
                (n["element"] == CLUSTERING)
                & (n["model"] == m)
                & (n["variant"] == v)
                & n["quantity"].str.startswith("n ")
            ]
            sz = ", ".join(
                f"{q[2:]} {int(val)}"
                for q, val in zip(sizes["quantity"], sizes["value"], strict=True)
            )
            ari = _get(n, CLUSTERING, "ARI with scenarios", m, v)
            scen = f", ARI with scenarios {_f(ari)}" if np.isfinite(ari) else ""
            parts.append(f"{short} k = {int(_get(n, CLUSTERING, 'k', m, v))} ({sz}{scen})")
        ari = _get(n, CLUSTERING, "ARI authors vs causal", m, "both")
        return " vs ".join(parts) + f"; ARI between them {_f(ari)}"

    text[CLUSTERING] = _per_model(n, CLUSTERING, clu)
    text[INDETERMINATE] = "overlay vs fourth type — " + _per_model(
        n,
        INDETERMINATE,
        lambda m: f"{_pair(n, INDETERMINATE, 'n indeterminate', m, CLUSTERINGS, 0)} signs",
    )
    text[AGREEMENT] = "same type, authors' vs causal clustering — " + _per_model(
        n, AGREEMENT, lambda m: _pair(n, AGREEMENT, "same type", m, CLUSTERINGS)
    )
    text[PEARSON] = "mean r, valid vs causal sign — " + _per_model(
        n, PEARSON, lambda m: _pair(n, PEARSON, "mean r", m, SIGN_MODES)
    )
    if (n["element"] == IG).any():
        text[IG] = (
            "on chapter 06's cached signed maps (computed from its own baseline; the "
            "baseline's effect is not measured) — "
            + _per_model(
                n,
                IG,
                lambda m: (
                    f"{_f(100 * _get(n, IG, 'share of |IG| that is negative', m, 'abs'), 0)}% "
                    "of the absolute attribution is negative (dropped by the clamp), top-10% "
                    f"pixel IoU clamp vs abs {_f(_get(n, IG, 'top-10% pixel IoU clamp vs abs', m, 'both'))}"
                    f" over {int(_get(n, IG, 'maps', m, 'both'))} maps"
                ),
            )
        )
    else:
        text[IG] = "not measured: chapter 06 left no Integrated Gradients maps in this run"
    aug = "median visible face area (× original) on a test card"
    if (n["element"] == AUGMENTATION).any():
        text[AUGMENTATION] = (
            f"{aug}: albumentations vs keras {_pair(n, AUGMENTATION, aug.split(' on')[0], 'test card', AUGMENT_STYLES)}"
            f"; draws that enlarge the face "
            f"{_pair(n, AUGMENTATION, 'share of draws that enlarge the face', 'test card', AUGMENT_STYLES)}"
            f". Effect on the trained models: {_NOT_MEASURED}"
        )
    else:
        text[AUGMENTATION] = _NOT_MEASURED
    text[OPTIMIZER] = _NOT_MEASURED
    text[FINETUNE] = _NOT_MEASURED
    return pd.DataFrame(
        {
            "element": [e.element for e in LEDGER],
            "measured effect": [text.get(e.element, _NOT_MEASURED) for e in LEDGER],
        }
    )


def measured_effects(art: str | Path, augmentation: bool = True) -> pd.DataFrame:
    """The measured effect of each protocol difference on one run's data, one row per element.

    Both variants of every element are recomputed here from the run's artifacts (see
    :mod:`painsign_utils.ledger` for what is read and measured); nothing is copied from a chapter's table except
    ``tables/video_summary.csv``'s labels, thresholds and windows.

    Parameters
    ----------
    art : path
        ``artifacts/<profile>`` of one run (chapters 02 and 03 finished; 06 optional).
    augmentation : bool, default True
        Include the augmentation test-card measurement.

    Returns
    -------
    DataFrame
        Columns ``element, measured effect``, joinable to
        :func:`painsign_utils.protocol.ledger_rows` on ``element``; ``attrs["numbers"]`` holds the
        long numeric table of :func:`effect_numbers` (for figures).
    """
    numbers = effect_numbers(art, augmentation=augmentation)
    out = effects_text(numbers)
    out.attrs["numbers"] = numbers
    return out


def ledger_table(art: str | Path, augmentation: bool = True) -> pd.DataFrame:
    """:func:`~painsign_utils.protocol.ledger_rows` with the ``measured effect`` column of this run.

    ``attrs["numbers"]`` holds the long numeric table.
    """
    effects = measured_effects(art, augmentation=augmentation)
    out = ledger_rows().merge(effects, on="element", how="left")
    out.attrs["numbers"] = effects.attrs["numbers"]
    return out
