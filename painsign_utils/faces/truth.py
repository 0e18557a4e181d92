"""The detector checked against synthetic ground truth: IoU per image and per frame, and a report card."""

from __future__ import annotations

import numpy as np
import pandas as pd


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two ``x, y, w, h`` boxes."""
    ax1, ay1 = a[0] + a[2], a[1] + a[3]
    bx1, by1 = b[0] + b[2], b[1] + b[3]
    iw = max(0.0, min(ax1, bx1) - max(a[0], b[0]))
    ih = max(0.0, min(ay1, by1) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return float(inter / union) if union > 0 else 0.0


def score_against_truth(
    detections: pd.DataFrame, truth: pd.DataFrame, min_iou: float = 0.5
) -> pd.DataFrame:
    """Compare per-frame detections with synthetic ground truth.

    Returns one row per analysed frame with ``visible`` (the face could be seen), ``found``, ``iou``
    with the true box, and ``hit`` (found with IoU >= ``min_iou``).
    """
    merged = detections.merge(
        truth[["frame", "face_visible", "x", "y", "w", "h"]], on="frame", suffixes=("", "_true")
    )
    iou = [
        box_iou(np.array([r.x, r.y, r.w, r.h]), np.array([r.x_true, r.y_true, r.w_true, r.h_true]))
        if r.found
        else np.nan
        for r in merged.itertuples()
    ]
    out = pd.DataFrame(
        {
            "frame": merged["frame"],
            "visible": merged["face_visible"].astype(bool),
            "found": merged["found"].astype(bool),
            "iou": iou,
        }
    )
    out["hit"] = out["found"] & (out["iou"] >= min_iou)
    return out


def score_images_against_truth(
    face_table: pd.DataFrame, truth: pd.DataFrame, min_iou: float = 0.5
) -> pd.DataFrame:
    """Per image: ``dataset, found, iou, hit`` of the detection against the synthetic true box.

    ``face_table`` is :func:`preprocess_images`' output (box in image pixels); ``truth`` the image
    manifest with the true ``x, y, w, h``.
    """
    merged = face_table.merge(
        truth[["path", "x", "y", "w", "h"]], on="path", suffixes=("", "_true")
    )
    iou = [
        box_iou(np.array([r.x, r.y, r.w, r.h]), np.array([r.x_true, r.y_true, r.w_true, r.h_true]))
        if r.found
        else np.nan
        for r in merged.itertuples()
    ]
    out = pd.DataFrame(
        {"dataset": merged["dataset"], "found": merged["found"].astype(bool), "iou": iou}
    )
    out["hit"] = out["found"] & (out["iou"] >= min_iou)
    return out


def score_videos_against_truth(video_table: pd.DataFrame, min_iou: float = 0.5) -> pd.DataFrame:
    """Per analysed frame of every video (:func:`detect_videos`' output with a ``truth`` column)."""
    return pd.concat(
        [
            score_against_truth(pd.read_csv(v.detections), pd.read_csv(v.truth), min_iou).assign(
                dataset=v.dataset
            )
            for v in video_table.itertuples()
        ],
        ignore_index=True,
    )


def detection_stats(image_scores: pd.DataFrame, frame_scores: pd.DataFrame) -> pd.DataFrame:
    """The detector's report card on synthetic data: hits on images and visible frames, silence on hidden ones."""
    visible = frame_scores[frame_scores["visible"]]
    hidden = frame_scores[~frame_scores["visible"]]
    rows = {
        "images: face found with IoU ≥ 0.5 (%)": 100 * image_scores["hit"].mean(),
        "video frames with a visible face: found with IoU ≥ 0.5 (%)": 100 * visible["hit"].mean(),
        "video frames with the face hidden: reported as no face (%)": 100
        * (~hidden["found"]).mean()
        if len(hidden)
        else np.nan,
        "video frames analysed": len(frame_scores),
        "video frames with the face hidden": len(hidden),
    }
    return pd.DataFrame({"value": rows}).round(1)
