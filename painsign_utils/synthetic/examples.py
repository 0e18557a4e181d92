"""Example frames of one synthetic newborn in two worlds (chapter 00's figure of the causes).

:func:`world_examples` renders a few short videos with :func:`~painsign_utils.synthetic.videos.video_job`
(the code that renders the book's videos) into a temporary folder and returns chosen frames with
their truth.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..video import iter_frames
from .config import SynthConfig
from .videos import video_job
from .world import World, make_world


def _render(cfg: SynthConfig, rec: dict, folder: Path) -> tuple[list[np.ndarray], pd.DataFrame]:
    video_job((cfg, rec, str(folder)))
    frames = [f for _, f in iter_frames(folder / f"{rec['video_id']}.mp4")]
    return frames, pd.read_csv(folder / "truth" / f"{rec['video_id']}.csv")


def world_examples(seed: int = 0, world: World | None = None, tries: int = 12) -> list[dict]:
    """The same pain frame in the ``matched`` world and in ``world``, and a distress-without-pain frame.

    Returns
    -------
    list of dict
        ``title``, ``frame`` (uint8 RGB), ``intensity`` (pain truth) and ``distress`` of three frames:
        the pain face in the matched world, the same frame in ``world`` (default icopevid-like), and
        the most distressed frame of a "no pain" video of ``world``.
    """
    world = world or make_world("icopevid-like")
    cfg = SynthConfig(seed=seed, video_seconds=6.0)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        rec = dict(video_id="X000", subject="X000", subject_index=0, label="pain")
        rec["scenario"] = "stable_pain"
        worlds = (("matched world", make_world("matched")), (f"{world.name} world", world))
        shown = [
            _render(replace(cfg, world=w), rec, Path(tmp) / str(k))
            for k, (_, w) in enumerate(worlds)
        ]
        i = int(shown[1][1]["intensity"].idxmax())  # a pain frame in both worlds
        for (title, _), (frames, truth) in zip(worlds, shown):
            out.append(
                dict(title=title, frame=frames[i], intensity=truth["intensity"][i], distress=0)
            )
        for j in range(tries):  # the first "no pain" video whose newborn is upset without pain
            rec = dict(video_id=f"Y{j:03d}", subject="X000", subject_index=0, label="nopain")
            rec["scenario"] = "stable_rest"
            frames, truth = _render(replace(cfg, world=world), rec, Path(tmp) / "nopain")
            if truth.get("distress", pd.Series([0])).max() > 0.5:
                i = int(truth["distress"].idxmax())
                out.append(
                    dict(
                        title="distress without pain",
                        frame=frames[i],
                        intensity=truth["intensity"][i],
                        distress=truth["distress"][i],
                    )
                )
                break
    return out
