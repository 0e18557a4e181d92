"""Pain states (monitor.painstates) and their scoring against true episodes (monitor.episodes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from painsign_utils.errors import ConfigError, DataError
from painsign_utils.monitor.cached_states import oracle_probs, video_trace
from painsign_utils.monitor.episodes import (
    confirmed_intervals,
    detection_by_duration,
    episode_summary,
    has_confounder,
    score_video,
    true_episodes,
)
from painsign_utils.monitor.painstates import (
    PLAIN_RULE,
    STATES,
    PainStates,
    dwell_samples,
    pain_states,
    state_runs,
)

RATE = 10.0  # samples per second in these tests
THETA = 0.5


def _steps(*parts: tuple[float, float]) -> np.ndarray:
    """A sign of constant pieces: (value, seconds) each, at RATE."""
    return np.concatenate([np.full(int(round(s * RATE)), v) for v, s in parts])


def test_states_are_named_and_the_authors_defaults_are_the_machine_defaults():
    m = PainStates(RATE, THETA)
    assert (m.hysteresis, m.confirm_s, m.recover_s, m.uncertain_s) == (0.05, 1.5, 1.0, 1.0)
    assert {"calm", "rising", "pain", "recovering", "uncertain", "no_face"} <= set(STATES)
    assert (m.confirm_n, m.recover_n, m.uncertain_n) == (15, 10, 10)
    assert dwell_samples(1.5, 3.0) == 5 and dwell_samples(0.0, 30.0) == 0


def test_hysteresis_prevents_chattering_around_the_threshold():
    t = np.arange(600) / RATE
    sign = THETA + 0.049 * np.sign(np.sin(2 * np.pi * 2.0 * t))  # flips every quarter second
    states = pain_states(sign, RATE, THETA)
    assert set(states) == {"calm"}
    # The plain rule flips with every wobble.
    plain = pain_states(sign, RATE, THETA, **PLAIN_RULE)
    assert (plain[1:] != plain[:-1]).sum() > 100


def test_a_wobble_inside_the_band_after_pain_keeps_pain():
    sign = np.r_[_steps((0.9, 3.0)), THETA + 0.04 * np.sign(np.sin(np.arange(100)))]
    states = pain_states(sign, RATE, THETA)
    assert set(states[30:]) == {"pain"}


def test_pain_is_confirmed_exactly_after_the_dwell():
    sign = _steps((0.2, 2.0), (0.8, 4.0))
    states = pain_states(sign, RATE, THETA, confirm_s=1.5)
    rise = 20  # first sample at or above θ + 0.05
    assert set(states[:rise]) == {"calm"}
    assert set(states[rise : rise + 15]) == {"rising"}
    assert states[rise + 15] == "pain" and set(states[rise + 15 :]) == {"pain"}


def test_a_rise_that_falls_back_is_never_confirmed():
    sign = _steps((0.2, 1.0), (0.8, 1.4), (0.2, 1.0), (0.8, 1.4), (0.2, 1.0))
    states = pain_states(sign, RATE, THETA)
    assert "pain" not in set(states) and "rising" in set(states)


def test_recovery_happens_exactly_after_its_dwell():
    sign = _steps((0.9, 3.0), (0.3, 3.0))
    states = pain_states(sign, RATE, THETA, recover_s=1.0)
    drop = 30
    assert states[drop - 1] == "pain"
    assert set(states[drop : drop + 10]) == {"recovering"}
    assert set(states[drop + 10 :]) == {"calm"}


def test_no_face_on_nan_keeps_a_confirmed_pain():
    sign = np.r_[_steps((0.9, 3.0)), np.full(5, np.nan), _steps((0.9, 1.0))]
    states = pain_states(sign, RATE, THETA)
    assert set(states[30:35]) == {"no_face"}
    assert set(states[35:]) == {"pain"}
    # a rise interrupted by a gap starts its dwell again
    sign = np.r_[_steps((0.2, 1.0), (0.9, 1.0)), [np.nan], _steps((0.9, 2.0))]
    states = pain_states(sign, RATE, THETA)
    assert states[20] == "no_face" and states[19] == "rising"
    assert states[21 + 14] == "rising" and states[21 + 15] == "pain"


def test_uncertain_after_the_debounce_when_the_band_straddles_the_threshold():
    n = 60
    sign = np.full(n, 0.3)
    band = np.tile([0.1, 0.4], (n, 1))
    band[20:45] = [0.3, 0.7]  # straddles θ for 2.5 s
    states = pain_states(sign, RATE, THETA, band=band, uncertain_s=1.0)
    assert set(states[:30]) == {"calm"}
    assert set(states[30:45]) == {"uncertain"}
    assert set(states[45:]) == {"calm"}
    # no band: never uncertain; NaN bounds mean no band at that sample
    assert "uncertain" not in set(pain_states(sign, RATE, THETA))
    assert "uncertain" not in set(pain_states(sign, RATE, THETA, band=np.full((n, 2), np.nan)))


def test_push_is_the_streaming_form_of_pain_states():
    rng = np.random.default_rng(0)
    sign = np.clip(np.cumsum(rng.normal(0, 0.05, 400)) + 0.5, 0, 1)
    sign[rng.random(400) < 0.05] = np.nan
    m = PainStates(RATE, THETA)
    assert [m.push(v) for v in sign] == pain_states(sign, RATE, THETA).tolist()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_plain_rule_is_sign_at_or_above_the_threshold(seed):
    rng = np.random.default_rng(seed)
    sign = rng.random(500)
    sign[::7] = THETA  # ties count as pain
    states = pain_states(sign, RATE, THETA, **PLAIN_RULE)
    np.testing.assert_array_equal(states == "pain", sign >= THETA)
    assert set(states) <= {"calm", "pain"}


def test_state_runs_are_maximal():
    runs = state_runs(["calm", "calm", "pain", "no_face"], [0.0, 0.1, 0.2, 0.3])
    assert runs == [("calm", 0.0, 0.1), ("pain", 0.2, 0.2), ("no_face", 0.3, 0.3)]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"confirm_s": -1.0},
        {"recover_s": -0.5},
        {"uncertain_s": float("nan")},
        {"hysteresis": -0.1},
        {"threshold": 1.5},
        {"rate": 0.0},
    ],
)
def test_bad_settings_raise_config_errors(kwargs):
    args = {"rate": RATE, "threshold": THETA, **kwargs}
    with pytest.raises(ConfigError):
        PainStates(**args)


def test_bad_input_raises_data_errors():
    with pytest.raises(DataError):
        pain_states(np.zeros((3, 2)), RATE, THETA)  # not 1-D
    with pytest.raises(DataError):
        pain_states(np.zeros(4), RATE, THETA, band=np.zeros((3, 2)))  # band of another length
    with pytest.raises(DataError):
        pain_states(np.array([0.2, 1.5]), RATE, THETA)  # a sign outside [0, 1]
    with pytest.raises(DataError):
        PainStates(RATE, THETA).push(0.2, band=(0.6, 0.4))  # low above high
    with pytest.raises(ConfigError):
        pain_states(np.zeros(4), RATE, THETA, dwell_s=1.0)  # unknown timing
    with pytest.raises(ConfigError):
        score_video([0.0], ["calm"], true_episodes(_truth([0.0, 0.0])), grace_s=-1.0)
    with pytest.raises(DataError):
        score_video([0.0, 1.0], ["calm"], true_episodes(_truth([0.0, 0.0])))
    with pytest.raises(ConfigError):
        true_episodes(_truth([0.0, 0.0]), min_s=-1.0)


# ---------------------------------------------------------------- episodes and their scoring
FPS = 10.0


def _truth(intensity, **extra) -> pd.DataFrame:
    """A truth table at FPS frames per second."""
    n = len(intensity)
    return pd.DataFrame(
        {
            "frame": np.arange(n),
            "time": np.arange(n) / FPS,
            "intensity": intensity,
            "face_visible": True,
            **{k: v for k, v in extra.items()},
        }
    )


def test_true_episodes_are_long_enough_runs_of_pain_frames():
    x = np.zeros(200)
    x[20:50] = 0.8  # 3 s
    x[80:85] = 0.9  # 0.5 s: too short
    x[120:200] = 0.5  # to the end, exactly at the cut
    eps = true_episodes(_truth(x), pain_cut=0.5, min_s=1.0)
    np.testing.assert_allclose(eps["onset"], [2.0, 12.0])
    np.testing.assert_allclose(eps["end"], [5.0, 20.0])
    np.testing.assert_allclose(eps["duration_s"], [3.0, 8.0])
    assert len(true_episodes(_truth(x), min_s=0.5)) == 3
    with pytest.raises(DataError):
        true_episodes(pd.DataFrame({"time": [0.0, 0.1]}))


def test_confounders_are_hand_yawn_or_sleep():
    assert not has_confounder(_truth(np.zeros(5), hand=0, yawn=0.0, asleep=0.0))
    assert has_confounder(_truth(np.zeros(5), hand=[0, 0, 1, 0, 0]))
    assert has_confounder(_truth(np.zeros(5), asleep=0.3))


def test_confirmed_stretches_bridge_face_gaps():
    states = ["calm", "pain", "no_face", "pain", "recovering", "pain", "calm"]
    got = confirmed_intervals(np.arange(7.0), states)
    assert got.to_numpy().tolist() == [[1.0, 3.0], [5.0, 5.0]]


def test_scoring_gives_known_delays_a_miss_and_a_false_confirmation():
    # Pain video: three episodes; the states confirm the first after 1.2 s, the second 0.7 s
    # after it ended (inside the 2-s grace), miss the third, and confirm once where no pain is.
    x = np.zeros(400)
    x[20:60] = 0.9  # 2.0 - 6.0 s
    x[100:120] = 0.9  # 10.0 - 12.0 s
    x[200:240] = 0.9  # 20.0 - 24.0 s
    eps = true_episodes(_truth(x))
    times = np.arange(400) / FPS
    states = np.full(400, "calm", dtype=object)
    states[32:70] = "pain"  # 3.2 s: delay 1.2 s
    states[127:130] = "pain"  # 12.7 s: 0.7 s after the end, delay 2.7 s
    states[300:320] = "pain"  # 30 - 32 s: overlaps nothing
    table, false = score_video(times, states, eps, grace_s=2.0)
    np.testing.assert_allclose(table["delay_s"].to_numpy()[:2], [1.2, 2.7])
    assert np.isnan(table["delay_s"].iloc[2]) and false == 1
    # a shorter grace misses the second episode and makes its confirmation false
    table, false = score_video(times, states, eps, grace_s=0.5)
    assert table["delay_s"].isna().sum() == 2 and false == 2

    # Calm video (no episode), 20 s, one false confirmation; a confounder video with none.
    calm_truth = _truth(np.zeros(200), yawn=0.0)
    calm_states = np.full(200, "calm", dtype=object)
    calm_states[50:80] = "pain"
    calm_table, calm_false = score_video(times[:200], calm_states, true_episodes(calm_truth))
    assert calm_table.empty and calm_false == 1

    episodes = table.assign(model="m", rule="states", video="P")
    videos = pd.DataFrame(
        [
            ["m", "states", "P", 40.0, 3, 2, 3, False, False],
            ["m", "states", "C", 20.0, 0, calm_false, 1, True, False],
            ["m", "states", "Y", 30.0, 0, 0, 0, True, True],
        ],
        columns=[
            "model",
            "rule",
            "video",
            "duration_s",
            "episodes",
            "false_confirmations",
            "confirmations",
            "calm",
            "confounder",
        ],
    )
    row = episode_summary(episodes, videos).iloc[0]
    assert (row["episodes"], row["missed"]) == (3, 2)
    assert row["delay_median_s"] == pytest.approx(1.2)
    assert row["delay_p90_s"] == pytest.approx(1.2)
    assert row["false_calm"] == 1
    assert row["false_per_h_calm"] == pytest.approx(1 / (50.0 / 3600))
    assert row["false_confounder"] == 0 and row["false_per_h_confounder"] == 0.0
    assert row["confirmations_per_h"] == pytest.approx(4 / (90.0 / 3600))


def test_brief_true_pain_is_neither_an_episode_nor_a_false_alarm():
    x = np.zeros(100)
    x[40:45] = 0.9  # 0.5 s of pain: shorter than an episode
    truth = _truth(x)
    states = np.full(100, "calm", dtype=object)
    states[44:50] = "pain"
    times = np.arange(100) / FPS
    eps, runs = true_episodes(truth, min_s=1.0), true_episodes(truth, min_s=0.0)
    assert eps.empty and len(runs) == 1
    assert score_video(times, states, eps)[1] == 1  # against episodes only: false
    assert score_video(times, states, eps, pain_runs=runs)[1] == 0


def test_detection_by_duration_bins_episodes():
    episodes = pd.DataFrame(
        {
            "model": "m",
            "rule": "states",
            "duration_s": [1.2, 1.8, 2.5, 6.0],
            "delay_s": [np.nan, 1.0, 1.5, 1.6],
        }
    )
    got = detection_by_duration(episodes, [1.0, 2.0, 5.0])
    assert got["episodes"].tolist() == [2, 1, 1]
    assert got["share"].tolist() == [0.5, 1.0, 1.0]
    assert np.isinf(got["high"].iloc[-1])
    with pytest.raises(ConfigError):
        detection_by_duration(episodes, [2.0, 1.0])


def test_the_oracle_and_the_trace_are_causal_and_mark_missing_faces():
    x = np.r_[np.zeros(30), np.full(60, 0.9), np.zeros(60)]
    truth = _truth(x)
    truth.loc[40:45, "face_visible"] = False
    probs = oracle_probs(truth, np.arange(0, 150, 2))
    assert probs["prob"].isna().sum() == 3  # frames 40, 42, 44
    trace = video_trace(probs, 0.5, 5, {"states": {}, "plain": PLAIN_RULE})
    assert (trace.loc[trace["prob"].isna(), "states"] == "no_face").all()
    assert trace["sign"].isna().sum() == 3
    # the causal sign of the first k samples does not depend on what follows
    head = video_trace(probs.iloc[:30], 0.5, 5, {"plain": PLAIN_RULE})
    np.testing.assert_array_equal(head["sign"], trace["sign"].iloc[:30])
    assert {"pain", "calm"} <= set(trace["states"]) and set(trace["states"]) <= set(STATES)
