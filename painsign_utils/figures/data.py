"""Figures of the data and preprocessing chapters: galleries, scenario curves, detection statistics."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..data import is_synthetic
from ..faces import LANDMARK_COLUMNS, privacy_blur, read_image
from ..render import Subject
from ..synthetic import SCENARIOS, render_gallery_face
from ..video import iter_frames


def gallery(
    subjects: Sequence[Subject],
    intensities: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0),
    confounders: bool = True,
    size: int = 150,
) -> plt.Figure:
    """Rows of subjects, columns of latent pain intensity (plus asleep and yawning when asked)."""
    cols = [(f"intensity {i:.2f}", dict(intensity=i)) for i in intensities]
    if confounders:
        cols += [
            ("asleep", dict(intensity=0.05, asleep=1.0)),
            ("yawn", dict(intensity=0.05, yawn=1.0)),
        ]
    fig, axes = plt.subplots(
        len(subjects), len(cols), figsize=(1.5 * len(cols), 1.55 * len(subjects)), squeeze=False
    )
    for r, subject in enumerate(subjects):
        for c, (title, kw) in enumerate(cols):
            ax = axes[r, c]
            ax.imshow(render_gallery_face(subject, size=size, **kw))
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if r == 0:
                ax.set_title(title, fontsize=9)
            if c == 0:
                ax.set_ylabel(subject.id, fontsize=9)
    fig.tight_layout()
    return fig


def image_samples(
    manifest: pd.DataFrame, n: int = 8, seed: int = 0, show_faces: bool = False
) -> plt.Figure:
    """A few images of the set with label, NFCS and (synthetic) intensity; real faces blurred unless allowed."""
    rng = np.random.default_rng(seed)
    pick = manifest.iloc[rng.choice(len(manifest), size=min(n, len(manifest)), replace=False)]
    fig, axes = plt.subplots(
        2, -(-len(pick) // 2), figsize=(2.2 * -(-len(pick) // 2), 4.4), squeeze=False
    )
    for ax, (_, row) in zip(axes.ravel(), pick.iterrows()):
        img = read_image(row["path"])
        if not (is_synthetic(row["dataset"]) or show_faces):
            img = privacy_blur(img)
        ax.imshow(img)
        extra = (
            f", I={row['intensity']:.2f}"
            if "intensity" in row and pd.notna(row.get("intensity"))
            else ""
        )
        ax.set_title(f"{row['label']}{extra}", fontsize=8)
        ax.axis("off")
    for ax in axes.ravel()[len(pick) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def scenario_curves(videos: pd.DataFrame) -> plt.Figure:
    """Latent intensity over time of one video per scenario, with frames where the face is hidden shaded."""
    scen = [s for s in SCENARIOS if s in set(videos["scenario"])]
    fig, axes = plt.subplots(
        len(scen), 1, figsize=(8, 1.35 * len(scen)), sharex=True, squeeze=False
    )
    for ax, s in zip(axes[:, 0], scen):
        row = videos[videos["scenario"] == s].iloc[0]
        truth = pd.read_csv(row["truth"])
        ax.plot(truth["time"], truth["intensity"], color="k", lw=1.2)
        hidden = ~truth["face_visible"].astype(bool)
        if hidden.any():
            ax.fill_between(
                truth["time"],
                0,
                1,
                where=hidden,
                color="grey",
                alpha=0.3,
                lw=0,
                label="face hidden",
            )
        if "hand" in truth and truth["hand"].any():
            ax.fill_between(
                truth["time"],
                0,
                1,
                where=truth["hand"] > 0,
                color="orange",
                alpha=0.25,
                lw=0,
                label="hand over face",
            )
        ax.axhline(0.5, color="grey", lw=0.6, ls="--")
        ax.set_ylim(0, 1)
        ax.set_ylabel("intensity")
        ax.set_title(f"{s.replace('_', ' ')} ({row['label']})", fontsize=9, loc="left")
        if hidden.any() or ("hand" in truth and truth["hand"].any()):
            ax.legend(loc="upper right", fontsize=7, frameon=False)
    axes[-1, 0].set_xlabel("time (s)")
    fig.tight_layout()
    return fig


def video_strip(path: str, times: Sequence[float], fps: float, show: bool = True) -> plt.Figure:
    """Frames of a video at the given times (seconds); blurred when ``show`` is False."""
    wanted = {int(round(t * fps)) for t in times}
    frames = [(i, f) for i, f in iter_frames(path) if i in wanted]
    fig, axes = plt.subplots(1, len(frames), figsize=(1.6 * len(frames), 1.5), squeeze=False)
    for ax, (i, f) in zip(axes[0], frames):
        ax.imshow(f if show else privacy_blur(f))
        ax.set_title(f"{i / fps:.0f} s", fontsize=8)
        ax.axis("off")
    fig.tight_layout()
    return fig


def detection_examples(
    faces: pd.DataFrame, n: int = 6, seed: int = 0, show_faces: bool = False
) -> plt.Figure:
    """Images with the detected box, then the crop the models will see with its five landmarks."""
    found = faces[faces["found"]]
    rng = np.random.default_rng(seed)
    pick = found.iloc[rng.choice(len(found), size=min(n, len(found)), replace=False)]
    fig, axes = plt.subplots(2, len(pick), figsize=(2.1 * len(pick), 4.3), squeeze=False)
    for c, (_, row) in enumerate(pick.iterrows()):
        img = read_image(row["path"])
        allowed = is_synthetic(row["dataset"]) or show_faces
        crop = read_image(row["crop"])
        # images.csv holds the box in image pixels and the landmarks in crop pixels.
        lms = row[list(LANDMARK_COLUMNS)].to_numpy(float).reshape(5, 2)
        axes[0, c].imshow(img if allowed else privacy_blur(img))
        axes[0, c].add_patch(
            plt.Rectangle(
                (row["x"], row["y"]), row["w"], row["h"], fill=False, color="lime", lw=1.2
            )
        )
        axes[0, c].set_title(f"score {row['score']:.2f}", fontsize=8)
        axes[1, c].imshow(crop if allowed else privacy_blur(crop))
        axes[1, c].scatter(lms[:, 0], lms[:, 1], s=8, c=["r", "r", "y", "c", "c"])
        for ax in axes[:, c]:
            ax.axis("off")
    fig.tight_layout()
    return fig


def detection_summary(stats: pd.DataFrame) -> plt.Figure:
    """Bar chart of detection rate per dataset, IoU distribution when ground truth exists."""
    has_iou = "iou" in stats.columns and stats["iou"].notna().any()
    fig, axes = plt.subplots(
        1, 2 if has_iou else 1, figsize=(9 if has_iou else 4.5, 3.2), squeeze=False
    )
    rate = stats.groupby("dataset")["found"].mean()
    axes[0, 0].bar(rate.index, rate.to_numpy() * 100, color="#4c72b0")
    axes[0, 0].set_ylabel("faces found (%)")
    axes[0, 0].set_ylim(0, 105)
    axes[0, 0].tick_params(axis="x", labelrotation=15, labelsize=8)
    if has_iou:
        axes[0, 1].hist(stats["iou"].dropna(), bins=np.linspace(0, 1, 26), color="#55a868")
        axes[0, 1].axvline(0.5, color="k", ls="--", lw=0.8)
        axes[0, 1].set_xlabel("IoU with the ground-truth box")
        axes[0, 1].set_ylabel("images / frames")
    fig.tight_layout()
    return fig


def world_frames(examples: Sequence[dict]) -> plt.Figure:
    """Frames side by side (:func:`painsign_utils.synthetic.examples.world_examples`), with their truth."""
    fig, axes = plt.subplots(1, len(examples), figsize=(2.6 * len(examples), 2.4), squeeze=False)
    for ax, ex in zip(axes[0], examples):
        ax.imshow(ex["frame"])
        ax.set_title(
            f"{ex['title']}\npain I = {ex['intensity']:.2f}, distress = {ex['distress']:.2f}",
            fontsize=8,
        )
        ax.axis("off")
    fig.tight_layout()
    return fig
