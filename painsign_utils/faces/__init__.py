"""Face detection, crops and landmarks, for images and for every frame of a video.

``detection`` (the :class:`Detection` type, the detector interface, table rows), ``backends``
(RetinaFace MobileNet-0.25 by default, the optional ResNet-50; :func:`get_detector`), ``cache``
(what a cached result depends on), ``videos`` (per-frame detection, cached as CSV), ``crops``
(square crops, :func:`preprocess_images`), ``privacy`` (the blur) and ``truth`` (scores against
synthetic ground truth).
"""

from ..video import rotate_clockwise
from .backends import (
    RETINA_FACE_LANDMARKS,
    RetinaFaceResNetDetector,
    detections_from_retina_face,
    get_detector,
    retina_face_weights_path,
    retinaface_backend,
)
from .cache import stale_reason
from .crops import crop_face, preprocess_images, read_image
from .detection import (
    DETECTION_COLUMNS,
    LANDMARK_COLUMNS,
    Detection,
    detection_from_row,
    detection_row,
)
from .privacy import privacy_blur, privacy_filter
from .truth import (
    box_iou,
    detection_stats,
    score_against_truth,
    score_images_against_truth,
    score_videos_against_truth,
)
from .videos import detect_video, detect_videos

__all__ = [
    "DETECTION_COLUMNS",
    "LANDMARK_COLUMNS",
    "RETINA_FACE_LANDMARKS",
    "Detection",
    "RetinaFaceResNetDetector",
    "box_iou",
    "crop_face",
    "detect_video",
    "detect_videos",
    "detection_from_row",
    "detection_row",
    "detection_stats",
    "detections_from_retina_face",
    "get_detector",
    "preprocess_images",
    "privacy_blur",
    "privacy_filter",
    "read_image",
    "retina_face_weights_path",
    "retinaface_backend",
    "rotate_clockwise",
    "score_against_truth",
    "score_images_against_truth",
    "score_videos_against_truth",
    "stale_reason",
]
