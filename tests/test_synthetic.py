"""The synthetic data: shapes, labels, scenarios, determinism, and faces the detector finds."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from painsign_utils import synthetic
from painsign_utils.errors import ConfigError
from painsign_utils.render import NFCS_ACTIONS, Subject, expression_from_intensity, nfcs_score


def _digest(folder):
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def test_default_config_matches_paper_table1():
    plan = synthetic.image_plan(synthetic.SynthConfig())
    counts = plan.groupby(["dataset", "label"]).size()
    assert counts[("synthetic-icope", "pain")] == 60 and counts[("synthetic-icope", "nopain")] == 63
    assert (
        counts[("synthetic-unifesp", "pain")] == 164
        and counts[("synthetic-unifesp", "nopain")] == 196
    )
    assert plan.groupby("dataset")["subject"].nunique().to_dict() == {
        "synthetic-icope": 26,
        "synthetic-unifesp": 30,
    }
    videos = synthetic.video_plan(synthetic.SynthConfig())
    # 49 pain / 71 no pain: the authors' data (the paper's Table 1 transposes the two counts).
    assert len(videos) == 120 and (videos["label"] == "pain").sum() == 49
    assert videos["subject"].nunique() == 49
    assert set(videos["scenario"]) == set(synthetic.SCENARIOS)


def test_manifests_follow_the_contract(tiny_synth):
    images = pd.read_csv(tiny_synth["images"])
    videos = pd.read_csv(tiny_synth["videos"])
    assert {"path", "subject", "dataset", "label", "nfcs", "intensity"} <= set(images.columns)
    assert {"path", "subject", "dataset", "label", "fps", "scenario", "truth"} <= set(
        videos.columns
    )
    assert set(images["label"]) == {"pain", "nopain"}
    # Pain images carry more NFCS actions than no-pain images on average.
    assert (
        images.groupby("label")["nfcs"].mean()["pain"]
        > images.groupby("label")["nfcs"].mean()["nopain"]
    )
    truth = pd.read_csv(tiny_synth["root"] / "videos" / videos["truth"].iloc[0])
    assert len(truth) == 90
    assert {"frame", "intensity", "face_visible", "x", "y", "w", "h", "le_x", "mr_y"} <= set(
        truth.columns
    )
    assert truth["intensity"].between(0, 1).all()


def test_same_seed_same_bytes(tiny_synth, tmp_path):
    again = synthetic.generate(tmp_path, tiny_synth["cfg"], n_jobs=1, progress=False)
    assert again["images"].exists()
    assert _digest(tmp_path / "images") == _digest(tiny_synth["root"] / "images")
    assert _digest(tmp_path / "videos") == _digest(tiny_synth["root"] / "videos")


def test_other_settings_in_same_folder_are_refused(tiny_synth):
    with pytest.raises(ConfigError, match="other settings"):
        synthetic.generate(tiny_synth["root"], synthetic.SynthConfig(seed=99), progress=False)


def test_intensity_drives_nfcs_actions():
    rng = np.random.default_rng(0)
    subject = Subject.random(rng, "S")
    low = [nfcs_score(expression_from_intensity(0.05, subject, rng)) for _ in range(20)]
    high = [nfcs_score(expression_from_intensity(0.95, subject, rng)) for _ in range(20)]
    assert max(low) <= 1 and min(high) >= 5
    assert len(NFCS_ACTIONS) == 8


def test_scenarios_have_their_shape():
    rng = np.random.default_rng(3)
    n, fps = 600, 30.0
    stable = synthetic.video_script("stable_pain", "pain", n, fps, rng).intensity
    unstable = synthetic.video_script("unstable", "pain", n, fps, rng).intensity
    indet = synthetic.video_script("indeterminate", "nopain", n, fps, rng).intensity
    crossings = lambda x: int(np.sum((x[1:] >= 0.5) != (x[:-1] >= 0.5)))  # noqa: E731
    assert stable.mean() > 0.6 and crossings(stable) == 0
    assert crossings(unstable) >= 4
    assert abs(indet.mean() - 0.49) < 0.1
    with pytest.raises(ConfigError, match="unknown scenario"):
        synthetic.video_script("sideways", "pain", n, fps, rng)


def test_a_perfect_classifier_recovers_the_scenarios_sign_types():
    """The oracle (probability = latent intensity) through the demo's 10-Hz sign gives each
    scenario's intended type: the scenarios are clean instances of the paper's definitions."""
    from sklearn.metrics import adjusted_rand_score

    from painsign_utils.clustering import SignTypeClassifier
    from painsign_utils.evaluation import SCENARIO_TYPES
    from painsign_utils.sign import pain_sign, shannon_entropy, threshold_crossings

    cfg = synthetic.SynthConfig()
    rows = []
    for rec in synthetic.video_plan(cfg).to_dict("records"):
        rng = synthetic.rng_for(cfg.seed, rec["video_id"])
        script = synthetic.video_script(rec["scenario"], rec["label"], 600, 30.0, rng)
        prob = script.intensity[::3].copy()
        prob[script.cloth[::3]] = np.nan
        sign = pain_sign(prob, 10)
        rows.append(
            {
                "scenario": rec["scenario"],
                "entropy": shannon_entropy(sign),
                "crossings": threshold_crossings(sign, 0.5),
            }
        )
    feats = pd.DataFrame(rows)
    by = feats.groupby("scenario")[["entropy", "crossings"]].mean()
    # The paper's definitions, in order: stable < irregular in entropy; irregular has few
    # crossings, unstable many; indeterminate many crossings at low entropy.
    assert by.loc["stable_rest", "crossings"] == by.loc["stable_pain", "crossings"] == 0
    assert by.loc["irregular", "entropy"] > by.loc["stable_rest", "entropy"] + 1
    assert 1 <= by.loc["irregular", "crossings"] <= 4
    assert by.loc["unstable", "crossings"] > 2 * by.loc["irregular", "crossings"]
    assert by.loc["indeterminate", "entropy"] < by.loc["irregular", "entropy"] - 0.8
    types = SignTypeClassifier().fit_predict(feats)
    expected = feats["scenario"].map(SCENARIO_TYPES)
    assert adjusted_rand_score(expected, types) >= 0.6


def test_every_image_is_drawn_from_its_own_stream():
    """Ids sharing their first eight characters (I000_pain_00, I000_pain_01) are distinct images."""
    cfg = synthetic.SynthConfig.scaled(0.1)
    plan = synthetic.image_plan(cfg)
    recs = plan[plan["subject"] == plan["subject"].iloc[0]].to_dict("records")[:2]
    assert recs[0]["image_id"][:8] == recs[1]["image_id"][:8]
    a, ta = synthetic.render_image(cfg, recs[0])
    b, tb = synthetic.render_image(cfg, recs[1])
    assert ta["intensity"] != tb["intensity"] and not np.array_equal(a, b)


def test_still_frame_places_the_face_within_the_look_and_calls_the_hook_before_the_light():
    from painsign_utils.render import Subject, expression_from_intensity
    from painsign_utils.synthetic.scene import StillLook, still_frame

    rng = np.random.default_rng(3)
    subject = Subject.random(np.random.default_rng(4), "T000")
    expr = expression_from_intensity(0.8, subject, rng)
    look = StillLook(unit=(0.2, 0.25), shift=(0.1, 0.1), gain_low=0.9)
    seen = []

    def hook(frame, lms, unit):
        seen.append((lms.copy(), unit))
        frame[:] = 0  # a black frame: only the light's noise can show through

    frame, box, lms, where = still_frame(rng, subject, expr, 200, 160, look, hook)
    assert frame.shape == (160, 200, 3) and frame.dtype == np.uint8
    assert len(seen) == 1 and 0.2 * 160 <= seen[0][1] <= 0.25 * 160
    assert abs(where.cx - 100) <= 0.1 * 200 and abs(where.cy - 80) <= 0.1 * 160
    assert ((lms >= 0) & (lms <= [200, 160])).all()
    # The hook blacked the frame before the light: sensor noise lifts some pixels above 0 and
    # nothing else does (a hook run after the light would leave exact zeros).
    assert 0 < frame.mean() < 10
