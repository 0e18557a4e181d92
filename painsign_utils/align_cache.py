"""Chapter 07's heavy steps, reused by a re-run whose inputs have not changed.

Collecting every analysed frame of every video (hundreds of small CSVs, per model) and averaging
the aligned faces (decoding every video up to its last wanted frame) take most of the chapter.
:func:`frames_by_model` and :func:`cached_average_faces` run :func:`painsign_utils.align.collect_frames`
and :func:`painsign_utils.align.average_faces_by_model` once per key
(:func:`painsign_utils.tasks.cached_result`): the CSVs read (by content), the manifest and the
thresholds for the frames; the frame tables, the video files (:func:`~painsign_utils.storage.file_key`)
and the settings for the faces. The results are the pickled objects themselves, so the tables
written from them keep their bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from .align import AverageFaces, average_faces_by_model, collect_frames
from .storage import file_key
from .tasks import cached_result


def frames_by_model(
    videos: pd.DataFrame,
    probs_path: Callable[[str, pd.Series], str | Path],
    thresholds: Mapping[str, float],
    folder: str | Path | None = None,
) -> dict[str, pd.DataFrame]:
    """:func:`~painsign_utils.align.collect_frames` of each model, with its threshold.

    Parameters
    ----------
    videos : DataFrame
        Video manifest (``path, label, detections``, optionally ``truth`` and ``rotate``).
    probs_path : callable
        ``(model, manifest row) -> path`` of that video's per-frame probabilities.
    thresholds : mapping
        Model -> threshold (in this order: the result's order).
    folder : path, optional
        Cache folder; None computes without keeping anything.

    Returns
    -------
    dict model -> DataFrame
    """

    def make() -> dict[str, pd.DataFrame]:
        return {
            m: collect_frames(videos, lambda v, m=m: probs_path(m, v), float(t))
            for m, t in thresholds.items()
        }

    if folder is None:
        return make()
    inputs = []
    for _, v in videos.iterrows():
        truth = v.get("truth")
        inputs += [Path(probs_path(m, v)) for m in thresholds]
        inputs += [Path(v["detections"]), Path(truth) if isinstance(truth, str) and truth else None]
    key = {
        "videos": videos,
        "thresholds": [[m, float(t)] for m, t in thresholds.items()],  # in order
        "files": inputs,
    }
    return cached_result(folder, key, make, "frames of the average faces")


def cached_average_faces(
    frames: Mapping[str, pd.DataFrame], folder: str | Path | None = None, **options
) -> dict[str, AverageFaces]:
    """:func:`~painsign_utils.align.average_faces_by_model` (``options`` are its keywords),
    reused while the frame tables, the video files and ``options`` stay the same."""
    if folder is None:
        return average_faces_by_model(frames, **options)
    videos = sorted({str(v) for df in frames.values() for v in df["video"].unique()})
    key = {
        "models": list(frames),  # the order of the result
        "frames": dict(frames),
        "videos": [file_key(v) if Path(v).is_file() else v for v in videos],
        "options": options,
    }
    return cached_result(
        folder, key, lambda: average_faces_by_model(frames, **options), "average faces"
    )
