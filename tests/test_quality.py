"""Model health table and the oracle reference row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from painsign_utils import evaluation, quality
from painsign_utils.clustering import classify_signs
from painsign_utils.errors import DataError
from painsign_utils.sign import shannon_entropy, threshold_crossings


def _signs_and_truths(noise: float, rng: np.random.Generator):
    signs, truths, rows = {}, {}, []
    for v in range(6):
        frames = np.arange(0, 60, 3)
        intensity = np.clip(0.5 + 0.45 * np.sin(frames / (5 + v)), 0, 1)
        truths[f"v{v}"] = pd.DataFrame({"frame": frames, "intensity": intensity})
        prob = np.clip(intensity + rng.normal(0, noise, frames.size), 0, 1)
        prob[3] = np.nan  # a frame without a face
        df = pd.DataFrame({"frame": frames, "time": frames / 30.0, "prob": prob})
        signs[("m", f"v{v}")] = df.assign(sign=pd.Series(prob).interpolate().bfill().to_numpy())
        rows.append(
            {"model": "m", "video": f"v{v}", "label": int(v % 2), "scenario": ["a", "b"][v % 2]}
        )
    return signs, truths, pd.DataFrame(rows)


def test_oracle_keeps_the_models_frames_and_gaps_and_is_perfect():
    signs, truths, summary = _signs_and_truths(0.3, np.random.default_rng(0))
    oracle, osigns = quality.oracle_summary(signs, truths, summary)
    assert set(oracle["model"]) == {"oracle"} and len(oracle) == 6
    df = osigns[("oracle", "v0")]
    assert np.isnan(df["prob"].iloc[3]) and np.allclose(
        df["prob"].drop(index=3), truths["v0"]["intensity"].drop(index=3)
    )
    assert {"entropy", "crossings", "mean_prob", "scenario"} <= set(oracle.columns)


def test_quality_table_ranks_a_noisy_model_below_the_oracle():
    signs, truths, summary = _signs_and_truths(0.35, np.random.default_rng(1))
    oracle, osigns = quality.oracle_summary(signs, truths, summary)
    typed = pd.concat(
        [
            summary.assign(
                mean_prob=[np.nanmean(signs[("m", v)]["prob"]) for v in summary.video],
                entropy=1.0,
                sign_type=["stable", "irregular"] * 3,
            ),
            oracle.assign(sign_type=["stable", "unstable", "irregular"] * 2),
        ]
    )
    agreement = pd.DataFrame({"model": ["m", "oracle"], "ari_expected": [0.1, 0.9]})
    q = quality.model_quality(typed, {**signs, **osigns}, truths, agreement, {"m": 0.8})
    assert list(q.columns) == list(quality.QUALITY_COLUMNS)
    m, o = q.set_index("model").loc["m"], q.set_index("model").loc["oracle"]
    assert o["frame_auc"] == 1.0 and m["frame_auc"] < 1.0
    assert (
        m["n_types"] == 2 and o["n_types"] == 3 and np.isnan(o["val_auc"]) and m["val_auc"] == 0.8
    )
    assert 0 <= m["confident_frames"] <= 1 and o["scenario_ari"] == 0.9


def test_real_data_leave_truth_columns_empty():
    signs, _, summary = _signs_and_truths(0.2, np.random.default_rng(2))
    typed = summary.assign(mean_prob=0.5, entropy=1.0, sign_type="stable")
    q = quality.model_quality(typed, signs, {}, pd.DataFrame(), {"m": 0.9})
    assert (
        np.isnan(q.loc[0, "frame_auc"])
        and np.isnan(q.loc[0, "scenario_ari"])
        and q.loc[0, "n_types"] == 1
    )


# ----------------------------------------------------------------------------- leave one video out


def _lovo_features(model: str = "m", seed: int = 0) -> pd.DataFrame:
    """Ten videos: four calm, four switching, one lone irregular (it alone holds the irregular
    cluster) and a misfit (a stable scenario whose sign switches, typed unstable)."""
    rng = np.random.default_rng(seed)
    groups = [
        ("stable_rest", 0.3, 0, 4),
        ("irregular", 2.0, 2, 1),
        ("unstable", 2.5, 8, 4),
        ("stable_pain", 2.5, 8, 1),
    ]
    rows = [
        (scen, ent + rng.normal(0, 0.1), float(cro + rng.integers(0, 2)))
        for scen, ent, cro, n in groups
        for _ in range(n)
    ]
    f = pd.DataFrame(rows, columns=["scenario", "entropy", "crossings"])
    return f.assign(model=model, video=[f"v{i}" for i in range(len(f))])


def _typed(features: pd.DataFrame, protocol: str = "authors") -> pd.DataFrame:
    labels, _ = classify_signs(features, protocol)
    return features.assign(
        sign_type=labels["sign_type"].astype(object), indeterminate=labels["indeterminate"]
    )


@pytest.mark.parametrize("protocol", ["authors", "causal"])
def test_lovo_ari_refits_the_types_and_brackets_the_full_ari(protocol):
    features = _lovo_features()
    kwargs = {"k_max": 4}
    got = quality.scenario_ari_lovo(features, protocol, **kwargs)
    assert list(got.columns) == list(quality.LOVO_COLUMNS) and len(got) == 1
    row = got.iloc[0]
    # ari_all is the chapter's scenario_ari: scenario_agreement's ari_expected on the same fit
    labels, _ = classify_signs(features, protocol, **kwargs)
    typed = features.assign(
        sign_type=labels["sign_type"].astype(object), indeterminate=labels["indeterminate"]
    )
    chapter = evaluation.scenario_agreement(typed, n_perm=10).loc[0, "ari_expected"]
    assert row["ari_all"] == pytest.approx(chapter) and row["n_videos"] == 10
    # leaving out the misfit leaves only videos typed as their scenario intends: the ARI rises;
    # leaving out another video lowers it
    assert row["ari_lovo_min"] < row["ari_all"] < row["ari_lovo_max"]
    assert row["ari_lovo_min"] <= row["ari_lovo_median"] <= row["ari_lovo_max"]
    if protocol == "authors":
        assert row["ari_lovo_max"] == pytest.approx(1.0)
        # without the lone irregular video k = 3 splits the others anew: the types are re-fitted,
        # so the lowest ARI is not what dropping one row of fixed types would give
        frozen = [evaluation.expected_type_ari(typed.drop(index=i)) for i in range(len(typed))]
        assert row["ari_lovo_min"] < min(frozen) - 0.01


def test_lovo_ari_is_deterministic_per_model_and_validated():
    features = pd.concat(
        [_lovo_features("a", 0), _lovo_features("b", 1), _lovo_features("c", 2).head(2)],
        ignore_index=True,
    )
    first = quality.scenario_ari_lovo(features, "authors", k_max=3)
    again = quality.scenario_ari_lovo(features, "authors", k_max=3)
    pd.testing.assert_frame_equal(first, again)
    assert list(first["model"]) == ["a", "b", "c"]
    by_model = first.set_index("model")
    single = quality.scenario_ari_lovo(_lovo_features("b", 1), "authors", k_max=3)
    pd.testing.assert_series_equal(by_model.loc["b"], single.set_index("model").loc["b"])
    # a model with too few videos to leave one out: NaN spread, the full ARI still there
    c = by_model.loc["c"]
    assert c["n_videos"] == 2 and np.isfinite(c["ari_all"]) and np.isnan(c["ari_lovo_min"])
    with pytest.raises(DataError, match="scenario"):
        quality.scenario_ari_lovo(features.drop(columns="scenario"))
    with pytest.raises(DataError, match="more than once"):
        quality.scenario_ari_lovo(pd.concat([features, features.head(1)]))
    with pytest.raises(DataError, match="empty"):
        quality.scenario_ari_lovo(features.head(0))


def test_lovo_columns_are_appended_without_changing_the_others():
    signs, truths, summary = _signs_and_truths(0.3, np.random.default_rng(4))
    typed = summary.assign(mean_prob=0.5, entropy=[0.2, 1.0, 1.5] * 2, sign_type="stable")
    agreement = pd.DataFrame({"model": ["m"], "ari_expected": [0.5]})
    without = quality.model_quality(typed, signs, truths, agreement, {"m": 0.8})
    lovo = pd.DataFrame({"model": ["m"], "ari_lovo_min": [0.25], "ari_lovo_max": [0.75]})
    with_lovo = quality.model_quality(typed, signs, truths, agreement, {"m": 0.8}, lovo=lovo)
    assert list(with_lovo.columns[-2:]) == ["scenario_ari_lovo_min", "scenario_ari_lovo_max"]
    old = list(quality.QUALITY_COLUMNS[:-2])
    pd.testing.assert_frame_equal(with_lovo[old], without[old])
    assert without[["scenario_ari_lovo_min", "scenario_ari_lovo_max"]].isna().all(axis=None)
    assert with_lovo.loc[0, "scenario_ari_lovo_min"] == 0.25
    assert with_lovo.loc[0, "scenario_ari_lovo_max"] == 0.75


def test_health_table_reports_the_spread_for_models_and_oracle():
    signs, truths, summary = _signs_and_truths(0.3, np.random.default_rng(5))
    summary = summary.assign(
        mean_prob=[float(np.nanmean(signs[("m", v)]["prob"])) for v in summary.video],
        entropy=[shannon_entropy(signs[("m", v)]["sign"].to_numpy()) for v in summary.video],
        crossings=[
            threshold_crossings(signs[("m", v)]["sign"].to_numpy(), 0.5) for v in summary.video
        ],
        threshold=0.5,
    )
    summary = _typed(summary)
    agreement = evaluation.scenario_agreement(summary, n_perm=10)
    health = quality.health_table(summary, signs, truths, agreement, {"m": 0.8}, n_perm=10)
    assert list(health.columns) == list(quality.QUALITY_COLUMNS)
    assert list(health["model"]) == ["m", "oracle"]
    lo, hi = health["scenario_ari_lovo_min"], health["scenario_ari_lovo_max"]
    assert lo.notna().all() and (lo <= hi).all()
    real = quality.health_table(summary, signs, {}, pd.DataFrame(), {"m": 0.8})
    assert real[["scenario_ari_lovo_min", "scenario_ari_lovo_max"]].isna().all(axis=None)


def test_health_table_reuses_its_refits_until_the_typed_videos_change(tmp_path, monkeypatch):
    signs, truths, summary = _signs_and_truths(0.3, np.random.default_rng(5))
    summary = _typed(
        summary.assign(
            mean_prob=[float(np.nanmean(signs[("m", v)]["prob"])) for v in summary.video],
            entropy=[shannon_entropy(signs[("m", v)]["sign"].to_numpy()) for v in summary.video],
            crossings=[
                threshold_crossings(signs[("m", v)]["sign"].to_numpy(), 0.5) for v in summary.video
            ],
            threshold=0.5,
        )
    )
    agreement = evaluation.scenario_agreement(summary, n_perm=10)
    calls = {"lovo": 0, "perm": 0}
    lovo, perm = quality.scenario_ari_lovo, quality.scenario_agreement

    def counted(name, fn):
        return lambda *a, **k: calls.__setitem__(name, calls[name] + 1) or fn(*a, **k)

    monkeypatch.setattr(quality, "scenario_ari_lovo", counted("lovo", lovo))
    monkeypatch.setattr(quality, "scenario_agreement", counted("perm", perm))
    args = (signs, truths, agreement, {"m": 0.8})
    first = quality.health_table(summary, *args, n_perm=10, cache=tmp_path)
    again = quality.health_table(summary, *args, n_perm=10, cache=tmp_path)
    assert calls == {"lovo": 1, "perm": 1}
    assert again.to_csv(index=False) == first.to_csv(index=False)
    uncached = quality.health_table(summary, *args, n_perm=10)
    assert uncached.to_csv(index=False) == first.to_csv(index=False)
    calls.update(lovo=0, perm=0)
    quality.health_table(summary, *args, n_perm=12, cache=tmp_path)  # the permutation count
    assert calls == {"lovo": 0, "perm": 1}
    moved = summary.assign(crossings=summary["crossings"] + 1)  # the models' videos moved
    quality.health_table(moved, *args, n_perm=12, cache=tmp_path)
    assert calls == {"lovo": 1, "perm": 1}
