"""Named sign types checked against the paper's definitions."""

from __future__ import annotations

import pandas as pd

from painsign_utils.clustering import definition_checks, naming_summary


def _centroids(rows):
    return pd.DataFrame(rows, columns=["model", "cluster", "name", "entropy", "crossings", "n"])


def test_types_that_fit_the_paper_pass_and_misplaced_ones_are_named_as_such():
    good = [
        ("A", 0, "stable", 0.5, 0.1, 50),
        ("A", 1, "irregular", 2.0, 2.5, 30),
        ("A", 2, "unstable", 2.6, 7.0, 20),
    ]
    # B: its "irregular" has more crossings than "unstable" and no entropy above stable (the N-CNN /
    # VGG-Face defects seen in an earlier build).
    bad = [
        ("B", 0, "stable", 0.4, 0.0, 60),
        ("B", 1, "irregular", 0.0, 8.3, 10),
        ("B", 2, "unstable", 2.5, 6.0, 30),
    ]
    checks = definition_checks(_centroids(good + bad)).set_index(["model", "name"])
    assert checks.loc[("A", "stable"), "meets"] and checks.loc[("A", "irregular"), "meets"]
    assert checks.loc[("A", "unstable"), "meets"]
    assert not checks.loc[("B", "irregular"), "meets"]
    assert len(checks.loc[("B", "irregular"), "why"].split("; ")) == 2  # both of its rules fail
    assert checks.loc[("A", "stable"), "why"] == ""
    assert not checks.loc[("B", "unstable"), "meets"]  # irregular has more crossings
    assert not checks.loc[("B", "stable"), "meets"]  # irregular has lower entropy
    tally = naming_summary(checks.reset_index(), pd.Series({"A": 1})).set_index("model")
    assert tally["named"].to_dict() == {"A": 3, "B": 3}
    assert tally["meet"].to_dict() == {"A": 3, "B": 0}
    assert tally["all_three"].all() and (tally["missing"] == "").all()
    assert tally["indeterminate"].to_dict() == {"A": 1, "B": 0}


def test_clusters_sharing_a_name_are_weighted_by_videos_and_missing_types_are_listed():
    rows = [
        ("C", 0, "stable", 0.0, 0.0, 30),
        ("C", 1, "stable", 1.0, 1.0, 10),
        ("C", 2, "unstable", 2.0, 9.0, 5),
    ]
    checks = definition_checks(_centroids(rows))
    stable = checks.set_index("name").loc["stable"]
    assert (
        stable["n"] == 40
        and abs(stable["entropy"] - 0.25) < 1e-12
        and abs(stable["crossings"] - 0.25) < 1e-12
    )
    tally = naming_summary(checks).iloc[0]
    assert tally["model"] == "C" and tally["named"] == 2 and tally["meet"] == 2
    assert not tally["all_three"] and tally["missing"] == "irregular"
    assert tally["indeterminate"] == 0
