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
    """One documented difference between the video set and the photo sets.

    Attributes
    ----------
    name : str
        Key of the cause (a field of :class:`World`).
    does : str
        What it does to the synthetic videos.
    strength : float
        Strength in the ``icopevid-like`` world.
    meaning : str
        What the strength number is.
    source : str
        Where the cause and its strength come from, with the ``{cite:p}`` key(s) of the source.
    cite : tuple of str
        The bibliography keys (``book/references.bib``).
    measured : bool
        True when the source gives the number; False when it describes the cause and the size is
        a moderate choice made before any test.
    """

    name: str
    does: str
    strength: float
    meaning: str
    source: str
    cite: tuple[str, ...]
    measured: bool = False


#: The causes, in the order the generator applies them. Strengths are fixed from the sources.
CAUSES: dict[str, Cause] = {
    c.name: c
    for c in (
        Cause(
            "procedure_labels",
            "a pain video is labelled by its procedure: the face is calm before the heel lance and in "
            "pauses of the cry",
            0.12,
            "mean share of a pain video's frames without a pain face",
            "iCOPEvid's 20-s segments are cut around the moment of the noxious stimulus, one label per "
            "segment; nurses scoring frame by frame call 12 % of the frames of such pain videos "
            "'no pain' (Manworren et al., cited in the paper's discussion), while UNIFESP's photos "
            "were labelled one by one with the NFCS",
            ("brahnam2020icopevid", "manworren2024performance", "heiderich2015neonatal"),
            True,
        ),
        Cause(
            "distress",
            "a 'no pain' video holds crying or grimacing from handling, friction or hunger: brow "
            "bulge, eye squeeze and open mouth without pain (a separate distress channel)",
            0.40,
            "mean share of a no-pain video's frames with a distressed face",
            "iCOPE and iCOPEvid film non-painful stimuli that upset a newborn (transport between cribs, "
            "air stimulus, friction, crying); iCOPEvid's no-pain segments were hand-picked to be hard "
            "to tell from pain; nurses call 40 % of the frames of no-pain videos 'pain' "
            "(Manworren et al., cited in the paper's discussion)",
            ("brahnam2006machine", "brahnam2020icopevid", "manworren2024performance"),
            True,
        ),
        Cause(
            "occluders",
            "a pacifier over the mouth, tape on a cheek, or a carer's hand over the face while the "
            "newborn is handled",
            0.30,
            "share of videos with a pacifier or tape (a carer's hand in handled stretches)",
            "the paper traces irregular signs to hands over the face and names medical apparatus over "
            "the faces at the bedside; iCOPEvid films newborns while they are moved and rubbed",
            ("ferreira_painsign", "brahnam2020icopevid"),
        ),
        Cause(
            "colour",
            "another camera's colour response: a white-balance cast per video",
            0.08,
            "largest gain change of one colour channel",
            "iCOPEvid was filmed with another camera (1920 x 1080 video) than iCOPE (3008 x 2000 "
            "stills) and UNIFESP (320 x 233 frames); the size of the cast is not published",
            ("ferreira_painsign", "brahnam2020icopevid"),
        ),
        Cause(
            "lighting",
            "ward light: darker frames and a stronger light gradient across the crib",
            0.30,
            "largest loss of brightness and added gradient strength",
            "the videos come from a hospital ward, the stills from posed sessions; the paper calls "
            "iCOPEvid's setting controlled, so the change is kept moderate",
            ("brahnam2020icopevid", "ferreira_painsign"),
        ),
        Cause(
            "motion_blur",
            "a moving, crying newborn blurs within one 1/30-s frame",
            0.10,
            "blur length at full crying activity, as a share of the face size",
            "iCOPEvid films movement as a stimulus and the paper sees sudden changes within clips; "
            "30 fps video blurs what a still camera freezes",
            ("brahnam2020icopevid", "ferreira_painsign"),
        ),
        Cause(
            "compression",
            "a smaller face in a wide video frame, and lossy compression (JPEG re-encoding)",
            0.50,
            "0 off; 1 = face at 40 % of its resolution and JPEG quality 20 (0.5: 70 %, quality 55)",
            "a 1920 x 1080 video shows the whole crib, so the face covers fewer pixels than in "
            "iCOPE's 3008 x 2000 portraits, and video is stored lossily",
            ("ferreira_painsign", "brahnam2020icopevid"),
        ),
    )
}

#: Short names of the sources (book/references.bib keys) for tables.
SOURCES: dict[str, str] = {
    "ferreira_painsign": "Ferreira et al. (the paper)",
    "brahnam2006machine": "Brahnam et al. 2006 (iCOPE)",
    "heiderich2015neonatal": "Heiderich et al. 2015 (UNIFESP)",
    "brahnam2020icopevid": "Brahnam et al. 2020 (iCOPEvid)",
    "manworren2024performance": "Manworren et al. 2024",
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
    procedure_labels, distress, occluders, colour, lighting, motion_blur, compression : float
        See :data:`CAUSES`.
    """

    name: str = "matched"
    procedure_labels: float = 0.0
    distress: float = 0.0
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
    """One row per cause: name, what it does, strength in ``world`` (default icopevid-like), meaning, source."""
    world = world or make_world("icopevid-like")
    return [
        {
            "cause": c.name.replace("_", " "),
            "does": c.does,
            "strength": getattr(world, c.name),
            "meaning": c.meaning,
            "source": c.source,
            "basis": "number in the source" if c.measured else "described; size chosen",
            "sources": "; ".join(SOURCES[k] for k in c.cite),
            "cite": ",".join(c.cite),
        }
        for c in CAUSES.values()
    ]
