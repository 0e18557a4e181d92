"""Verdict on the paper's real-time claim: each model's sign keeps up with a 30-fps camera
(title, §1 and §4 of the paper; measured in chapter 08)."""

from __future__ import annotations

from pathlib import Path

from .common import RULES, Verdict, mark, model_name, read_table, share


def real_time(art: Path) -> Verdict:
    """The sign runs in real time: the optimized path keeps up with ``RULES["camera_fps"]``.

    Read from chapter 08's ``monitor/speed_summary.csv`` (end to end: decoding, face detection,
    classification, sign), judged per model as chapter 08 judges it
    (:func:`painsign_utils.speed.keeps_up`). The rate is this build's machine's; chapter 08 gives
    what the optimized path changes and what that costs in the sign.
    """
    from ..speed import keeps_up

    v = Verdict("real_time", f"real time ({RULES['camera_fps']:.0f} fps video, no rate reported)")
    table = read_table(v, art, "monitor/speed_summary.csv")
    if table is None:
        return v
    keep = keeps_up(table, RULES["camera_fps"])
    flags = [bool(f) for f in keep]
    v.build = "; ".join(
        f"{model_name(m)} {fps:.0f} fps {mark(f)}"
        for m, fps, f in zip(table["model"], table["e2e optimized"], flags)
    )
    v.verdict, v.reason = share(flags)
    return v
