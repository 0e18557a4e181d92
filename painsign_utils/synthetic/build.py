"""Writing whole synthetic sets: images, videos, manifests and ``config.json``, resumable.

:func:`generate` reuses a finished set, resumes an interrupted one made with the same settings and
discards files made with other settings.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..errors import ConfigError
from ..storage import read_json, remove_stale_temporaries, write_csv, write_json
from .config import SynthConfig
from .images import image_job, image_plan
from .videos import video_job, video_plan
from .workers import run_jobs


def _discard_partial(out: Path) -> int:
    """Remove the files an unfinished run made under ``out/images`` and ``out/videos`` (ours only)."""
    n = 0
    for pattern in (
        "images/*.jpg",
        "images/manifest.csv",
        "videos/*.mp4",
        "videos/manifest.csv",
        "videos/truth/*.csv",
    ):
        for p in out.glob(pattern):
            p.unlink()
            n += 1
    return n


def generate(
    out: str | Path,
    cfg: SynthConfig | None = None,
    images: bool = True,
    videos: bool = True,
    n_jobs: int | None = None,
    progress: bool = True,
) -> dict[str, Path]:
    """Write the synthetic image and video sets with their manifests under ``out``.

    Layout::

        out/config.json
        out/images/manifest.csv      path, subject, dataset, label, nfcs, intensity, state, roll, x, y, w, h, landmarks
        out/images/<id>.jpg
        out/videos/manifest.csv      path, subject, dataset, label, fps, scenario, truth
        out/videos/<id>.mp4
        out/videos/truth/<id>.csv    frame, time, intensity, face_visible, hand, ..., x, y, w, h, landmarks

    A finished set (its manifest present and the same config) is reused as it is; files from an
    interrupted run with the same settings are reused one by one, files from one with other settings
    are discarded, and hidden temporary files of killed writers are removed. ``config.json`` is
    written last. Ctrl-C or SIGTERM ends the worker processes.

    Returns
    -------
    dict
        ``{"images": manifest path, "videos": manifest path}`` for the parts generated.
    """
    cfg = cfg or SynthConfig()
    cfg.validate()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} is a file; the synthetic set needs a folder")
    out.mkdir(parents=True, exist_ok=True)
    config_path = out / "config.json"
    # config.json marks a finished set and is written last; while a run is under way its settings
    # are in .config.partial.json, so that an interrupted run never blocks a rerun with other
    # settings, and its files are never mixed with files made under other settings.
    partial_path = out / ".config.partial.json"
    wanted = cfg.record()
    if config_path.exists() and read_json(config_path) != wanted:
        raise ConfigError(
            f"{out} holds a synthetic set made with other settings; choose another folder or delete it"
        )
    for sub in (out / "images", out / "videos"):
        removed = remove_stale_temporaries(sub, recursive=True)
        if removed:
            print(
                f"synthetic: removed {removed} temporary file(s) left by an interrupted run in {sub}"
            )
    if not config_path.exists():
        if partial_path.exists() and read_json(partial_path) != wanted:
            n = _discard_partial(out)
            print(
                f"synthetic: an interrupted run with other settings left {n} file(s) in {out}; discarded"
            )
        write_json(wanted, partial_path)
    n_jobs = n_jobs or min(4, os.cpu_count() or 1)
    result: dict[str, Path] = {}
    if images:
        manifest = out / "images" / "manifest.csv"
        if not manifest.exists():
            plan = image_plan(cfg)
            jobs = [(cfg, rec, str(out / "images")) for rec in plan.to_dict("records")]
            (out / "images").mkdir(exist_ok=True)
            rows = list(run_jobs(jobs, image_job, n_jobs, "images", progress))
            write_csv(pd.DataFrame(rows), manifest)
        result["images"] = manifest
    if videos:
        manifest = out / "videos" / "manifest.csv"
        if not manifest.exists():
            plan = video_plan(cfg)
            jobs = [(cfg, rec, str(out / "videos")) for rec in plan.to_dict("records")]
            (out / "videos" / "truth").mkdir(parents=True, exist_ok=True)
            rows = list(run_jobs(jobs, video_job, n_jobs, "videos", progress))
            write_csv(pd.DataFrame(rows), manifest)
        result["videos"] = manifest
    if not config_path.exists():
        os.replace(partial_path, config_path)  # atomic: the set is finished
    return result
