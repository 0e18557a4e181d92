"""Calibration scores and recalibration maps (painsign_utils.calibration, .recalibration)."""

from __future__ import annotations

import numpy as np
import pytest

from painsign_utils import calibration, recalibration
from painsign_utils.errors import ConfigError, DataError


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_ece_brier_and_mce_by_hand():
    y = [0, 0, 1, 1, 1]
    p = [0.1, 0.3, 0.35, 0.8, 0.9]
    # equal-width bins of 0.5: {0.1, 0.3, 0.35} mean 0.25, 1/3 pain; {0.8, 0.9} mean 0.85, all pain
    expected = (3 * abs(1 / 3 - 0.25) + 2 * abs(1 - 0.85)) / 5
    assert calibration.ece(y, p, n_bins=2) == pytest.approx(expected)
    assert calibration.mce(y, p, n_bins=2) == pytest.approx(0.15)
    brier = np.mean((np.array(p) - np.array(y)) ** 2)
    assert calibration.brier(y, p) == pytest.approx(brier)
    # equal mass, 5 bins: one sample each, gap = |y - p|
    assert calibration.ece(y, p, n_bins=5, strategy="mass") == pytest.approx(
        np.mean(np.abs(np.array(y) - np.array(p)))
    )


def test_a_calibrated_predictor_scores_as_calibrated_and_an_overconfident_one_does_not():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.01, 0.99, 100_000)
    y = (rng.uniform(size=p.size) < p).astype(int)
    s = calibration.scores(y, p)
    assert s["ece_width"] < 0.01 and s["ece_mass"] < 0.01
    assert s["slope"] == pytest.approx(1, abs=0.05)
    assert s["intercept"] == pytest.approx(0, abs=0.03)
    sharp = _sigmoid(3 * calibration.logit(p))  # same order, too extreme
    t = calibration.scores(y, sharp)
    assert t["ece_width"] > 0.05 and t["slope"] == pytest.approx(1 / 3, abs=0.03)


def test_temperature_scaling_recovers_a_known_temperature_and_keeps_the_order():
    rng = np.random.default_rng(1)
    z = rng.normal(0, 2, 50_000)
    y = (rng.uniform(size=z.size) < _sigmoid(z)).astype(int)
    p = _sigmoid(2.5 * z)  # over-confident by a temperature of 2.5
    cal = recalibration.fit("temperature", y, p)
    assert cal.temperature_ == pytest.approx(2.5, rel=0.05)
    q = cal.transform(p)
    assert np.all(np.diff(q[np.argsort(p)]) >= 0)  # the order of the frames is kept
    assert calibration.ece(y, q) < calibration.ece(y, p) / 3


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_platt_and_isotonic_lower_the_ece_of_a_miscalibrated_predictor(method):
    rng = np.random.default_rng(2)
    z = rng.normal(0, 1.5, 20_000)
    y = (rng.uniform(size=z.size) < _sigmoid(z)).astype(int)
    p = _sigmoid(2 * z + 1)  # too extreme and too high
    fit_idx, test_idx = np.arange(10_000), np.arange(10_000, 20_000)
    cal = recalibration.fit(method, y[fit_idx], p[fit_idx])
    after = calibration.ece(y[test_idx], cal.transform(p[test_idx]))
    assert after < calibration.ece(y[test_idx], p[test_idx]) / 3
    assert np.all(np.diff(cal.transform(np.linspace(0, 1, 101))) >= -1e-12)  # monotone


def test_report_gives_intervals_around_the_estimate_resampled_by_newborn():
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(20), 50)
    p = rng.uniform(0.05, 0.95, groups.size)
    y = (rng.uniform(size=p.size) < p).astype(int)
    r = calibration.report(y, p, groups, n_boot=50, seed=0)
    assert all(r[f"{name}_lo"] < r[f"{name}_hi"] for name in calibration.SCORES)
    # (binned ECE and MCE are biased upwards in resamples; these four are not)
    for name in ("brier", "nll", "slope", "intercept"):
        assert r[f"{name}_lo"] <= r[name] <= r[f"{name}_hi"]
    assert r["n"] == 1000
    assert r == calibration.report(y, p, groups, n_boot=50, seed=0)  # seeded


def test_bad_input_is_one_clear_error():
    with pytest.raises(DataError, match="0 .no pain. or 1"):
        calibration.ece([0, 2], [0.1, 0.2])
    with pytest.raises(DataError, match="finite numbers in"):
        calibration.brier([0, 1], [0.1, np.nan])
    with pytest.raises(DataError, match="2 values but p has 3"):
        calibration.nll([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ConfigError, match="unknown recalibration 'beta'"):
        recalibration.fit("beta", [0, 1], [0.1, 0.9])
    with pytest.raises(ConfigError, match="unknown binning"):
        calibration.ece([0, 1], [0.1, 0.9], strategy="log")


def test_the_docstring_examples_hold():
    import doctest

    assert doctest.testmod(calibration).failed == 0
    assert doctest.testmod(recalibration).failed == 0


def test_the_slope_is_scikit_learns_unpenalized_logistic_fit():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(4)
    p = rng.uniform(0.02, 0.98, 2000)
    y = (rng.uniform(size=p.size) < _sigmoid(0.7 * calibration.logit(p) - 0.3)).astype(int)
    slope, _ = calibration.slope_intercept(y, p)
    ref = LogisticRegression(C=np.inf).fit(calibration.logit(p)[:, None], y).coef_[0, 0]
    assert slope == pytest.approx(ref, rel=1e-4)
    s = calibration.scores(y, p)
    assert s["brier"] == pytest.approx(calibration.brier(y, p))
    assert s["nll"] == pytest.approx(calibration.nll(y, p))
