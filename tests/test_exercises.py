"""The exercises live in each notebook's markdown; the closing cell records the run and its cost.

No notebook is executed: the notebooks are read as files, the closing cell's functions are called
on small hand-made notebooks, profiles and ``timings.csv`` files.
"""

from __future__ import annotations

import ast
import math
import re
import shlex
from pathlib import Path

import nbformat
import papermill
import pytest

from painsign_utils import report, runner
from painsign_utils.report.rerun import changed_parameters
from painsign_utils.report.timings import rerun_category, rerun_minutes

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: A sphinx-exercise block: ``:::{exercise}`` with its label, up to the closing fence.
EXERCISE = re.compile(r"^:::\{exercise\}\n:label: (?P<label>\S+)\n(?P<body>.*?)^:::$", re.M | re.S)
SOLUTION = re.compile(r"^:::\{solution\} (?P<label>\S+)$", re.M)
GLUED = re.compile(r"\{glue:text\}`(?P<key>[\w-]+)`")


def exercises(path: Path) -> dict[str, str]:
    """Label -> body of every exercise block in a notebook's markdown cells, in page order."""
    nb = nbformat.read(path, as_version=4)
    text = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return {m["label"]: m["body"] for m in EXERCISE.finditer(text)}


def rerun_spans(path: Path) -> dict[int, tuple[str, str]]:
    """The ``{exercise: (first, last)}`` the notebook's last cell passes to ``exercise_times``."""
    source = nbformat.read(path, as_version=4).cells[-1].source
    call = next(
        n
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "exercise_times"
    )
    return ast.literal_eval(call.args[1])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_are_labelled_solved_and_name_declared_parameters(path):
    found = exercises(path)
    assert found, f"{path.stem}: no exercise"
    # labels are what other pages {ref}: ex-<stem>-1, -2, ... in order
    assert list(found) == [f"ex-{path.stem}-{i}" for i in range(1, len(found) + 1)]
    nb = nbformat.read(path, as_version=4)
    solved = set(SOLUTION.findall("\n".join(c.source for c in nb.cells)))
    assert solved <= set(found)
    declared = set(papermill.inspect_notebook(str(path)))
    for label, body in found.items():
        task = GLUED.sub("", body)
        named = set(re.findall(r"`([A-Za-z_]\w*)`", task)) - {"demo", "smoke", "paper"}
        assert named <= declared, f"{label} names undeclared parameters {named - declared}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_rerun_time_an_exercise_shows_is_glued_by_the_last_cell(path):
    num = path.stem[:2]
    spans = rerun_spans(path)
    shown = {
        key
        for body in exercises(path).values()
        for key in GLUED.findall(body)
        if key.startswith(f"ch{num}-ex")
    }
    assert shown == {f"ch{num}-ex{i}-{what}" for i in spans for what in ("minutes", "when")}
    for first, last in spans.values():
        assert first <= last and any(p.stem.startswith(last) for p in NOTEBOOKS)


def test_editing_an_exercise_in_a_copy_is_what_the_parsing_sees(tmp_path):
    source = ROOT / "notebooks" / "04_pain_sign.ipynb"
    copy = tmp_path / source.name
    nb = nbformat.read(source, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and ":::{exercise}" in c.source)
    cell.source = cell.source.replace("`strip_every_s`", "`no_such_parameter`", 1)
    cell.source = cell.source.replace(
        ":::{exercise}", ":::{exercise}\n:label: ex-new\n\nNew.\n:::\n\n:::{exercise}", 1
    )
    nbformat.write(nb, copy)
    before, after = exercises(source), exercises(copy)
    assert list(after) == ["ex-new", *before]
    assert "no_such_parameter" in " ".join(after.values())
    assert "no_such_parameter" not in " ".join(before.values())


def _notebook(root: Path, stem: str, params: str) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), cell]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = root / "notebooks" / f"{stem}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_closing_table_records_the_injected_values_and_the_command_repeats_them(tmp_path):
    nb = _notebook(
        tmp_path,
        "04_sign",
        'profile = "demo"\nfocus_model = "ncnn"  # model shown\nstep = 1.0\nitems = [1, 2]',
    )
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "demo.yml").write_text(
        "common: {profile: demo}\nnotebooks:\n  04_sign: {step: 2.0}\n"
    )
    # what papermill -p focus_model vggface leaves in the kernel (plus unrelated names)
    injected = {"profile": "demo", "focus_model": "vggface", "step": 2.0, "items": [1, 2], "x": 3}
    table, command = report.chapter_end("04", "demo", injected, root=tmp_path)
    assert table.loc["focus_model", "this build"] == "'vggface'"
    assert table["changed"].to_dict() == {
        "profile": False,
        "focus_model": True,  # not what the demo profile passes
        "step": False,  # the profile's value, although not the notebook's default
        "items": False,
    }
    cmd = shlex.split(command)
    assert cmd[:2] == ["papermill", str(nb)]
    assert cmd[cmd.index("focus_model") - 1 : cmd.index("focus_model") + 2] == [
        "-r",
        "focus_model",
        "vggface",
    ]
    assert ["-p", "step", "2.0"] == cmd[cmd.index("step") - 1 : cmd.index("step") + 2]
    assert "profile" not in cmd and "items" not in cmd and "x" not in cmd
    # without values: the profile's own run
    table, command = report.chapter_end("04", "demo", root=tmp_path)
    assert not table["changed"].any() and "focus_model" not in command and "step" in command
    # a profile without a file (-p profile mine): no error; every injected value is in the command
    table, command = report.chapter_end("04", "mine", {"profile": "mine"}, root=tmp_path)
    assert table.loc["profile", "this build"] == "'mine'" and table.loc["profile", "changed"]
    assert "-r profile mine" in command
    assert changed_parameters(nb, {"items": [1, 2], "step": 1}) == {}


def test_rerun_minutes_and_category_from_timings(tmp_path):
    for stem in ("00_a", "01_b", "02_c", "03_d"):
        _notebook(tmp_path, stem, 'profile = "t"')
    art = tmp_path / "art"
    art.mkdir()
    for stem, seconds, fresh in (
        ("00_a", 30.0, True),
        ("01_b", 60.0, True),
        ("01_b", 6.0, False),  # a cached re-run since: the fresh time is what a re-run costs
        ("02_c", 300.0, False),  # no fresh run: the latest one
    ):
        runner.record_timing(art, "t", stem, seconds, fresh=fresh)
    assert rerun_minutes("t", "01", art=art, root=tmp_path) == pytest.approx(1.0)
    assert rerun_minutes("t", "00", "02", art=art, root=tmp_path) == pytest.approx(6.5)
    assert math.isnan(rerun_minutes("t", "02", "03", art=art, root=tmp_path))  # 03 never timed
    assert math.isnan(rerun_minutes("t", "00", art=tmp_path / "none", root=tmp_path))
    assert math.isnan(rerun_minutes("../x", "00", root=tmp_path))  # not a profile name
    assert [rerun_category(m) for m in (0.5, 2.0, float("nan"))] == ["in class", "homework", "–"]
    times = report.exercise_times("t", {1: ("00", "00"), 2: ("01", "03")}, art=art, root=tmp_path)
    assert times["shown"].tolist() == ["0.5", "–"] and times["when"].tolist() == ["in class", "–"]
    assert times.index.tolist() == [1, 2]


def test_an_exercise_edited_in_a_copy_is_what_its_page_shows(tmp_path):
    """One page built by Sphinx with myst-nb and sphinx-exercise, as the book's (no execution)."""
    import subprocess
    import sys

    nb = nbformat.read(ROOT / "notebooks" / "04_pain_sign.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and ":::{exercise}" in c.source)
    cell.source = cell.source.replace(
        "Set `strip_every_s` to 0.5", "Set `strip_every_s` to 0.25", 1
    )
    nbformat.write(nb, tmp_path / "index.ipynb")
    (tmp_path / "conf.py").write_text(
        'extensions = ["myst_nb", "sphinx_exercise"]\n'
        'myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath", "deflist"]\n'
        'nb_execution_mode = "off"\n'
    )
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(tmp_path), str(tmp_path / "html")],
        check=True,
        capture_output=True,
    )
    page = (tmp_path / "html" / "index.html").read_text()
    task = page[page.index('id="ex-04_pain_sign-2"') :][:2000]  # the exercise's box
    assert "to 0.25" in task and "to 0.5 " not in task


def _module_level_targets(tree: ast.AST):
    """Names bound at a cell's top level (not inside functions, classes or comprehensions)."""
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.comprehension)
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            yield node.id
        stack.extend(c for c in ast.iter_child_nodes(node) if not isinstance(c, scopes))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_rebinds_a_parameter_so_the_closing_table_shows_the_injected_value(path):
    nb = nbformat.read(path, as_version=4)
    declared = set(papermill.inspect_notebook(str(path)))
    start = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    for cell in nb.cells[start + 1 :]:
        if cell.cell_type == "code":
            rebound = declared & set(_module_level_targets(ast.parse(cell.source)))
            assert not rebound, f"{path.stem} cell {cell.get('id')} rebinds {rebound}"
