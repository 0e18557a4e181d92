"""Calibration scores and recalibration maps (painsign_utils.calibration, .recalibration)."""

from __future__ import annotations

import numpy as np
import pandas as pd
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
    with pytest.raises(DataError, match="0 .no pain."):
        calibration.ece([0, 2], [0.1, 0.2])
    with pytest.raises(DataError, match="NaN"):
        calibration.brier([0, 1], [0.1, np.nan])
    with pytest.raises(DataError, match="2 values but y_prob has 3"):
        calibration.nll([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(DataError, match=r"in \[0, 1\]"):
        calibration.ece([0, 1], [0.1, 1.2])
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


def _split(rng, n, model="m"):
    """Frames of an over-confident model: y ~ Bernoulli(sigmoid(z)), p = sigmoid(3 z)."""
    z = rng.normal(0, 1.5, n)
    y = (rng.uniform(size=n) < _sigmoid(z)).astype(int)
    return pd.DataFrame(
        {"model": model, "y": y, "prob": _sigmoid(3 * z), "subject": np.arange(n) % 7}
    )


def test_compare_fits_every_map_on_validation_only_and_best_names_the_one_that_helps():
    rng = np.random.default_rng(3)
    val, test = _split(rng, 4000), _split(rng, 4000)
    table, maps = recalibration.compare(val, test, ("temperature", "isotonic"), n_boot=5)
    assert table[["split", "method"]].values.tolist() == [
        ["validation", "raw"],
        ["test", "raw"],
        ["test", "temperature"],
        ["test", "isotonic"],
    ]
    # fitted on the validation frames alone: the same map whatever the test frames are
    alone = recalibration.fit("temperature", val["y"], val["prob"])
    assert maps["m", "temperature"].temperature_ == pytest.approx(alone.temperature_)
    assert maps["m", "temperature"].temperature_ == pytest.approx(3, rel=0.15)
    won = recalibration.best(table)
    assert won.loc["m", "lowered"] and won.loc["m", "best"] < won.loc["m", "raw"] / 2
    with pytest.raises(DataError, match="lacks column"):
        recalibration.compare(val.drop(columns="subject"), test)
    with pytest.raises(ConfigError, match="unknown recalibration"):
        recalibration.compare(val, test, ("histogram",))


def test_effect_is_a_no_op_control_for_raw_and_counts_the_videos_a_sharper_map_retypes(tmp_path):
    from painsign_utils.evaluation import summarize_video

    rng = np.random.default_rng(4)
    runs, rows = [], []
    for i in range(12):
        t = np.arange(90) / 30
        p = np.clip(0.5 + (0.05 + 0.03 * i) * np.sin(2 * np.pi * t * (1 + i % 3)), 0, 1)
        p = np.clip(p + rng.normal(0, 0.02, p.size), 0, 1)
        path = tmp_path / f"v{i}.csv"
        frame = pd.DataFrame({"frame": np.arange(90), "time": t, "prob": p})
        frame.to_csv(path, index=False)
        runs.append({"model": "m", "video": f"v{i}", "probs": str(path)})
        s = summarize_video(frame, 0.5, window=30, mode="valid", video_score="sign_mean")
        rows.append({"model": "m", "video": f"v{i}", "label": i % 2, "threshold": 0.5, **s})
    summary = pd.DataFrame(rows)

    cut = float(pd.DataFrame(rows)["entropy"].median())

    def type_signs(table):  # a fixed rule, so only the probabilities can move a video
        return np.where(table["entropy"] > cut, "irregular", "stable")

    summary["sign_type"] = type_signs(summary)
    sharp = recalibration.Temperature()
    sharp.temperature_ = 0.2  # pushes every probability away from 0.5
    out = recalibration.effect(
        pd.DataFrame(runs), summary, {("m", "temperature"): sharp}, type_signs
    )
    raw, temp = out.set_index("method").loc["raw"], out.set_index("method").loc["temperature"]
    assert raw["videos changing type"] == 0 and raw["ari"] == 1.0
    assert raw["mean entropy recalibrated"] == pytest.approx(raw["mean entropy raw"])
    # read on fixed bins of [0, 1], the entropy moves with the map
    assert temp["mean entropy recalibrated"] != pytest.approx(temp["mean entropy raw"], abs=0.01)
    assert temp["videos changing type"] > 0
