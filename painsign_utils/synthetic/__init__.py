"""Synthetic neonatal data with ground truth: an iCOPE+UNIFESP-like image set and an iCOPEvid-like video set.

Real neonatal data cannot be redistributed, so the book runs by default on faces drawn by
:mod:`painsign_utils.render`. This package decides *what* is drawn, and writes files plus manifests
that follow the data contracts of :mod:`painsign_utils.data`: ``config`` (sizes, seeds, subjects),
``scene`` (backgrounds, lighting, hands, blankets), ``images``, ``scenarios`` (intensity over time
of each video scenario), ``world`` and ``causes`` (how the video set differs from the photos),
``videos``, ``workers`` (worker processes) and ``build`` (whole sets).
"""

from .build import generate
from .config import SynthConfig, make_subjects, rng_for
from .examples import world_examples
from .images import image_plan, render_gallery_face, render_image
from .scenarios import SCENARIOS, video_script
from .scene import background, draw_cloth, draw_hand, light_gradient, photographic
from .videos import video_plan
from .world import CAUSES, WORLDS, World, causes_table, data_folder, make_world

__all__ = [
    "CAUSES",
    "SCENARIOS",
    "SynthConfig",
    "background",
    "draw_cloth",
    "draw_hand",
    "generate",
    "image_plan",
    "light_gradient",
    "make_subjects",
    "photographic",
    "render_gallery_face",
    "render_image",
    "rng_for",
    "video_plan",
    "video_script",
    "world_examples",
    "WORLDS",
    "World",
    "causes_table",
    "data_folder",
    "make_world",
]
