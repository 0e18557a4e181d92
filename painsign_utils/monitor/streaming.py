"""The streaming pain sign: probabilities in one at a time, the offline sign out, bit for bit.

:class:`StreamingSign` is pure: no frames, no clock, no alerts. It is the streaming counterpart of
:func:`painsign_utils.sign.pain_sign` (paper §2.4, causal mode) with the statistics the book
reads from a sign (threshold crossings, entropy, mean probability).

Causality and exactness. The offline sign fills frames without a face by *linear interpolation*
between the faces around the gap, which needs the face after the gap. The stream therefore gives
a *provisional* value while a face is missing (:meth:`StreamingSign.current`) — the value the
offline sign would have if the recording stopped at that frame (the trailing-gap rule holds the
last probability) — and *finalizes* the gap's frames as soon as a face returns. Concatenating the
finalized values of every :meth:`~StreamingSign.push` (plus :meth:`~StreamingSign.finish`) gives
exactly ``pain_sign`` of the same probabilities, bit for bit (``tests/test_monitor.py`` checks it).
Crossings and entropy are computed on finalized values only, so they too equal their offline
values. Memory is bounded: the moving average keeps its last ``window`` values and the entropy a
10-bin histogram; a gap of G frames is finalized as one array of G values when the face returns.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from ..errors import ConfigError, DataError

_EDGES10 = np.linspace(0.0, 1.0, 11).tolist()


def _bin10(v: float) -> int:
    """Bin of ``v`` among 10 equal bins on [0, 1] (clipped), exactly as ``np.histogram`` assigns it."""
    v = min(max(v, 0.0), 1.0)
    k = min(int(v * 10), 9)
    if v < _EDGES10[k]:
        k -= 1
    elif k != 9 and v >= _EDGES10[k + 1]:
        k += 1
    return k


class StreamingSign:
    """The causal pain sign of a stream of probabilities, equal to the offline sign bit for bit.

    Parameters
    ----------
    window : int
        Moving-average length in samples (:func:`~painsign_utils.sign.window_for_fps`).
    threshold : float, default 0.5
        The threshold the crossings are counted against.

    Attributes
    ----------
    n : int
        Probabilities consumed.
    n_final : int
        Of those, the ones whose sign value is final.
    """

    def __init__(self, window: int, threshold: float = 0.5):
        if not (isinstance(window, int | np.integer) and window >= 1):
            raise ConfigError(f"window must be a whole number of samples >= 1, got {window!r}")
        if not 0 <= threshold <= 1:
            raise ConfigError(f"threshold must be in [0, 1], got {threshold!r}")
        self.window = int(window)
        self.threshold = float(threshold)
        self.reset()

    def reset(self) -> None:
        """Forget everything (a new recording)."""
        self.n = 0  # frames consumed
        self.n_final = 0  # frames whose sign is final
        self._last_idx = -1  # last frame with a face
        self._last_p = math.nan
        self._ma: deque[float] = deque(maxlen=self.window)  # last interpolated probabilities
        self._sum_p = 0.0
        self._n_face = 0
        self._prev_sign = math.nan
        self._last_sign = math.nan
        self._crossings = 0
        self._hist = [0] * 10
        self._entropy, self._entropy_at = math.nan, 0

    @staticmethod
    def checked(p: float) -> float:
        """``p`` as a float; a DataError unless it is in [0, 1] or NaN."""
        p = float(p)
        if math.isinf(p) or (not math.isnan(p) and not 0.0 <= p <= 1.0):
            raise DataError(f"probability must be in [0, 1] or NaN, got {p!r}")
        return p

    def push(self, p: float) -> np.ndarray:
        """Consume the probability of the next frame (NaN: no value for that frame).

        Returns
        -------
        ndarray, shape (k,)
            The sign values this frame finalizes, for frames ``n_final - k .. n_final - 1``: none
            inside a gap, the whole gap and this frame when a face returns.
        """
        p = self.checked(p)
        i = self.n
        self.n += 1
        if math.isnan(p):
            return np.empty(0)
        self._sum_p += p
        self._n_face += 1
        if self._last_idx < 0:  # leading gap holds the first observed value
            final = np.full(i - self.n_final + 1, p)
        else:  # interior gap: linear interpolation, exactly as sign.interpolate_missing
            gap = np.arange(self._last_idx + 1, i)
            interp = np.interp(gap, [self._last_idx, i], [self._last_p, p])
            final = np.concatenate([interp, [p]])
        self._last_idx, self._last_p = i, p
        return self._finalize(final)

    def finish(self) -> np.ndarray | None:
        """End of the recording: a trailing gap holds the last probability (as offline).

        Returns the values it finalizes, or None if nothing was pending.
        """
        if self.n_final == self.n or self._last_idx < 0:
            return None
        return self._finalize(np.full(self.n - self.n_final, self._last_p))

    def _finalize(self, values: np.ndarray) -> np.ndarray:
        """Push interpolated probabilities through the moving average, crossings and histogram."""
        signs = np.empty(len(values))
        ma = self._ma
        t = self.threshold
        for k, v in enumerate(values):
            ma.append(float(v))
            w = np.fromiter(ma, float, len(ma))
            s = float(w[0] + np.mean(w - w[0]))  # == sign.window_mean: bit-exact with offline
            signs[k] = s
            if not math.isnan(self._prev_sign) and (s >= t) != (self._prev_sign >= t):
                self._crossings += 1
            self._prev_sign = s
        if len(signs):
            for v in signs.tolist():
                self._hist[_bin10(v)] += 1
            self.n_final += len(signs)
            self._last_sign = float(signs[-1])
        return signs

    def current(self) -> float:
        """The sign now; inside a gap, what the offline sign would be if the recording ended here."""
        if self._last_idx < 0:
            return math.nan
        pending = self.n - self.n_final
        if pending == 0:
            return self._last_sign
        held = (
            list(self._ma)[max(0, len(self._ma) - (self.window - pending)) :]
            if pending < self.window
            else []
        )
        w = np.array(held + [self._last_p] * min(pending, self.window))
        return float(w[0] + np.mean(w - w[0]))

    @property
    def mean_prob(self) -> float:
        """Mean probability of the frames with a face so far (NaN before the first face)."""
        return self._sum_p / self._n_face if self._n_face else math.nan

    @property
    def entropy(self) -> float:
        """Entropy (bits, 10 bins on [0, 1]) of the finalized sign so far; equals the offline value."""
        total = sum(self._hist)
        if total == 0:
            return math.nan
        if self._entropy_at == total:  # unchanged since last asked
            return self._entropy
        counts = np.array(self._hist)
        q = counts[counts > 0] / total
        h = float(-(q * np.log(q)).sum() / math.log(2))
        self._entropy = h if h > 0 else 0.0  # never -0.0 for a constant sign
        self._entropy_at = total
        return self._entropy

    @property
    def crossings(self) -> int:
        """Threshold crossings of the finalized sign so far; equals the offline value."""
        return self._crossings
