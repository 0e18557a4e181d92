"""A monitor run's files: written as the run goes, complete under their final names only at its end.

Owns :func:`run_prefix` (the start of a run's file names: the source, the model and a digest of the
settings that differ from the defaults, so a run with other settings never overwrites another's
files; live runs add their start time) and :class:`RunOutputs`, the sink of
:func:`~painsign_utils.monitor.session.run_session`.

While a run goes, its per-frame records, alerts and intervals without a face are appended to
``<prefix>_frames.partial.csv``, ``_alerts.partial.csv`` and ``_noface.partial.csv``, flushed after
every batch of frames (a fraction of a second), so a crash loses at most the frames being analysed.
:meth:`RunOutputs.finish` writes ``<prefix>_frames.csv`` (every sign value final),
``_alerts.csv`` and ``_noface.csv`` atomically and removes the partial files;
:meth:`RunOutputs.discard` removes everything the run created. Nothing exists under a final name
until it is complete.
"""

from __future__ import annotations

import csv
import glob
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from ..storage import atomic_path, content_digest
from .alerts import Alert
from .session import FRAME_COLUMNS, NO_FACE_COLUMNS

#: Columns of the alerts file.
ALERT_COLUMNS: tuple[str, ...] = ("kind", "frame", "time", "value", "change", "message")
#: The kinds of file a run writes (``<prefix>_<kind>.csv``).
TABLES: tuple[str, ...] = ("frames", "alerts", "noface")


def run_prefix(
    stem: str, model: str, changed: Mapping[str, object], started: str | None = None
) -> str:
    """``<stem>[_<started>]_<model>[_<digest>]``: distinct for every source, start and settings.

    Parameters
    ----------
    stem : str
        The source's :attr:`~painsign_utils.monitor.sources.Source.stem`.
    model : str
        The architecture.
    changed : mapping
        The settings that differ from the defaults (empty: the plain name of the default run).
    started : str, optional
        The start time of a live run (a recording happens once: two never share a name).
    """
    parts = [stem] + ([started] if started else []) + [model]
    if changed:
        parts.append(content_digest(dict(changed))[:8])
    return "_".join(parts)


def unused_prefix(folder: str | Path, prefix: str) -> str:
    """``prefix``, or ``prefix-2``, ``-3``... when files of another run already start with it."""
    folder, name, k = Path(folder), prefix, 1
    while folder.is_dir() and any(folder.glob(f"{glob.escape(name)}_*")):
        k += 1
        name = f"{prefix}-{k}"
    return name


def jsonable(value: object) -> object:
    """``value`` with NaN as None and NumPy scalars as Python ones, for a JSON summary."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value) if isinstance(value, Path) else value


def _cell(value: object) -> object:
    """A CSV cell: empty for a missing value, numbers as Python writes them."""
    if value is None or (isinstance(value, (float, np.floating)) and math.isnan(value)):
        return ""
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    return value


class RunOutputs:
    """The files of one run in ``folder``, named ``<prefix>_...``.

    Parameters
    ----------
    folder : path
        Output folder (created with the first record; removed by :meth:`discard` if it was).
    prefix : str
        From :func:`run_prefix`. The final files take :attr:`prefix` as it is when
        :meth:`finish` runs (a run that stopped early can be given another name).
    """

    def __init__(self, folder: str | Path, prefix: str):
        self.folder, self.prefix = Path(folder), prefix
        self._partial_prefix = prefix  # the partial files keep theirs if the final name changes
        self._files: dict[str, object] = {}
        self._writers: dict[str, csv.writer] = {}
        self._created: list[Path] = []

    def path(self, kind: str, suffix: str = ".csv") -> Path:
        """The final name of one of the run's files (``kind``: frames, alerts, noface, sign, summary)."""
        return self.folder / f"{self.prefix}_{kind}{suffix}"

    def partial(self, kind: str) -> Path:
        """Where ``kind``'s records accumulate while the run goes."""
        return self.folder / f"{self._partial_prefix}_{kind}.partial.csv"

    def open(self) -> None:
        """Create the folder and the partial files with their headers (the first record does it)."""
        if self._files:
            return
        missing = []
        p = self.folder
        while not p.exists():
            missing.append(p)
            p = p.parent
        self.folder.mkdir(parents=True, exist_ok=True)
        self._created = missing  # deepest first: removed in this order
        headers = {"frames": FRAME_COLUMNS, "alerts": ALERT_COLUMNS, "noface": NO_FACE_COLUMNS}
        for kind in TABLES:
            f = open(self.partial(kind), "w", newline="", encoding="utf-8")
            self._files[kind] = f
            self._writers[kind] = csv.writer(f)
            self._writers[kind].writerow(headers[kind])
            f.flush()

    def _append(self, kind: str, rows: Iterable[Iterable[object]]) -> None:
        self.open()
        self._writers[kind].writerows([_cell(v) for v in row] for row in rows)
        self._files[kind].flush()  # a crash loses at most the batch being analysed

    def frames(self, rows: list[tuple]) -> None:
        """Append frame records (:data:`~painsign_utils.monitor.session.FRAME_COLUMNS`)."""
        self._append("frames", rows)

    def alerts(self, alerts: list[Alert]) -> None:
        """Append alerts."""
        self._append(
            "alerts", ((a.kind, a.frame, a.time, a.value, a.change, a.message) for a in alerts)
        )

    def no_face(self, row: tuple) -> None:
        """Append an interval without a face."""
        self._append("noface", [row])

    def _close(self) -> None:
        for f in self._files.values():
            f.close()

    def finish(self, sign: np.ndarray, summary: dict | None = None) -> None:
        """Write the final files: the frames with their final ``sign`` (the provisional values of
        face gaps replaced), the alerts and intervals, and ``summary`` as ``_summary.json``."""
        from ..storage import write_json

        self.open()
        self._close()
        with (
            open(self.partial("frames"), newline="", encoding="utf-8") as src,
            atomic_path(self.path("frames")) as tmp,
            open(tmp, "w", newline="", encoding="utf-8") as dst,
        ):
            rows = csv.reader(src)
            header = next(rows)
            at, drop = header.index("sign"), header.index("provisional")
            out = csv.writer(dst)
            out.writerow([c for k, c in enumerate(header) if k != drop])
            for row in rows:
                frame = int(row[0])
                if frame < len(sign):
                    row[at] = _cell(float(sign[frame]))
                out.writerow([c for k, c in enumerate(row) if k != drop])
        for kind in ("alerts", "noface"):
            with atomic_path(self.path(kind)) as tmp:
                os.replace(self.partial(kind), tmp)
        self.partial("frames").unlink()
        if summary is not None:
            write_json(jsonable(summary), self.path("summary", ".json"))

    def discard(self) -> None:
        """Remove every file and folder this run created (a run that failed leaves nothing)."""
        self._close()
        for kind in TABLES:
            self.partial(kind).unlink(missing_ok=True)
        for p in self._created:
            try:
                p.rmdir()
            except OSError:
                break
