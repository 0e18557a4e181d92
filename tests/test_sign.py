"""The pain-sign API against hand-computed values (docs/design.md, "Pain-sign mathematics")."""

from __future__ import annotations

import math

import numpy as np
import pytest

from painsign_utils.errors import ConfigError, DataError, PainsignError
from painsign_utils.sign import (
    crossing_indices,
    interpolate_missing,
    moving_average,
    pain_sign,
    shannon_entropy,
    threshold_crossings,
    window_for_fps,
    window_mean,
)

NAN = float("nan")


# --- interpolate_missing -------------------------------------------------------------------------


def test_interpolate_interior_gap_is_linear():
    out = interpolate_missing([0.2, NAN, NAN, 0.8])
    np.testing.assert_allclose(out, [0.2, 0.4, 0.6, 0.8])


def test_interpolate_edges_hold_nearest_value():
    out = interpolate_missing([NAN, NAN, 0.3, NAN, 0.5, NAN])
    np.testing.assert_allclose(out, [0.3, 0.3, 0.3, 0.4, 0.5, 0.5])


def test_interpolate_single_observation_fills_everything():
    np.testing.assert_array_equal(interpolate_missing([NAN, 0.7, NAN]), [0.7, 0.7, 0.7])


def test_interpolate_without_gaps_returns_a_copy():
    x = np.array([0.1, 0.9])
    out = interpolate_missing(x)
    np.testing.assert_array_equal(out, x)
    out[0] = 5
    assert x[0] == 0.1


def test_interpolate_all_nan_is_a_clear_error():
    with pytest.raises(DataError, match="all values are NaN"):
        interpolate_missing([NAN, NAN, NAN])
    with pytest.raises(DataError):
        pain_sign(np.full(40, np.nan))


@pytest.mark.parametrize("bad", [[], [[0.1, 0.2]], [0.1, float("inf")], ["a", "b"]])
def test_interpolate_rejects_malformed_input(bad):
    with pytest.raises(DataError) as info:
        interpolate_missing(bad)
    assert "\n" not in str(info.value)


# --- moving_average ------------------------------------------------------------------------------


def test_moving_average_is_trailing_with_short_start():
    out = moving_average([1, 2, 3, 4, 5], window=3)
    np.testing.assert_allclose(out, [1, 1.5, 2, 3, 4])


def test_moving_average_is_causal():
    x = np.arange(10.0)
    y = x.copy()
    y[7:] = 100.0  # changing the future must not change the past
    np.testing.assert_array_equal(moving_average(x, 4)[:7], moving_average(y, 4)[:7])


def test_moving_average_window_one_is_identity_and_long_window_is_cumulative_mean():
    x = np.array([0.3, 0.9, 0.1, 0.5])
    np.testing.assert_array_equal(moving_average(x, 1), x)
    np.testing.assert_allclose(moving_average(x, 100), np.cumsum(x) / np.arange(1, 5))


def test_moving_average_matches_naive_loop_on_random_series():
    rng = np.random.default_rng(0)
    x = rng.random(500)
    naive = [x[max(0, i - 29) : i + 1].mean() for i in range(x.size)]
    np.testing.assert_allclose(moving_average(x), naive, rtol=0, atol=1e-12)


def test_moving_average_constant_signal_is_exactly_constant():
    # A plain mean of thirty 0.1's is 0.10000000000000003; the sign must stay exactly 0.1.
    out = moving_average(np.full(100, 0.1), 30)
    assert (out == 0.1).all()


def test_moving_average_default_window_is_thirty_samples():
    x = np.r_[np.zeros(30), np.ones(30)]
    out = moving_average(x)
    assert out[29] == 0.0
    assert out[44] == pytest.approx(15 / 30)
    assert out[59] == 1.0


def test_window_mean_reproduces_offline_sign_bit_for_bit():
    rng = np.random.default_rng(1)
    x = rng.random(200)
    offline = moving_average(x, 30)
    streamed = [window_mean(x[max(0, i - 29) : i + 1]) for i in range(x.size)]
    np.testing.assert_array_equal(offline, streamed)


def test_moving_average_rejects_nan_and_bad_windows():
    with pytest.raises(DataError, match="interpolate_missing"):
        moving_average([0.1, NAN, 0.3])
    for w in (0, -3, 2.5, True):
        with pytest.raises(ConfigError):
            moving_average([0.1, 0.2], window=w)


# --- pain_sign -----------------------------------------------------------------------------------


def test_pain_sign_with_gap_hand_computed():
    # interpolated: [0.0, 0.5, 1.0, 1.0]; trailing mean over 2: [0.0, 0.25, 0.75, 1.0]
    np.testing.assert_allclose(pain_sign([0.0, NAN, 1.0, NAN], window=2), [0.0, 0.25, 0.75, 1.0])


def test_pain_sign_length_equals_input():
    assert pain_sign(np.linspace(0, 1, 7)).shape == (7,)


# --- shannon_entropy -----------------------------------------------------------------------------


def test_entropy_constant_is_zero():
    h = shannon_entropy(np.full(50, 0.42))
    assert h == 0.0 and str(h) == "0.0"  # not -0.0


def test_entropy_two_equal_bins_is_one_bit():
    assert shannon_entropy([0.05, 0.05, 0.95, 0.95]) == pytest.approx(1.0)


def test_entropy_uniform_over_all_bins_is_log2_bins():
    s = (np.arange(10) + 0.5) / 10
    assert shannon_entropy(s) == pytest.approx(math.log2(10))
    assert shannon_entropy(s, bins=10, base=math.e) == pytest.approx(math.log(10))


def test_entropy_hand_computed_unequal_bins():
    # 3 values in bin 0, 1 value in bin 9: -(3/4 log2 3/4 + 1/4 log2 1/4)
    expected = -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25))
    assert shannon_entropy([0.0, 0.01, 0.09, 1.0]) == pytest.approx(expected)


def test_entropy_clips_values_outside_unit_interval():
    assert shannon_entropy([-0.5, 0.0, 1.0, 1.7]) == pytest.approx(1.0)


def test_entropy_rejects_nan_and_bad_bins():
    with pytest.raises(DataError):
        shannon_entropy([0.1, NAN])
    with pytest.raises(ConfigError):
        shannon_entropy([0.1, 0.2], bins=0)
    with pytest.raises(ConfigError):
        shannon_entropy([0.1, 0.2], base=1)


# --- threshold_crossings -------------------------------------------------------------------------


def test_crossings_hand_counted():
    s = [0.2, 0.6, 0.7, 0.3, 0.1, 0.9]
    assert threshold_crossings(s, 0.5) == 3
    np.testing.assert_array_equal(crossing_indices(s, 0.5), [1, 3, 5])


def test_crossings_signal_exactly_on_threshold_does_not_cross():
    assert threshold_crossings([0.5, 0.5, 0.5], 0.5) == 0
    # touching the threshold from below is a crossing (>= counts as pain), leaving it again too
    assert threshold_crossings([0.4, 0.5, 0.4], 0.5) == 2
    # dipping from the threshold to just below and back
    assert threshold_crossings([0.5, 0.5 - 1e-12, 0.5], 0.5) == 2


def test_constant_sign_on_threshold_after_moving_average_has_no_crossing():
    s = pain_sign(np.full(90, 0.1))
    assert threshold_crossings(s, 0.1) == 0
    assert shannon_entropy(s) == 0.0


def test_crossings_of_single_sample_and_constant():
    assert threshold_crossings([0.9], 0.5) == 0
    assert threshold_crossings(np.zeros(10), 0.5) == 0


def test_crossings_rejects_nan_and_bad_threshold():
    with pytest.raises(DataError):
        threshold_crossings([0.1, NAN], 0.5)
    with pytest.raises(ConfigError):
        threshold_crossings([0.1, 0.2], float("nan"))


# --- window_for_fps ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fps", "seconds", "expected"),
    [(30, 1.0, 30), (25, 1.0, 25), (29.97, 1.0, 30), (15, 2.0, 30), (0.4, 1.0, 1)],
)
def test_window_for_fps(fps, seconds, expected):
    assert window_for_fps(fps, seconds) == expected


@pytest.mark.parametrize("fps", [0, -30, float("nan"), float("inf"), "fast"])
def test_window_for_fps_rejects_bad_rates(fps):
    with pytest.raises(PainsignError):
        window_for_fps(fps)


# --- the authors' protocol: mode="valid" and agreement with the authors' formulas -----------------
# The reference functions below restate, in a few lines each, the formulas of the authors' public
# analysis code (Ferreira et al., notebook `lancet.ipynb`), so that the package's sign, entropy and
# crossings can be checked against them on random curves with gaps.


def _authors_interp(signal: np.ndarray) -> np.ndarray:
    s = np.array(signal, dtype=float)
    t = np.linspace(0, len(s), len(s))
    gap = np.isnan(s)
    s[gap] = np.interp(t[gap], t[~gap], s[~gap])
    return s


def _authors_sign(probs: np.ndarray, w: int = 30) -> np.ndarray:
    return np.convolve(_authors_interp(probs), np.ones(w), "valid") / w


def _authors_entropy(sign: np.ndarray) -> float:
    from scipy.stats import entropy

    counts, _ = np.histogram(sign, bins=np.linspace(0.0, 1.0, 11))
    return float(entropy(counts / len(sign), base=2))


def _authors_crossings(sign: np.ndarray, t: float) -> int:
    return len(np.where(np.diff(np.sign(sign - t)))[0])


def _random_probs(rng: np.random.Generator, n: int) -> np.ndarray:
    """A wandering probability curve (logistic of a random walk) with random gaps, NaN = no face."""
    p = 1 / (1 + np.exp(-np.cumsum(rng.normal(0, 0.4, n))))
    for _ in range(rng.integers(0, 6)):
        start = rng.integers(0, n)
        p[start : start + rng.integers(1, 40)] = np.nan
    if np.isnan(p).all():
        p[rng.integers(0, n)] = 0.5
    return p


def test_valid_mode_is_exactly_numpy_convolve():
    rng = np.random.default_rng(0)
    for n, w in ((600, 30), (31, 30), (30, 30), (10, 1), (57, 7)):
        x = rng.random(n)
        out = moving_average(x, w, mode="valid")
        assert out.shape == (n - w + 1,)
        np.testing.assert_array_equal(out, np.convolve(x, np.ones(w), "valid") / w)


def test_valid_mode_600_frames_give_571_samples_centred():
    x = np.r_[np.zeros(300), np.ones(300)]
    out = pain_sign(x, 30, mode="valid")
    assert out.shape == (571,)
    assert out[0] == 0.0 and out[-1] == 1.0
    assert out[285] == pytest.approx(0.5)  # the window x[285:315] straddles the step evenly


def test_valid_mode_too_short_is_one_clear_error():
    with pytest.raises(DataError, match="at least window = 30 samples, got 29") as info:
        moving_average(np.zeros(29), 30, mode="valid")
    assert "\n" not in str(info.value)
    with pytest.raises(DataError, match="at least window"):
        pain_sign(np.zeros(5), 30, mode="valid")


def test_unknown_sign_mode_is_an_error():
    with pytest.raises(ConfigError, match="unknown sign mode 'centred'"):
        moving_average(np.zeros(40), 30, mode="centred")
    with pytest.raises(ConfigError, match="unknown sign mode"):
        pain_sign(np.zeros(40), mode="same")


def test_default_mode_is_still_causal():
    x = np.random.default_rng(1).random(50)
    np.testing.assert_array_equal(moving_average(x, 30), moving_average(x, 30, mode="causal"))
    np.testing.assert_array_equal(pain_sign(x), pain_sign(x, 30, "causal"))
    assert pain_sign(x).shape == (50,)


def test_valid_sign_entropy_and_crossings_agree_with_the_authors_code():
    rng = np.random.default_rng(2024)
    for trial in range(200):
        n = int(rng.integers(30, 700))
        probs = _random_probs(rng, n)
        ours = pain_sign(probs, 30, mode="valid")
        ref = _authors_sign(probs, 30)
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)
        assert shannon_entropy(ours) == pytest.approx(_authors_entropy(ref), abs=1e-12)
        t = float(rng.uniform(0.05, 0.95))
        if np.any(ref == t):  # pragma: no cover - probability zero for a random threshold
            continue
        assert threshold_crossings(ours, t) == _authors_crossings(ref, t), trial


def test_crossings_differ_from_the_authors_only_where_the_sign_equals_the_threshold():
    t = 0.5
    through = np.array([0.4, 0.5, 0.6])  # passes through t: one crossing for us, two for np.sign
    touch = np.array([0.6, 0.5, 0.6])  # touches t from above: none for us, two for np.sign
    assert threshold_crossings(through, t) == 1 and _authors_crossings(through, t) == 2
    assert threshold_crossings(touch, t) == 0 and _authors_crossings(touch, t) == 2
    # Nudging the values off the threshold makes the two rules agree again.
    rng = np.random.default_rng(3)
    for _ in range(100):
        s = rng.choice([0.3, 0.5, 0.7], size=50)
        off = np.where(s == t, t + 1e-9, s)
        assert threshold_crossings(off, t) == _authors_crossings(off, t)
        assert threshold_crossings(s, t) == threshold_crossings(off, t)  # ">= t" is pain in both
