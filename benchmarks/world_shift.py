"""How much the icopevid-like world moves the trained models' video numbers (a measurement, not a test).

Generates a small video set in the ``matched`` world, in the ``icopevid-like`` world and, with
``--ablate``, in the icopevid-like world with each cause off alone; finds the faces with RetinaFace at
``--fps`` analysed frames per second; scores every video with each model's best checkpoint of a built
profile (``training/best_models.csv``) as the authors' protocol does (mean of the centred 1-s sign
against the model's threshold); and prints per world and model: video AUC, sensitivity, specificity,
accuracy, and the frame AUC against the *pain* truth (intensity >= 0.5, frames with a face).

    PYTHONPATH=. python benchmarks/world_shift.py --artifacts artifacts/demo --videos 24 --ablate

Nothing here is tuned: the causes keep their documented strengths (chapter 00's table).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score

from painsign_utils.evaluation.summary import summarize_video
from painsign_utils.faces import detect_video, get_detector
from painsign_utils.inference import video_probabilities_by_model
from painsign_utils.models import load_checkpoint
from painsign_utils.protocol import get_protocol
from painsign_utils.synthetic import CAUSES, SynthConfig, generate, make_world


def worlds(ablate: bool) -> dict[str, dict]:
    """``{row name: (world name, overrides)}``: matched, all causes, and each cause off alone."""
    out = {"matched": ("matched", {}), "icopevid-like": ("icopevid-like", {})}
    if ablate:
        out.update({f"without {c}": ("icopevid-like", {c: False}) for c in CAUSES})
    return out


def score_world(
    cfg: SynthConfig, folder: Path, models: dict, best: pd.DataFrame, step: int, detector
) -> pd.DataFrame:
    """One row per model: video AUC, sensitivity, specificity, accuracy, frame AUC (pain truth)."""
    generate(folder, cfg, images=False, n_jobs=1, progress=False)
    manifest = pd.read_csv(folder / "videos" / "manifest.csv")
    proto = get_protocol("authors")
    rows, frames = [], []
    for rec in manifest.itertuples():
        path = folder / "videos" / rec.path
        dets = detect_video(path, detector, step=step, progress=False, require_face=False)
        probs = video_probabilities_by_model(path, models, dets, progress=False)
        truth = pd.read_csv(folder / "videos" / rec.truth).set_index("frame")
        for name, p in probs.items():
            theta = float(best.loc[name, "threshold"])
            try:
                s = summarize_video(p, theta, mode=proto.sign_mode, video_score=proto.video_score)
            except Exception:  # no face in any frame: the video counts as "no pain"
                s = {"score": 0.0, "prediction": 0}
            rows.append(
                {
                    "model": name,
                    "label": int(rec.label == "pain"),
                    **{k: s[k] for k in ("score", "prediction")},
                }
            )
            f = p.dropna(subset=["prob"])
            frames.append(
                pd.DataFrame(
                    {
                        "model": name,
                        "prob": f["prob"].to_numpy(),
                        "pain": truth.loc[f["frame"], "intensity"].to_numpy() >= 0.5,
                    }
                )
            )
    videos, frames = pd.DataFrame(rows), pd.concat(frames)
    out = []
    for name, v in videos.groupby("model"):
        y, pred = v["label"].to_numpy(), v["prediction"].to_numpy()
        fr = frames[frames["model"] == name]
        out.append(
            {
                "model": name,
                "video_auc": roc_auc_score(y, v["score"]),
                "sensitivity": pred[y == 1].mean(),
                "specificity": 1 - pred[y == 0].mean(),
                "accuracy": (pred == y).mean(),
                "frame_auc_pain": roc_auc_score(fr["pain"], fr["prob"]),
            }
        )
    return pd.DataFrame(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--artifacts", type=Path, default=Path("artifacts/demo"))
    p.add_argument("--out", type=Path, default=Path("/tmp/painsign-world-shift"))
    p.add_argument("--videos", type=int, default=24, help="videos per world (pain share 49/120)")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--fps", type=float, default=3.0, help="analysed frames per second")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ablate", action="store_true", help="also each cause off alone")
    p.add_argument(
        "--only",
        nargs="*",
        default=None,
        help="run only these rows (e.g. matched 'without distress')",
    )
    args = p.parse_args()
    best = pd.read_csv(args.artifacts / "training" / "best_models.csv").set_index("model")
    root = args.artifacts.parent
    models = {m: load_checkpoint(root / best.loc[m, "checkpoint"]) for m in best.index}
    n_pain = max(2, int(round(args.videos * 49 / 120)))
    detector, step = get_detector("retinaface"), max(1, int(round(30.0 / args.fps)))
    tables = []
    rows = worlds(args.ablate or bool(args.only))
    for row, (name, overrides) in rows.items():
        if args.only and row not in args.only:
            continue
        start = time.perf_counter()
        cfg = SynthConfig(
            seed=args.seed,
            video_subjects=args.videos,
            video_pain=n_pain,
            video_nopain=args.videos - n_pain,
            video_seconds=args.seconds,
            world=make_world(name, overrides),
        )
        folder = args.out / row.replace(" ", "_")
        table = score_world(cfg, folder, models, best, step, detector)
        tables.append(table.assign(world=row))
        with pd.option_context("display.float_format", "{:.3f}".format):
            print(
                f"{row} ({time.perf_counter() - start:.0f} s)\n{table.to_string(index=False)}",
                flush=True,
            )
    result = pd.concat(tables)[
        ["world", "model", "video_auc", "sensitivity", "specificity", "accuracy", "frame_auc_pain"]
    ]
    with pd.option_context("display.width", 140, "display.float_format", "{:.3f}".format):
        print(result.to_string(index=False))
    val = best["val_auc"].rename("val_auc")
    print("\nvalidation AUC (photos):", val.round(3).to_dict())


if __name__ == "__main__":
    main()
