"""Where a run's manifests come from: the synthetic generator or the user's CSVs (:func:`collect`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import DataError
from .manifests import read_manifest


def collect(
    out_dir: str | Path,
    source: str = "synthetic",
    image_manifest: str | Path | None = None,
    video_manifest: str | Path | None = None,
    synth=None,
    synth_dir: str | Path | None = None,
    progress: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Put the image and video manifests of a run in place: ``out_dir/images.csv``, ``out_dir/videos.csv``.

    Parameters
    ----------
    out_dir : path
        Where the validated manifests (absolute paths) are written.
    source : {"synthetic", "manifest"}
        Generate (or reuse) the synthetic sets, or read the user's manifest CSVs.
    image_manifest, video_manifest : path, optional
        The user's manifests when ``source == "manifest"``.
    synth : SynthConfig, optional
        Size of the synthetic sets.
    synth_dir : path, optional
        Folder of the synthetic sets (default ``out_dir/../data``). The photos are always those of
        the ``matched`` world in this folder; the videos of a world with causes go to its sibling
        :func:`~painsign_utils.synthetic.data_folder` (``data-<world>-<key>``).
    """
    out_dir = Path(out_dir)
    if source == "synthetic":
        from dataclasses import replace

        from ..synthetic import SynthConfig, World, data_folder, generate

        cfg = synth or SynthConfig()
        base = Path(synth_dir or out_dir.parent / "data")
        if cfg.world.matched:
            paths = generate(base, cfg, progress=progress)
        else:
            # The photos are the matched world's, the very files (every world trains on them);
            # the videos of a world with causes live beside them in their own folder.
            paths = generate(base, replace(cfg, world=World()), videos=False, progress=progress)
            videos_dir = base.parent / data_folder(cfg.world)
            paths.update(generate(videos_dir, cfg, images=False, progress=progress))
        image_manifest, video_manifest = paths["images"], paths["videos"]
    elif source == "manifest":
        if not image_manifest or not video_manifest:
            raise DataError("source 'manifest' needs both image_manifest and video_manifest")
    else:
        raise DataError(f"unknown data source {source!r}; use 'synthetic' or 'manifest'")
    images = read_manifest(image_manifest, "image")
    videos = read_manifest(video_manifest, "video")
    from ..storage import write_csv

    write_csv(images, out_dir / "images.csv")
    write_csv(videos, out_dir / "videos.csv")
    return images, videos
