"""``painsign book``, ``painsign params`` and ``painsign commands``: the book, whole or a chapter at a time.

``book`` executes the notebooks under a profile and builds the HTML (:func:`painsign_utils.runner.run_book`).
``params`` prints one chapter's parameters under a profile as flat YAML, for
``papermill notebooks/NN_x.ipynb out.ipynb -f params.yml``; ``commands`` prints the papermill command
of every chapter. Both resolve a profile as the runner does (:mod:`painsign_utils.report.rerun`).
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Register ``painsign book``, ``params`` and ``commands`` on the CLI's subparsers."""
    p = sub.add_parser("book", help="execute the notebooks under a profile and build the book")
    p.add_argument(
        "--profile",
        default="demo",
        help="smoke, demo, paper, or a YAML file (default: %(default)s)",
    )
    p.add_argument("--only", default="", help="comma-separated notebook prefixes, e.g. 00,01")
    p.add_argument(
        "--force",
        action="store_true",
        help="execute every chapter, even those unchanged since they last executed",
    )
    p.add_argument(
        "--no-build", action="store_true", help="execute the notebooks but do not render HTML"
    )
    p.set_defaults(func=book_command)

    p = sub.add_parser(
        "params",
        help="one chapter's parameters under a profile, as YAML for papermill -f",
        description="Print every parameter of a chapter's notebook with the value a profile gives "
        "it (the notebook's default where the profile says nothing), as flat YAML: "
        "painsign params --profile paper 02_training > p.yml; "
        "papermill notebooks/02_training.ipynb out.ipynb -f p.yml",
    )
    p.add_argument("chapter", help="notebook name or number prefix: 02_training or 02")
    p.add_argument(
        "--profile",
        default="demo",
        help="smoke, demo, paper, or a YAML file (default: %(default)s)",
    )
    p.set_defaults(func=params_command)

    p = sub.add_parser(
        "commands",
        help="the papermill command of every chapter under a profile",
        description="Print one papermill command per chapter, in order, with the parameters the "
        "profile gives each (what painsign book runs).",
    )
    p.add_argument("profile", help="smoke, demo, paper, or a YAML file")
    p.set_defaults(func=commands_command)


def book_command(args: argparse.Namespace) -> int:
    """Run the book (:func:`painsign_utils.runner.run_book`) and print the index page it built."""
    from ..runner import run_book

    only = args.only.split(",") if args.only else None
    result = run_book(args.profile, only=only, build=not args.no_build, reuse=not args.force)
    if "index" in result:
        print(result["index"])
    return 0


def chapter_parameters(chapter: str, profile: str | Path) -> dict[str, Any]:
    """Every parameter of ``chapter``'s notebook, in its order: the profile's value, else the default.

    Raises
    ------
    ConfigError
        An unknown chapter or profile, or a profile giving the chapter a parameter it lacks.
    """
    import papermill

    from ..report.rerun import notebook_source, profile_parameters
    from ..runner import profile_path

    nb = notebook_source(chapter)
    profile_path(profile)  # here an unknown profile is an error, not the notebook's defaults
    given = profile_parameters(nb, str(profile))
    declared = papermill.inspect_notebook(str(nb))
    return {
        k: given[k] if k in given else ast.literal_eval(spec["default"])
        for k, spec in declared.items()
    }


def params_command(args: argparse.Namespace) -> int:
    """Print :func:`chapter_parameters` as YAML."""
    import yaml

    params = chapter_parameters(args.chapter, args.profile)
    # Block style, in the notebook's order: what papermill -f reads.
    print(yaml.safe_dump(params, sort_keys=False, default_flow_style=False), end="")
    return 0


def commands_command(args: argparse.Namespace) -> int:
    """Print the papermill command of every chapter (:func:`painsign_utils.report.profile_commands`)."""
    from ..report.rerun import profile_commands

    print("\n".join(profile_commands(args.profile)))
    return 0
