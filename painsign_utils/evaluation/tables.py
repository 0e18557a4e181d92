"""Table 2 (test) and Table 3 of the paper next to ours.

* :func:`video_metrics` and :func:`table2_test` — accuracy, sensitivity, specificity and AUC per
  model from the video scores, beside the paper's (read from :mod:`painsign_utils.paper`).
* :func:`paper_table3` — the paper's Table 3 as a DataFrame.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..metrics import METRICS, binary_metrics
from ..paper import TABLE2_TEST, TABLE3, TABLE3_COLUMNS


def paper_table3() -> pd.DataFrame:
    """The paper's Table 3 as a DataFrame (same column names as :func:`clustering.table3`)."""
    return pd.DataFrame(list(TABLE3), columns=list(TABLE3_COLUMNS))


def video_metrics(summary: pd.DataFrame) -> pd.DataFrame:
    """Accuracy, sensitivity, specificity, AUC per model from the video score (``score``).

    Returns
    -------
    DataFrame indexed by model with columns :data:`painsign_utils.metrics.METRICS` and ``n``.
    """
    rows = {}
    for model, g in summary.groupby("model", sort=False):
        m = binary_metrics(g["label"], g["score"], float(g["threshold"].iloc[0]))
        rows[model] = {**m, "n": len(g)}
    return pd.DataFrame.from_dict(rows, orient="index")


def table2_test(ours: pd.DataFrame, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Table 2 (test) with our numbers next to the paper's, as percentages.

    Parameters
    ----------
    ours : DataFrame
        :func:`video_metrics` output.
    names : mapping, optional
        Display names of models (e.g. :data:`painsign_utils.registry.DISPLAY_NAMES`).

    Returns
    -------
    DataFrame, one row per metric; for each model the columns ``<name> (ours)`` and
    ``<name> (paper)`` hold strings like ``"66.7%"``.
    """
    names = names or {}
    table = {}
    for model in ours.index:
        name = names.get(model, model)
        table[f"{name} (ours)"] = [f"{100 * ours.loc[model, m]:.1f}%" for m in METRICS]
        paper = TABLE2_TEST.get(model)
        table[f"{name} (paper)"] = [f"{100 * paper[m]:.1f}%" if paper else "–" for m in METRICS]
    return pd.DataFrame(table, index=[m.capitalize() if m != "auc" else "AUC" for m in METRICS])
