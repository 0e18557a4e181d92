"""What a cached detection or crop depends on, and why an old one is stale.

Caches are keyed by what they depend on, never by a file's name alone: the input's resolved path,
size and modification time (:func:`~painsign_utils.storage.file_key`), the frame step, and the
detector's settings (a detector may expose them as a ``settings`` dict; one without it is assumed
to be the same detector). Derived files are named by a digest of the input's resolved path
(:func:`~painsign_utils.storage.derived_name`), so ``A/img1.jpg`` and ``B/img1.jpg`` never share a
crop. A stale entry is recomputed and one line says what and why. To force a redo, delete the
``detections/`` or ``crops/`` folder of the profile's artifacts (or one file in it).
"""

from __future__ import annotations

from .detection import FaceDetector


def detector_settings(detector: FaceDetector | None) -> dict | None:
    """The settings a detector's results depend on (None: unknown, not compared)."""
    if detector is None:
        return {"name": "retinaface", "score_threshold": 0.9, "max_side": 640}
    settings = getattr(detector, "settings", None)
    return dict(settings) if isinstance(settings, dict) else None


def stale_reason(old: dict | None, new: dict) -> str | None:
    """Why a cache entry made under key ``old`` is not valid for key ``new`` (None: it is valid).

    Keys hold ``input`` (:func:`storage.file_key`) and settings; a ``detector`` of None on either
    side is not compared.
    """
    if old is None:
        return "no record of what made it"
    reasons = []
    a, b = old.get("input") or {}, new.get("input") or {}
    if a.get("path") != b.get("path"):
        reasons.append("the input is another file")
    elif (a.get("size"), a.get("mtime_ns")) != (b.get("size"), b.get("mtime_ns")):
        reasons.append("the input file changed")
    for key in sorted(set(old) | set(new)):
        if key in ("input", "frames_expected", "frames_read", "partial"):
            continue
        if key == "rotate" and int(old.get(key) or 0) == int(new.get(key) or 0):
            continue  # keys written before the rotation was recorded read frames unrotated
        if key == "detector" and (old.get(key) is None or new.get(key) is None):
            continue
        if old.get(key) != new.get(key):
            reasons.append(f"{key} {old.get(key)} -> {new.get(key)}")
    return "; ".join(reasons) or None
