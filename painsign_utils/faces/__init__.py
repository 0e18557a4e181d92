"""Face detection, crops and landmarks, for images and for every frame of a video.

``detection`` (the :class:`Detection` type, the detector interface, table rows), ``backends``
(RetinaFace MobileNet-0.25 by default, the optional ResNet-50; :func:`get_detector`), ``cache``
(what a cached result depends on), ``videos`` (per-frame detection, cached as CSV), ``crops``
(square crops, :func:`preprocess_images`), ``privacy`` (the blur) and ``truth`` (scores against
synthetic ground truth).
"""

from .backends import get_detector
from .crops import crop_face, preprocess_images, read_image
from .detection import LANDMARK_COLUMNS, detection_from_row
from .privacy import privacy_blur, privacy_filter
from .truth import detection_stats, score_images_against_truth, score_videos_against_truth
from .videos import detect_video, detect_videos

__all__ = [
    "LANDMARK_COLUMNS",
    "crop_face",
    "detect_video",
    "detect_videos",
    "detection_from_row",
    "detection_stats",
    "get_detector",
    "preprocess_images",
    "privacy_blur",
    "privacy_filter",
    "read_image",
    "score_images_against_truth",
    "score_videos_against_truth",
]
