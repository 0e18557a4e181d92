"""The command line: conventional help, one-line errors with exit status 2."""

from __future__ import annotations

import pytest

from painsign_utils.cli.main import main


def test_help_and_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert "painsign" in capsys.readouterr().out


def test_unknown_profile_is_one_line(capsys):
    assert main(["book", "--profile", "nosuch", "--no-build"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("painsign: error: unknown profile 'nosuch'") and "\n" not in err


def test_check_manifest(tiny_synth, tmp_path, capsys):
    assert main(["check", str(tiny_synth["images"]), "--kind", "image"]) == 0
    assert "images of" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("path,subject,label\nx.jpg,S1,pain\n")
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "missing column(s) dataset" in err and "\n" not in err


def test_synth_writes_manifests(tmp_path, capsys):
    code = main(
        [
            "synth",
            "--out",
            str(tmp_path / "s"),
            "--scale",
            "0.05",
            "--seconds",
            "1",
            "-q",
            "--jobs",
            "1",
        ]
    )
    assert code == 0
    assert (tmp_path / "s" / "videos" / "manifest.csv").exists()


def test_params_prints_a_chapters_parameters_for_papermill(capsys):
    import ast

    import papermill
    import yaml

    from painsign_utils.report.rerun import notebook_source, profile_parameters

    nb = notebook_source("02_training")
    assert main(["params", "--profile", "paper", "02"]) == 0
    params = yaml.safe_load(capsys.readouterr().out)
    declared = papermill.inspect_notebook(str(nb))
    assert list(params) == list(declared)
    given = profile_parameters(nb, "paper")
    for name, spec in declared.items():
        want = given[name] if name in given else ast.literal_eval(spec["default"])
        assert params[name] == want, name
    assert params["profile"] == "paper"


@pytest.mark.parametrize(
    "args, needle",
    [
        (["params", "--profile", "nosuch", "02"], "unknown profile 'nosuch'"),
        (["params", "--profile", "demo", "99_none"], "no single notebook named '99_none'"),
    ],
)
def test_params_refuses_an_unknown_profile_or_chapter(capsys, args, needle):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err
