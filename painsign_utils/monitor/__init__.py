"""The real-time pain monitor: frames in one at a time, the pain sign and its alerts out (paper §4).

Submodules: ``streaming`` (:class:`StreamingSign`, the pure, bit-exact streaming sign and its
statistics), ``settings`` (:class:`MonitorSettings`, the monitor's settings in one record),
``alerts`` (:class:`Alert`, the surge/drop rule), ``states`` (:class:`MonitorState`, what the
monitor shows after each frame), ``sources`` (video file, camera, stream URL or iterable),
``live`` (a camera or stream read through a queue that drops the oldest frame), ``session`` and
``outputs`` (a command-line run and its files, written as it goes), ``pipeline``
(:class:`PainMonitor`: detect, crop, classify, then the stream, alerts and sign type),
``recorded`` (a run's probabilities kept, so that a re-run replays them), ``screen`` (which test
video makes the alerts fire, from chapter 03's cached probabilities), ``painstates``
(:class:`PainStates`: calm / rising / pain / recovering / uncertain / no face, with hysteresis and
dwell times), ``episodes`` (true pain episodes of the synthetic truth, states scored against them)
``cached_states`` (chapter 03's cached probabilities through the states, per model and oracle),
``annotate`` (:class:`~painsign_utils.monitor.annotate.AnnotatedWriter`: the browser-playable
video of the monitor, frame by frame) and ``clips`` (annotated clips of recorded videos from their
per-frame tables, chapters 04 and 08).
The monitor is always causal (docs/design.md, "The two protocols").
"""

from .alerts import Alert, ChangeAlerts
from .painstates import PainStates, pain_states
from .pipeline import PainMonitor, paper_sign_type, stream_sign
from .recorded import replay, run_recorded
from .screen import alert_counts, alert_screen, largest_change, pick_alert_video
from .settings import MonitorSettings
from .sources import iter_source, prefetch
from .states import MonitorState
from .streaming import StreamingSign

__all__ = [
    "Alert",
    "ChangeAlerts",
    "MonitorSettings",
    "MonitorState",
    "PainMonitor",
    "PainStates",
    "StreamingSign",
    "alert_counts",
    "alert_screen",
    "iter_source",
    "largest_change",
    "paper_sign_type",
    "pain_states",
    "pick_alert_video",
    "prefetch",
    "replay",
    "run_recorded",
    "stream_sign",
]
