"""metrics.fold_thresholds: the authors' per-fold Youden rule, checked against roc_curve itself."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_curve

from painsign_utils.errors import DataError
from painsign_utils.metrics import fold_thresholds, threshold_summary, youden_threshold


def _random_folds(seed: int, n_folds: int = 10) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    folds = []
    for _ in range(n_folds):
        n = int(rng.integers(20, 80))
        y = rng.integers(0, 2, n)
        y[:2] = [0, 1]  # both classes in every fold
        p = 1 / (1 + np.exp(-(rng.normal(0, 1, n) + rng.uniform(0, 2) * (2 * y - 1))))
        folds.append((y, p))
    return folds


def test_fold_thresholds_equal_the_roc_curve_rule_on_random_folds():
    for seed in range(20):
        folds = _random_folds(seed)
        expected = []
        for y, p in folds:
            fpr, tpr, thr = roc_curve(y, p)
            expected.append(thr[np.argmax(tpr - fpr)])
        got = fold_thresholds(folds)
        assert isinstance(got, np.ndarray) and got.shape == (len(folds),)
        np.testing.assert_array_equal(got, np.asarray(expected))


def test_fold_thresholds_accept_a_generator_and_lists():
    folds = _random_folds(1, 3)
    a = fold_thresholds((list(y), list(p)) for y, p in folds)
    np.testing.assert_array_equal(a, fold_thresholds(folds))


def test_fold_threshold_matches_youden_threshold_when_it_is_a_probability():
    for y, p in _random_folds(2):
        (theta,) = fold_thresholds([(y, p)])
        if theta <= 1:
            assert theta == pytest.approx(youden_threshold(y, p))


def test_threshold_summary_is_mean_and_population_sd():
    s = threshold_summary([0.4, 0.6, 0.5])
    assert s["mean"] == pytest.approx(0.5) and s["sd"] == pytest.approx(np.std([0.4, 0.6, 0.5]))
    assert s["n"] == 3
    with pytest.raises(DataError):
        threshold_summary([])


@pytest.mark.parametrize(
    "folds, message",
    [
        ([], "no fold"),
        ([([], [])], "fold 0 is empty"),
        ([([0, 1], [0.2, 0.8]), ([1, 1, 1], [0.2, 0.5, 0.9])], "fold 1 holds only pain"),
        ([([0, 0], [0.2, 0.8])], "fold 0 holds only no pain"),
        ([([0, 1], [0.2])], "fold 0: y_true has 2 values"),
        ([([0, 1, 1],)], "fold 0: expected a"),
    ],
)
def test_fold_thresholds_bad_folds_are_one_line_errors(folds, message):
    with pytest.raises(DataError, match=message) as info:
        fold_thresholds(folds)
    assert "\n" not in str(info.value)
