"""The real-data guide (book/real_data.md): its profile, commands and code run as written."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import yaml

from painsign_utils import runner
from painsign_utils.cli.main import build_parser

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "book" / "real_data.md").read_text()


def test_profile_example_is_accepted_by_the_runner(tmp_path):
    block = re.search(r"```yaml\n(.*?)```", PAGE, re.S).group(1)
    mine = yaml.safe_load(block)
    assert mine["common"]["profile"] == "mine" and mine["common"]["protocol"] == "authors"
    paper = yaml.safe_load((ROOT / "profiles" / "paper.yml").read_text())
    for name, section in paper["notebooks"].items():  # "keep the other chapters' sections"
        mine["notebooks"].setdefault(name, section)
    path = tmp_path / "mine.yml"
    path.write_text(yaml.safe_dump(mine))
    prof = runner.load_profile(path)
    for nb in runner.notebook_paths(ROOT):
        runner.notebook_parameters(nb, prof)  # raises on a parameter no chapter declares
    data = runner.notebook_parameters(ROOT / "notebooks" / "00_data.ipynb", prof)
    assert data["source"] == "manifest" and data["show_faces"] is False


def test_every_painsign_command_on_the_page_exists():
    parser = build_parser()
    commands = re.findall(r"^(?:\S+=\S+ )*painsign (\w+)(.*)$", PAGE, re.M)
    assert {c for c, _ in commands} >= {"check", "book"}
    for command, rest in commands:
        parser.parse_args([command, *rest.split(">")[0].split()])  # exits on an unknown option


def _fake_archives(root: Path) -> None:
    img = np.full((32, 32, 3), 128, np.uint8)
    rows = []
    for subject, dataset, name, cls in (
        ("S04", "iCOPE", "Datasets/Originais/iCOPE/pilot/S04_M_pain_1.jpg", "pain"),
        ("S04", "iCOPE", "Datasets/Originais/iCOPE/pilot/S04_M_rest_1.jpg", "nopain"),
        ("S04", "iCOPE", "Datasets/Originais/iCOPE/pilot/S04_M_air_1.jpg", "air"),
        ("01", "UNIFESP", "Datasets/Originais/UNIFESP/01_113607.bmp", "pain"),
        ("01", "UNIFESP", "Datasets/Originais/UNIFESP/01_113608.bmp", "nopain"),
    ):
        f = root / "images" / name
        f.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(f), img)
        rows.append(
            {
                "file_name": name.replace("/", "\\"),
                "subject": subject,
                "gender": "M",
                "class": cls,
                "dataset": dataset,
                "NFCS": "",
            }
        )
    pd.DataFrame(rows).to_csv(root / "iCOPE+UNIFESP_data.csv", index=False)
    (root / "iCOPEvid").mkdir()
    for name in (
        "S021_Rest_1_[0]_20s.mp4",
        "S021_Pain_1_[0]_20s.mp4",
        "S022_Movement_1_[0]_20s.mp4",
    ):
        (root / "iCOPEvid" / name).write_bytes(b"")  # the manifest reads names, not frames


def test_manifest_code_runs_on_a_fake_tree(tmp_path, capsys):
    _fake_archives(tmp_path)
    code = next(
        b
        for b in re.findall(r"```python\n(.*?)```", PAGE, re.S)
        if "manifest_from_authors_csv" in b
    )
    exec(code.replace("/data/neonatal", str(tmp_path)), {})  # noqa: S102 - the page's own snippet
    images = pd.read_csv(tmp_path / "images.csv", dtype=str)
    videos = pd.read_csv(tmp_path / "videos.csv", dtype=str)
    assert sorted(images["subject"].unique()) == ["UNIFESP-01", "iCOPE-S04"]
    assert len(images) == 4 and set(images["label"]) == {"pain", "nopain"}
    assert dict(zip(videos["label"], videos["rotate"], strict=True)) == {
        "pain": "90",
        "nopain": "90",
    }
    assert "left out: air 1" in capsys.readouterr().out
