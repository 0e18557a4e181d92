"""Agreement between the models' signs (paper §3): Pearson r per video and mean ± sd.

* :func:`pearson_between_models` and :func:`pearson_summary` — r between every pair of models'
  signs on each video, and its mean ± sd (ddof 0, as the authors) beside the paper's.
* :func:`pearson_r` — Pearson r over the samples where both series are finite.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..paper import pearson_r as paper_pearson_r


def pearson_r(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson r over the samples where both are finite, NaN when either is constant there."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    if a.size < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def pearson_between_models(signs: Mapping[tuple[str, str], pd.DataFrame]) -> pd.DataFrame:
    """Pearson r between every pair of models' signs on each video (paper §3).

    The signs are :func:`load_signs`' aligned analysis signs; r is taken over the frames where both
    have a value (NaN padding of the ``valid`` sign left out). The summary's sd is ``np.std``
    (ddof 0), as the authors computed it.

    Returns
    -------
    DataFrame with columns ``video, model_a, model_b, r`` (r NaN where a sign is constant).
    """
    by_video: dict[str, dict[str, np.ndarray]] = {}
    for (model, video), df in signs.items():
        by_video.setdefault(video, {})[model] = df["sign"].to_numpy()
    rows = []
    for video, per_model in by_video.items():
        for a, b in itertools.combinations(sorted(per_model), 2):
            x, y = per_model[a], per_model[b]
            n = min(x.size, y.size)
            rows.append({"video": video, "model_a": a, "model_b": b, "r": pearson_r(x[:n], y[:n])})
    return pd.DataFrame(rows, columns=["video", "model_a", "model_b", "r"])


def _mean_sd0(values: pd.Series) -> str:
    """``mean ± sd`` with ``np.std`` (ddof 0), as the authors reported Pearson r; NaN left out."""
    v = values.dropna().to_numpy(float)
    return f"{v.mean():.2f} ± {v.std():.2f}" if v.size else "–"


def pearson_summary(pairs: pd.DataFrame, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Mean ± sd (ddof 0, as the authors' ``np.std``) of r over videos per model pair, next to the paper's."""
    names = names or {}
    rows = []
    for (a, b), g in pairs.groupby(["model_a", "model_b"]):
        paper = paper_pearson_r(a, b)
        rows.append(
            {
                "pair": f"{names.get(a, a)} – {names.get(b, b)}",
                "r (ours)": _mean_sd0(g["r"]),
                "r (paper)": f"{paper[0]:.2f} ± {paper[1]:.2f}" if paper else "–",
                "videos": int(g["r"].notna().sum()),
                "r_mean": float(g["r"].mean()),
            }
        )
    return pd.DataFrame(rows)
