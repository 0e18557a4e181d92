"""Recalibration maps, fitted on the validation folds and applied to the test frames.

Each is a small object with ``fit(y, p)`` and ``transform(p)`` (shapes (n,)): :class:`Temperature`
(Guo et al. 2017), :class:`Platt` and :class:`Isotonic`, and :class:`Identity` for the raw
probabilities; :func:`fit` builds one by name (:data:`METHODS`). :func:`compare` fits every map and scores
it; :func:`best` names each model's best map; :func:`recalibrated_summary` recomputes a build's
video summary (sign, entropy, crossings, video scores) through a map and :func:`effect` counts the
videos whose sign type that changes. The scores are in :mod:`painsign_utils.calibration`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from .calibration import PROB_EPS, logit, sigmoid
from .errors import ConfigError, DataError
from .metrics import validate_binary

#: Recalibration methods of :func:`fit`; "raw" is the identity (no recalibration).
METHODS: tuple[str, ...] = ("raw", "temperature", "platt", "isotonic")


class Identity:
    """The raw probabilities (the baseline every recalibration is compared with)."""

    method = "raw"

    def fit(self, y: Sequence, p: Sequence) -> Identity:
        validate_binary(y, p)
        return self

    def transform(self, p: Sequence[float] | np.ndarray) -> np.ndarray:
        """Probabilities unchanged, as floats, shape as ``p``."""
        return np.asarray(p, dtype=float)


class Temperature(Identity):
    """Temperature scaling: ``sigmoid(logit(p) / T)``, one parameter fitted by likelihood.

    ``T > 1`` softens over-confident probabilities, ``T < 1`` sharpens timid ones; the order of
    the frames, and so every AUC, stays the same.

    Attributes
    ----------
    temperature_ : float
    """

    method = "temperature"

    def fit(self, y: Sequence, p: Sequence) -> Temperature:
        y_arr, p_arr = validate_binary(y, p)
        z = logit(p_arr)

        def loss(log_t: float) -> float:
            q = np.clip(sigmoid(z / np.exp(log_t)), PROB_EPS, 1 - PROB_EPS)
            return float(-(y_arr * np.log(q) + (1 - y_arr) * np.log1p(-q)).mean())

        res = minimize_scalar(loss, bounds=(-5.0, 5.0), method="bounded", options={"xatol": 1e-8})
        self.temperature_ = float(np.exp(res.x))
        return self

    def transform(self, p: Sequence[float] | np.ndarray) -> np.ndarray:
        return sigmoid(logit(p) / self.temperature_)


class Platt(Identity):
    """Platt scaling: a logistic regression on ``logit(p)`` (slope and intercept).

    Attributes
    ----------
    slope_, intercept_ : float
    """

    method = "platt"

    def fit(self, y: Sequence, p: Sequence) -> Platt:
        y_arr, p_arr = validate_binary(y, p)
        if y_arr.min() == y_arr.max():
            raise DataError("Platt scaling needs both pain and no-pain samples")
        lr = LogisticRegression(C=np.inf).fit(logit(p_arr)[:, None], y_arr)
        self.slope_, self.intercept_ = float(lr.coef_[0, 0]), float(lr.intercept_[0])
        return self

    def transform(self, p: Sequence[float] | np.ndarray) -> np.ndarray:
        return sigmoid(self.intercept_ + self.slope_ * logit(p))


class Isotonic(Identity):
    """Isotonic regression of the label on the probability (a non-decreasing step function)."""

    method = "isotonic"

    def fit(self, y: Sequence, p: Sequence) -> Isotonic:
        y_arr, p_arr = validate_binary(y, p)
        self.iso_ = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(p_arr, y_arr)
        return self

    def transform(self, p: Sequence[float] | np.ndarray) -> np.ndarray:
        arr = np.asarray(p, dtype=float)
        return self.iso_.predict(arr.ravel()).reshape(arr.shape)


_CLASSES = {c.method: c for c in (Identity, Temperature, Platt, Isotonic)}


def fit(method: str, y: Sequence, p: Sequence) -> Identity:
    """A recalibration map of ``method`` (:data:`METHODS`) fitted on ``y, p``.

    >>> round(fit("temperature", [0, 0, 1, 1], [0.4, 0.45, 0.55, 0.6]).temperature_, 2) < 1
    True
    """
    if method not in _CLASSES:
        raise ConfigError(f"unknown recalibration {method!r}; use one of {', '.join(METHODS)}")
    return _CLASSES[method]().fit(y, p)


def recalibrated_summary(
    runs: pd.DataFrame, summary: pd.DataFrame, maps: dict[str, Identity]
) -> pd.DataFrame:
    """``video_summary`` recomputed with every probability, and the threshold, passed through a map.

    Parameters
    ----------
    runs : DataFrame
        ``model, video, probs`` (path of the per-frame CSV).
    summary : DataFrame
        The build's ``video_summary.csv``: its ``threshold``, ``window``, ``sign_mode`` and
        ``video_score`` are kept, so only the probabilities differ.
    maps : dict model → fitted recalibration map

    Returns
    -------
    DataFrame shaped like ``summary`` (same rows and columns) with ``threshold``, ``score``,
    ``prediction``, ``mean_prob``, ``sign_mean``, ``entropy`` and ``crossings`` recomputed.

    Notes
    -----
    A map that keeps the order (temperature, Platt; isotonic up to ties) moves the threshold with
    the probabilities, so the crossings stay the same; the entropy, read on fixed bins of [0, 1],
    and the video scores move.
    """
    from .evaluation import summarize_video

    paths = {(r.model, r.video): r.probs for r in runs.itertuples()}
    rows = []
    for row in summary.to_dict("records"):
        cal = maps[row["model"]]
        probs = pd.read_csv(paths[row["model"], row["video"]])
        p = probs["prob"].to_numpy(dtype=float, copy=True)
        face = np.isfinite(p)
        p[face] = cal.transform(p[face])
        thr = float(cal.transform(np.array([row["threshold"]]))[0])
        new = summarize_video(
            probs.assign(prob=p),
            thr,
            window=int(row["window"]),
            mode=str(row["sign_mode"]),
            video_score=str(row["video_score"]),
        )
        rows.append({**row, "threshold": thr, **{k: new[k] for k in _RECOMPUTED}})
    return pd.DataFrame(rows, columns=summary.columns)


_RECOMPUTED = ("score", "prediction", "mean_prob", "sign_mean", "entropy", "crossings")


def _check_columns(table: pd.DataFrame, name: str, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in table]
    if missing:
        raise DataError(f"{name} lacks column(s) {', '.join(missing)}")


def compare(
    validation: pd.DataFrame,
    test: pd.DataFrame,
    methods: Sequence[str] = ("temperature", "platt", "isotonic"),
    n_bins: int = 10,
    n_boot: int = 200,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict[tuple[str, str], Identity]]:
    """Score each model's raw probabilities, and its test probabilities through each fitted map.

    Every map is fitted on the model's validation predictions only and applied unchanged to its
    test frames.

    Parameters
    ----------
    validation, test : DataFrame
        One row per image or frame: ``model, y`` (0/1), ``prob`` and ``subject`` (the newborn,
        the bootstrap's unit).
    methods : sequence of str
        Recalibrations of :data:`METHODS` besides the raw probabilities.
    n_bins, n_boot, seed
        As in :func:`painsign_utils.calibration.report`.

    Returns
    -------
    table : DataFrame
        ``model, split, method`` and :func:`~painsign_utils.calibration.report`'s columns: per
        model, the raw scores on ``validation`` and ``test``, then ``test`` through each map.
    maps : dict (model, method) → fitted map
    """
    from .calibration import report

    for name, t in (("validation", validation), ("test", test)):
        _check_columns(t, name, ("model", "y", "prob", "subject"))
    unknown = [m for m in methods if m not in _CLASSES]
    if unknown:
        raise ConfigError(f"unknown recalibration {unknown[0]!r}; use one of {', '.join(METHODS)}")
    rows, maps = [], {}
    for model in dict.fromkeys(validation["model"]):
        v, t = validation[validation["model"] == model], test[test["model"] == model]
        for split, part in (("validation", v), ("test", t)):
            rep = report(part["y"], part["prob"], part["subject"], n_bins, n_boot, seed)
            rows.append({"model": model, "split": split, "method": "raw", **rep})
        for method in methods:
            maps[model, method] = fit(method, v["y"], v["prob"])
            q = maps[model, method].transform(t["prob"].to_numpy(dtype=float))
            rep = report(t["y"], q, t["subject"], n_bins, n_boot, seed)
            rows.append({"model": model, "split": "test", "method": method, **rep})
    return pd.DataFrame(rows), maps


def best(table: pd.DataFrame, score: str = "ece_width") -> pd.DataFrame:
    """Per model, the raw test score and the recalibration that lowers it most.

    Parameters
    ----------
    table : DataFrame
        :func:`compare`'s table (``tables/calibration.csv``).
    score : str
        The score to compare (lower is better).

    Returns
    -------
    DataFrame indexed by model: ``raw, best_method, best, lowered`` (the best map's score is
    below the raw one).
    """
    _check_columns(table, "the calibration table", ("model", "split", "method", score))
    rows = {}
    for model, t in table[table["split"] == "test"].groupby("model", sort=False):
        t = t.set_index("method")[score]
        if "raw" not in t or len(t) < 2:
            raise DataError(f"{model}: the table needs raw and recalibrated test rows")
        rec = t.drop(index="raw")
        rows[model] = {
            "raw": float(t["raw"]),
            "best_method": str(rec.idxmin()),
            "best": float(rec.min()),
            "lowered": bool(rec.min() < t["raw"]),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("model")


def effect(
    runs: pd.DataFrame,
    summary: pd.DataFrame,
    maps: dict[tuple[str, str], Identity],
    type_signs: Callable[[pd.DataFrame], Sequence],
) -> pd.DataFrame:
    """How each recalibration changes the sign-type findings, per model and method.

    Every model's probabilities (and threshold) go through each map, the video summary is
    recomputed (:func:`recalibrated_summary`) and typed again by ``type_signs``; the identity map
    (method ``raw``) runs the same pipeline unchanged, as a control.

    Parameters
    ----------
    runs : DataFrame
        ``model, video, probs`` (path of the per-frame CSV).
    summary : DataFrame
        The typed video summary (``tables/sign_types.csv``): ``sign_type, crossings, entropy,
        prediction, label`` besides what :func:`recalibrated_summary` keeps.
    maps : dict (model, method) → fitted map
        As :func:`compare` returns.
    type_signs : callable
        DataFrame shaped like ``summary`` → its sign types (one per row, same order).

    Returns
    -------
    DataFrame: ``model, method, videos, videos changing type, ari, crossings changed, mean
    entropy raw, mean entropy recalibrated, video accuracy raw, video accuracy recalibrated``.
    """
    from sklearn.metrics import adjusted_rand_score

    _check_columns(summary, "the summary", ("model", "sign_type", "crossings", "entropy"))
    models = list(dict.fromkeys(summary["model"]))
    methods = ["raw", *dict.fromkeys(method for _, method in maps)]
    rows = []
    for method in methods:
        chosen = {m: maps.get((m, method), Identity()) for m in models}
        rec = recalibrated_summary(runs, summary, chosen)
        rec["sign_type"] = np.asarray(type_signs(rec), dtype=object)
        for m in models:
            a, b = summary[summary["model"] == m], rec[rec["model"] == m]
            rows.append(
                {
                    "model": m,
                    "method": method,
                    "videos": len(a),
                    "videos changing type": int(
                        (a["sign_type"].to_numpy() != b["sign_type"].to_numpy()).sum()
                    ),
                    "ari": float(adjusted_rand_score(a["sign_type"], b["sign_type"])),
                    "crossings changed": int(
                        (a["crossings"].to_numpy() != b["crossings"].to_numpy()).sum()
                    ),
                    "mean entropy raw": float(a["entropy"].mean()),
                    "mean entropy recalibrated": float(b["entropy"].mean()),
                    "video accuracy raw": float((a["prediction"] == a["label"]).mean()),
                    "video accuracy recalibrated": float((b["prediction"] == b["label"]).mean()),
                }
            )
    return pd.DataFrame(rows)
