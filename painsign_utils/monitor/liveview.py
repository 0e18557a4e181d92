"""The live view: a local web page that shows the monitor while it runs.

Owns :class:`LiveView`, a small ``http.server`` in a thread (standard library only, no external
assets, bound to the loopback address unless told otherwise). ``/`` is a page that shows the
newest annotated frame (``/frame.jpg``, the picture of
:class:`~painsign_utils.monitor.canvas.MonitorCanvas`) and the monitor's state (``/state.json``:
the last frame's record — time, sign, pain state, face box), both refreshed by a few lines of
inline JavaScript; :meth:`LiveView.update` hands it each new frame. A person at the bedside or a
class opens ``painsign monitor SOURCE --serve`` in a browser on the same machine.
"""

from __future__ import annotations

import http.server
import json
import math
import threading
from pathlib import Path

import cv2
import numpy as np

from ..errors import ConfigError

#: The page (``liveview.html`` beside this module): the frame, refreshed as fast as it loads (at
#: most every 100 ms), and the state. It is read once, when the module is imported.
PAGE = (Path(__file__).with_name("liveview.html")).read_bytes()


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``PORT``) as (host, port); host defaults to 127.0.0.1."""
    host, _, port = text.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise ConfigError(f"--serve needs HOST:PORT or PORT, got {text!r}") from None
    if not 0 <= number <= 65535:
        raise ConfigError(f"port must be between 0 and 65535, got {number}")
    return host or "127.0.0.1", number


def _jsonable(record: dict) -> dict:
    """The record with NaN as null and numpy scalars as Python numbers."""
    out = {}
    for k, v in record.items():
        if isinstance(v, (np.generic,)):
            v = v.item()
        out[k] = None if isinstance(v, float) and math.isnan(v) else v
    return out


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the monitor's terminal stays quiet
        pass

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        view: LiveView = self.server.view  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        try:
            if path == "/":
                self._send(PAGE, "text/html; charset=utf-8")
            elif path == "/state.json":
                with view.lock:
                    state = dict(view.record)
                self._send(json.dumps(_jsonable(state)).encode(), "application/json")
            elif path == "/frame.jpg" and view.jpeg is not None:
                with view.lock:
                    jpeg = view.jpeg
                self._send(jpeg, "image/jpeg")
            else:
                self.send_error(404)
        except (BrokenPipeError, ConnectionResetError):
            pass


class LiveView:
    """Serve the monitor's newest frame and state on ``http://host:port/``.

    Parameters
    ----------
    host : str
        Address to bind: loopback by default, so only this machine can open it.
    port : int
        0: any free port (see :attr:`url`).
    quality : int
        JPEG quality of the frames.

    Use as a context manager; :meth:`update` after each frame.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 8765, quality: int = 80):
        try:
            self._http = http.server.ThreadingHTTPServer((host, port), _Handler)
        except OSError as exc:
            raise ConfigError(
                f"cannot serve the live view on {host}:{port}: {exc.strerror or exc}"
            ) from None
        self._http.daemon_threads = True
        self._http.view = self  # type: ignore[attr-defined]
        self.quality = int(quality)
        self.lock = threading.Lock()
        self.record: dict = {}
        self.jpeg: bytes | None = None
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}/"

    def __enter__(self) -> LiveView:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, picture_rgb: np.ndarray, record: dict) -> None:
        """Show ``picture_rgb`` (uint8 RGB) and ``record`` (the frame's state) from now on."""
        ok, data = cv2.imencode(
            ".jpg", cv2.cvtColor(picture_rgb, cv2.COLOR_RGB2BGR),
            [cv2.IMWRITE_JPEG_QUALITY, self.quality],
        )  # fmt: skip
        if ok:
            with self.lock:
                self.jpeg, self.record = data.tobytes(), dict(record)

    def close(self) -> None:
        """Stop serving."""
        if self._thread.is_alive():
            self._http.shutdown()
        self._http.server_close()
