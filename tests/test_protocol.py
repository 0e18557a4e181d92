"""The two protocols, and the numbers the authors' code printed."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from painsign_utils.errors import ConfigError
from painsign_utils.protocol import (
    AUTHORS_OUTPUTS,
    DEFAULT_PROTOCOL,
    PROTOCOLS,
    Protocol,
    get_protocol,
)


def test_authors_protocol_is_what_produced_the_papers_numbers():
    p = get_protocol("authors")
    assert (p.sign_mode, p.video_score, p.threshold_rule) == (
        "valid",
        "sign_mean",
        "validation_folds",
    )
    assert (p.kmeans_k, p.kmeans_n_init, p.kmeans_random_state, p.scale_features) == (
        3,
        "auto",
        0,
        False,
    )
    assert (p.indeterminate, p.ig_postprocess, p.ig_baseline) == ("overlay", "clamp", "zeros")
    assert (p.augment_style, p.weight_decay, p.vgg_finetune_lr) == ("albumentations", 1e-5, 1e-6)


def test_causal_protocol_is_the_leak_free_bedside_variant():
    p = get_protocol("causal")
    assert (p.sign_mode, p.threshold_rule, p.clustering) == (
        "causal",
        "training_folds",
        "silhouette_zscore",
    )
    assert p.kmeans_k is None and p.scale_features and p.indeterminate == "type"
    assert (p.ig_postprocess, p.augment_style) == ("abs", "keras")


def test_monitor_is_causal_under_both_protocols_and_default_is_authors():
    assert DEFAULT_PROTOCOL == "authors" == PROTOCOLS[0]
    assert {get_protocol(n).realtime_sign_mode for n in PROTOCOLS} == {"causal"}
    assert get_protocol() is get_protocol("authors")


def test_protocols_are_frozen_and_pass_through():
    p = get_protocol("causal")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.sign_mode = "valid"  # type: ignore[misc]
    assert get_protocol(p) is p
    assert get_protocol(" Authors ").name == "authors"
    assert set(p.as_dict()) == {f.name for f in dataclasses.fields(Protocol)}


@pytest.mark.parametrize("bad", ["paper", "", None, 3])
def test_unknown_protocol_is_one_line(bad):
    with pytest.raises(ConfigError, match="unknown protocol") as info:
        get_protocol(bad)
    assert "\n" not in str(info.value) and "authors, causal" in str(info.value)


def test_authors_outputs_are_frozen_numbers_of_their_k_means_and_agreement():
    with pytest.raises(dataclasses.FrozenInstanceError):
        AUTHORS_OUTPUTS.same_type_all = 0.5  # type: ignore[misc]
    # one share per pair of the three models, each at least the three-way share
    pairs = {frozenset(p[:2]) for p in AUTHORS_OUTPUTS.same_type_pairs}
    assert pairs == {
        frozenset(p) for p in itertools.combinations(("ncnn", "vggface", "vit_b16"), 2)
    }
    assert all(s >= AUTHORS_OUTPUTS.same_type_all for *_, s in AUTHORS_OUTPUTS.same_type_pairs)
    # the authors fitted k = 3, where their silhouette was highest
    best_k = max(AUTHORS_OUTPUTS.silhouettes, key=lambda ks: ks[1])[0]
    assert best_k == get_protocol("authors").kmeans_k
