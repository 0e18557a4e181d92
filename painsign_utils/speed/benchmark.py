"""Every path of every model on one clip, and what each speed-up costs: agreement with the exact
path (max |Δp|, face-found agreement, Pearson r of the signs), naive vs optimized side by side.
A re-run on the same machine with the same checkpoints and settings reuses the measurement
(:func:`cached_benchmark`, keyed by :func:`machine_key`)."""

from __future__ import annotations

import os
import platform
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from ..sign import pain_sign
from .paths import PathSpec
from .timing import build_classifier, classification_fps, end_to_end, face_crops

#: Below this standard deviation the exact sign counts as flat and its correlation is not reported.
FLAT_SIGN_SD = 0.01


def agreement(
    ref_probs: np.ndarray, probs: np.ndarray, window: int = 30, classify_every: int = 1
) -> dict:
    """How far a path's output is from the exact one on their common frames.

    Returns
    -------
    dict
        ``max_dp`` (max |Δp| over frames where both classified a face), ``face_agree`` (fraction of
        the frames the path classified on which both agree whether a face is there), ``sign_r``
        (Pearson r of the two signs; NaN when the exact sign is flat, sd < :data:`FLAT_SIGN_SD`),
        ``sign_max_d`` (max |Δ sign|), ``frames``.
    """
    n = min(len(ref_probs), len(probs))
    a, b = np.asarray(ref_probs[:n], float), np.asarray(probs[:n], float)
    both = ~np.isnan(a) & ~np.isnan(b)
    looked = np.arange(n) % classify_every == 0
    out = {"frames": n, "max_dp": float(np.abs(a[both] - b[both]).max()) if both.any() else np.nan}
    out["face_agree"] = float(np.mean(np.isnan(a[looked]) == np.isnan(b[looked]))) if n else np.nan
    if np.isnan(a).all() or np.isnan(b).all():
        out.update(sign_r=np.nan, sign_max_d=np.nan)
        return out
    sa, sb = pain_sign(a, window), pain_sign(b, window)
    out["sign_max_d"] = float(np.abs(sa - sb).max())
    # A sign that barely moves (sd < 0.01, e.g. an untrained model) makes r meaningless noise.
    moving = sa.std() >= FLAT_SIGN_SD and sb.std() > 0
    out["sign_r"] = float(np.corrcoef(sa, sb)[0, 1]) if moving else np.nan
    return out


def benchmark(
    video: str | Path,
    paths: dict[str, list[PathSpec]],
    budget_s: float = 10.0,
    ref_frames: int | None = None,
    n_crops: int = 64,
    progress: bool = True,
    checkpoints: dict[str, str | Path] | None = None,
) -> pd.DataFrame:
    """Measure every path of every model on one video.

    Parameters
    ----------
    video : path
        The benchmark clip (:func:`render_benchmark_video`).
    paths : dict
        Model name -> list of paths. A path labelled ``"exact"`` is the reference: its per-frame
        probabilities (over ``ref_frames`` frames, default the whole clip) are compared with those of
        every other path of the same model and input size.
    budget_s : float
        Wall-time budget of each end-to-end run (the naive paths of heavy models see fewer frames).
    checkpoints : dict, optional
        Model name -> trained checkpoint, used by the paths whose input size matches it (column
        ``weights``); the others run a random initialisation.

    Returns
    -------
    DataFrame
        One row per (model, path): ``model, path, settings, weights, exact, classify_fps, e2e_fps,
        frames, classify_cpu_fps, e2e_cpu_fps`` (per CPU-second, see :func:`classification_fps`)
        and, against the exact path at the same input size, ``max_dp, face_agree, sign_r,
        sign_max_d``; plus ``load`` (the 1-min load average when measured: other processes on the
        machine slow every number down).
    """
    from ..video import video_info

    info = video_info(video)
    crops = face_crops(video, n_crops)
    rows = []
    for name, specs in paths.items():
        refs: dict[int | None, np.ndarray] = {}
        ordered = sorted(specs, key=lambda s: s.label != "exact")  # references first
        for spec in ordered:
            clf = build_classifier(name, spec, checkpoint=(checkpoints or {}).get(name))
            cls_fps, cls_cpu = classification_fps(clf, crops, budget_s=budget_s / 2)
            is_ref = spec.label == "exact"
            run = end_to_end(
                video,
                clf,
                spec,
                fps=info.fps,
                budget_s=None if is_ref else budget_s,
                max_frames=ref_frames if is_ref else None,
            )
            if is_ref:
                refs[spec.input_size] = run["probs"]
            row = {
                "model": name,
                "path": spec.label,
                "settings": spec.describe(),
                "weights": "trained" if clf.model.threshold is not None else "random init",
                "exact": not (
                    spec.quantize
                    or spec.detect_side < max(info.width, info.height)
                    or spec.detect_every > 1
                    or spec.classify_every > 1
                ),
                "classify_fps": cls_fps,
                "e2e_fps": run["fps"],
                "frames": run["frames"],
                "classify_cpu_fps": cls_cpu,
                "e2e_cpu_fps": run["cpu_fps"],
                "load": os.getloadavg()[0],
            }
            ref = refs.get(spec.input_size)
            if ref is not None and not is_ref:
                row.update(
                    agreement(
                        ref,
                        run["probs"],
                        window=int(round(info.fps)),
                        classify_every=spec.classify_every,
                    )
                )
            rows.append(row)
            if progress:
                print(
                    f"{name:8s} {spec.label:10s} classify {cls_fps:7.1f}/s  end-to-end {run['fps']:7.1f} fps"
                    f"  ({run['frames']} frames; {spec.describe()})",
                    flush=True,
                )
    return pd.DataFrame(rows)


def machine_key() -> dict:
    """What a speed measurement depends on besides its settings: the CPU model, the number of
    cores, PyTorch's version and threads, and the benchmark's dtype (float32)."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:  # not Linux: platform's name of the processor
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "dtype": "float32",
    }


def cached_benchmark(
    folder: str | Path,
    video: str | Path,
    paths: dict[str, list[PathSpec]],
    budget_s: float = 10.0,
    ref_frames: int | None = None,
    checkpoints: dict[str, str | Path] | None = None,
    **kwargs,
) -> pd.DataFrame:
    """:func:`benchmark`, or its table from an earlier run on this machine with the same inputs.

    The measurement is kept in ``folder`` (:func:`painsign_utils.tasks.cached_result`), keyed by
    the clip and checkpoint files (:func:`~painsign_utils.storage.file_key`), every path's
    settings, the budgets and :func:`machine_key`. Another machine, a retrained model or other
    settings measure again; the reused table is the very one measured (timings included).
    """
    from ..storage import file_key, find_artifact
    from ..tasks import cached_result

    key = {
        "clip": file_key(video),
        "paths": {name: [asdict(s) for s in specs] for name, specs in paths.items()},
        "budget_s": float(budget_s),
        "ref_frames": ref_frames,
        "options": {k: v for k, v in kwargs.items() if k != "progress"},
        "checkpoints": {m: file_key(find_artifact(c)) for m, c in (checkpoints or {}).items()},
        "machine": machine_key(),
    }
    return cached_result(
        folder,
        key,
        lambda: benchmark(video, paths, budget_s, ref_frames, checkpoints=checkpoints, **kwargs),
        "speed benchmark",
    )


def speedup_table(df: pd.DataFrame) -> pd.DataFrame:
    """Naive and optimized figures side by side per model, with their ratio."""
    out = []
    for name, g in df.groupby("model", sort=False):
        naive = g[g["path"] == "naive"].iloc[0]
        opt = g[g["path"] == "optimized"].iloc[0]
        out.append(
            {
                "model": name,
                "naive settings": naive["settings"],
                "optimized settings": opt["settings"],
                "classify naive": naive["classify_fps"],
                "classify optimized": opt["classify_fps"],
                "classify ratio": opt["classify_fps"] / naive["classify_fps"],
                "e2e naive": naive["e2e_fps"],
                "e2e optimized": opt["e2e_fps"],
                "e2e ratio": opt["e2e_fps"] / naive["e2e_fps"],
                "e2e naive per CPU-s": naive["e2e_cpu_fps"],
                "e2e optimized per CPU-s": opt["e2e_cpu_fps"],
                "faces agree vs exact": opt.get("face_agree", np.nan),
                "max |dp| vs exact": opt.get("max_dp", np.nan),
                "max |d sign| vs exact": opt.get("sign_max_d", np.nan),
                "sign r vs exact": opt.get("sign_r", np.nan),
            }
        )
    return pd.DataFrame(out)


def keeps_up(table: pd.DataFrame, fps: float) -> pd.Series:
    """Per model of :func:`speedup_table`: does the optimized path run end to end at ``fps`` or faster?

    Returns
    -------
    Series of bool indexed by model, named ``keeps up``.
    """
    return pd.Series(
        (table["e2e optimized"] >= fps).to_numpy(dtype=bool),
        index=pd.Index(table["model"], name="model"),
        name="keeps up",
    )
