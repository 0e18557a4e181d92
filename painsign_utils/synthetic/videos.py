"""The iCOPEvid-like videos: which exist (:func:`video_plan`), and rendering each with its per-frame truth.

Each distinct face of a video is rendered once and reused; lighting and sensor noise are baked into
a few background frames, so tens of thousands of frames render within a minute or two. The
configuration's :class:`~painsign_utils.synthetic.world.World` adds its causes
(:mod:`painsign_utils.synthetic.causes`); the truth CSVs of a world with causes gain the columns
``distress`` (distress without pain, 0-1) and ``occluder`` (:data:`~.causes.OCCLUDERS` code).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from ..faces import LANDMARK_COLUMNS
from ..render import (
    Placement,
    Subject,
    expression_from_intensity,
    nfcs_score,
    place_face,
    premultiply,
    render_face,
)
from ..storage import write_csv
from ..video import VideoWriter
from .causes import Capture, activity, distressed, draw_occluder, plan_causes
from .config import SynthConfig, rng_for
from .scenarios import ou_noise, video_script
from .scene import background, draw_cloth, draw_hand, light_gradient

# iCOPEvid's label counts split over scenarios. The authors' predictions hold 49 pain and 71
# no-pain videos (N-CNN's sensitivity 0.8163 = 40/49); the paper's Table 1 transposes the two.
# The mix follows the sign types of paper Table 3 (N-CNN: 54 stable, 42 irregular, 24 unstable).
_VIDEO_MIX = {
    "pain": {"stable_pain": 19, "irregular": 16, "unstable": 9, "indeterminate": 5},
    "nopain": {"stable_rest": 33, "irregular": 20, "unstable": 12, "indeterminate": 6},
}


def video_plan(cfg: SynthConfig) -> pd.DataFrame:
    """Which videos exist: id, subject, label and scenario, balanced like iCOPEvid."""
    rng = rng_for(cfg.seed, "videos")
    rows = []
    for label, total in (("pain", cfg.video_pain), ("nopain", cfg.video_nopain)):
        mix = _VIDEO_MIX[label]
        weights = np.array(list(mix.values()), float)
        counts = np.floor(weights / weights.sum() * total).astype(int)
        for i in np.argsort(-(weights / weights.sum() * total - counts))[: total - counts.sum()]:
            counts[i] += 1
        for scenario, k in zip(mix, counts):
            rows += [{"label": label, "scenario": scenario} for _ in range(k)]
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    subjects = np.concatenate(
        [
            np.arange(cfg.video_subjects),
            rng.integers(0, cfg.video_subjects, max(0, len(rows) - cfg.video_subjects)),
        ]
    )
    for i, row in enumerate(rows):
        row.update(
            video_id=f"V{i:03d}", subject=f"V{int(subjects[i]):03d}", subject_index=int(subjects[i])
        )
    return pd.DataFrame(rows)


def video_job(args: tuple[SynthConfig, dict, str]) -> dict:
    """Render and write one video and its truth CSV (skipped if both exist); its manifest row. Runs in a worker."""
    cfg, rec, out = args
    cv2.setNumThreads(1)
    out = Path(out)
    path = out / f"{rec['video_id']}.mp4"
    truth_path = out / "truth" / f"{rec['video_id']}.csv"
    row = {
        "path": path.name,
        "subject": rec["subject"],
        "dataset": "synthetic-icopevid",
        "label": rec["label"],
        "fps": cfg.video_fps,
        "scenario": rec["scenario"],
        "truth": f"truth/{truth_path.name}",
    }
    if path.exists() and truth_path.exists():
        return row
    subject = Subject.random(rng_for(cfg.seed, "V", rec["subject_index"]), rec["subject"])
    rng = rng_for(cfg.seed, rec["video_id"])
    n = int(round(cfg.video_seconds * cfg.video_fps))
    width, height = cfg.video_size
    script = video_script(rec["scenario"], rec["label"], n, cfg.video_fps, rng)
    bg = background(rng, width, height)
    grad = light_gradient(rng, width, height)
    gain, blur, noise_sd = rng.uniform(0.8, 1.1), rng.uniform(0, 1.0), rng.uniform(1, 5)
    if blur > 0.3:
        bg = cv2.GaussianBlur(bg, (0, 0), blur)
    unit0 = height * rng.uniform(0.17, 0.26)
    roll0 = float(np.clip(rng.normal(0, 12), -25, 25))
    drift = np.stack(
        [ou_noise(rng, n, cfg.video_fps, s, tau=2.0) for s in (0.03, 0.02, 3.0)], axis=1
    )
    cx0, cy0 = width * rng.uniform(0.4, 0.6), height * rng.uniform(0.45, 0.55)
    hand_pos = rng.uniform(-0.5, 0.5, 2)
    # Lighting and sensor noise are baked into a few background frames once; each face patch gets
    # the light at the face and its own noise when it is first rendered. Per frame, only a copy,
    # one warp and one blend remain, which keeps ~70,000 frames within a minute or two.
    light = (gain * grad).astype(np.float32)
    lit = [
        cv2.convertScaleAbs(
            bg.astype(np.float32) * light[..., None]
            + rng.normal(0, noise_sd, (height, width, 1)).astype(np.float32)
        )
        for _ in range(5)
    ]
    world = cfg.world
    if world.matched:  # the videos of the photos' world: nothing below draws from another generator
        plan = capture = None
        intensity, asleep, yawn = script.intensity, script.asleep, script.yawn
    else:
        wrng = rng_for(cfg.seed, rec["video_id"], "world")
        plan = plan_causes(script, rec["label"], cfg.video_fps, world, wrng)
        capture = Capture.for_video(world, wrng, width, height, unit0)
        intensity, asleep, yawn = plan.intensity, plan.asleep, plan.yawn
    face_light = float(light[int(np.clip(cy0, 0, height - 1)), int(np.clip(cx0, 0, width - 1))])
    boxes = np.empty((n, 4))
    marks = np.empty((n, 10))
    nfcs = np.empty(n, dtype=int)
    patches: dict[tuple, tuple] = {}
    with VideoWriter(path, cfg.video_fps, (width, height)) as writer:
        for i in range(n):
            # Expressions are quantized (1/100 of intensity, 5 quiver phases) so that a video
            # renders each distinct face once; the latent intensity itself stays exact.
            key = (
                int(round(intensity[i] * 100)),
                int(round(asleep[i] * 4)),
                int(round(yawn[i] * 20)),
                i % 5,
            )
            if plan is not None and plan.distress[i] > 0.005:  # distress without pain
                key += (int(round(plan.distress[i] * 50)),)
            if key not in patches:
                expr = expression_from_intensity(
                    key[0] / 100,
                    subject,
                    np.random.default_rng(key[0]),
                    asleep=key[1] / 4,
                    yawn=key[2] / 20,
                    jitter=0.0,
                )
                if len(key) > 4:
                    cry = expression_from_intensity(
                        key[4] / 50, subject, np.random.default_rng(key[4]), jitter=0.0
                    )
                    expr = distressed(expr, cry)
                phase = 2 * np.pi * key[3] / 5 if expr["chin_quiver"] > 0.05 else 0.0
                rgba, lm = premultiply(*render_face(subject, expr, unit0, phase))
                if blur > 0.3:  # lens blur applied once per distinct face, not per frame
                    rgba = cv2.GaussianBlur(rgba, (0, 0), blur)
                grain = np.random.default_rng(list(key)).normal(0, noise_sd, rgba.shape[:2])
                rgba[..., :3] = rgba[..., :3] * face_light + (grain * rgba[..., 3])[..., None]
                patches[key] = (expr, (rgba.astype(np.float32), lm))
            expr, patch = patches[key]
            where = Placement(
                cx0 + drift[i, 0] * width,
                cy0 + drift[i, 1] * height,
                unit0,
                float(np.clip(roll0 + drift[i, 2], -30, 30)),
            )
            frame = lit[i % len(lit)].copy()
            box, lms = place_face(frame, subject, expr, where, patch=patch)
            if script.hand[i]:
                draw_hand(
                    frame,
                    rng_for(cfg.seed, rec["video_id"], int(i // 15)),
                    (
                        where.cx + hand_pos[0] * where.unit,
                        where.cy + (0.4 + hand_pos[1] * 0.5) * where.unit,
                    ),
                    where.unit * 0.55,
                    subject.skin * face_light,
                )
            if script.cloth[i]:
                draw_cloth(frame, rng_for(cfg.seed, rec["video_id"], "cloth"), box)
            if plan is not None:
                if plan.occluder[i] and not script.cloth[i]:
                    code = int(plan.occluder[i])
                    part = int(i // 15) if code == 3 else 0  # a carer's hand moves, a pacifier not
                    occ_rng = rng_for(cfg.seed, rec["video_id"], "occluder", code, part)
                    draw_occluder(frame, code, lms, where.unit, occ_rng)
                frame = capture.apply(frame, activity(intensity[i], plan.distress[i]))
            writer.write(frame)
            boxes[i], marks[i], nfcs[i] = box, lms.ravel(), nfcs_score(expr)
    records = pd.DataFrame(
        {
            "frame": np.arange(n),
            "time": (np.arange(n) / cfg.video_fps).round(4),
            "intensity": intensity.round(4),
            "face_visible": ~script.cloth,
            "hand": script.hand.astype(int),
            "asleep": asleep,
            "yawn": yawn.round(3),
            "nfcs": nfcs,
        }
    )
    records[["x", "y", "w", "h"]] = boxes.round(2)
    records[list(LANDMARK_COLUMNS)] = marks.round(2)
    if plan is not None:  # the matched world's truth keeps its columns (and bytes)
        records["distress"] = plan.distress.round(3)
        records["occluder"] = plan.occluder.astype(int)
    write_csv(records, truth_path)
    return row
