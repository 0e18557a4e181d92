"""Sign types: k-means on (entropy, crossings), cluster naming, indeterminate rule, Table 3, Friedman."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from painsign_utils.clustering import (
    SignTypeClassifier,
    fit_sign_types,
    friedman_by_type,
    load_classifiers,
    save_classifiers,
    table3,
)
from painsign_utils.errors import ConfigError, DataError

# Centres shaped like the paper's Table 3 (VGG-Face): stable, irregular, unstable.
CENTRES = {"stable": (0.35, 0.2), "irregular": (1.75, 2.5), "unstable": (2.56, 6.8)}


def blobs(n: int = 20, seed: int = 0, spread: float = 0.15) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for name, (e, c) in CENTRES.items():
        for _ in range(n):
            rows.append(
                {
                    "truth": name,
                    "entropy": max(0.0, e + rng.normal(0, spread)),
                    "crossings": max(0, round(c + rng.normal(0, 4 * spread))),
                }
            )
    return pd.DataFrame(rows)


def test_three_blobs_give_k3_and_the_right_names():
    X = blobs()
    clf = SignTypeClassifier().fit(X)
    assert clf.k_ == 3
    assert clf.silhouettes_[3] == max(clf.silhouettes_.values())
    assert set(clf.silhouettes_) == set(range(2, 11))
    assert sorted(clf.names_.values()) == ["irregular", "stable", "unstable"]
    assert (clf.predict(X) == X["truth"].to_numpy()).all()
    cent = clf.centroids_.set_index("name")
    assert cent.loc["stable", "entropy"] < cent.loc["irregular", "entropy"]
    assert cent.loc["unstable", "crossings"] > cent.loc["irregular", "crossings"]
    assert cent["n"].sum() == len(X)


def test_fit_is_deterministic():
    X = blobs(seed=3)
    a = SignTypeClassifier(k_max=5, n_init=3, random_state=7).fit_predict(X)
    b = SignTypeClassifier(k_max=5, n_init=3, random_state=7).fit_predict(X)
    assert (a == b).all()


def test_features_are_standardized_so_scale_does_not_decide():
    # Multiply crossings by 100: without standardization k-means would split on crossings only.
    X = blobs()
    Y = X.assign(crossings=X["crossings"] * 100)
    a = SignTypeClassifier(k_max=5, n_init=3).fit_predict(X)
    b = SignTypeClassifier(k_max=5, n_init=3).fit_predict(Y)
    assert (a == b).all()


def test_indeterminate_rule_is_many_crossings_with_low_entropy():
    X = blobs()
    clf = SignTypeClassifier().fit(X)
    stable = X[X["truth"] == "stable"]["entropy"]
    assert clf.entropy_cut_ == pytest.approx(stable.mean() + stable.std(ddof=1))
    cent = clf.centroids_.set_index("name")
    expected_cut = (cent.loc["unstable", "crossings"] + cent.loc["irregular", "crossings"]) / 2
    assert clf.crossings_cut_ == pytest.approx(expected_cut)
    probe = pd.DataFrame(
        {"entropy": [0.3, 0.3, 2.6, 0.3], "crossings": [8, 0, 8, np.ceil(clf.crossings_cut_)]}
    )
    assert list(clf.predict(probe)) == ["indeterminate", "stable", "unstable", "indeterminate"]
    assert list(clf.is_indeterminate(probe)) == [True, False, False, True]


def test_k2_names_the_other_cluster_by_its_dominant_axis():
    rng = np.random.default_rng(0)
    few = np.zeros(15)  # neither group crosses the threshold
    low = np.c_[rng.normal(0.3, 0.05, 15), few]
    many_crossings = np.c_[rng.normal(0.4, 0.05, 15), rng.integers(8, 10, 15)]
    clf = SignTypeClassifier(k_max=2).fit(np.r_[low, many_crossings])
    assert sorted(clf.names_.values()) == ["stable", "unstable"]
    high_entropy = np.c_[rng.normal(2.5, 0.05, 15), few]
    clf = SignTypeClassifier(k_max=2).fit(np.r_[low, high_entropy])
    assert sorted(clf.names_.values()) == ["irregular", "stable"]
    assert clf.crossings_cut_ == float("inf")  # no unstable type: nothing is indeterminate


def test_k_above_three_maps_clusters_to_nearest_archetype():
    X = blobs(n=15)
    far = pd.DataFrame({"entropy": np.full(15, 3.2), "crossings": np.full(15, 12.0)})
    far["entropy"] += np.linspace(0, 0.1, 15)
    clf = SignTypeClassifier().fit(pd.concat([X, far], ignore_index=True))
    assert clf.k_ == 4
    cent = clf.centroids_
    assert set(cent["name"]) == {"stable", "irregular", "unstable"}
    assert cent.loc[cent["crossings"].idxmax(), "name"] == "unstable"
    assert cent.loc[(cent["entropy"] + cent["crossings"]).idxmin(), "name"] == "stable"
    # the fourth cluster (far out in crossings) is named after its nearest anchor
    far_cluster = clf.predict_cluster(far)
    assert len(set(far_cluster)) == 1
    assert clf.names_[int(far_cluster[0])] == "unstable"


def test_too_few_distinct_signs_still_fit():
    clf = SignTypeClassifier().fit(np.array([[0.0, 0], [0.0, 0], [2.0, 5]]))
    assert clf.k_ == 2 and np.isnan(clf.summary()["silhouette"])
    clf = SignTypeClassifier().fit(np.zeros((4, 2)))
    assert clf.k_ == 1 and list(clf.predict(np.zeros((1, 2)))) == ["stable"]


def test_bad_input_is_a_clear_error():
    with pytest.raises(DataError, match="crossings"):
        SignTypeClassifier().fit(pd.DataFrame({"entropy": [1.0]}))
    with pytest.raises(DataError, match="NaN"):
        SignTypeClassifier().fit(np.array([[np.nan, 1.0], [0.0, 1.0]]))
    with pytest.raises(DataError, match="not fitted"):
        SignTypeClassifier().predict(np.zeros((1, 2)))
    with pytest.raises(ConfigError):
        SignTypeClassifier(k_min=1)


def _videos() -> pd.DataFrame:
    X = blobs(n=6)
    frames = []
    for model, thr in (("ncnn", 0.542), ("vggface", 0.494), ("vit_b16", 0.431)):
        rng = np.random.default_rng(len(model))
        frames.append(
            X.assign(
                model=model,
                video=[f"v{i}" for i in range(len(X))],
                label=np.arange(len(X)) % 2,
                mean_prob=rng.random(len(X)),
                threshold=thr,
                entropy=X["entropy"] + rng.normal(0, 0.01, len(X)),
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_fit_sign_types_fits_one_classifier_per_model():
    videos = _videos()
    types, clfs = fit_sign_types(videos, k_max=5, n_init=3)
    assert set(clfs) == {"ncnn", "vggface", "vit_b16"}
    assert (types == videos["truth"]).all()


def test_table3_hand_checked_row():
    videos = _videos()
    videos["sign_type"], clfs = fit_sign_types(videos, k_max=5, n_init=3)
    t = table3(videos, clfs)
    assert len(t) == 9
    g = videos[(videos.model == "ncnn") & (videos.sign_type == "stable")]
    pred = (g.mean_prob >= 0.542).astype(int)
    row = t[(t.model == "ncnn") & (t.sign_type == "stable")].iloc[0]
    assert row.accuracy == pytest.approx((pred == g.label).mean())
    assert row.n_pain == int(g.label.sum()) and row.n_nopain == int((1 - g.label).sum())
    assert row.entropy_mean == pytest.approx(g.entropy.mean())
    assert row.k == 3 and row.clusters == 1
    assert "±" in row.crossings


def test_table3_refuses_two_thresholds_per_model():
    videos = _videos().assign(sign_type="stable")
    videos.loc[0, "threshold"] = 0.9
    with pytest.raises(DataError, match="one threshold"):
        table3(videos)


def test_friedman_identical_models_give_p_one_and_shifted_models_small_p():
    videos = _videos()
    videos["sign_type"] = videos["truth"]
    same = videos.assign(entropy=videos.groupby("video")["entropy"].transform("first"))
    res = friedman_by_type(same)
    p = res.set_index(["design", "sign_type", "metric"])["p_value"]
    assert p[("videos", "all", "entropy")] == 1.0
    shift = {"ncnn": 0.0, "vggface": 0.5, "vit_b16": 1.0}
    shifted = same.assign(entropy=same["entropy"] + same["model"].map(shift))
    p2 = friedman_by_type(shifted).set_index(["design", "sign_type", "metric"])["p_value"]
    assert p2[("videos", "all", "entropy")] < 1e-6
    assert res.loc[res.sign_type == "stable", "n_blocks"].iloc[0] == 6


def test_classifiers_round_trip_through_a_file(tmp_path):
    X = blobs(n=8)
    clfs = {"ncnn": SignTypeClassifier(k_max=4, n_init=2).fit(X)}
    path = save_classifiers(clfs, tmp_path / "types.pkl")
    back = load_classifiers(path)
    assert (back["ncnn"].predict(X) == clfs["ncnn"].predict(X)).all()
    with pytest.raises(DataError, match="chapter 5"):
        load_classifiers(tmp_path / "missing.pkl")
