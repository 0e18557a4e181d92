"""What each cause of a :class:`~painsign_utils.synthetic.world.World` does to one video.

:func:`plan_causes` changes a video's plan (pain calm stretches, distress episodes, occluders) and
:class:`Capture` turns a rendered frame into the video camera's frame (motion blur, ward light and
colour, resolution and compression). Every draw comes from the world's own generator, so a video of
the ``matched`` world draws exactly what it drew before worlds existed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..render import Expression
from .scenarios import VideoScript
from .scene import draw_hand, light_gradient

#: How strongly distress (crying from handling, friction, hunger) drives each NFCS action: the cry
#: face's brow bulge, eye squeeze and open mouth fully, the furrow and horizontal stretch partly,
#: the taut tongue and chin quiver of pain little.
DISTRESS_ACTIONS = np.array([1.0, 1.0, 0.6, 1.0, 1.0, 0.6, 0.3, 0.3], dtype=np.float32)

#: Codes of the truth CSV's ``occluder`` column.
OCCLUDERS: dict[int, str] = {0: "none", 1: "pacifier", 2: "tape", 3: "carer's hand"}


@dataclass(frozen=True)
class CausePlan:
    """The world's additions to one video's plan.

    Attributes
    ----------
    intensity : ndarray
        Pain intensity per frame (calm stretches of a procedure-labelled pain video included).
    distress : ndarray
        Distress without pain per frame, in [0, 1].
    asleep, yawn : ndarray
        Sleep and yawns, cleared where the newborn is distressed.
    occluder : ndarray of int
        :data:`OCCLUDERS` code per frame.
    """

    intensity: np.ndarray
    distress: np.ndarray
    asleep: np.ndarray
    yawn: np.ndarray
    occluder: np.ndarray


def _episodes(rng: np.random.Generator, n: int, fps: float, share: float, dur: tuple) -> np.ndarray:
    """A boolean mask of random episodes (``dur`` seconds each) covering about ``share`` of ``n``."""
    mask = np.zeros(n, dtype=bool)
    target = int(round(min(share, 0.95) * n))
    for _ in range(50):
        if mask.sum() >= target:
            break
        d = max(1, min(int(rng.uniform(*dur) * fps), target - int(mask.sum())))
        s = int(rng.integers(0, max(1, n - d)))
        mask[s : s + d] = True
    return mask


def _ramp(x: np.ndarray, fps: float, seconds: float = 0.3) -> np.ndarray:
    k = max(1, int(seconds * fps))
    padded = np.concatenate([np.full(k, x[0]), x, np.full(k, x[-1])])
    return np.convolve(padded, np.ones(k) / k, mode="same")[k:-k]


def plan_causes(script: VideoScript, label: str, fps: float, world, rng) -> CausePlan:
    """The world's version of a video's plan: calm stretches, distress and occluders.

    Parameters
    ----------
    script : VideoScript
        The scenario's plan (:func:`~painsign_utils.synthetic.video_script`).
    label : {"pain", "nopain"}
    fps : float
    world : World
    rng : numpy.random.Generator
        The world's own generator for this video.
    """
    n = len(script.intensity)
    intensity = script.intensity.copy()
    distress = np.zeros(n)
    asleep, yawn = script.asleep.copy(), script.yawn.copy()
    if label == "pain" and world.procedure_labels > 0:
        share = rng.uniform(0, 2 * world.procedure_labels)
        calm = np.zeros(n, dtype=bool)
        calm[: int(n * share / 2)] = True  # before the lance: the segment starts early
        calm |= _episodes(rng, n, fps, share / 2, (0.5, 1.5))  # pauses of the cry
        low = rng.uniform(0.03, 0.2)
        intensity = np.clip(_ramp(np.where(calm, low, intensity), fps, 0.2), 0, 1)
    if label == "nopain" and world.distress > 0:
        # Hand-picked to be hard: of the recording's candidate segments, the most distressed.
        level = None
        for _ in range(max(1, int(round(world.handpicked)))):
            mask = _episodes(rng, n, fps, rng.uniform(0, 2 * world.distress), (2.0, 6.0))
            candidate = np.where(mask, rng.uniform(0.6, 0.95), 0.0)
            if level is None or candidate.sum() > level.sum():
                level = candidate
        distress = np.clip(_ramp(level, fps, 0.4), 0, 1).round(3)
        awake = distress > 0.05
        asleep[awake], yawn[awake] = 0.0, 0.0
    occluder = np.zeros(n, dtype=np.int8)
    if world.occluders > 0:
        r = rng.random()
        if r < world.occluders / 2:  # a pacifier, lost whenever the newborn cries
            occluder[np.maximum(intensity, distress) < 0.45] = 1
        elif r < world.occluders:  # tape holding a tube on a cheek
            occluder[:] = 2
        if distress.max() > 0 and rng.random() < world.occluders:  # a carer handles the newborn
            occluder[distress > 0.3] = 3
    return CausePlan(intensity, distress, asleep, yawn, occluder)


def distressed(pain: Expression, distress: Expression) -> Expression:
    """The face of a newborn in pain ``pain`` and in distress ``distress`` (a cry without pain)."""
    actions = np.maximum(pain.actions, distress.actions * DISTRESS_ACTIONS)
    return Expression(actions.astype(np.float32), 0.0, 0.0)


def draw_occluder(frame, code: int, lms: np.ndarray, unit: float, rng) -> None:
    """Draw occluder ``code`` (:data:`OCCLUDERS`) over the face whose landmarks are ``lms`` (5, 2)."""
    mouth = (lms[3] + lms[4]) / 2
    if code == 1:  # pacifier: a shield over the mouth and a ring
        col = tuple(float(c) for c in rng.uniform(120, 240, 3))
        centre = (int(mouth[0]), int(mouth[1]))
        cv2.ellipse(frame, centre, (int(unit * 0.32), int(unit * 0.2)), 0, 0, 360, col, -1, 16)
        cv2.circle(frame, centre, int(unit * 0.13), (235.0, 235.0, 235.0), max(1, int(unit * 0.04)))
    elif code == 2:  # tape on a cheek, from the nose outwards
        side = lms[0] if rng.random() < 0.5 else lms[1]
        a = np.array([lms[2][0], lms[2][1] + unit * 0.05])
        b = np.array([side[0], mouth[1]]) + (np.array([side[0], 0]) - [lms[2][0], 0]) * 0.6
        cv2.line(
            frame,
            tuple(int(v) for v in a),
            tuple(int(v) for v in b),
            (238.0, 232.0, 220.0),
            max(2, int(unit * 0.16)),
            cv2.LINE_AA,
        )
    elif code == 3:  # a carer's hand over the brow or the cheek
        carer = np.array([230.0, 190.0, 165.0]) * rng.uniform(0.6, 1.05)
        anchor = lms[0] if rng.random() < 0.5 else lms[4]
        draw_hand(frame, rng, (float(anchor[0]), float(anchor[1])), unit * 0.8, carer)


@dataclass
class Capture:
    """The video camera of one video: colour cast, ward light, motion blur and compression.

    Built once per video with :meth:`for_video`; :meth:`apply` turns one rendered frame into the
    camera's frame.
    """

    field: np.ndarray | None  # per-pixel colour and light gain, (H, W, 3) float32
    blur: float  # blur length at full activity, pixels
    scale: float  # resolution factor of the face (1: unchanged)
    quality: int  # JPEG quality (0: no re-encoding)
    rng: np.random.Generator

    @classmethod
    def for_video(cls, world, rng, width: int, height: int, unit: float) -> Capture:
        """The camera of one video of ``world`` (draws from the world's generator ``rng``)."""
        gain = np.ones((height, width, 3), np.float32)
        if world.colour > 0:
            gain *= rng.uniform(1 - world.colour, 1 + world.colour, 3).astype(np.float32)
        if world.lighting > 0:
            dim = 1 - world.lighting * rng.uniform(0.3, 1.0)
            grad = 1 + (light_gradient(rng, width, height) - 1) * (1 + 3 * world.lighting)
            gain *= (dim * grad)[..., None].astype(np.float32)
        k = min(world.compression, 1.0)
        return cls(
            field=gain if (world.colour > 0 or world.lighting > 0) else None,
            blur=world.motion_blur * unit,
            scale=1 - 0.6 * k,
            quality=int(round(90 - 70 * k)) if k > 0 else 0,
            rng=rng,
        )

    def apply(self, frame: np.ndarray, activity: float) -> np.ndarray:
        """The camera's frame of ``frame`` (uint8 RGB) when the newborn moves with ``activity`` in [0, 1]."""
        length = self.blur * activity * self.rng.uniform(0.5, 1.0)
        if length >= 1.5:
            k = int(np.ceil(length)) | 1
            kernel = np.zeros((k, k), np.float32)
            kernel[k // 2, :] = 1.0 / k
            rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), self.rng.uniform(0, 180), 1)
            kernel = cv2.warpAffine(kernel, rot, (k, k))
            frame = cv2.filter2D(frame, -1, kernel / max(kernel.sum(), 1e-6))
        if self.field is not None:
            frame = cv2.convertScaleAbs(frame.astype(np.float32) * self.field)
        if self.scale < 1:
            h, w = frame.shape[:2]
            small = cv2.resize(
                frame,
                (max(8, int(w * self.scale)), max(8, int(h * self.scale))),
                interpolation=cv2.INTER_AREA,
            )
            frame = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        if self.quality:
            ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
            frame = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
        return frame


def activity(intensity: float, distress: float) -> float:
    """How much a newborn moves: 0 when calm, 1 in a full cry (of pain or distress)."""
    return float(np.clip((max(intensity, distress) - 0.4) / 0.5, 0.0, 1.0))
