"""How much the icopevid-like world moves the trained models' video numbers (a measurement, not a test).

A command-line front to the book's ablation (:mod:`painsign_utils.evaluation.ablation`, chapter 03):
for a built profile it generates a small video set with every cause on, with each cause off alone
and with all off, scores it with each model's best checkpoint (``training/best_models.csv``) as the
authors' protocol does, and prints the ablation table and the wall time of each world.

    PYTHONPATH=. python benchmarks/world_shift.py --artifacts artifacts/demo --videos 24

Nothing here is tuned: the causes keep their documented strengths (chapter 00's table).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from painsign_utils.evaluation.ablation import AblationSettings, domain_ablation


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--artifacts", type=Path, default=Path("artifacts/demo"))
    p.add_argument("--out", type=Path, default=Path("/tmp/painsign-world-shift"))
    p.add_argument("--videos", type=int, default=24, help="videos per world, half of them pain")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--fps", type=float, default=3.0, help="analysed frames per second")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--causes", nargs="*", default=None, help="only these causes off one at a time")
    args = p.parse_args()
    best = pd.read_csv(args.artifacts / "training" / "best_models.csv")
    val = pd.read_csv(args.artifacts / "training" / "metrics.csv").groupby("model")["auc"].mean()
    settings = AblationSettings(
        n_videos=args.videos, fps=args.fps, seconds=args.seconds, seed=args.seed
    )
    table = domain_ablation(args.out, best, val.to_dict(), settings, args.causes)
    with pd.option_context("display.width", 160, "display.float_format", "{:.3f}".format):
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
