"""The book's structure: notebooks are clean and parameterized, profiles match them, configs agree."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import papermill
import pytest
import tomllib
import yaml

from painsign_utils import runner
from painsign_utils.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = runner.notebook_paths(ROOT)


def test_there_are_ordered_notebooks():
    names = [nb.stem for nb in NOTEBOOKS]
    assert names[:2] == ["00_data", "01_preprocessing"]
    # by number, the chapters that sum up the others last (they read chapter 11's tables)
    summary = [n for n in names if n in runner.SUMMARY_CHAPTERS]
    assert names == sorted(set(names) - set(summary)) + sorted(summary)
    assert summary == ["09_paper_comparison", "10_methods_ledger"]


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_committed_clean(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{nb_path.name} holds outputs"
            )
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    params = papermill.inspect_notebook(str(nb_path))
    assert "profile" in params
    # papermill silently drops a line it cannot parse (e.g. a string holding "="), which then
    # cannot be set from a profile: every assignment in the cell must be a parameter.
    assigned = re.findall(r"^(\w+)\s*=", tagged[0].source, flags=re.M)
    assert sorted(assigned) == sorted(params), f"unparsed: {set(assigned) - set(params)}"
    # Literal defaults only: papermill cannot recompute derived values.
    for name, spec in params.items():
        assert re.fullmatch(
            r"[-+0-9.eE]+|\"[^\"]*\"|'[^']*'|True|False|None|\[.*\]|\{.*\}", spec["default"].strip()
        ), name


@pytest.mark.parametrize("profile", ["smoke", "demo", "paper"])
def test_profiles_only_name_declared_parameters(profile):
    prof = runner.load_profile(profile, ROOT)
    assert prof["common"]["profile"] == profile
    for nb in NOTEBOOKS:
        runner.notebook_parameters(nb, prof)  # raises on unknown names
    unknown = set(prof["notebooks"]) - {nb.stem for nb in NOTEBOOKS}
    assert not unknown, f"profile sections for missing notebooks: {unknown}"


def test_runner_refuses_unknown_parameters(tmp_path):
    (tmp_path / "profiles").mkdir()
    (tmp_path / "notebooks").mkdir()
    for nb in NOTEBOOKS[:1]:
        (tmp_path / "notebooks" / nb.name).write_bytes(nb.read_bytes())
    (tmp_path / "profiles" / "typo.yml").write_text(
        yaml.safe_dump({"notebooks": {"00_data": {"synthetic_scael": 0.5}}})
    )
    prof = runner.load_profile("typo", tmp_path)
    with pytest.raises(ConfigError, match="unknown parameter.*synthetic_scael"):
        runner.notebook_parameters(tmp_path / "notebooks" / NOTEBOOKS[0].name, prof)
    with pytest.raises(ConfigError, match="unknown profile"):
        runner.load_profile("nope", tmp_path)


def test_toc_lists_every_notebook_and_config_does_not_execute():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [ch["file"] for part in toc["parts"] for ch in part["chapters"]]
    for nb in NOTEBOOKS:
        assert f"book/{nb.stem}" in files
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["only_build_toc_files"] is True
    assert "intersphinx" not in str(config.get("sphinx", {}))


def _names(reqs):
    return {
        re.split(r"[<>=!~\[ ;]", r.strip(), maxsplit=1)[0].lower().replace("_", "-") for r in reqs
    }


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda = [
        d
        for d in env["dependencies"]
        if isinstance(d, str) and not d.startswith("python") and d != "pip"
    ]
    declared = _names(project["dependencies"]) | _names(project["optional-dependencies"]["dev"])
    listed = _names(conda) | _names([p for p in pip_section if not p.startswith("-e")])
    assert declared == listed
    assert any(p.startswith("-e") for p in pip_section), "environment.yml installs this package"


def test_lock_pins_every_direct_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = [
        ln
        for ln in (ROOT / "requirements.lock").read_text().splitlines()
        if ln and not ln.startswith("#")
    ]
    pinned = {ln.split("==")[0].lower().replace("_", "-") for ln in lock if "==" in ln}
    assert all("==" in ln for ln in lock)
    missing = (
        _names(project["dependencies"]) | _names(project["optional-dependencies"]["dev"])
    ) - pinned
    assert not missing


def test_glossary_defines_every_label_the_chapters_use():
    glossary = (ROOT / "book" / "glossary.md").read_text()
    defined = set(re.findall(r"^\((gl-[\w-]+)\)=", glossary, flags=re.M))
    used = set()
    for path in list((ROOT / "notebooks").glob("*.ipynb")) + list((ROOT / "book").glob("*.md")):
        used |= set(re.findall(r"<(gl-[\w-]+)>`", path.read_text()))
    assert used and used <= defined, used - defined
    for term in (
        "AUC",
        "Youden",
        "Silhouette",
        "Friedman",
        "Adjusted Rand",
        "IoU",
        "Logit",
        "Entropy",
        "Threshold crossing",
        "Moving average",
        "Grad-CAM",
        "Integrated Gradients",
        "k-means",
    ):
        assert term.lower() in glossary.lower(), term


def test_new_pages_are_in_the_toc():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [ch["file"] for part in toc["parts"] for ch in part["chapters"]]
    for page in ("book/glossary", "book/ethics", "book/teaching"):
        assert page in files and (ROOT / f"{page}.md").exists()
    assert (ROOT / "CITATION.cff").exists() and "CC BY 4.0" in (ROOT / "LICENSE").read_text()
