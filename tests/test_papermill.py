"""Papermill-first: the notebooks' defaults are the demo profile, a run with other values never
writes into the built book's folder, and every figure's caption lives in its notebook.

Nothing here executes a notebook: the notebooks are read as files.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from painsign_utils import chapters, runner, storage
from painsign_utils.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = runner.notebook_paths(ROOT)


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_defaults_are_the_demo_profile(nb):
    defaults = chapters.notebook_defaults(nb)
    demo = chapters.profile_values(nb.stem, "demo")
    assert demo == defaults, {
        k: (defaults.get(k), demo.get(k)) for k in {*defaults, *demo} if defaults.get(k) != demo[k]
    }
    # Every parameter is written in demo.yml, so an edited parameters cell is an experiment.
    prof = yaml.safe_load((ROOT / "profiles" / "demo.yml").read_text())
    named = set(prof["common"]) | set((prof["notebooks"] or {}).get(nb.stem, {}))
    missing = set(defaults) - named - chapters.EXECUTION_ONLY
    assert not missing, f"profiles/demo.yml lacks {nb.stem}: {sorted(missing)}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_setup_cell_chooses_the_folder_by_the_rule(nb):
    notebook = nbformat.read(nb, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    i = next(i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", []))
    assert chapters.notebook_defaults(nb)["artifacts_dir"] == ""
    setup = code[i + 1].source
    assert f'chapters.chapter_artifacts(\n    "{nb.stem}"' in setup or (
        f'chapters.chapter_artifacts("{nb.stem}"' in setup
    )
    assert "artifacts_dir(profile)" not in "\n".join(c.source for c in code)
    needs = re.search(r"needs=\[(.*?)\]", setup, re.S)
    for needed in re.findall(r'"(\w+)"', needs.group(1)) if needs else []:
        assert needed < nb.stem and needed in chapters.CHAPTER_OUTPUTS


@pytest.fixture
def arts(tmp_path, monkeypatch):
    """An artifacts root with a built demo book of one table and one model file."""
    monkeypatch.setenv(storage.ARTIFACTS_ENV, str(tmp_path))
    monkeypatch.delenv(runner.PROFILE_FILE_ENV, raising=False)
    book = tmp_path / "demo"
    storage.write_bytes(b"book table\n", book / "tables" / "video_summary.csv")
    storage.write_bytes(b"weights", book / "training" / "best_models.csv")
    storage.write_bytes(b"records", book / "progress" / "04_pain_sign.jsonl")
    (book / "timings.csv").write_text("profile,notebook\n")
    return tmp_path


def _values(stem: str, **changed) -> dict:
    return {**chapters.notebook_defaults(ROOT / "notebooks" / f"{stem}.ipynb"), **changed}


def test_the_profiles_own_values_use_its_folder(arts):
    assert chapters.chapter_artifacts("04_pain_sign", _values("04_pain_sign")) == arts / "demo"
    # Where the work runs does not make an experiment.
    values = _values("02_training", dask_workers=0, only_folds=[1])
    assert chapters.chapter_artifacts("02_training", values) == arts / "demo"
    # papermill -p profile paper with the paper profile's values: the paper's folder.
    paper = chapters.profile_values("02_training", "paper")
    assert chapters.chapter_artifacts("02_training", {**paper}) == arts / "paper"
    # A profile without a YAML file is a folder name; its values are the defaults.
    mine = _values("00_data", profile="mine")
    assert chapters.chapter_artifacts("00_data", mine) == arts / "mine"
    assert sorted(p.name for p in arts.iterdir()) == ["demo", "mine", "paper"]


def test_other_values_get_their_own_folder_and_never_touch_the_book(arts, capsys):
    book = arts / "demo" / "tables" / "video_summary.csv"
    values = _values("04_pain_sign", focus_model="vggface")
    art = chapters.chapter_artifacts("04_pain_sign", values, needs=["03_test_evaluation"])
    assert art.parent == arts and art.name.startswith("demo+") and art.name != "demo+"
    said = capsys.readouterr().out.strip().splitlines()
    assert len(said) == 1 and "focus_model" in said[0] and art.name in said[0]
    copy = art / "tables" / "video_summary.csv"
    assert copy.read_bytes() == b"book table\n"
    assert os.stat(copy).st_ino == os.stat(book).st_ino  # a hard link: nothing was copied
    assert not (art / "progress").exists()  # the runner's records of the book stay with it
    assert os.stat(art / "timings.csv").st_ino != os.stat(arts / "demo" / "timings.csv").st_ino
    storage.write_csv(__import__("pandas").DataFrame({"a": [1]}), copy)
    assert copy.read_text() == "a\n1\n" and book.read_bytes() == b"book table\n"
    # The same values find the same folder; other values another one; a later chapter follows.
    assert chapters.chapter_artifacts("04_pain_sign", values) == art
    other = chapters.chapter_artifacts("04_pain_sign", _values("04_pain_sign", seed=1))
    assert other != art and other.name.startswith("demo+")
    follow = _values("05_sign_clustering", artifacts_dir=art.name)
    assert chapters.chapter_artifacts("05_sign_clustering", follow) == art
    absolute = _values("05_sign_clustering", artifacts_dir=str(arts / "elsewhere"))
    assert chapters.chapter_artifacts("05_sign_clustering", absolute) == arts / "elsewhere"


def test_changed_values_and_names_are_deterministic():
    values = _values("04_pain_sign", focus_model="vggface", strip_every_s=2.0)
    changed = chapters.changed_values("04_pain_sign", values)
    assert changed == {"focus_model": "vggface", "strip_every_s": 2.0}
    assert chapters.changed_values("04_pain_sign", _values("04_pain_sign")) == {}
    name = chapters.experiment_name("demo", changed)
    assert re.fullmatch(r"demo\+[0-9a-f]{8}", name)
    assert name == chapters.experiment_name("demo", dict(reversed(changed.items())))


def test_a_missing_chapter_is_named_in_one_line(arts):
    values = _values("04_pain_sign", profile="mine")
    with pytest.raises(
        chapters.ChapterNotRunError, match="run chapter 01_preprocessing, 03_test"
    ) as e:
        chapters.chapter_artifacts(
            "04_pain_sign", values, needs=["01_preprocessing", "03_test_evaluation"]
        )
    assert isinstance(e.value, ConfigError) and len(e.value._render_traceback_()) == 1
    assert "\n" not in str(e.value)
    assert not (arts / "mine").exists()  # looking leaves no empty folder behind
    chapters.require_chapters(arts / "demo", ["03_test_evaluation"])


def test_the_runner_names_its_profile_file_for_the_kernel(tmp_path, monkeypatch):
    mine = tmp_path / "elsewhere.yml"
    mine.write_text(yaml.safe_dump({"common": {"profile": "mine"}, "notebooks": {}}))
    monkeypatch.setenv(runner.PROFILE_FILE_ENV, str(mine))
    assert chapters.profile_file("mine") == mine
    assert chapters.profile_file("demo") == ROOT / "profiles" / "demo.yml"
    assert chapters.profile_file("nothing") is None


def test_link_copy_of_a_missing_folder_is_empty(tmp_path):
    dest = chapters.link_copy(tmp_path / "none", tmp_path / "copy")
    assert dest.is_dir() and not any(dest.iterdir())
    assert [p.name for p in tmp_path.iterdir()] == ["copy"]


def _figure_cells():
    for nb in NOTEBOOKS:
        for cell in nbformat.read(nb, as_version=4).cells:
            if cell.cell_type == "code":
                yield nb, cell


def test_every_caption_lives_in_its_notebook():
    names = []
    for nb, cell in _figure_cells():
        assert not re.search(r"^#\s*figure:", cell.source, re.M), f"{nb.stem}: a '# figure:' line"
        figure = cell.metadata.get("mystnb", {}).get("figure")
        if figure:
            assert figure["name"].startswith("fig-") and figure["caption"].strip(), nb.stem
            names.append(figure["name"])
    assert names and len(names) == len(set(names)), "figure names repeat"
    text = "\n".join(p.read_text() for p in [*NOTEBOOKS, *(ROOT / "book").glob("*.md")])
    refs = set(re.findall(r"\{numref\}`(?:[^`<]*<)?(fig-[\w-]+)>?`", text))
    assert refs <= set(names), f"references to no figure: {sorted(refs - set(names))}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_cell_has_its_own_id(nb):
    # nbformat 4.5 cells need an id (a cell inserted by hand often lacks one); papermill and
    # myst-nb only warn, and later nbformat versions refuse the file.
    ids = [cell.get("id") for cell in storage.read_json(nb)["cells"]]
    assert all(ids) and len(ids) == len(set(ids)), nb.stem
