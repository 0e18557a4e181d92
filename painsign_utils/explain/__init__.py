"""Why a model says "pain": Grad-CAM, Integrated Gradients and the Carlini et al. post-processing.

This package owns the attribution side of paper §2.3, one submodule a job (:mod:`.attribution`,
:mod:`.gradcam`, :mod:`.ig`, :mod:`.postprocess`, :mod:`.videos`, :mod:`.regions`,
:mod:`.occlusion`). Both methods go through captum
and explain the model's single "pain" logit (or its negation, for "no pain"):

- :class:`GradCAM` -- captum's ``LayerGradCam`` on ``model.gradcam_layer``. For a vision transformer
  (``model.reshape_transform`` not None) the layer's tokens ``(N, 1+T, C)`` are routed through a
  small identity module that sees them as a ``(N, C, h, w)`` grid, class token left out, so that
  captum computes the usual channel weights over the patch grid (14x14 at 224 px, ``input_size/16``
  otherwise). Maps are upsampled bilinearly to the input's spatial size; each carries its layer's
  grid and a flag for flat maps (:func:`flat_maps`: after the ReLU, no positive evidence anywhere),
  which the strips mark instead of drawing an empty overlay.
- :class:`IntegratedGradients` -- captum's ``IntegratedGradients`` from a stated baseline with a
  stated number of steps; its convergence delta (sum of attributions minus ``f(x) - f(baseline)``)
  is returned with every map, so the reader can see how exact the integral was.
- :func:`postprocess_mask` and :func:`overlay` -- the visualisation the paper borrows from Carlini et
  al. (2024): quantise the mask into a few levels with k-means, Gaussian-blur it, normalise it to
  [0, 1], make pixels below ``mean + 0.5 sd`` transparent and draw the rest red (most important) ->
  yellow -> green (least important) over the face.

Every ``attribute`` call takes either a float tensor already prepared by ``model.preprocess`` or a
list of uint8 RGB face crops, which it prepares itself.

For the chapter's strips (Figs 1-4): :func:`frames_at_interval` picks a video's frames every
second, :func:`explain_video` runs both methods on their face crops (cached as ``.npz``, with each
frame's IG convergence delta), :func:`map_stability` measures how much the maps change along the
video, and :func:`choose_videos` picks the videos to explain.

Whether a model looks at the face at all: :func:`region_probes` draws synthetic faces with their
ground-truth face, cap and background masks in the crop; :func:`model_regions` hides each region
(:func:`occlusion_drops`) and measures the share of Grad-CAM and IG mass on the face
(:func:`face_share`).
"""

from __future__ import annotations

from .attribution import Explanation, flat_maps, prepare_inputs
from .gradcam import GradCAM
from .ig import IG_BASELINES, IG_POSTPROCESS, IntegratedGradients, ig_importance
from .occlusion import (
    FILLS,
    face_share,
    model_regions,
    occlude,
    occlusion_drops,
    pain_probabilities,
    probe_attributions,
    region_summary,
)
from .postprocess import colourize, overlay, overlays, postprocess_mask
from .regions import RegionProbes, region_probes, resize_masks
from .videos import (
    VideoExplanation,
    choose_videos,
    explain_video,
    frames_at_interval,
    map_stability,
    read_face_crops,
)

__all__ = [
    "FILLS",
    "IG_BASELINES",
    "IG_POSTPROCESS",
    "Explanation",
    "GradCAM",
    "IntegratedGradients",
    "RegionProbes",
    "VideoExplanation",
    "choose_videos",
    "colourize",
    "explain_video",
    "face_share",
    "flat_maps",
    "frames_at_interval",
    "ig_importance",
    "map_stability",
    "model_regions",
    "occlude",
    "occlusion_drops",
    "overlay",
    "overlays",
    "pain_probabilities",
    "postprocess_mask",
    "prepare_inputs",
    "probe_attributions",
    "read_face_crops",
    "region_probes",
    "region_summary",
    "resize_masks",
]
