"""Real datasets as they come: the authors' CSV, iCOPE and iCOPEvid folder names (fake trees, no health data)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from painsign_utils import data
from painsign_utils.errors import DataError

# --- the authors' iCOPE+UNIFESP_data.csv ----------------------------------------------------------

ICOPE_OTHER = {
    "friction": 45,
    "air": 34,
    "cry": 19,
    "sucrose": 15,
    "yawn": 7,
    "pain_post_sucrose": 3,
    "sneeze": 1,
}


def _icope_subjects(n: int = 27) -> list[str]:
    return [f"S{i:02d}" for i in range(4, 4 + 2 * n, 2)][:n]


def _authors_csv(tmp_path: Path) -> tuple[Path, Path]:
    """A fake CSV and image tree: iCOPE 27 subjects (76 pain, 88 nopain, 124 other classes),
    UNIFESP 30 subjects (162 pain, 195 nopain); only the pain/nopain files exist."""
    root = tmp_path / "images"
    rows = []

    def add(
        folder: str,
        name: str,
        subject: str,
        sex: str,
        cls: str,
        dataset: str,
        nfcs: str,
        create: bool = True,
    ) -> None:
        win = "Datasets\\Originais\\" + folder.replace("/", "\\") + "\\" + name
        rows.append(
            {
                "file_name": win,
                "subject": subject,
                "gender": sex,
                "class": cls,
                "dataset": dataset,
                "NFCS": nfcs,
                "new_subject": "x",
                "new_file_name": "x",
                "face_coordinates": "[0, 0, 1, 1]",
                "keypoints_coordinates": "[]",
            }
        )
        if create:
            target = root / "Datasets" / "Originais" / folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"x")

    subjects = _icope_subjects()
    counts = Counter()
    plan = ["pain"] * 76 + ["nopain"] * 88 + [c for c, n in ICOPE_OTHER.items() for _ in range(n)]
    for k, cls in enumerate(plan):
        s = subjects[k % 27]
        counts[(s, cls)] += 1
        stim = "rest" if cls == "nopain" else cls
        add(
            "iCOPE/pilot",
            f"{s}_{'MF'[k % 2]}_{stim}_{counts[(s, cls)]}.jpg",
            s,
            "MF"[k % 2],
            cls,
            "iCOPE",
            "",
            create=cls in ("pain", "nopain"),
        )
    for k, cls in enumerate(["pain"] * 162 + ["nopain"] * 195):
        s = f"{k % 30 + 1:02d}"
        add("UNIFESP", f"{s}_{110000 + k}.bmp", s, "MF"[k % 2], cls, "UNIFESP", str(k % 6))
    csv = tmp_path / "iCOPE+UNIFESP_data.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    return csv, root


def test_authors_csv_gives_the_papers_image_set(tmp_path, capsys):
    csv, root = _authors_csv(tmp_path)
    df = data.manifest_from_authors_csv(csv, root)
    assert len(df) == 521 and df["subject"].nunique() == 57
    assert (df["label"] == "pain").sum() == 238 and (df["label"] == "nopain").sum() == 283
    assert df.groupby("dataset")["subject"].nunique().to_dict() == {"UNIFESP": 30, "iCOPE": 27}
    # subject = dataset + subject, as text: UNIFESP "01" keeps its zero and differs from iCOPE ones
    assert "UNIFESP-01" in set(df["subject"]) and "iCOPE-S04" in set(df["subject"])
    assert df["subject"].map(type).eq(str).all()
    assert df.loc[df["dataset"] == "UNIFESP", "nfcs"].notna().all()
    assert df.loc[df["dataset"] == "iCOPE", "nfcs"].isna().all()
    assert all(Path(p).is_absolute() and Path(p).exists() for p in df["path"])
    assert df.attrs["left_out"] == ICOPE_OTHER
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0 and "521 images of 57 subjects" in out and "124 left out" in out


def test_authors_csv_finds_files_by_name_anywhere_below_the_root(tmp_path):
    csv, root = _authors_csv(tmp_path)
    flat = tmp_path / "flat" / "deep"
    flat.mkdir(parents=True)
    for p in root.rglob("*.*"):
        p.rename(flat / p.name)
    df = data.manifest_from_authors_csv(csv, tmp_path / "flat", verbose=False)
    assert len(df) == 521 and all(Path(p).parent == flat.resolve() for p in df["path"])
    # The root may also be any folder along the listed path.
    csv2, root2 = _authors_csv(tmp_path / "again")
    df2 = data.manifest_from_authors_csv(csv2, root2 / "Datasets" / "Originais", verbose=False)
    assert len(df2) == 521


def test_authors_csv_missing_file_is_one_line(tmp_path):
    csv, root = _authors_csv(tmp_path)
    victims = sorted(root.rglob("*.bmp"))[:3]
    for v in victims:
        v.unlink()
    with pytest.raises(DataError, match=r"not found under .*3 listed files missing") as info:
        data.manifest_from_authors_csv(csv, root, verbose=False)
    assert "\n" not in str(info.value)
    assert any(v.name in str(info.value) for v in victims)
    with pytest.raises(DataError, match="missing column"):
        bad = tmp_path / "bad.csv"
        pd.DataFrame({"file_name": ["a.jpg"]}).to_csv(bad, index=False)
        data.manifest_from_authors_csv(bad, root)
    with pytest.raises(DataError, match="CSV not found"):
        data.manifest_from_authors_csv(tmp_path / "none.csv", root)


# --- iCOPE as it comes: 288 files, 164 kept ----------------------------------------------------------

# Stimuli over the 288 real iCOPE files: rest 88, pain 74 + pain2 + pain3 (76 pain), the rest left out.
ICOPE_STIMULI = {
    "rest": 88,
    "pain": 74,
    "pain2": 1,
    "pain3": 1,
    "friction": 43,
    "friciton": 2,
    "air": 33,
    "air2": 1,
    "cry": 19,
    "sucrose": 9,
    "succrose": 4,
    "sucrose2": 1,
    "sucrose3": 1,
    "yawn": 7,
    "sneeze": 1,
    "pain_post_sucrose": 3,
}


def _icope_names() -> list[str]:
    subjects = _icope_subjects()
    sex = {s: "MF"[i % 2] for i, s in enumerate(subjects)}
    seen: Counter = Counter()
    names = []
    k = 0
    for stim, n in ICOPE_STIMULI.items():
        for _ in range(n):
            s = subjects[k % len(subjects)]
            k += 1
            seen[(s, stim)] += 1
            names.append(f"{s}_{sex[s]}_{stim}_{seen[(s, stim)]}.jpg")
    # The real oddities: an index that is missing, one with a letter, one after a space.
    names[names.index(f"S06_{sex['S06']}_pain_1.jpg")] = f"S06_{sex['S06']}_pain.jpg"
    names[names.index(f"S08_{sex['S08']}_friction_2.jpg")] = f"S08_{sex['S08']}_friction_2b.jpg"
    names[names.index(f"S40_{sex['S40']}_pain_1.jpg")] = f"S40_{sex['S40']}_pain _1.jpg"
    assert len(names) == len(set(names)) == 288
    return names


def _tree(root: Path, names: list[str], sub: str = "") -> Path:
    for i, name in enumerate(names):
        folder = (
            root / sub / ("a" if i % 3 else "b")
        )  # spread over folders: the search is recursive
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"x")
    return root


def test_icope_layout_on_the_real_names(tmp_path, capsys):
    root = _tree(tmp_path / "iCOPE", _icope_names())
    df = data.manifest_from_folder(root, layout="icope")
    assert len(df) == 164 and df["subject"].nunique() == 27
    assert (df["label"] == "pain").sum() == 76 and (df["label"] == "nopain").sum() == 88
    assert set(df["dataset"]) == {"iCOPE"} and "rotate" not in df.columns
    names = {Path(p).name for p in df["path"]}
    assert {"S06_F_pain.jpg", "S40_M_pain _1.jpg"} <= names
    assert not any("friction" in n or "sucrose" in n for n in names)
    assert sum(df.attrs["left_out"].values()) == 124 and df.attrs["left_out"]["friciton"] == 2
    out = capsys.readouterr().out.strip()
    assert "\n" not in out and "164 images of 27 subjects" in out and "124 left out" in out


def test_icope_layout_rejects_an_unknown_naming_and_names_the_escape_hatch(tmp_path):
    root = _tree(tmp_path / "mixed", ["S04_M_rest_1.jpg", "baby04-rest.jpg"])
    with pytest.raises(DataError, match="does not match the expected pattern.*pattern=") as info:
        data.manifest_from_folder(root, layout="icope", verbose=False)
    assert "\n" not in str(info.value)
    df = data.manifest_from_folder(
        root,
        pattern=r"(?P<subject>(?:S|baby)\d+)[_-](?:[MF]_)?(?P<cls>[a-z]+)",
        dataset="iCOPE",
        verbose=False,
    )
    assert sorted(df["subject"]) == ["S04", "baby04"] and set(df["label"]) == {"nopain"}


# --- iCOPEvid: Pain/Rest files, subject from S\d+, rotated 90° ----------------------------------------


def test_icopevid_layout_keeps_pain_and_rest_with_rotation(tmp_path, capsys):
    names = [
        "S021_Rest_1_[0]_20s.mp4",
        "S021_Pain_1_[0]_20s.mp4",
        "S021_Movement_1_[0]_20s.mp4",
        "S022_Friction_2_[1]_20s.mp4",
        "S022_Rest_2_[1]_20s.mp4",
        "S023_Pain_1_[0]_20s.mp4",
        "S023_Pain_1_[0]_20s.txt",
    ]
    root = tmp_path / "iCOPEvid"
    for i, name in enumerate(names):
        folder = root / f"batch{i % 2}" / "clips"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"x")
    df = data.manifest_from_folder(root, layout="icopevid")
    got = {
        Path(p).name: (s, lab)
        for p, s, lab in zip(df["path"], df["subject"], df["label"], strict=True)
    }
    assert got == {
        "S021_Rest_1_[0]_20s.mp4": ("S021", "nopain"),
        "S021_Pain_1_[0]_20s.mp4": ("S021", "pain"),
        "S022_Rest_2_[1]_20s.mp4": ("S022", "nopain"),
        "S023_Pain_1_[0]_20s.mp4": ("S023", "pain"),
    }
    assert (df["rotate"] == 90).all() and set(df["dataset"]) == {"iCOPEvid"}
    assert df.attrs["left_out"] == {"Movement": 1, "Friction": 1}
    assert "4 videos of 3 subjects kept (2 pain, 2 no pain); 2 left out" in capsys.readouterr().out
    unrotated = data.manifest_from_folder(root, layout="icopevid", rotate=0, verbose=False)
    assert (unrotated["rotate"] == 0).all()
    with pytest.raises(DataError, match="rotate must be"):
        data.manifest_from_folder(root, layout="icopevid", rotate=45)
