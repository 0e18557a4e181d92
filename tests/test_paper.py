"""painsign_utils.paper: the paper's numbers match its text, and no other module repeats them."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from painsign_utils import paper

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "painsign_utils"
NAMES = {"vggface": "VGG-Face", "ncnn": "N-CNN", "vit_b16": "ViT-B/16"}


def _paper_text() -> str:
    """The paper's text: ``$PAINSIGN_PAPER_TEXT``, or ``shared/paper/pain-sign-paper.txt`` beside the repo."""
    candidates = [os.environ.get("PAINSIGN_PAPER_TEXT", "")]
    candidates += [str(p / "shared" / "paper" / "pain-sign-paper.txt") for p in (ROOT, ROOT.parent)]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c).read_text(encoding="utf-8")
    pytest.skip(
        "the paper's text (shared/paper/pain-sign-paper.txt beside the repository, or "
        "$PAINSIGN_PAPER_TEXT) is not on this machine: values not checked against it"
    )


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def test_table1_against_the_text():
    text = _paper_text()
    for row, key in (
        ("Newborns", "newborns"),
        ("Males", "males"),
        ("Females", "females"),
        ("Total samples", "total samples"),
        ("Pain", "pain"),
        ("No Pain", "no pain"),
    ):
        cells = "\t".join(str(paper.TABLE1[d][key]) for d in ("iCOPE", "UNIFESP", "iCOPEvid"))
        assert re.search(rf"^{row}\t{cells}$", text, re.M), row


def test_table2_against_the_text():
    text = _paper_text()
    for m, label in zip(
        paper.METRICS, ("Accuracy", "Sensitivity", "Specificity", "AUC"), strict=True
    ):
        val = "\t".join(
            f"{pct(paper.TABLE2_VALIDATION[k][m][0])} ± {pct(paper.TABLE2_VALIDATION[k][m][1])}"
            for k in NAMES
        )
        assert f"\t{label}\t{val}\t{paper.FRIEDMAN_P[m]:.4f}" in text, label
        test = "\t".join(pct(paper.TABLE2_TEST[k][m]) for k in NAMES)
        assert f"\t{label}\t{test}\t-" in text, label
    assert f"Brahnam et al. [21] was {pct(paper.BRAHNAM_AUC)}" in text


def test_table3_against_the_text():
    text = _paper_text()
    for row in paper.TABLE3:
        r = dict(zip(paper.TABLE3_COLUMNS, row, strict=True))
        cells = "\t".join(
            [r["sign_type"].capitalize()]
            + [pct(r[m]) for m in paper.METRICS]
            + [
                f"{r['entropy_mean']:.2f} ± {r['entropy_sd']:.2f}",
                f"{r['crossings_mean']:.2f} ± {r['crossings_sd']:.2f}",
                str(r["n_pain"]),
                str(r["n_nopain"]),
            ]
        )
        assert cells in text, row[:2]
    # The monitor's fallback centroids are Table 3's N-CNN rows.
    assert paper.SIGN_CENTROIDS["unstable"] == (2.61, 6.75) and paper.SIGN_SPREADS["stable"] == (
        0.66,
        0.32,
    )


def test_section3_numbers_against_the_text():
    text = _paper_text()
    t = paper.THRESHOLDS
    assert (
        f"{pct(t['ncnn'])} for N-CNN, {pct(t['vggface'])} for VGG-Face, and {pct(t['vit_b16'])} "
        "for ViT-B/16"
    ) in text
    for (a, b), (mean, sd) in paper.PEARSON_R.items():
        assert f"$r = {mean:.2f} \\pm {sd:.2f}$ for {NAMES[a]} and {NAMES[b]}" in text
    assert (
        f"{100 * paper.SAME_TYPE_FRACTION:.0f}% of the videos were classified under the same sign type"
        in text
    )
    assert "the optimal number of clusters was three" in text and paper.N_SIGN_TYPES == 3


def test_pearson_r_reads_either_order():
    assert paper.pearson_r("vit_b16", "ncnn") == paper.PEARSON_R[("ncnn", "vit_b16")]


def _distinctive_numbers() -> tuple[set[float], set[tuple[float, float]]]:
    """paper.py's floats with three decimals (0.542, 0.886, ...) and its (mean, sd) pairs."""
    tree = ast.parse((PACKAGE / "paper.py").read_text(encoding="utf-8"))
    floats = {
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and type(n.value) is float
    }
    pairs = {
        (n.elts[0].value, n.elts[1].value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Tuple)
        and len(n.elts) == 2
        and all(isinstance(e, ast.Constant) and type(e.value) is float for e in n.elts)
    }
    return {x for x in floats if round(x, 2) != x}, pairs


def test_no_other_module_repeats_the_papers_numbers():
    floats, pairs = _distinctive_numbers()
    assert {0.542, 0.494, 0.431, 0.798, 0.886} <= floats and (0.52, 0.36) in pairs
    # Percentages as the paper prints them, inside string literals (not docstrings or comments).
    printed = re.compile(
        r"\b(54\.2|49\.4|43\.1|93\.0|79\.8|71\.2|74\.0|68\.8|81\.6|85\.7|56\.3|70\.6|72\.2)\s?%"
    )
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "paper.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        rel = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and type(node.value) is float
                and node.value in floats
            ):
                found.append(f"{rel}:{node.lineno}: {node.value}")
            elif (
                isinstance(node, ast.Tuple)
                and len(node.elts) == 2
                and all(isinstance(e, ast.Constant) for e in node.elts)
                and tuple(e.value for e in node.elts) in pairs
            ):
                found.append(f"{rel}:{node.lineno}: {tuple(e.value for e in node.elts)}")
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
                and printed.search(node.value)
            ):
                found.append(f"{rel}:{node.lineno}: {node.value[:60]!r}")
    assert not found, "the paper's numbers belong in painsign_utils/paper.py only:\n" + "\n".join(
        found
    )
