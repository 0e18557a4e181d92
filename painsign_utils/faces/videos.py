"""Face detection on every ``step``-th frame of a video, cached per video as CSV.

A frame without a face is a row with ``found = False`` and NaN coordinates, never a missing row. The
cache rules are those of :mod:`painsign_utils.faces.cache`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import NoFaceError
from ..runtime import progress as tqdm
from ..storage import derived_name, file_key, read_json, write_csv, write_json
from ..video import iter_frames, rotation, video_info
from .backends import get_detector
from .cache import detector_settings, stale_reason
from .detection import DETECTION_COLUMNS, FaceDetector, detection_row


def _key_path(cache: Path) -> Path:
    return cache.with_name(cache.stem + ".key.json")


def detect_video(
    path: str | Path,
    detector: FaceDetector | None = None,
    cache: str | Path | None = None,
    step: int = 1,
    progress: bool = True,
    require_face: bool = True,
    allow_partial: bool | None = None,
    report: dict | None = None,
    rotate: int = 0,
) -> pd.DataFrame:
    """Detect the best face in every ``step``-th frame of a video.

    Parameters
    ----------
    path : path
        Video file.
    detector : FaceDetector, optional
        Defaults to :func:`get_detector`.
    cache : path, optional
        CSV file: reused if it was made from this very file (resolved path, size, modification
        time) with the same ``step`` and detector settings (recorded beside it in
        ``<cache stem>.key.json``); else recomputed, with one line saying why, and written
        atomically when complete.
    step : int
        Analyse frames ``0, step, 2*step, ...``.
    require_face : bool
        Raise :class:`NoFaceError` when no frame holds a face.
    allow_partial : bool, optional
        Accept a damaged video whose frames end before the container's count (one warning line);
        otherwise :class:`DataError` ``read N of M frames from FILE``. Default:
        ``$PAINSIGN_ALLOW_PARTIAL`` (:func:`painsign_utils.video.partial_allowed`).
    report : dict, optional
        Filled with ``frames_expected``, ``frames_read``, ``partial`` and ``recomputed`` (the
        reason, or None when the cache was used).
    rotate : {0, 90, 180, 270}
        Rotate each frame clockwise before detection (a manifest's ``rotate``; iCOPEvid: 90). The
        boxes and landmarks are in the rotated frame's coordinates, and the rotation is part of the
        cache key; inference must read the frames with the same rotation.

    Returns
    -------
    DataFrame
        Columns :data:`DETECTION_COLUMNS`, one row per analysed frame.
    """
    rotate = rotation(rotate)
    key = {
        "input": file_key(path) if Path(path).is_file() else {"path": str(path)},
        "frame_step": int(step),
        "detector": detector_settings(detector),
        "rotate": rotate,
    }
    reason = "no earlier result"
    if cache is not None and Path(cache).exists():
        old = read_json(_key_path(Path(cache))) if _key_path(Path(cache)).exists() else None
        reason = stale_reason(old, key)
        if reason is None:
            table = pd.read_csv(cache)
            counts = {k: old.get(k) for k in ("frames_expected", "frames_read", "partial")}
        else:
            print(f"detections of {Path(path).name}: recomputed ({reason})")
    if reason is not None:
        detector = detector or get_detector()
        info = video_info(path)
        rows = []
        counts = {}
        frames = iter_frames(
            path, step=step, allow_partial=allow_partial, report=counts, rotate=rotate
        )
        bar = tqdm(
            frames,
            total=-(-info.n_frames // step),
            desc=Path(path).name,
            disable=not progress,
            leave=False,
        )
        for index, rgb in bar:
            found = detector.detect(rgb)
            rows.append(detection_row(index, index / info.fps, found[0] if found else None))
        table = pd.DataFrame(rows, columns=list(DETECTION_COLUMNS))
        if cache is not None:
            write_csv(table, cache)
            write_json({**key, **counts}, _key_path(Path(cache)))  # last: the CSV is complete
    if report is not None:
        report.update(counts, recomputed=reason)
    if require_face and not table["found"].any():
        raise NoFaceError(f"no face found in any frame of {path}")
    return table


def detect_videos(
    videos: pd.DataFrame,
    out_dir: str | Path,
    step: int = 1,
    detector: FaceDetector | None = None,
    progress: bool = True,
    allow_partial: bool | None = None,
) -> pd.DataFrame:
    """Detect faces in every video of a manifest, caching one CSV per video under ``out_dir``.

    Adds the columns ``detections`` (CSV path, named by a digest of the video's resolved path),
    ``frame_step``, ``analysis_fps`` (frames analysed per second), ``n_analysed``, ``face_rate``
    (fraction of analysed frames with a face), ``frames_expected``, ``frames_read`` and ``rotate``
    (the manifest's clockwise rotation applied before detection, 0 when it has none). A video
    with no face in any frame raises :class:`NoFaceError` naming it; a damaged one (frames
    missing) raises ``read N of M frames from FILE`` unless ``allow_partial``. A cache made from
    another file or with another ``step`` or detector is recomputed (see :func:`detect_video`).
    """
    out_dir = Path(out_dir)
    detector = detector or get_detector()
    rows = []
    for rec in tqdm(videos.to_dict("records"), desc="videos", disable=not progress):
        given = rec.get("fps")
        fps = float(given) if given is not None and pd.notna(given) else video_info(rec["path"]).fps
        cache = out_dir / derived_name(rec["path"], ".csv")
        counts: dict = {}
        rot = rotation(rec.get("rotate"))
        table = detect_video(
            rec["path"],
            detector,
            cache=cache,
            step=step,
            progress=False,
            allow_partial=allow_partial,
            report=counts,
            rotate=rot,
        )
        rows.append(
            {
                **rec,
                "rotate": rot,
                "fps": fps,
                "detections": str(cache),
                "frame_step": step,
                "analysis_fps": fps / step,
                "n_analysed": len(table),
                "face_rate": float(table["found"].mean()),
                "frames_expected": counts.get("frames_expected"),
                "frames_read": counts.get("frames_read"),
            }
        )
    return pd.DataFrame(rows)
