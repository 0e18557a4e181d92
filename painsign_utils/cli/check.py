"""``painsign check``: validate a manifest CSV and open every file it lists."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub) -> None:
    """Register ``painsign check`` on the CLI's subparsers."""
    p = sub.add_parser("check", help="validate a manifest CSV and open every file it lists")
    p.add_argument("manifest", type=Path)
    p.add_argument("--kind", choices=("image", "video"), default="image")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=check_command)


def check_command(args: argparse.Namespace) -> int:
    """Read the manifest, open every file, and print one line of counts."""
    from ..data import read_manifest, subject_table, verify_files

    df = read_manifest(args.manifest, kind=args.kind)
    opened = verify_files(df, args.kind, source=str(args.manifest), progress=not args.quiet)
    if args.kind == "video":
        # Chapter 01 names its caches by a digest of the full path, but per-video tables further on
        # are filed under the file name: two videos of one name would share them.
        stems = df["path"].map(lambda p: Path(p).stem)
        same = stems[stems.duplicated(keep=False)]
        if len(same):
            print(
                f"painsign: warning: {same.nunique()} file name(s) used by more than one video "
                f"(e.g. {same.iloc[0]!r}, rows {', '.join(str(i + 2) for i in same.index[:3])}); "
                "give every video a unique file name",
                file=sys.stderr,
            )
    subjects = subject_table(df)
    frames = f"; {int(opened['frames'].sum())} frames" if "frames" in opened else ""
    print(
        f"{args.manifest}: {len(df)} {args.kind}s of {len(subjects)} subjects in "
        f"{df['dataset'].nunique()} dataset(s); {int((df['label'] == 'pain').sum())} pain, "
        f"{int((df['label'] == 'nopain').sum())} no pain; every file opened{frames}"
    )
    return 0
