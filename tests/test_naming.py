"""Named sign types checked against the paper's definitions."""

from __future__ import annotations

import pandas as pd

from painsign_utils import naming


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
    checks = naming.definition_checks(_centroids(good + bad)).set_index(["model", "name"])
    assert checks.loc[("A", "stable"), "meets"] and checks.loc[("A", "irregular"), "meets"]
    assert checks.loc[("A", "unstable"), "meets"]
    assert not checks.loc[("B", "irregular"), "meets"]
    assert "not below unstable's" in checks.loc[("B", "irregular"), "why"]
    assert "not above stable's" in checks.loc[("B", "irregular"), "why"]
    assert not checks.loc[("B", "unstable"), "meets"]  # irregular has more crossings
    assert not checks.loc[("B", "stable"), "meets"]  # irregular has lower entropy
    text = naming.interpretation(checks.reset_index(), pd.Series({"A": 1}))
    assert (
        "Of the 6 named types over 2 model(s), 3 meet the paper's definition" in text
        and "**irregular does not meet" in text
    )
    assert "Indeterminate overlay: 1 sign(s)" in text


def test_clusters_sharing_a_name_are_weighted_by_videos_and_missing_types_are_said():
    rows = [
        ("C", 0, "stable", 0.0, 0.0, 30),
        ("C", 1, "stable", 1.0, 1.0, 10),
        ("C", 2, "unstable", 2.0, 9.0, 5),
    ]
    checks = naming.definition_checks(_centroids(rows))
    stable = checks.set_index("name").loc["stable"]
    assert (
        stable["n"] == 40
        and abs(stable["entropy"] - 0.25) < 1e-12
        and abs(stable["crossings"] - 0.25) < 1e-12
    )
    assert "No cluster is irregular" in naming.interpretation(checks)
    assert naming.meets_share(checks) == 1.0
