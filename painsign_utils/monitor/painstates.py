"""Pain states: the pain sign in, one named state per sample out (calm, rising, pain, ...).

Owns :class:`PainStates`, a small streaming state machine on the causal pain sign, and
:func:`pain_states`, the same machine run over a whole sign. It answers the bedside question the
sign alone leaves open: *is the newborn in pain now, confirmed?* A sign hovering around the
threshold θ would flip a plain ``sign >= θ`` rule on and off many times a minute; the machine adds

* **hysteresis**: the sign must reach ``θ + hysteresis`` to start a rise and fall below
  ``θ - hysteresis`` to start a recovery, so wobbles inside that band change nothing;
* **dwell times**: pain is *confirmed* only once the sign has stayed at or above ``θ + hysteresis``
  for ``confirm_s`` seconds, and the newborn is calm again only once it has stayed below
  ``θ - hysteresis`` for ``recover_s`` seconds;
* **uncertain**: shown while an uncertainty band of the probability (per sample, optional, e.g.
  MC-dropout or fold-ensemble quantiles) has straddled θ for ``uncertain_s`` seconds;
* **no_face**: a sample without a sign (NaN: no face). The machine keeps whether pain was confirmed
  across the gap, but a rise or a recovery starts its dwell again when the face returns.

The defaults are the authors' values in their later code (hysteresis ±0.05 around θ, pain
confirmed after 1.5 s, recovery after 1.0 s, an uncertain state with a 1-s debounce).
:data:`PLAIN_RULE` turns every one of them off: the state is then ``pain`` exactly when
``sign >= θ`` (the paper's rule) and ``calm`` otherwise. Timings are in seconds and converted to
samples with the sample rate: a dwell of ``d`` seconds ends at the first sample at least ``d``
seconds after the one that started it (``ceil(d * rate)`` samples later).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..errors import ConfigError, DataError

#: Every state the machine can be in, in the order the figures list them.
STATES: tuple[str, ...] = ("calm", "rising", "pain", "recovering", "uncertain", "no_face")

#: Colour of each state, in the figures' state strips and the annotated video.
STATE_COLOURS: dict[str, str] = {
    "calm": "#b7dfb0",
    "rising": "#ffd166",
    "pain": "#d62728",
    "recovering": "#f4a582",
    "uncertain": "#9467bd",
    "no_face": "#bbbbbb",
}

#: The authors' defaults: hysteresis around θ, dwell to confirm pain, to recover, uncertainty debounce.
AUTHORS_TIMINGS: dict[str, float] = {
    "hysteresis": 0.05,
    "confirm_s": 1.5,
    "recover_s": 1.0,
    "uncertain_s": 1.0,
}

#: The paper's plain threshold rule (pain whenever ``sign >= θ``): no hysteresis, no dwell.
PLAIN_RULE: dict[str, float] = {"hysteresis": 0.0, "confirm_s": 0.0, "recover_s": 0.0}

# Small slack so that e.g. 1.5 s at 10 samples/s is 15 samples, not 16 after rounding error.
_EPS = 1e-9


def dwell_samples(seconds: float, rate: float) -> int:
    """Samples a dwell of ``seconds`` lasts at ``rate`` samples per second: ``ceil(seconds * rate)``."""
    return int(math.ceil(seconds * rate - _EPS)) if seconds > 0 else 0


def _check_unit(name: str, value: float) -> float:
    """``value`` as a float in [0, 1] or NaN; a DataError otherwise."""
    v = float(value)
    if math.isinf(v) or (not math.isnan(v) and not 0.0 <= v <= 1.0):
        raise DataError(f"{name} must be in [0, 1] or NaN, got {value!r}")
    return v


class PainStates:
    """Streaming pain-state machine on the pain sign (one :meth:`push` per sample).

    Parameters
    ----------
    rate : float
        Samples per second of the sign (the monitor's frame rate, or the analysis rate).
    threshold : float
        The model's threshold θ, in [0, 1].
    hysteresis : float, default 0.05
        Half-width of the dead band around θ: a rise starts at ``θ + hysteresis``, a recovery
        below ``θ - hysteresis``.
    confirm_s : float, default 1.5
        Seconds the sign must stay at or above ``θ + hysteresis`` before pain is confirmed.
    recover_s : float, default 1.0
        Seconds the sign must stay below ``θ - hysteresis`` before a confirmed pain ends.
    uncertain_s : float, default 1.0
        Seconds the uncertainty band must straddle θ before the state is ``uncertain``.

    Attributes
    ----------
    state : str
        The state after the last sample (``calm`` before any).
    confirmed : bool
        Whether pain is confirmed (states ``pain`` and ``recovering``, kept across a face gap).
    n : int
        Samples consumed.
    confirm_n, recover_n, uncertain_n : int
        The dwell times in samples (:func:`dwell_samples`).
    """

    def __init__(
        self,
        rate: float,
        threshold: float,
        hysteresis: float = AUTHORS_TIMINGS["hysteresis"],
        confirm_s: float = AUTHORS_TIMINGS["confirm_s"],
        recover_s: float = AUTHORS_TIMINGS["recover_s"],
        uncertain_s: float = AUTHORS_TIMINGS["uncertain_s"],
    ):
        rate = float(rate)
        if not (math.isfinite(rate) and rate > 0):
            raise ConfigError(f"rate must be a positive number of samples per second, got {rate!r}")
        threshold = float(threshold)
        if not 0.0 <= threshold <= 1.0:
            raise ConfigError(f"threshold must be in [0, 1], got {threshold!r}")
        hysteresis = float(hysteresis)
        if not 0.0 <= hysteresis < 1.0:
            raise ConfigError(f"hysteresis must be in [0, 1), got {hysteresis!r}")
        timings = {"confirm_s": confirm_s, "recover_s": recover_s, "uncertain_s": uncertain_s}
        for name, value in timings.items():
            if not (math.isfinite(float(value)) and float(value) >= 0):
                raise ConfigError(f"{name} must be a number of seconds >= 0, got {value!r}")
        self.rate = rate
        self.threshold = threshold
        self.hysteresis = hysteresis
        self.confirm_s, self.recover_s, self.uncertain_s = (
            float(confirm_s),
            float(recover_s),
            float(uncertain_s),
        )
        self.confirm_n = dwell_samples(self.confirm_s, rate)
        self.recover_n = dwell_samples(self.recover_s, rate)
        self.uncertain_n = dwell_samples(self.uncertain_s, rate)
        self.high = threshold + hysteresis  # a rise starts at or above this
        self.low = threshold - hysteresis  # a recovery starts below this
        self.reset()

    def reset(self) -> None:
        """Forget everything (a new recording): calm, no dwell running."""
        self.n = 0
        self.state = "calm"
        self.confirmed = False
        self._phase = "calm"  # calm / rising / pain / recovering, without the overlays
        self._dwell_start = -1  # sample where the running dwell began (-1: none running)
        self._straddle_start = -1  # first sample of the current run of straddling bands

    def push(self, sign_value: float, band: Sequence[float] | None = None) -> str:
        """Consume the next sample of the sign and return the state after it.

        Parameters
        ----------
        sign_value : float
            The pain sign at this sample, in [0, 1]; NaN when there is none (no face).
        band : (low, high), optional
            An uncertainty band of the probability at this sample; None (or NaN bounds) means
            no band, and then the state is never ``uncertain``.

        Returns
        -------
        str
            One of :data:`STATES`.
        """
        s = _check_unit("sign value", sign_value)
        straddles = self._straddles(band)
        i = self.n
        self.n += 1
        if math.isnan(s):
            # No face: keep whether pain was confirmed, restart any running dwell on return.
            self._phase = "pain" if self.confirmed else "calm"
            self._dwell_start = self._straddle_start = -1
            self.state = "no_face"
            return self.state
        self._step(i, s)
        if straddles:
            if self._straddle_start < 0:
                self._straddle_start = i
        else:
            self._straddle_start = -1
        uncertain = self._straddle_start >= 0 and i - self._straddle_start >= self.uncertain_n
        self.state = "uncertain" if uncertain else self._phase
        return self.state

    def _straddles(self, band: Sequence[float] | None) -> bool:
        """Whether ``band`` = (low, high) holds θ; False for no band."""
        if band is None:
            return False
        if np.ndim(band) != 1 or len(band) != 2:
            raise DataError(f"band must be a pair (low, high), got {band!r}")
        lo, hi = (_check_unit("band bound", b) for b in band)
        if math.isnan(lo) or math.isnan(hi):
            return False
        if lo > hi:
            raise DataError(f"band low must not exceed high, got ({lo!r}, {hi!r})")
        return lo <= self.threshold <= hi

    def _step(self, i: int, s: float) -> None:
        """Advance calm -> rising -> pain -> recovering -> calm on sample ``i`` of value ``s``."""
        phase = self._phase
        if phase in ("calm", "rising"):
            if s >= self.high:
                if self._dwell_start < 0:
                    self._dwell_start = i
                phase = "rising"
                if i - self._dwell_start >= self.confirm_n:
                    phase, self.confirmed, self._dwell_start = "pain", True, -1
            elif s < self.low or phase == "calm":
                phase, self._dwell_start = "calm", -1
            else:  # inside the dead band while rising: still rising, the dwell starts again
                self._dwell_start = -1
        else:  # pain or recovering
            if s < self.low:
                if self._dwell_start < 0:
                    self._dwell_start = i
                phase = "recovering"
                if i - self._dwell_start >= self.recover_n:
                    phase, self.confirmed, self._dwell_start = "calm", False, -1
            elif s >= self.high or phase == "pain":
                phase, self._dwell_start = "pain", -1
            else:  # inside the dead band while recovering: still recovering, dwell restarts
                self._dwell_start = -1
        self._phase = phase


def pain_states(
    sign: Sequence[float] | np.ndarray,
    rate: float,
    threshold: float,
    band: np.ndarray | None = None,
    **timings: float,
) -> np.ndarray:
    """The states of :class:`PainStates` over a whole sign (one machine, pushed sample by sample).

    Parameters
    ----------
    sign : array-like, shape (n,)
        The causal pain sign, NaN where there is no face.
    rate, threshold
        As :class:`PainStates`.
    band : ndarray, shape (n, 2), optional
        Per-sample uncertainty band (low, high); NaN rows mean no band at that sample.
    **timings
        ``hysteresis``, ``confirm_s``, ``recover_s``, ``uncertain_s`` (:data:`AUTHORS_TIMINGS`
        by default; :data:`PLAIN_RULE` for the paper's plain threshold rule).

    Returns
    -------
    ndarray of str, shape (n,)
        The state after each sample, one of :data:`STATES`.
    """
    x = np.asarray(sign, dtype=float)
    if x.ndim != 1:
        raise DataError(f"sign must be one-dimensional, got shape {x.shape}")
    if band is not None:
        band = np.asarray(band, dtype=float)
        if band.shape != (len(x), 2):
            raise DataError(f"band must have shape ({len(x)}, 2), got {band.shape}")
    unknown = set(timings) - set(AUTHORS_TIMINGS)
    if unknown:
        raise ConfigError(
            f"unknown pain-state timing(s) {sorted(unknown)}; known: {sorted(AUTHORS_TIMINGS)}"
        )
    machine = PainStates(rate, threshold, **timings)
    out = np.empty(len(x), dtype=f"<U{max(map(len, STATES))}")
    for k, v in enumerate(x.tolist()):
        out[k] = machine.push(v, None if band is None else band[k])
    return out


def state_runs(
    states: Sequence[str] | np.ndarray, times: Sequence[float] | np.ndarray
) -> list[tuple[str, float, float]]:
    """Maximal runs of one state: ``(state, start_time, end_time)`` with the end the run's last sample.

    Parameters
    ----------
    states : array-like of str, shape (n,)
    times : array-like of float, shape (n,)
        The sample times (s), increasing.
    """
    st = np.asarray(states)
    t = np.asarray(times, dtype=float)
    if st.shape != t.shape or st.ndim != 1:
        raise DataError(f"states and times must be 1-D of one length, got {st.shape} and {t.shape}")
    if not len(st):
        return []
    cut = np.flatnonzero(st[1:] != st[:-1]) + 1
    starts, ends = np.r_[0, cut], np.r_[cut, len(st)] - 1
    return [(str(st[a]), float(t[a]), float(t[b])) for a, b in zip(starts, ends)]
