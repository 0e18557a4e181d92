"""``--annotate VIDEO``: a monitor run's annotated video, written frame by frame as the run goes.

Owns :class:`SessionAnnotator`, the ``annotate`` callback of
:func:`~painsign_utils.monitor.session.run_session`: it opens an
:class:`~painsign_utils.monitor.annotate.AnnotatedWriter` at the first frame's size and draws each
frame that reached the monitor (the frames a live source dropped are not in the video). Whether
the file can be written, and encoded, is checked before the first frame; a run that fails leaves
no video. The faces of a camera or video are real health data: they are blurred unless
``--show-faces`` says they may be shown.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..monitor.annotate import AnnotatedWriter


class SessionAnnotator:
    """Write every frame a monitor session analysed, annotated, to ``path``.

    Parameters
    ----------
    path : path
        ``.webm`` (VP8) or ``.mp4`` (H.264 where OpenCV has it).
    fps, threshold : float
        The monitor's frame rate and threshold.
    faces_allowed : bool
        False: the frames are blurred (the box, landmarks and strip are still drawn).

    Raises
    ------
    ConfigError
        At construction: an unknown suffix, a codec this OpenCV lacks or an unwritable folder.
    """

    def __init__(self, path: str | Path, fps: float, threshold: float, faces_allowed: bool):
        self.path, self.fps, self.threshold = Path(path), float(fps), float(threshold)
        self.faces_allowed = faces_allowed
        AnnotatedWriter(self.path, self.fps, (64, 48), self.threshold).abort()  # checks, no file
        self.writer: AnnotatedWriter | None = None

    def __call__(self, rgb: np.ndarray, rec: dict, det: object, alerts: list[str]) -> None:
        if self.writer is None:
            height, width = rgb.shape[:2]
            self.writer = AnnotatedWriter(
                self.path, self.fps, (width, height), self.threshold,
                faces_allowed=self.faces_allowed,
            )  # fmt: skip
        face = bool(rec["face"]) and det is not None
        self.writer.write(
            rgb,
            box=(rec["x"], rec["y"], rec["w"], rec["h"]) if face else None,
            landmarks=getattr(det, "landmarks", None) if face else None,
            sign=rec["sign"],
            state=rec["state"],
            alerts=alerts,
            time=rec["time"],
        )

    def close(self) -> Path | None:
        """Finish the video (renamed into place); None when no frame was written."""
        return None if self.writer is None else self.writer.close()

    def abort(self) -> None:
        """Remove the unfinished video."""
        if self.writer is not None:
            self.writer.abort()
