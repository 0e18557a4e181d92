"""Metrics per skin-tone group with bootstrap intervals, on small fabricated frames."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from painsign_utils import attributes, fairness


def test_ita_orders_skin_tones_and_groups_them():
    from painsign_utils.render.subject import _SKIN_TONES

    ita = attributes.ita_degrees(_SKIN_TONES)
    assert np.all(np.diff(ita) < 0)  # the palette runs from light to dark
    groups = attributes.tone_group(ita)
    assert groups[0] == "light" and groups[-1] == "dark" and "intermediate" in set(groups)
    assert list(attributes.tone_group([60.0, 41.0, 10.5, 10.0, -40])) == [
        "light",
        "intermediate",
        "intermediate",
        "dark",
        "dark",
    ]


def test_synthetic_subjects_are_recreated_from_the_seed():
    from painsign_utils.render import Subject
    from painsign_utils.synthetic import rng_for

    table = attributes.synthetic_subject_attributes(["V003", "V003", "I001"], seed=0)
    assert table["subject"].tolist() == ["V003", "I001"]
    skin = Subject.random(rng_for(0, "V", 3), "V003").skin
    assert table.loc[0, ["skin_r", "skin_g", "skin_b"]].to_numpy(dtype=float) == pytest.approx(skin)
    assert set(table["skin_tone"]) <= set(fairness.TONE_ORDER)


def _fabricated(n_per_group: int = 4, frames: int = 30, seed: int = 0):
    """Videos of light-skinned newborns are scored well, dark-skinned ones at chance."""
    rng = np.random.default_rng(seed)
    f_rows, v_rows, a_rows, r_rows = [], [], [], []
    for g, good in (("light", True), ("dark", False)):
        for i in range(n_per_group):
            video, subject = f"{g}{i}", f"S{g}{i // 2}"  # two videos per newborn
            pain = rng.integers(0, 2, frames)
            prob = (
                np.clip(pain * 0.6 + rng.uniform(0, 0.4, frames), 0, 1)
                if good
                else rng.uniform(0, 1, frames)
            )
            f_rows.append(pd.DataFrame({"model": "m", "video": video, "prob": prob, "pain": pain}))
            v_rows.append(
                {
                    "model": "m",
                    "video": video,
                    "label": i % 2,
                    "prediction": i % 2 if good else 1 - i % 2,
                }
            )
            a_rows.append({"video": video, "subject": subject, "skin_tone": g})
            r_rows.append(
                {"model": "m", "video": video, "r": 0.8 if good else 0.1, "varying": True}
            )
    return (
        pd.concat(f_rows, ignore_index=True),
        pd.DataFrame(v_rows),
        pd.DataFrame(a_rows),
        pd.DataFrame(r_rows),
    )


def test_subgroup_table_measures_each_group_with_seeded_intervals():
    frames, videos, attrs, truth_r = _fabricated()
    table = fairness.subgroup_table(
        frames, videos, attrs, ["skin_tone"], truth_r, n_boot=200, seed=3
    )
    assert list(table.columns) == fairness.COLUMNS
    assert table["group"].tolist() == ["light", "intermediate", "dark"]  # empty group listed, n = 0
    t = table.set_index("group")
    assert t.loc["intermediate", "n"] == 0 and np.isnan(t.loc["intermediate", "auc"])
    assert (
        t.loc["light", "n"] == 4
        and t.loc["light", "n_newborns"] == 2
        and t.loc["light", "n_frames"] == 120
    )
    assert t.loc["light", "auc"] > 0.9 and 0.3 < t.loc["dark", "auc"] < 0.7
    assert t.loc["light", "video_acc"] == 1.0 and t.loc["dark", "video_acc"] == 0.0
    assert t.loc["light", "truth_r"] == pytest.approx(0.8)
    for g in ("light", "dark"):
        assert t.loc[g, "auc_lo"] <= t.loc[g, "auc"] <= t.loc[g, "auc_hi"]
    again = fairness.subgroup_table(
        frames, videos, attrs, ["skin_tone"], truth_r, n_boot=200, seed=3
    )
    pd.testing.assert_frame_equal(table, again)  # seeded
    gaps = fairness.largest_gaps(table, metrics=("auc", "video_acc", "truth_r")).set_index(
        ["model", "metric"]
    )
    auc = gaps.loc[(table["model"].iloc[0], "auc")]
    assert (auc["high_group"], auc["low_group"]) == ("light", "dark")  # the empty group is skipped
    assert auc["gap"] == pytest.approx(t.loc["light", "auc"] - t.loc["dark", "auc"])
    assert (auc["high_lo"], auc["low_hi"]) == (t.loc["light", "auc_lo"], t.loc["dark", "auc_hi"])
    assert auc["separated"] == (t.loc["light", "auc_lo"] > t.loc["dark", "auc_hi"])
    acc = gaps.loc[(table["model"].iloc[0], "video_acc")]
    assert (acc["high"], acc["low"], acc["gap"]) == (1.0, 0.0, 1.0) and acc["low_n"] == 4


def test_a_group_with_one_newborn_gets_no_interval():
    frames, videos, attrs, truth_r = _fabricated(n_per_group=2)
    table = fairness.subgroup_table(
        frames, videos, attrs, ["skin_tone"], truth_r, n_boot=100, seed=0
    )
    light = table.set_index("group").loc["light"]
    assert light["n_newborns"] == 1 and np.isnan(light["auc_lo"]) and np.isfinite(light["auc"])


def _write_artifacts(art):
    """Six synthetic videos, two models: the files subgroups_from_artifacts reads."""
    (art / "tables").mkdir(parents=True)
    (art / "faces").mkdir()
    (art / "data").mkdir()
    (art / "data" / "config.json").write_text(json.dumps({"seed": 0}))
    truth_dir = art / "truth"
    truth_dir.mkdir()
    rows, manifest = [], []
    rng = np.random.default_rng(0)
    for i in range(6):
        stem = f"V{i:03d}"
        intensity = rng.uniform(0, 1, 20)
        pd.DataFrame({"frame": range(20), "intensity": intensity}).to_csv(
            truth_dir / f"{stem}.csv", index=False
        )
        manifest.append(
            {
                "path": f"x/{stem}.mp4",
                "subject": stem,
                "dataset": "synthetic-icopevid",
                "label": "pain",
            }
        )
        for m in ("ncnn", "vggface"):
            (art / "inference" / m).mkdir(parents=True, exist_ok=True)
            prob = np.where(np.arange(20) % 5 == 0, np.nan, intensity)
            pd.DataFrame({"frame": range(20), "time": np.arange(20) / 10, "prob": prob}).to_csv(
                art / "inference" / m / f"{stem}.csv", index=False
            )
            rows.append(
                {
                    "model": m,
                    "video": stem,
                    "label": 1,
                    "prediction": 1,
                    "truth": str(truth_dir / f"{stem}.csv"),
                }
            )
    pd.DataFrame(manifest).to_csv(art / "faces" / "videos.csv", index=False)
    pd.DataFrame(rows).to_csv(art / "tables" / "video_summary.csv", index=False)


def test_from_artifacts_writes_every_model_and_says_what_is_missing(tmp_path):
    art = tmp_path / "art"
    table, coverage = fairness.subgroups_from_artifacts(art)
    assert table.empty and coverage["status"] == "missing_artifacts"
    assert fairness.largest_gaps(table).empty
    _write_artifacts(art)
    table, coverage = fairness.subgroups_from_artifacts(art, n_boot=50)
    assert set(table["model"]) == {"ncnn", "vggface"}
    assert set(table["group"]) == set(fairness.TONE_ORDER)
    assert (
        table["n"].sum() == 12 and table["n_frames"].sum() == 2 * 6 * 16
    )  # frames without a face left out
    assert (table.loc[table["n_frames"] > 0, "auc"].dropna() == 1.0).all()  # prob = intensity
    assert coverage == {
        "status": "ok",
        "n_videos": 6,
        "n_newborns": 6,
        "attributes": ["skin_tone"],  # no sex attribute on synthetic subjects
        "frame_auc": True,
        "truth_r": False,  # chapter 04's sign_truth_r.csv is absent
    }
    from painsign_utils.figures.fairness import plot_subgroups

    fig = plot_subgroups(table)
    assert len(fig.axes) == 3


def test_from_artifacts_reuses_its_cache_until_an_input_file_changes(tmp_path, monkeypatch):
    art = tmp_path / "art"
    _write_artifacts(art)
    calls = []
    real = fairness.subgroup_table
    monkeypatch.setattr(
        fairness, "subgroup_table", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    first = fairness.subgroups_from_artifacts(art, n_boot=20, cache=tmp_path / "cache")
    # Re-written with the same bytes (as a re-run of an earlier chapter does): reused.
    summary = art / "tables" / "video_summary.csv"
    summary.write_bytes(summary.read_bytes())
    again = fairness.subgroups_from_artifacts(art, n_boot=20, cache=tmp_path / "cache")
    assert len(calls) == 1 and again[1] == first[1]
    pd.testing.assert_frame_equal(again[0], first[0])
    assert again[0].to_csv(index=False) == first[0].to_csv(index=False)
    fairness.subgroups_from_artifacts(art, n_boot=30, cache=tmp_path / "cache")  # a setting
    assert len(calls) == 2
    probs = art / "inference" / "ncnn" / "V000.csv"
    pd.read_csv(probs).assign(prob=0.5).to_csv(probs, index=False)
    changed = fairness.subgroups_from_artifacts(art, n_boot=30, cache=tmp_path / "cache")
    assert len(calls) == 3  # an input file changed
    uncached = fairness.subgroups_from_artifacts(art, n_boot=30)
    pd.testing.assert_frame_equal(changed[0], uncached[0])
