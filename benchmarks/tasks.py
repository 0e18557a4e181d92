"""Where chapter 02's folds should run on this machine: in the kernel, or on a LocalCluster of N workers.

Usage: python benchmarks/tasks.py [--folds 4] [--epochs 2] [--workers 0 1 2]

Trains N-CNN's folds on a small rendered image set through :class:`painsign_utils.tasks.TaskRunner`
for each worker count and prints the wall time, the seconds a fold and the ratio to the in-kernel
run, and whether the folds' predictions are byte-identical to it (they must be: each task runs
PyTorch with the same thread count). Pick the fastest count for the profile's ``dask_workers``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from painsign_utils import training
from painsign_utils.render import Placement, Subject, expression_from_intensity, place_face
from painsign_utils.tasks import TaskRunner


def _faces(root: Path, subjects: int = 16, per_subject: int = 8) -> pd.DataFrame:
    rows = []
    for s in range(subjects):
        rng = np.random.default_rng(s)
        subject = Subject.random(rng, f"S{s}")
        for j in range(per_subject):
            pain = j % 2 == 0
            frame = np.full((128, 128, 3), 80 + 5 * s, np.uint8)
            expr = expression_from_intensity(0.85 if pain else 0.05, subject, rng)
            place_face(frame, subject, expr, Placement(64, 60, 46, float(rng.uniform(-10, 10))))
            path = root / f"S{s}_{j}.png"
            cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            rows.append(
                {
                    "path": str(path),
                    "crop": str(path),
                    "subject": f"S{s}",
                    "dataset": "A" if s % 2 else "B",
                    "label": "pain" if pain else "nopain",
                    "found": True,
                }
            )
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        faces = _faces(root)
        folds = training.make_folds(faces, args.folds, seed=0)
        cfg = training.TrainConfig(
            n_folds=args.folds, max_epochs=args.epochs, patience=99, n_augment=1, face_check=False
        )
        reference, base = None, None
        for workers in args.workers:
            out = root / f"w{workers}"
            t0 = time.perf_counter()
            with TaskRunner.start(workers) as tasks:
                started = time.perf_counter() - t0
                training.train_model("ncnn", faces, folds, out, cfg, progress=False, tasks=tasks)
            wall = time.perf_counter() - t0
            preds = [
                (out / "ncnn" / f"fold{k}" / "predictions.csv").read_bytes()
                for k in range(args.folds)
            ]
            reference = reference or preds
            base = base or wall
            print(
                f"workers={workers}  threads/task={tasks.threads}  wall {wall:6.1f} s "
                f"(start {started:4.1f} s)  {wall / args.folds:5.1f} s a fold  "
                f"x{base / wall:4.2f} vs first  identical: {preds == reference}",
                flush=True,
            )


if __name__ == "__main__":
    main()
