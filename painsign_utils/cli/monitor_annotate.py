"""``--annotate VIDEO`` and ``--serve``: what a monitor run shows, drawn frame by frame as it goes.

Owns :class:`SessionAnnotator`, the ``annotate`` callback of
:func:`~painsign_utils.monitor.session.run_session`: at the first frame it makes a
:class:`~painsign_utils.monitor.canvas.MonitorCanvas` of that frame's size; each frame that reached
the monitor (the frames a live source dropped are not drawn) is drawn once and goes to the
annotated video (:class:`~painsign_utils.monitor.annotate.AnnotatedWriter`) and to the live view
(:class:`~painsign_utils.monitor.liveview.LiveView`). Whether the video can be written and encoded
is checked before the first frame; a run that fails leaves no video. The faces of a camera or
video are real health data: they are blurred unless ``--show-faces`` says they may be shown.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..monitor.annotate import AnnotatedWriter
from ..monitor.canvas import MonitorCanvas
from ..monitor.liveview import LiveView


class SessionAnnotator:
    """Draw every frame a monitor session analysed, for a video file and/or a live view.

    Parameters
    ----------
    path : path or None
        ``.webm`` (VP8) or ``.mp4`` (H.264 where OpenCV has it); None: no video.
    fps, threshold : float
        The monitor's frame rate and threshold.
    faces_allowed : bool
        False: the frames are blurred (the box, landmarks and strip are still drawn).
    view : LiveView, optional
        Shown each drawn frame.

    Raises
    ------
    ConfigError
        At construction: an unknown suffix, a codec this OpenCV lacks or an unwritable folder.
    """

    def __init__(
        self,
        path: str | Path | None,
        fps: float,
        threshold: float,
        faces_allowed: bool,
        view: LiveView | None = None,
    ):
        self.path = None if path is None else Path(path)
        self.fps, self.threshold, self.faces_allowed = float(fps), float(threshold), faces_allowed
        self.view = view
        if self.path is not None:  # the checks, before any frame; no file is left
            AnnotatedWriter(self.path, self.fps, (64, 48), self.threshold).abort()
        self.writer: AnnotatedWriter | None = None
        self.canvas: MonitorCanvas | None = None

    def _start(self, rgb: np.ndarray) -> None:
        size = (rgb.shape[1], rgb.shape[0])
        if self.path is not None:
            self.writer = AnnotatedWriter(
                self.path, self.fps, size, self.threshold, faces_allowed=self.faces_allowed
            )
            self.canvas = self.writer.canvas
        else:
            self.canvas = MonitorCanvas(size, self.threshold, faces_allowed=self.faces_allowed)

    def __call__(self, rgb: np.ndarray, rec: dict, det: object, alerts: list[str]) -> None:
        if self.canvas is None:
            self._start(rgb)
        face = bool(rec["face"]) and det is not None
        picture = self.canvas.render(
            rgb,
            box=(rec["x"], rec["y"], rec["w"], rec["h"]) if face else None,
            landmarks=getattr(det, "landmarks", None) if face else None,
            sign=rec["sign"],
            state=rec["state"],
            alerts=alerts,
            time=rec["time"],
        )
        if self.writer is not None:
            self.writer.write_picture(picture)
        if self.view is not None:
            self.view.update(picture, rec)

    def close(self) -> Path | None:
        """Finish the video (renamed into place); None when there is none."""
        return None if self.writer is None else self.writer.close()

    def abort(self) -> None:
        """Remove the unfinished video."""
        if self.writer is not None:
            self.writer.abort()
