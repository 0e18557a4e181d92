"""The world ablation (issue 22): its table on a tiny set, the cache, and naming each finding's cause."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from painsign_utils.errors import ConfigError
from painsign_utils.evaluation import ablation
from painsign_utils.synthetic import CAUSES


@pytest.fixture(scope="module")
def best(tmp_path_factory):
    """Two tiny random models saved as best checkpoints, with thresholds."""
    from painsign_utils.models import create_model, save_checkpoint

    folder = tmp_path_factory.mktemp("ckpt")
    torch.manual_seed(0)
    rows = []
    for name, kw in (("ncnn", {}), ("vggface", {"weights": "random", "input_size": 32})):
        model = create_model(name, **kw)
        model.threshold = 0.5
        rows.append(
            {
                "model": name,
                "checkpoint": str(save_checkpoint(model, folder / f"{name}.pt")),
                "threshold": 0.5,
            }
        )
    return pd.DataFrame(rows)


def test_worlds_are_all_on_each_cause_off_alone_and_all_off():
    worlds = ablation.ablation_worlds()
    assert list(worlds) == [
        ablation.ALL_ON,
        *[ablation.without(c) for c in CAUSES],
        ablation.ALL_OFF,
    ]
    assert all(s > 0 for s in worlds[ablation.ALL_ON].strengths().values())
    assert worlds[ablation.ALL_OFF].matched
    for cause in CAUSES:
        off = worlds[ablation.without(cause)].strengths()
        assert [c for c, s in off.items() if s == 0] == [cause]


def test_table_on_a_tiny_set_and_its_cache(tmp_path, best, monkeypatch):
    settings = ablation.AblationSettings(n_videos=4, seconds=2.0, fps=3.0)
    val_auc = {"ncnn": 0.9, "vggface": 0.8}
    table = ablation.domain_ablation(tmp_path, best, val_auc, settings, causes=["distress"])
    assert list(table.columns) == list(ablation.COLUMNS)
    rows = [ablation.ALL_ON, ablation.without("distress"), ablation.ALL_OFF]
    assert list(table["cause"]) == [r for r in rows for _ in range(2)]
    assert list(table["model"]) == ["ncnn", "vggface"] * 3
    assert table["val_auc"].tolist() == [0.9, 0.8] * 3  # chapter 02's, in every row
    assert (table["n_videos"] <= 4).all() and (table["n_videos"] > 0).all()
    rates = table[["video_auc", "sensitivity", "specificity", "accuracy"]].to_numpy()
    assert np.all((rates >= 0) & (rates <= 1) | np.isnan(rates))
    assert (table.groupby("cause")["agreement"].nunique(dropna=False) == 1).all()
    health = table[["frame_auc", "truth_r", "scenario_ari"]].to_numpy()
    assert np.all((health >= -1) & (health <= 1) | np.isnan(health))
    assert (table["seconds"] > 0).all()

    # A second call with the same worlds, checkpoints and settings reuses every world.
    def fail(*args, **kwargs):
        raise AssertionError("recomputed")

    monkeypatch.setattr(ablation, "world_metrics", fail)
    again = ablation.domain_ablation(tmp_path, best, val_auc, settings, causes=["distress"])
    pd.testing.assert_frame_equal(again, table)
    # Other settings compute again.
    other = ablation.AblationSettings(n_videos=4, seconds=2.0, fps=2.0)
    with pytest.raises(AssertionError, match="recomputed"):
        ablation.domain_ablation(tmp_path, best, val_auc, other, causes=["distress"])


def _hand_table() -> pd.DataFrame:
    rows = {
        # cause: (video_auc, sensitivity, specificity, accuracy, agreement, best_k,
        #         frame_auc, truth_r, scenario_ari)
        ablation.ALL_ON: (0.70, 0.90, 0.40, 0.60, 0.90, 2, 0.85, 0.80, 0.30),
        ablation.without("distress"): (0.75, 0.85, 0.80, 0.82, 0.85, 2, 0.96, 0.82, 0.30),
        ablation.without("compression"): (0.90, 0.90, 0.45, 0.62, 0.95, 2, 0.86, 0.90, 0.30),
        ablation.ALL_OFF: (0.95, 0.90, 0.88, 0.90, 0.70, 2, 0.97, 0.92, 0.30),
    }
    cols = ["video_auc", "sensitivity", "specificity", "accuracy", "agreement", "best_k"]
    cols += ["frame_auc", "truth_r", "scenario_ari"]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=cols)
    table = table.assign(pearson=[0.9, 0.8, 0.9, 0.95])
    return table.rename_axis("cause").reset_index().assign(model="ncnn", val_auc=0.96)


def test_finding_causes_on_a_hand_made_table():
    named = ablation.finding_causes(_hand_table()).set_index("finding")
    assert list(named.index) == list(ablation.FINDINGS)
    # val - video AUC: 0.26 with all on, 0.01 all off; removing compression closes 0.20 of 0.25.
    assert named.loc["test_drop", "cause"] == "compression"
    assert named.loc["test_drop", "share"] == pytest.approx(0.20 / 0.25)
    assert named.loc["test_drop", "all_on"] == pytest.approx(0.26)
    # sensitivity - specificity: distress closes most of the gap.
    assert named.loc["sens_over_spec", "cause"] == "distress"
    assert named.loc["video_accuracy", "cause"] == "distress"
    # agreement falls from 0.90 to 0.70: distress moves it that way, compression away.
    assert named.loc["same_type", "cause"] == "distress"
    # best k: the same with every cause on and all off.
    assert named.loc["best_k", "cause"] == ablation.NO_GAP
    assert np.isnan(named.loc["best_k", "share"])
    # The health measures a world can break: distress the frame AUC, compression the truth r.
    assert named.loc["frame_auc", "cause"] == "distress"
    assert named.loc["truth_r", "cause"] == "compression"
    assert named.loc["scenario_ari", "cause"] == ablation.NO_GAP


def test_toward_paper_asks_whether_the_causes_bring_a_finding_nearer_the_paper():
    named = ablation.finding_causes(_hand_table())
    # agreement: 0.90 with every cause on, 0.70 all off
    assert ablation.toward_paper(named, "same_type", 0.95)
    assert not ablation.toward_paper(named, "same_type", 0.60)
    # sensitivity - specificity: 0.50 on, 0.02 off; the paper's 0.36 is nearer "all on"
    assert ablation.toward_paper(named, "sens_over_spec", 0.36)
    assert not ablation.toward_paper(named, "best_k", 3)  # 2 on and off: the world moves nothing


def test_finding_causes_names_no_cause_when_every_removal_moves_away():
    table = _hand_table()
    table.loc[table["cause"] == ablation.without("distress"), "agreement"] = 0.95
    named = ablation.finding_causes(table).set_index("finding")
    assert named.loc["same_type", "cause"] == ablation.NO_CAUSE


def test_ablation_figure_draws(tmp_path):
    from painsign_utils.figures.ablation import plot_ablation

    table = pd.concat(
        [_hand_table(), _hand_table().assign(model="vggface", val_auc=0.9)], ignore_index=True
    )
    fig = plot_ablation(table)
    assert len(fig.axes) == 6
    fig.savefig(tmp_path / "ablation.png")


@pytest.mark.parametrize("bad", [{"n_videos": 1}, {"fps": 0.0}, {"seconds": -1.0}])
def test_bad_ablation_settings_fail_in_one_line(bad):
    with pytest.raises(ConfigError):
        ablation.AblationSettings(**bad)
