"""Model health table and the oracle reference row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from painsign_utils import quality


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
    verdicts = quality.quality_verdicts(q)
    assert bool(verdicts.loc["oracle", "frame_auc"]) and not bool(verdicts.loc["m", "n_types"])


def test_real_data_leave_truth_columns_empty():
    signs, _, summary = _signs_and_truths(0.2, np.random.default_rng(2))
    typed = summary.assign(mean_prob=0.5, entropy=1.0, sign_type="stable")
    q = quality.model_quality(typed, signs, {}, pd.DataFrame(), {"m": 0.9})
    assert (
        np.isnan(q.loc[0, "frame_auc"])
        and np.isnan(q.loc[0, "scenario_ari"])
        and q.loc[0, "n_types"] == 1
    )
