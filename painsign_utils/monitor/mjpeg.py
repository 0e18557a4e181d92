"""A local MJPEG stream of a clip, paced at its frame rate: a live source on 127.0.0.1.

Owns :class:`MJPEGServer`, an ``http.server`` in a thread that plays JPEG frames as
``multipart/x-mixed-replace`` (the format of most IP cameras, and what OpenCV's FFmpeg reads from
``http://…/video.mjpg``), each frame sent at its time ``i / fps`` after the client connected, and
:func:`jpeg_frames`, a video file's frames encoded once. The real-time benchmark and a class
without a camera point the monitor at it; it binds to the loopback address by default.
"""

from __future__ import annotations

import http.server
import threading
import time
from pathlib import Path

from ..errors import ConfigError, DataError


def jpeg_frames(video: str | Path, quality: int = 90, max_frames: int | None = None) -> list[bytes]:
    """The frames of ``video`` as JPEG bytes (OpenCV, ``quality`` 0–100), at most ``max_frames``."""
    import cv2

    cap = cv2.VideoCapture(str(video))
    if not cap.isOpened():
        raise DataError(f"cannot read video {video}")
    out: list[bytes] = []
    try:
        while max_frames is None or len(out) < max_frames:
            ok, bgr = cap.read()
            if not ok:
                break
            ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
            if ok:
                out.append(data.tobytes())
    finally:
        cap.release()
    if not out:
        raise DataError(f"no frame could be read from {video}")
    return out


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # a stream logs nothing per request
        pass

    def do_GET(self) -> None:
        server: MJPEGServer = self.server.owner  # type: ignore[attr-defined]
        if self.path != "/video.mjpg":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        start = time.monotonic()
        try:
            for i in range(server.loops * len(server.frames)):
                wait = start + i / server.fps - time.monotonic()
                if server.closing.wait(max(wait, 0.0)):
                    return
                data = server.frames[i % len(server.frames)]
                head = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                self.wfile.write(head % len(data) + data + b"\r\n")
                self.wfile.flush()
                server.sent += 1
        except (BrokenPipeError, ConnectionResetError):
            pass


class MJPEGServer:
    """Serve ``frames`` (JPEG bytes) at ``fps`` on ``http://host:port/video.mjpg``.

    Parameters
    ----------
    frames : list of bytes
        JPEG-encoded frames (:func:`jpeg_frames`).
    fps : float
        Frames per second of the stream; each client gets frame ``i`` at ``i / fps`` seconds.
    host : str
        Address to bind (loopback by default: nothing leaves the machine).
    port : int
        0: any free port (see :attr:`url`).
    loops : int
        Times the clip plays per client before the stream ends.

    Use as a context manager; :attr:`sent` counts the frames written to clients.
    """

    def __init__(
        self,
        frames: list[bytes],
        fps: float = 30.0,
        host: str = "127.0.0.1",
        port: int = 0,
        loops: int = 1,
    ):
        if not frames:
            raise DataError("an MJPEG stream needs at least one frame")
        if not fps > 0 or loops < 1:
            raise ConfigError(f"fps must be > 0 and loops >= 1, got {fps}, {loops}")
        self.frames, self.fps, self.loops = list(frames), float(fps), int(loops)
        self.closing = threading.Event()
        self.sent = 0
        self._http = http.server.ThreadingHTTPServer((host, port), _Handler)
        self._http.daemon_threads = True
        self._http.owner = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}/video.mjpg"

    def __enter__(self) -> MJPEGServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every stream and the server."""
        self.closing.set()
        if self._thread.is_alive():  # shutdown() waits for serve_forever, which must be running
            self._http.shutdown()
        self._http.server_close()
