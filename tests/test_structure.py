"""The package's shape: no import cycle, no private name imported across modules, no new big module.

Read from the source with ``ast`` (nothing is imported), so a cycle hidden in a function-level
import counts too: it is a cycle the day someone moves that import to the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "painsign_utils"

#: Above this many lines a module is doing several jobs (issue 14).
MAX_LINES = 400
#: The modules over MAX_LINES that are still to be split by job (issue 14, part 2 empties this set).
#: A module that gets small must leave the set; a new big module fails the test.
STILL_TO_SPLIT: set[str] = set()


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, str | None]]:
    """(module imported, name imported from it or None) for every import of the package, at any depth."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            if target.split(".")[0] != "painsign_utils":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((sub, None) if sub in modules else (target, alias.name))
        elif isinstance(node, ast.Import):
            found += [
                (a.name, None) for a in node.names if a.name.split(".")[0] == "painsign_utils"
            ]
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {
        m: {t for t, _ in _imports(m, p, modules) if t in modules and t != m}
        for m, p in modules.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_walk_sees_the_package():
    graph = _graph()
    assert {"painsign_utils.cli", "painsign_utils.models", "painsign_utils.figures.sign"} <= set(
        graph
    )
    assert "painsign_utils.registry" in graph["painsign_utils.models.weights"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle():
    cycles = _cycles(_graph())
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_the_model_layer_does_not_import_the_figures():
    graph = _graph()
    for m in ("painsign_utils.models", "painsign_utils.registry", "painsign_utils.training"):
        assert not {t for t in graph[m] if t.startswith("painsign_utils.figures")}, m


def test_no_private_name_is_imported_across_modules():
    modules = _modules()
    bad = [
        f"{m} imports {name} from {target}"
        for m, path in modules.items()
        for target, name in _imports(m, path, modules)
        if name and name.startswith("_") and not name.startswith("__") and target != m
    ]
    assert not bad, "\n".join(bad)


def test_big_modules_are_exactly_the_ones_still_to_split():
    big = {
        m
        for m, p in _modules().items()
        if len(p.read_text(encoding="utf-8").splitlines()) > MAX_LINES
    }
    assert not big - STILL_TO_SPLIT, (
        f"new module(s) over {MAX_LINES} lines: {sorted(big - STILL_TO_SPLIT)}"
    )
    assert not STILL_TO_SPLIT - big, (
        f"now at most {MAX_LINES} lines, remove from STILL_TO_SPLIT: {sorted(STILL_TO_SPLIT - big)}"
    )


def test_test_tooling_lives_under_tests():
    assert not (PACKAGE / "browser.py").exists()


def test_cli_names_every_subcommand_without_caveats():
    text = (PACKAGE / "cli" / "main.py").read_text(encoding="utf-8")
    assert "optional while" not in text


def test_docstrings_cite_the_design_document_in_the_repository():
    assert (ROOT / "docs" / "design.md").is_file()
    stale = [
        f"{p.relative_to(ROOT)}"
        for p in PACKAGE.rglob("*.py")
        if "DESIGN" in p.read_text(encoding="utf-8")
    ]
    assert not stale, f"cite docs/design.md, not DESIGN: {stale}"
