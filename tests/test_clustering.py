"""Sign types: k-means on (entropy, crossings), cluster naming, indeterminate rule, Table 3, Friedman."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from painsign_utils.clustering import (
    SignTypeClassifier,
    classify_signs,
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


def test_classify_signs_fits_one_classifier_per_model():
    videos = _videos()
    labels, clfs = classify_signs(videos, "causal", k_max=5, n_init=3)
    assert set(clfs) == {"ncnn", "vggface", "vit_b16"}
    assert (labels["sign_type"] == videos["truth"]).all()


def test_table3_hand_checked_row():
    videos = _videos()
    labels, clfs = classify_signs(videos, "causal", k_max=5, n_init=3)
    videos["sign_type"] = labels["sign_type"].astype(object)
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
    assert set(load_classifiers(path, models=["ncnn"])) == {"ncnn"}
    with pytest.raises(DataError, match="chapter 05"):
        load_classifiers(tmp_path / "missing.pkl")
    with pytest.raises(DataError, match="chapter 05 fitted no sign types for vit_b16"):
        load_classifiers(path, models=["ncnn", "vit_b16"])


# --- protocol: authors (k-means k = 3 on unscaled features, indeterminate as an overlay) ---------

from sklearn.cluster import KMeans  # noqa: E402

from painsign_utils.clustering import (  # noqa: E402
    AUTHORS_ENTROPY_CUTS,
    AuthorsSignTypeClassifier,
    agreement_table,
    all_agree_fraction,
    make_classifier,
    pairwise_agreement,
)


def test_authors_clusters_are_plain_kmeans3_on_unscaled_features():
    X = blobs(seed=1)
    clf = AuthorsSignTypeClassifier().fit(X)
    ref = KMeans(n_clusters=3, random_state=0, n_init="auto").fit(
        X[["entropy", "crossings"]].to_numpy()
    )
    np.testing.assert_array_equal(clf.predict_cluster(X), ref.labels_)
    np.testing.assert_allclose(
        clf.centroids_[["entropy", "crossings"]].to_numpy(), ref.cluster_centers_
    )
    assert clf.k_ == 3 and set(clf.silhouettes_) == set(range(2, 11))
    assert (clf.predict(X) == X["truth"].to_numpy()).all()


def test_authors_clusters_depend_on_the_scale_of_the_features():
    # Unscaled k-means: stretching crossings changes the clustering, unlike the causal classifier.
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {"entropy": rng.uniform(0, 3, 60), "crossings": rng.integers(0, 4, 60).astype(float)}
    )
    a = AuthorsSignTypeClassifier().fit(X).predict_cluster(X)
    b = (
        AuthorsSignTypeClassifier()
        .fit(X.assign(crossings=X["crossings"] * 100))
        .predict_cluster(X.assign(crossings=X["crossings"] * 100))
    )
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score(a, b) < 0.9


def test_authors_names_follow_the_papers_definitions_from_centroids():
    centres = np.array([[1.23449641, 0.1875], [2.61784053, 8.5], [2.64122819, 3.14705882]])
    names = AuthorsSignTypeClassifier._name_clusters(centres)
    assert names == {0: "stable", 1: "unstable", 2: "irregular"}
    assert AuthorsSignTypeClassifier._name_clusters(centres[[2, 0, 1]]) == {
        0: "irregular",
        1: "stable",
        2: "unstable",
    }


def test_authors_indeterminate_is_an_overlay_flag_not_a_fourth_type():
    X = blobs(seed=5)
    clf = AuthorsSignTypeClassifier().fit(X)
    irregular = X[clf.predict(X) == "irregular"]
    assert clf.irregular_max_ == irregular["crossings"].max()
    assert clf.crossings_cut_ == clf.irregular_max_ + 1
    cent = clf.centroids_.set_index("name")
    assert clf.entropy_cut_ == pytest.approx(
        (cent.loc["stable", "entropy"] + cent.loc["irregular", "entropy"]) / 2
    )
    probe = pd.DataFrame(
        {
            "entropy": [0.3, 0.3, 2.6, 0.3],
            "crossings": [clf.irregular_max_ + 1, clf.irregular_max_, 9.0, 12.0],
        }
    )
    assert list(clf.is_indeterminate(probe)) == [True, False, False, True]
    assert set(clf.predict(probe)) <= {"stable", "irregular", "unstable"}
    assert clf.summary()["crossings_cut"] == clf.crossings_cut_
    hand = AuthorsSignTypeClassifier(entropy_cut=1.25).fit(X)
    assert hand.entropy_cut_ == 1.25


def test_classify_signs_authors_and_causal():
    videos = _videos()
    labels, clfs = classify_signs(videos, "authors", entropy_cut=AUTHORS_ENTROPY_CUTS)
    assert list(labels.columns) == ["sign_type", "indeterminate", "cluster"]
    assert labels.index.equals(videos.index) and labels["indeterminate"].dtype == bool
    assert set(labels["sign_type"]) == {"stable", "irregular", "unstable"}
    assert all(isinstance(c, AuthorsSignTypeClassifier) for c in clfs.values())
    assert clfs["vggface"].entropy_cut_ == 1.25 and clfs["ncnn"].entropy_cut_ == 1.75
    causal, cclfs = classify_signs(videos, "causal", k_max=5, n_init=3)
    assert (causal["indeterminate"] == (causal["sign_type"] == "indeterminate")).all()
    assert all(isinstance(c, SignTypeClassifier) for c in cclfs.values())
    assert isinstance(make_classifier("authors"), AuthorsSignTypeClassifier)
    assert make_classifier("authors").n_init == "auto"
    with pytest.raises(ConfigError, match="unknown protocol"):
        classify_signs(videos, "paper")


def test_authors_classifier_works_with_table3_figures_and_pickles(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from painsign_utils.figures import sign as fig_sign

    videos = _videos()
    labels, clfs = classify_signs(videos, "authors")
    videos["sign_type"] = labels["sign_type"]
    t = table3(videos, clfs)
    assert set(t["sign_type"]) <= {"stable", "irregular", "unstable"} and (t["clusters"] == 1).all()
    fig_sign.plot_sign_types(videos, clfs)
    fig_sign.plot_silhouettes(clfs)
    back = load_classifiers(save_classifiers(clfs, tmp_path / "a.pkl"))
    assert (back["ncnn"].predict(videos) == clfs["ncnn"].predict(videos)).all()


def _typed() -> pd.DataFrame:
    rows = {  # video: types by (a, b, c)
        "v1": ("stable", "stable", "stable"),
        "v2": ("stable", "stable", "unstable"),
        "v3": ("irregular", "stable", "irregular"),
        "v4": ("unstable", "irregular", "stable"),
        "v5": ("stable", "stable", None),  # model c has no sign for v5
    }
    return pd.DataFrame(
        [
            {"video": v, "model": m, "sign_type": t}
            for v, ts in rows.items()
            for m, t in zip("abc", ts, strict=True)
            if t
        ]
    )


def test_pairwise_and_three_way_agreement_hand_counted():
    types = _typed()
    pairs = pairwise_agreement(types).set_index(["model_a", "model_b"])
    assert pairs.loc[("a", "b"), "agreement"] == pytest.approx(3 / 5)
    assert pairs.loc[("a", "c"), "agreement"] == pytest.approx(2 / 4)
    assert pairs.loc[("b", "c"), "agreement"] == pytest.approx(1 / 4)
    assert pairs.loc[("a", "c"), "n_videos"] == 4
    assert all_agree_fraction(types) == pytest.approx(1 / 4)
    table = agreement_table(types, models=["a", "b", "c"])
    assert list(table["models"]) == ["a / b", "a / c", "b / c", "all"]
    assert table.iloc[-1]["agreement"] == pytest.approx(0.25) and table.iloc[-1]["n_videos"] == 4
    with pytest.raises(DataError, match="sign_type"):
        pairwise_agreement(types.drop(columns="sign_type"))
    with pytest.raises(DataError, match="no sign type for model"):
        pairwise_agreement(types, models=["a", "z"])


def test_table3_under_the_overlay_has_three_types_plus_the_flagged_row_and_uses_the_video_score():
    videos = pd.DataFrame(
        {
            "model": ["m"] * 6,
            "video": list("abcdef"),
            "sign_type": ["stable", "stable", "irregular", "irregular", "unstable", "unstable"],
            "indeterminate": [False, False, False, False, True, False],
            "label": [1, 0, 1, 0, 1, 0],
            "threshold": 0.5,
            "mean_prob": [0.9, 0.1, 0.9, 0.1, 0.9, 0.1],  # face mean: perfect
            "score": [0.9, 0.6, 0.2, 0.1, 0.9, 0.1],  # the protocol's video score
            "entropy": [0.1, 0.2, 2.0, 2.1, 1.0, 2.6],
            "crossings": [0, 0, 1, 2, 9, 8],
        }
    )
    t = table3(videos).set_index("sign_type")
    assert list(t.index) == ["stable", "irregular", "unstable", "indeterminate"]
    assert t.loc["indeterminate", "overlay"] and not t.loc["unstable", "overlay"]
    assert t.loc["indeterminate", "n_pain"] == 1 and t.loc["indeterminate", "n_nopain"] == 0
    assert t.loc["stable", "accuracy"] == pytest.approx(0.5)  # scored by `score`, not mean_prob
    assert t.loc["irregular", "sensitivity"] == 0.0
