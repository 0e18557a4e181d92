"""The world of the videos: documented causes that make the iCOPEvid videos differ from the photos.

A :class:`World` holds one strength per cause of :data:`CAUSES` (0: the cause is off). ``matched`` is
the world in which the videos come from the same renderer, camera and light as the photos, and a
"no pain" video is a calm face; ``icopevid-like`` turns every cause on at the strength its source
describes (:data:`CAUSES`). Each strength is fixed from the sources' descriptions, never fitted to
the paper's test results. :func:`make_world` builds a world from a name and per-cause overrides
(``{"distress": False}``, ``{"compression": 0.5}``), :func:`data_folder` names the folder a world's
data set lives in (``data`` for ``matched``, so the book's set and caches are unchanged).

Only the video set depends on the world: the photo (training) sets are the same in every world.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

from ..errors import ConfigError


@dataclass(frozen=True)
class Cause:
    """One documented difference between the video set and the photo sets (chapter 00 words it).

    Attributes
    ----------
    name : str
        Key of the cause (a field of :class:`World`).
    strength : float
        Strength in the ``icopevid-like`` world (what the number measures: chapter 00's table).
    cite : tuple of str
        The bibliography keys of its sources (``book/references.bib``).
    measured : bool
        True when the source gives the number; False when it describes the cause and the size is
        a moderate choice made before any test.
    """

    name: str
    strength: float
    cite: tuple[str, ...]
    measured: bool = False


#: The causes, in the order the generator applies them. Strengths are fixed from the sources:
#: procedure labels and distress from the frame labels of Manworren et al. 2024 (12 % of a pain
#: video's frames "no pain", 40 % of a no-pain video's frames "pain"); the others are described by
#: their sources without a number, so their sizes are moderate choices. Compression 1 means the
#: face at 40 % of its resolution and JPEG quality 20 (0.5: 70 %, quality 55). Hand-picking: each
#: no-pain segment is the most distressed of this many 20-s candidates, as many as a recording of
#: at least a minute holds (iCOPEvid's non-painful segments were picked to be hard).
CAUSES: dict[str, Cause] = {
    c.name: c
    for c in (
        Cause(
            "procedure_labels",
            0.12,
            ("brahnam2020icopevid", "manworren2024performance", "heiderich2015neonatal"),
            True,
        ),
        Cause(
            "distress",
            0.40,
            ("brahnam2006machine", "brahnam2020icopevid", "manworren2024performance"),
            True,
        ),
        Cause("handpicked", 3.0, ("brahnam2020icopevid", "ferreira_painsign"), True),
        Cause("occluders", 0.30, ("ferreira_painsign", "brahnam2020icopevid")),
        Cause("colour", 0.08, ("ferreira_painsign", "brahnam2020icopevid")),
        Cause("lighting", 0.30, ("brahnam2020icopevid", "ferreira_painsign")),
        Cause("motion_blur", 0.10, ("brahnam2020icopevid", "ferreira_painsign")),
        Cause("compression", 0.50, ("ferreira_painsign", "brahnam2020icopevid")),
    )
}

#: World names, the default first.
WORLDS: tuple[str, ...] = ("matched", "icopevid-like")


@dataclass(frozen=True)
class World:
    """The strength of each cause of :data:`CAUSES` in one world (0: off).

    Attributes
    ----------
    name : str
        The world it was made from (``matched`` or ``icopevid-like``).
    procedure_labels, distress, handpicked, occluders : float
        See :data:`CAUSES`.
    colour, lighting, motion_blur, compression : float
        See :data:`CAUSES`.
    """

    name: str = "matched"
    procedure_labels: float = 0.0
    distress: float = 0.0
    handpicked: float = 0.0
    occluders: float = 0.0
    colour: float = 0.0
    lighting: float = 0.0
    motion_blur: float = 0.0
    compression: float = 0.0

    @property
    def matched(self) -> bool:
        """True when every cause is off: the videos look like the photos."""
        return all(getattr(self, c) == 0 for c in CAUSES)

    def strengths(self) -> dict[str, float]:
        """``{cause: strength}`` in :data:`CAUSES` order."""
        return {c: float(getattr(self, c)) for c in CAUSES}

    def record(self) -> dict:
        """The world as plain JSON data (for ``config.json`` and cache keys)."""
        return asdict(self)


def make_world(name: str = "matched", causes: Mapping[str, bool | float] | None = None) -> World:
    """A world from its name and per-cause overrides.

    Parameters
    ----------
    name : {"matched", "icopevid-like"}
        ``matched``: every cause off; ``icopevid-like``: every cause at its documented strength.
    causes : mapping, optional
        Per-cause overrides: ``False`` turns a cause off, ``True`` sets its documented strength, a
        number sets the strength (>= 0).

    Raises
    ------
    ConfigError
        For an unknown world or cause, or a negative strength.
    """
    if name not in WORLDS:
        raise ConfigError(f"unknown world {name!r}; choose one of {', '.join(WORLDS)}")
    on = name == "icopevid-like"
    world = World(name, **{c: (CAUSES[c].strength if on else 0.0) for c in CAUSES})
    for cause, value in dict(causes or {}).items():
        if cause not in CAUSES:
            raise ConfigError(f"unknown world cause {cause!r}; choose from {', '.join(CAUSES)}")
        if isinstance(value, bool):
            strength = CAUSES[cause].strength if value else 0.0
        elif isinstance(value, (int, float)) and value >= 0:
            strength = float(value)
        else:
            raise ConfigError(
                f"world cause {cause!r} must be true, false or a strength >= 0, not {value!r}"
            )
        world = replace(world, **{cause: strength})
    return world


def data_folder(world: World) -> str:
    """The folder name of a world's synthetic set: ``data`` when matched, else named by its causes."""
    if world.matched:
        return "data"
    key = json.dumps(world.strengths(), sort_keys=True).encode()
    return f"data-{world.name}-{hashlib.blake2b(key, digest_size=4).hexdigest()}"


def causes_table(world: World | None = None) -> list[dict]:
    """One row per cause: ``cause``, its ``strength`` in ``world`` (default icopevid-like),
    ``measured`` (the source gives the number) and ``cite`` (bibliography keys)."""
    world = world or make_world("icopevid-like")
    return [
        {
            "cause": c.name,
            "strength": getattr(world, c.name),
            "measured": c.measured,
            "cite": ",".join(c.cite),
        }
        for c in CAUSES.values()
    ]
