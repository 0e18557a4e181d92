"""Procedural neonatal faces: one subject's look plus one expression gives one picture.

``subject`` (a newborn's look and expressiveness), ``actions`` (the NFCS facial actions of one
moment), ``primitives`` (anti-aliased drawing in face units), ``head`` (what no expression changes,
cached), ``face`` (one face on an RGBA patch), ``place`` (compositing onto a frame, ground truth, region masks).
"""

from .actions import NFCS_ACTIONS, Expression, nfcs_score
from .face import render_face
from .place import REGIONS, Placement, place_face, premultiply, region_masks
from .subject import Subject, expression_from_intensity

__all__ = [
    "NFCS_ACTIONS",
    "Expression",
    "Placement",
    "REGIONS",
    "Subject",
    "expression_from_intensity",
    "nfcs_score",
    "place_face",
    "premultiply",
    "region_masks",
    "render_face",
]
