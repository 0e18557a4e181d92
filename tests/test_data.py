"""Manifest contracts: validation errors are one clear line; owners' layouts parse."""

from __future__ import annotations

import pandas as pd
import pytest

from painsign_utils import data
from painsign_utils.errors import DataError


def _write(tmp_path, df, name="m.csv"):
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


def test_synthetic_manifests_validate(tiny_synth):
    images = data.read_manifest(tiny_synth["images"], "image")
    videos = data.read_manifest(tiny_synth["videos"], "video")
    assert images["path"].map(lambda p: p.startswith("/")).all()
    assert data.is_synthetic(images["dataset"]) and data.is_synthetic(videos["dataset"])
    table = data.subject_table(images)
    assert (table["n_pain"] + table["n_nopain"]).sum() == len(images)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda df: df.drop(columns="subject"), "missing column"),
        (
            lambda df: df.assign(label=["pain", "sore"] + ["pain"] * (len(df) - 2)),
            "unknown label 'sore'",
        ),
        (lambda df: df.assign(path=["nowhere.jpg"] + list(df["path"][1:])), "file not found"),
        (lambda df: df.iloc[:0], "no rows"),
        (lambda df: pd.concat([df, df.iloc[:1]]), "listed twice"),
        (lambda df: df.assign(subject=[""] + list(df["subject"][1:])), "empty 'subject'"),
    ],
)
def test_bad_manifests(tiny_synth, tmp_path, mutate, message):
    good = data.read_manifest(tiny_synth["images"], "image")
    path = _write(tmp_path, mutate(good))
    with pytest.raises(DataError, match=message) as info:
        data.read_manifest(path, "image")
    assert "\n" not in str(info.value)


def test_missing_or_garbage_manifest(tmp_path):
    with pytest.raises(DataError, match="manifest not found"):
        data.read_manifest(tmp_path / "none.csv")
    (tmp_path / "bad.csv").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError):
        data.read_manifest(tmp_path / "bad.csv")


def test_icope_layout(tmp_path):
    for name in (
        "S001v_pain_0.jpg",
        "S001v_nopain_180.jpg",
        "S002_rest_1.jpg",
        "S002_friction_0.jpg",
        "S003_pain.png",
    ):
        (tmp_path / name).write_bytes(b"x")
    df = data.manifest_from_folder(tmp_path, layout="icope")
    assert sorted(df["label"]) == ["nopain", "nopain", "pain", "pain"]
    assert set(df["subject"]) == {"S001", "S002", "S003"}
    with pytest.raises(DataError, match="unknown layout"):
        data.manifest_from_folder(tmp_path, layout="unifesp")
    with pytest.raises(DataError, match="not found"):
        data.manifest_from_folder(tmp_path / "nope", layout="icope")


def test_collect_writes_manifests(tiny_synth, tmp_path):
    images, videos = data.collect(
        tmp_path,
        source="manifest",
        image_manifest=tiny_synth["images"],
        video_manifest=tiny_synth["videos"],
    )
    assert (tmp_path / "images.csv").exists() and (tmp_path / "videos.csv").exists()
    with pytest.raises(DataError, match="unknown data source"):
        data.collect(tmp_path, source="cloud")
