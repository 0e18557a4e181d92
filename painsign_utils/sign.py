"""The pain sign (paper §2.4) and its two temporal descriptors (§2.5): entropy and threshold crossings.

This module owns the mathematics that turns per-frame pain probabilities into the sign a clinician
sees, exactly as docs/design.md ("Pain-sign mathematics") fixes it:

* :func:`interpolate_missing` fills frames without a face (NaN) by linear interpolation; leading
  and trailing gaps hold the nearest observed value.
* :func:`moving_average` is, with ``mode="causal"`` (the default), a *trailing* mean over the last
  ``window`` samples, so the sign equals what a bedside monitor shows at each instant; with
  ``mode="valid"`` it is the authors' centred filter, exactly
  ``np.convolve(x, np.ones(window), "valid") / window`` (``n - window + 1`` samples, no warm-up),
  the sign behind the paper's numbers (``protocol: authors``).
* :func:`pain_sign` chains the two; :func:`band` puts an uncertainty band around it.
* :func:`shannon_entropy` and :func:`threshold_crossings` describe a sign's unpredictability and
  its number of pain/no-pain transitions.
* :func:`window_for_fps` converts the paper's "30 samples = 1 s" into samples for any frame rate.

Numerical note: each output of :func:`moving_average` is computed from its own window alone as
``first + mean(window - first)``. A window whose values are all equal therefore averages to
exactly that value (a plain ``np.mean`` of thirty 0.1's gives 0.10000000000000003), so a
constant sign sitting exactly on the threshold never produces spurious crossings, and a streaming
implementation that keeps the last ``window`` values reproduces the offline sign bit for bit
(:func:`window_mean`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .errors import ConfigError, DataError

#: The paper's moving-average length: 30 samples, i.e. 1 s of video at 30 fps.
DEFAULT_WINDOW = 30
#: Moving-average modes: trailing (bedside, same length) and the authors' centred "valid" filter.
SIGN_MODES: tuple[str, ...] = ("causal", "valid")

# Rows per block when the moving average is vectorized, to bound memory on hours of video.
_BLOCK = 1 << 16


def _as_series(values: Sequence[float] | np.ndarray, name: str, allow_nan: bool) -> np.ndarray:
    """Validate a 1-D float series; one-line DataError on anything else."""
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numbers, got {type(values).__name__}") from exc
    if x.ndim != 1:
        raise DataError(f"{name} must be one-dimensional, got shape {x.shape}")
    if x.size == 0:
        raise DataError(f"{name} is empty")
    if np.isinf(x).any():
        raise DataError(f"{name} holds infinite values")
    if not allow_nan and np.isnan(x).any():
        raise DataError(f"{name} holds NaN; call interpolate_missing (or pain_sign) first")
    return x


def _check_window(window: int) -> int:
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise ConfigError(f"window must be a positive integer number of samples, got {window!r}")
    return int(window)


def _check_mode(mode: str) -> str:
    if mode not in SIGN_MODES:
        raise ConfigError(f"unknown sign mode {mode!r}; use one of {', '.join(SIGN_MODES)}")
    return mode


def interpolate_missing(probs: Sequence[float] | np.ndarray) -> np.ndarray:
    """Fill frames without a prediction (NaN) by linear interpolation in the frame index.

    Parameters
    ----------
    probs : array-like, shape (n_frames,)
        Per-frame pain probabilities, NaN where no face was found.

    Returns
    -------
    np.ndarray, shape (n_frames,)
        Float copy with interior gaps linearly interpolated between their neighbours and
        leading/trailing gaps holding the nearest observed value.

    Raises
    ------
    DataError
        If the input is empty, not 1-D, holds infinities, or has no observed value at all.
    """
    x = _as_series(probs, "probs", allow_nan=True)
    missing = np.isnan(x)
    if missing.all():
        raise DataError("no frame has a prediction (all values are NaN): no face was found")
    if not missing.any():
        return x.copy()
    idx = np.arange(x.size)
    # np.interp holds the end values outside the observed range: exactly the rule for edge gaps.
    out = x.copy()
    out[missing] = np.interp(idx[missing], idx[~missing], x[~missing])
    return out


def window_mean(values: Sequence[float] | np.ndarray) -> float:
    """Mean of one window as the sign computes it: ``first + mean(values - first)``.

    Exact for a window of equal values. A streaming monitor holding the last ``window`` interpolated
    values gets the offline sign's value bit for bit by calling this.

    Parameters
    ----------
    values : array-like, shape (m,), m >= 1
    """
    v = _as_series(values, "values", allow_nan=False)
    return float(v[0] + np.mean(v - v[0]))


def moving_average(
    x: Sequence[float] | np.ndarray, window: int = DEFAULT_WINDOW, mode: str = "causal"
) -> np.ndarray:
    """Moving average of a series, trailing (``"causal"``) or the authors' centred ``"valid"`` one.

    * ``mode="causal"``: sample ``i`` is the mean of ``x[max(0, i-window+1) : i+1]``; the first
      ``window - 1`` outputs average the fewer samples available so far. Same length as ``x``:
      what a bedside monitor can show at each instant.
    * ``mode="valid"``: exactly ``np.convolve(x, np.ones(window), "valid") / window``, the filter
      of the authors' code: sample ``j`` is the mean of ``x[j : j+window]``, only full windows, so
      600 frames give 571 samples. It looks ``window - 1`` samples ahead (offline analysis only).

    Parameters
    ----------
    x : array-like, shape (n,)
        Series without NaN (interpolate first).
    window : int, default 30
        Number of samples averaged.
    mode : {"causal", "valid"}, default "causal"

    Returns
    -------
    np.ndarray
        Shape (n,) for ``"causal"``; shape (n - window + 1,) for ``"valid"``.

    Raises
    ------
    DataError
        On NaN, infinite, empty or non-1-D input, or (``"valid"``) fewer than ``window`` samples.
    ConfigError
        If ``window`` is not a positive integer or ``mode`` is unknown.
    """
    v = _as_series(x, "x", allow_nan=False)
    w = _check_window(window)
    if _check_mode(mode) == "valid":
        if v.size < w:
            raise DataError(
                f"the valid moving average needs at least window = {w} samples, got {v.size}"
            )
        return np.convolve(v, np.ones(w), "valid") / w
    n = v.size
    out = np.empty(n)
    head = min(w - 1, n)
    for i in range(head):  # growing windows at the start (at most window-1 of them)
        out[i] = v[0] + np.mean(v[: i + 1] - v[0])
    if n >= w:
        full = sliding_window_view(v, w)  # (n - w + 1, w), a view: no copy
        for start in range(0, full.shape[0], _BLOCK):
            block = full[start : start + _BLOCK]
            first = block[:, :1]
            out[w - 1 + start : w - 1 + start + block.shape[0]] = first[:, 0] + np.mean(
                block - first, axis=1
            )
    return out


def pain_sign(
    probs: Sequence[float] | np.ndarray, window: int = DEFAULT_WINDOW, mode: str = "causal"
) -> np.ndarray:
    """The pain sign: ``moving_average(interpolate_missing(probs), window, mode)``.

    Parameters
    ----------
    probs : array-like, shape (n_frames,)
        Per-frame pain probabilities, NaN where no face was found.
    window : int, default 30
        Moving-average length in samples (use :func:`window_for_fps` for 1 s at other frame rates).
    mode : {"causal", "valid"}, default "causal"
        Trailing bedside sign, or the authors' centred sign (see :func:`moving_average`).

    Returns
    -------
    np.ndarray
        Shape (n_frames,) for ``"causal"``; shape (n_frames - window + 1,) for ``"valid"``.
    """
    _check_mode(mode)
    return moving_average(interpolate_missing(probs), window, mode)


def band(
    probs: Sequence[float] | np.ndarray,
    spread: Sequence[float] | np.ndarray,
    window: int = DEFAULT_WINDOW,
    mode: str = "causal",
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper edge of the sign's uncertainty band: ``pain_sign(probs ∓ spread)``.

    The per-frame band ``[probs - spread, probs + spread]`` (clipped to [0, 1]; e.g. one standard
    deviation of MC-dropout or of a fold ensemble) goes through the same interpolation and moving
    average as the sign, so it lies around the sign sample for sample.

    Parameters
    ----------
    probs : array-like, shape (n_frames,)
        Per-frame pain probabilities (mean over the samples), NaN where no face was found.
    spread : array-like, shape (n_frames,)
        Per-frame half-width, >= 0, NaN where ``probs`` is NaN.
    window, mode :
        As in :func:`pain_sign`.

    Returns
    -------
    (lower, upper) : two arrays shaped like :func:`pain_sign`'s output.
    """
    p = _as_series(probs, "probs", allow_nan=True)
    s = _as_series(spread, "spread", allow_nan=True)
    if p.shape != s.shape:
        raise DataError(f"probs has {p.size} values but spread has {s.size}")
    if (np.isnan(p) != np.isnan(s)).any():
        raise DataError("probs and spread must be NaN on the same frames")
    if (s[~np.isnan(s)] < 0).any():
        raise DataError("spread must be >= 0")
    return (
        pain_sign(np.clip(p - s, 0.0, 1.0), window, mode),
        pain_sign(np.clip(p + s, 0.0, 1.0), window, mode),
    )


def shannon_entropy(sign: Sequence[float] | np.ndarray, bins: int = 10, base: float = 2) -> float:
    """Shannon entropy of the histogram of ``sign`` over ``bins`` equal-width bins on [0, 1].

    Values outside [0, 1] are clipped into the end bins. A constant sign has entropy 0; a sign
    spread evenly over all bins has ``log(bins, base)`` (3.32 bits for 10 bins). For a sign in
    [0, 1] this equals the authors' ``scipy.stats.entropy(counts / len(sign), base=2)`` with
    ``counts`` from ``np.histogram(sign, bins=np.linspace(0, 1, 11))``.

    Parameters
    ----------
    sign : array-like, shape (n,)
    bins : int, default 10
    base : float, default 2 (bits)

    Returns
    -------
    float
    """
    s = _as_series(sign, "sign", allow_nan=False)
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ConfigError(f"bins must be a positive integer, got {bins!r}")
    if not (base > 0 and base != 1):
        raise ConfigError(f"base must be positive and not 1, got {base!r}")
    counts, _ = np.histogram(np.clip(s, 0.0, 1.0), bins=int(bins), range=(0.0, 1.0))
    p = counts[counts > 0] / s.size
    h = float(-(p * np.log(p)).sum() / math.log(base))
    return h if h > 0 else 0.0  # a single occupied bin gives -0.0, which would print as "-0.00"


def threshold_crossings(sign: Sequence[float] | np.ndarray, threshold: float) -> int:
    """Number of ``i >= 1`` with ``(sign[i] >= threshold) != (sign[i-1] >= threshold)``.

    A value equal to the threshold counts as "pain", as everywhere in the package, so a sign that
    sits exactly on the threshold does not cross it. The authors' code counts
    ``len(np.where(np.diff(np.sign(sign - threshold)))[0])``; the two agree unless a value equals
    the threshold exactly (there ``np.sign`` gives 0 and a pass through the threshold counts twice).

    Parameters
    ----------
    sign : array-like, shape (n,)
    threshold : float
        The model's classification threshold (Youden's index on its training folds).

    Returns
    -------
    int
    """
    s = _as_series(sign, "sign", allow_nan=False)
    t = float(threshold)
    if not math.isfinite(t):
        raise ConfigError(f"threshold must be a finite number, got {threshold!r}")
    above = s >= t
    return int(np.count_nonzero(above[1:] != above[:-1]))


def crossing_indices(sign: Sequence[float] | np.ndarray, threshold: float) -> np.ndarray:
    """Indices ``i`` at which the sign crosses the threshold (the markers of Figs 1-4).

    ``len(crossing_indices(s, t)) == threshold_crossings(s, t)``.

    Returns
    -------
    np.ndarray of int, shape (n_crossings,)
    """
    s = _as_series(sign, "sign", allow_nan=False)
    above = s >= float(threshold)
    return np.flatnonzero(above[1:] != above[:-1]) + 1


def window_for_fps(fps: float, seconds: float = 1.0) -> int:
    """Moving-average length in samples covering ``seconds`` of video at ``fps`` frames per second.

    ``window_for_fps(30) == 30`` (the paper's 30 samples = 1 s); ``window_for_fps(25) == 25``;
    never less than 1.

    Raises
    ------
    DataError
        If ``fps`` or ``seconds`` is not a positive finite number.
    """
    try:
        f, sec = float(fps), float(seconds)
    except (TypeError, ValueError) as exc:
        raise DataError(f"fps and seconds must be numbers, got {fps!r} and {seconds!r}") from exc
    if not (math.isfinite(f) and f > 0):
        raise DataError(f"frame rate must be a positive number, got {fps!r}")
    if not (math.isfinite(sec) and sec > 0):
        raise DataError(f"seconds must be a positive number, got {seconds!r}")
    return max(1, int(round(f * sec)))
