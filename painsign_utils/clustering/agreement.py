"""How often models give a video the same sign type.

:func:`pairwise_agreement` is the paper's "60 %" (a pairwise rate); :func:`all_agree_fraction`
(all models agree) is lower; :func:`agreement_table` holds both for the comparison page.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pandas as pd

from ..errors import DataError


def _wide_types(
    types: pd.DataFrame, models: Sequence[str] | None, video_col: str, model_col: str, type_col: str
) -> pd.DataFrame:
    need = {video_col, model_col, type_col}
    if missing := need - set(types.columns):
        raise DataError(f"agreement needs column(s) {sorted(missing)}")
    wide = types.pivot_table(index=video_col, columns=model_col, values=type_col, aggfunc="first")
    models = list(models or types[model_col].drop_duplicates())
    if unknown := [m for m in models if m not in wide.columns]:
        raise DataError(f"no sign type for model(s) {unknown}")
    return wide[models]


def pairwise_agreement(
    types: pd.DataFrame,
    models: Sequence[str] | None = None,
    video_col: str = "video",
    model_col: str = "model",
    type_col: str = "sign_type",
) -> pd.DataFrame:
    """Share of videos that each pair of models put in the same sign type.

    The paper's "60 % of the videos were classified under the same sign type" is this pairwise
    rate (authors: N-CNN/ViT 0.600, VGG/ViT 0.658, VGG/N-CNN 0.575).

    Parameters
    ----------
    types : DataFrame
        One row per (model, video): ``video, model, sign_type``.
    models : sequence of str, optional
        Models compared, in this order (default: order of appearance).

    Returns
    -------
    DataFrame, one row per pair: ``model_a, model_b, n_videos, agreement`` (videos typed by both).
    """
    wide = _wide_types(types, models, video_col, model_col, type_col)
    rows = []
    for a, b in itertools.combinations(wide.columns, 2):
        both = wide[[a, b]].dropna()
        agree = float((both[a] == both[b]).mean()) if len(both) else float("nan")
        rows.append({"model_a": a, "model_b": b, "n_videos": len(both), "agreement": agree})
    return pd.DataFrame(rows, columns=["model_a", "model_b", "n_videos", "agreement"])


def all_agree_fraction(
    types: pd.DataFrame,
    models: Sequence[str] | None = None,
    video_col: str = "video",
    model_col: str = "model",
    type_col: str = "sign_type",
) -> float:
    """Share of videos (typed by every model) that all models put in the same type (authors: 0.442)."""
    wide = _wide_types(types, models, video_col, model_col, type_col).dropna()
    return float((wide.nunique(axis=1) == 1).mean()) if len(wide) else float("nan")


def agreement_table(
    types: pd.DataFrame,
    models: Sequence[str] | None = None,
    video_col: str = "video",
    model_col: str = "model",
    type_col: str = "sign_type",
) -> pd.DataFrame:
    """Pairwise agreement rows plus one ``all`` row (every model agrees), for the comparison page.

    Returns
    -------
    DataFrame with columns ``models`` (``"a / b"`` or ``"all"``), ``n_videos, agreement``.
    """
    pairs = pairwise_agreement(types, models, video_col, model_col, type_col)
    wide = _wide_types(types, models, video_col, model_col, type_col).dropna()
    rows = [
        {"models": f"{r.model_a} / {r.model_b}", "n_videos": r.n_videos, "agreement": r.agreement}
        for r in pairs.itertuples()
    ]
    rows.append(
        {
            "models": "all",
            "n_videos": len(wide),
            "agreement": all_agree_fraction(types, models, video_col, model_col, type_col),
        }
    )
    return pd.DataFrame(rows, columns=["models", "n_videos", "agreement"])
