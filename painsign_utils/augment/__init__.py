"""Data augmentation of the training face crops (paper App. A), in two semantics.

The paper lists rotation (30°), shear (0.15), width/height shift (0.20), brightness (0.5–1.1),
zoom (0.7–1.5) and horizontal flip, 20 new images per training image, keeping the face
detectable by RetinaFace. Two readings are implemented, selected by the ``params`` object
(:func:`augment_params` builds either by name):

**albumentations style** (:class:`AlbumentationsParams`, ``protocol: authors``): what the authors'
code actually ran (albumentations ``Affine`` + ``RandomBrightnessContrast`` + ``HorizontalFlip``),
reimplemented here with OpenCV and NumPy:

* an affine map about the image centre: scale drawn in [0.7, 1.5] for x and y independently, where
  a factor above 1 zooms *in*; shear drawn in ±10° for x and y; translation ±0.2 of the side for x
  and y; rotation ±30°; border replicated;
* with probability 0.5, contrast and brightness: ``out = img * alpha + beta * 255`` with
  ``alpha = 1 ± 0.2`` and ``beta = ±0.2``;
* with probability 0.5, a horizontal flip;
* the whole draw is redrawn until all five facial keypoints stay inside the image.

**Keras style** (:class:`AugmentParams`, the default, ``protocol: causal``): the App. A words read as
the arguments of Keras' ``ImageDataGenerator``:

* rotation, shear and shift are drawn uniformly in ±range; **shear is an angle in degrees**
  (Keras' ``shear_range``), shift a fraction of the side;
* zoom factors for x and y are drawn independently in [0.7, 1.5]; a factor above 1 zooms *out*
  (the face gets smaller), as in Keras;
* brightness multiplies the pixel values by a factor in [0.5, 1.1];
* the border is filled with the nearest pixel (Keras' ``fill_mode="nearest"``).

Every augmentation is a pure function of ``(seed, image key, k)``, so the same image gets the
same 20 variants in every fold and every run (which lets training cache what frozen layers make
of them). "Face kept detectable" is enforced geometrically: Keras style redraws a draw that
pushes more than ``1 - min_visible`` of the face box out of the crop; albumentations style one that
pushes a keypoint out (the crop's landmarks, or :func:`default_keypoints`); in both an optional
``face_check`` (e.g. :func:`retinaface_check`) can also demand a detection. The albumentations
draws reproduce the authors' distributions, not their random numbers.
"""

from __future__ import annotations

from .albu import augment_albu
from .images import augment_image, augmented_stack, retinaface_check
from .params import (
    AUGMENT_STYLES,
    AUTHORS_AUGMENT,
    PAPER_AUGMENT,
    AlbumentationsParams,
    AugmentParams,
    augment_params,
    default_keypoints,
)

__all__ = [
    "AUGMENT_STYLES",
    "AUTHORS_AUGMENT",
    "PAPER_AUGMENT",
    "AlbumentationsParams",
    "AugmentParams",
    "augment_albu",
    "augment_image",
    "augment_params",
    "augmented_stack",
    "default_keypoints",
    "retinaface_check",
]
