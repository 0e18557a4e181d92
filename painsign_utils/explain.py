"""Why a model says "pain": Grad-CAM, Integrated Gradients and the Carlini et al. post-processing.

This module owns the attribution side of paper §2.3. Both methods go through captum and explain the
model's single "pain" logit (or its negation, for "no pain"):

- :class:`GradCAM` -- captum's ``LayerGradCam`` on ``model.gradcam_layer``. For a vision transformer
  (``model.reshape_transform`` not None) the layer's tokens ``(N, 1+T, C)`` are routed through a
  small identity module that sees them as a ``(N, C, h, w)`` grid, class token left out, so that
  captum computes the usual channel weights over the patch grid (14x14 at 224 px, ``input_size/16``
  otherwise). Maps are upsampled bilinearly to the input's spatial size.
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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import torch
from torch import nn

from .errors import ConfigError, DataError, ModelError
from .models import fingerprint

#: Baselines understood by :class:`IntegratedGradients`.
IG_BASELINES = ("black", "zeros", "blur")
#: How a signed, channel-summed IG map becomes an importance map before the post-processing:
#: ``"abs"`` keeps evidence for and against the explained class (the book's default, ``causal``);
#: ``"clamp"`` keeps only evidence for it, as the authors' code does (``protocol: authors``).
IG_POSTPROCESS: tuple[str, ...] = ("abs", "clamp")
#: Face side (pixels) for which the authors chose an 11-pixel Gaussian kernel with sigma=0 ...
_REFERENCE_SIDE = 224
#: ... whose sigma OpenCV derives as 0.3 * ((ksize - 1) / 2 - 1) + 0.8 (= 2 px).
_REFERENCE_SIGMA = 0.3 * ((11 - 1) * 0.5 - 1) + 0.8


@dataclass
class Explanation:
    """Result of one ``attribute`` call on a batch of N images of size H x W.

    Attributes
    ----------
    maps : ndarray, shape (N, H, W), float32
        One attribution map per image at the input's spatial size (Grad-CAM: the upsampled class
        activation map; IG: attributions summed over the colour channels, signed).
    logits : ndarray, shape (N,)
        The explained logit ``f(x)`` (the "pain" logit, negated when explaining "no pain").
    method : str
        ``"gradcam"`` or ``"ig"``.
    delta : ndarray, shape (N,), optional
        IG only: captum's convergence delta, ``sum(attributions) - (f(x) - f(baseline))``.
    baseline_logits : ndarray, shape (N,), optional
        IG only: ``f(baseline)``.
    attributions : ndarray, shape (N, 3, H, W), optional
        IG only: per-channel attributions.
    """

    maps: np.ndarray
    logits: np.ndarray
    method: str
    delta: np.ndarray | None = None
    baseline_logits: np.ndarray | None = None
    attributions: np.ndarray | None = None


def prepare_inputs(model: nn.Module, inputs: torch.Tensor | Sequence[np.ndarray]) -> torch.Tensor:
    """A float batch ``(N, 3, S, S)`` on the model's device from a tensor or from uint8 RGB crops."""
    if not isinstance(inputs, torch.Tensor):
        if not hasattr(model, "preprocess"):
            raise ModelError("model has no preprocess(); pass a prepared float tensor instead")
        inputs = model.preprocess(list(inputs))
    if inputs.ndim != 4 or inputs.shape[1] != 3:
        raise ModelError(f"expected a batch of shape (N, 3, S, S), got {tuple(inputs.shape)}")
    return inputs.detach().float().to(_device(model))


def _device(model: nn.Module) -> torch.device:
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


def _signed_forward(model: nn.Module, target: str):
    """Forward returning one scalar per image: the pain logit, or minus it for ``"nopain"``."""
    if target not in ("pain", "nopain"):
        raise ModelError(f"target must be 'pain' or 'nopain', got {target!r}")
    sign = 1.0 if target == "pain" else -1.0

    def forward(x: torch.Tensor) -> torch.Tensor:
        return sign * model(x).reshape(x.shape[0])

    return forward


class _TokenGrid(nn.Module):
    """Identity on a ``(N, C, h, w)`` patch grid: the module captum hooks for a transformer."""

    def forward(self, grid: torch.Tensor) -> torch.Tensor:
        return grid


class GradCAM:
    """Grad-CAM (Selvaraju et al. 2017) of a PainModel's pain logit, through captum.

    Parameters
    ----------
    model : nn.Module
        A PainModel: ``forward(x) -> (N,)`` logits, ``gradcam_layer`` and ``reshape_transform``.
    layer : nn.Module, optional
        Layer to explain; defaults to ``model.gradcam_layer``.
    reshape_transform : callable, optional
        Tokens ``(N, P+T, C)`` -> grid ``(N, C, h, w)`` without the ``P`` prefix (class) tokens;
        defaults to ``model.reshape_transform`` (None for CNNs).
    relu : bool
        Keep only positive evidence, as in the original method.
    """

    def __init__(
        self,
        model: nn.Module,
        layer: nn.Module | None = None,
        reshape_transform=None,
        relu: bool = True,
    ):
        layer = layer if layer is not None else getattr(model, "gradcam_layer", None)
        if not isinstance(layer, nn.Module):
            raise ModelError(f"model {getattr(model, 'name', '?')!r} has no gradcam_layer module")
        self.model = model
        self.layer = layer
        self.reshape_transform = (
            reshape_transform
            if reshape_transform is not None
            else getattr(model, "reshape_transform", None)
        )
        self.relu = relu
        self._grid = _TokenGrid()

    def _route_tokens(self, _module, _inputs, tokens: torch.Tensor) -> torch.Tensor:
        # Replace the layer's token output by an equal tensor that passes through self._grid as a
        # patch grid, so captum's LayerGradCam (hooked on self._grid) sees (N, C, h, w).
        grid = self._grid(self.reshape_transform(tokens))
        n_prefix = tokens.shape[1] - grid.shape[2] * grid.shape[3]
        patches = grid.flatten(2).transpose(1, 2)
        return torch.cat([tokens[:, :n_prefix], patches], dim=1)

    def attribute(
        self, inputs: torch.Tensor | Sequence[np.ndarray], target: str = "pain"
    ) -> Explanation:
        """Grad-CAM maps for a batch.

        Parameters
        ----------
        inputs : tensor (N, 3, S, S) or sequence of uint8 RGB crops
        target : {"pain", "nopain"}
            Explain the pain logit or its negation.

        Returns
        -------
        Explanation
            ``maps`` of shape (N, S, S), non-negative when ``relu``.
        """
        from captum.attr import LayerAttribution, LayerGradCam

        x = prepare_inputs(self.model, inputs)
        forward = _signed_forward(self.model, target)
        hooked = self._grid if self.reshape_transform is not None else self.layer
        handle = (
            self.layer.register_forward_hook(self._route_tokens)
            if self.reshape_transform is not None
            else None
        )
        was_training = self.model.training
        self.model.eval()
        try:
            cam = LayerGradCam(forward, hooked).attribute(x, relu_attributions=self.relu)
            with torch.no_grad():
                logits = forward(x)
        finally:
            if handle is not None:
                handle.remove()
            self.model.train(was_training)
        cam = LayerAttribution.interpolate(cam.detach(), tuple(x.shape[-2:]), "bilinear")
        return Explanation(
            maps=cam[:, 0].cpu().numpy().astype(np.float32),
            logits=logits.cpu().numpy(),
            method="gradcam",
        )


class IntegratedGradients:
    """Integrated Gradients (Sundararajan et al. 2017) of the pain logit, through captum.

    Parameters
    ----------
    model : nn.Module
        A PainModel (see :class:`GradCAM`).
    baseline : {"black", "zeros", "blur"} or tensor
        The reference image the path starts from: ``"black"`` is a black face prepared by
        ``model.preprocess`` (so each model's own normalisation applies), ``"zeros"`` is zero in the
        model's input space (the mean colour for mean-subtracted models), ``"blur"`` is the input
        Gaussian-blurred with ``blur_sigma`` x side (keeps colour, removes facial detail). A tensor
        of shape (3, S, S) or (N, 3, S, S) is used as given.
    n_steps : int
        Points of the path integral (Gauss-Legendre quadrature by default).
    method : str
        captum's integration rule.
    internal_batch_size : int, optional
        Path points evaluated per forward pass (bounds memory). Default: about 64 rows at
        112 px, scaled with the image area (16 at 224 px, 196 at 64 px), and at least
        ``min(n_steps, 8)``; larger batches reuse each weight for more rows, which is most of the
        cost of the big models on a CPU.
    blur_sigma : float
        Gaussian sigma of the ``"blur"`` baseline as a fraction of the image side.
    """

    def __init__(
        self,
        model: nn.Module,
        baseline: str | torch.Tensor = "black",
        n_steps: int = 50,
        method: str = "gausslegendre",
        internal_batch_size: int | None = None,
        blur_sigma: float = 0.08,
    ):
        if isinstance(baseline, str) and baseline not in IG_BASELINES:
            raise ModelError(f"unknown IG baseline {baseline!r}; use one of {IG_BASELINES}")
        if int(n_steps) < 2:
            raise ModelError(f"IG needs n_steps >= 2, got {n_steps}")
        self.model = model
        self.baseline = baseline
        self.n_steps = int(n_steps)
        self.method = method
        self.internal_batch_size = internal_batch_size
        self.blur_sigma = float(blur_sigma)

    def baselines(self, x: torch.Tensor) -> torch.Tensor:
        """The baseline batch for prepared inputs ``x`` (N, 3, S, S)."""
        if isinstance(self.baseline, torch.Tensor):
            b = self.baseline.to(x.device, x.dtype)
            return (b.unsqueeze(0) if b.ndim == 3 else b).expand_as(x).contiguous()
        if self.baseline == "zeros":
            return torch.zeros_like(x)
        if self.baseline == "black":
            black = np.zeros((x.shape[-2], x.shape[-1], 3), dtype=np.uint8)
            b = prepare_inputs(self.model, [black]) if hasattr(self.model, "preprocess") else None
            return torch.zeros_like(x) if b is None else b.to(x.device).expand_as(x).contiguous()
        sigma = max(self.blur_sigma * x.shape[-1], 0.5)
        arr = x.cpu().numpy().transpose(0, 2, 3, 1)
        blurred = np.stack([cv2.GaussianBlur(a, (0, 0), sigma) for a in arr])
        return torch.from_numpy(blurred.transpose(0, 3, 1, 2).copy()).to(x.device, x.dtype)

    def attribute(
        self, inputs: torch.Tensor | Sequence[np.ndarray], target: str = "pain"
    ) -> Explanation:
        """IG attributions, their channel-summed maps and the convergence delta for a batch.

        Returns
        -------
        Explanation
            ``maps`` (N, S, S) signed; ``attributions`` (N, 3, S, S); ``delta`` (N,);
            ``logits`` f(x) and ``baseline_logits`` f(baseline), each (N,).
        """
        from captum.attr import IntegratedGradients as CaptumIG

        x = prepare_inputs(self.model, inputs)
        base = self.baselines(x)
        forward = _signed_forward(self.model, target)
        was_training = self.model.training
        self.model.eval()
        try:
            attr, delta = CaptumIG(forward).attribute(
                x,
                baselines=base,
                n_steps=self.n_steps,
                method=self.method,
                internal_batch_size=self.internal_batch_size or _rows_per_pass(x),
                return_convergence_delta=True,
            )
            with torch.no_grad():
                logits, base_logits = forward(x), forward(base)
        finally:
            self.model.train(was_training)
        attr = attr.detach().cpu().numpy().astype(np.float32)
        return Explanation(
            maps=attr.sum(axis=1),
            logits=logits.cpu().numpy(),
            method="ig",
            delta=delta.detach().cpu().numpy().reshape(-1),
            baseline_logits=base_logits.cpu().numpy(),
            attributions=attr,
        )


def _rows_per_pass(x: torch.Tensor) -> int:
    """Default IG chunk: ~64 rows of 112x112 per forward pass, scaled with the image area."""
    return int(np.clip(64 * (112 * 112) / (x.shape[-2] * x.shape[-1]), 8, 256))


def ig_importance(maps: np.ndarray, mode: str = "abs") -> np.ndarray:
    """Importance from signed IG maps: absolute value (``"abs"``) or clamped at 0 (``"clamp"``).

    The authors' code sums the attributions over the colour channels and clamps the sum at 0
    (evidence against the explained class is dropped); the paper's text does not say, and the
    book's default keeps both signs through the absolute value.

    Parameters
    ----------
    maps : ndarray, any shape (e.g. (H, W) or (N, H, W))
        Signed channel-summed IG attributions.
    mode : {"abs", "clamp"}

    Returns
    -------
    ndarray, same shape, float32, >= 0
    """
    if mode not in IG_POSTPROCESS:
        raise ConfigError(f"unknown IG post-processing {mode!r}; use one of {', '.join(IG_POSTPROCESS)}")
    m = np.asarray(maps, dtype=np.float32)
    return np.abs(m) if mode == "abs" else np.maximum(m, 0.0)


def postprocess_mask(
    mask: np.ndarray,
    levels: int = 5,
    sigma: float | None = None,
    alpha_sd: float = 0.5,
    absolute: bool = True,
    size: int | None = None,
    seed: int = 123,
    max_fit: int = 20000,
    ig_mode: str | None = None,
) -> np.ndarray:
    """Carlini et al. (2024) post-processing of an attribution mask.

    Steps: (optionally) absolute value or clamp at 0, and resize; k-means quantisation of the pixel values into
    ``levels`` levels; Gaussian blur; min-max normalisation to [0, 1]; pixels at or below
    ``mean + alpha_sd * sd`` of the normalised mask set to NaN (transparent).

    Parameters
    ----------
    mask : ndarray, shape (H, W)
        Raw attribution map (Grad-CAM or channel-summed IG).
    levels : int
        k-means clusters (the authors use 5).
    sigma : float, optional
        Blur sigma in pixels; default scales the authors' 11-px kernel (sigma 2 px at 224 px) to
        the mask's side so that the look does not depend on the model's input size.
    alpha_sd : float
        Transparency threshold in standard deviations above the mean.
    absolute : bool
        Use ``|mask|``: for IG, evidence against pain is as informative as evidence for it. The
        authors' code clamps IG at 0 instead (``ig_mode="clamp"``).
    size : int, optional
        Resize the mask to ``size x size`` first (e.g. to the displayed face crop).
    seed : int
        k-means seed.
    max_fit : int
        Fit k-means on at most this many pixels (a seeded sample), then label every pixel.
    ig_mode : {"abs", "clamp"}, optional
        For a signed IG map: :func:`ig_importance`'s mode, which replaces ``absolute`` (``"clamp"``
        under ``protocol: authors``). None (default) keeps ``absolute``.

    Returns
    -------
    ndarray, shape (H, W) or (size, size), float32
        Values in [0, 1] where visible, NaN where transparent. All NaN for a constant mask (no
        region stands out).
    """
    from sklearn.cluster import KMeans

    m = np.asarray(mask, dtype=np.float32)
    if m.ndim != 2:
        raise ModelError(f"attribution mask must be 2-D (H, W), got shape {m.shape}")
    if not np.isfinite(m).all():
        raise ModelError("attribution mask contains NaN or infinite values")
    if ig_mode is not None:
        m = ig_importance(m, ig_mode)
    elif absolute:
        m = np.abs(m)
    if size is not None and m.shape != (size, size):
        m = cv2.resize(m, (size, size), interpolation=cv2.INTER_LINEAR)
    out = np.full(m.shape, np.nan, dtype=np.float32)
    if np.ptp(m) <= 1e-12 * max(1.0, float(np.abs(m).max())):
        return out
    flat = m.reshape(-1, 1)
    k = int(min(levels, len(np.unique(flat))))
    rng = np.random.default_rng(seed)
    fit = flat if len(flat) <= max_fit else flat[rng.choice(len(flat), max_fit, replace=False)]
    km = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(fit)
    quantised = km.cluster_centers_[km.predict(flat), 0].reshape(m.shape).astype(np.float32)
    if sigma is None:
        sigma = _REFERENCE_SIGMA * max(m.shape) / _REFERENCE_SIDE
    blurred = cv2.GaussianBlur(quantised, (0, 0), max(float(sigma), 1e-3))
    span = float(blurred.max() - blurred.min())
    if span <= 0:
        return out
    norm = (blurred - blurred.min()) / span
    visible = norm > norm.mean() + alpha_sd * norm.std()
    out[visible] = norm[visible]
    return out


def colourize(processed: np.ndarray, stretch: bool = True, cmap: str = "RdYlGn_r") -> np.ndarray:
    """RGBA image (H, W, 4) float in [0, 1] of a post-processed mask: red high, green low.

    ``stretch`` maps the visible range to the full colour scale, so the least important visible
    region is green and the most important red (otherwise colours follow the absolute [0, 1]
    value and visible pixels are seldom green). Transparent (NaN) pixels get alpha 0.
    """
    import matplotlib

    vals = np.asarray(processed, dtype=np.float32)
    visible = np.isfinite(vals)
    scaled = np.zeros_like(vals)
    if visible.any():
        v = vals[visible]
        lo, hi = (float(v.min()), float(v.max())) if stretch else (0.0, 1.0)
        scaled[visible] = (v - lo) / (hi - lo) if hi > lo else 1.0
    rgba = matplotlib.colormaps[cmap](scaled).astype(np.float32)
    rgba[..., 3] = visible.astype(np.float32)
    return rgba


def overlay(
    face_rgb: np.ndarray,
    mask: np.ndarray,
    alpha: float = 0.6,
    processed: bool = True,
    stretch: bool = True,
    **postprocess_kw,
) -> np.ndarray:
    """Draw an attribution mask over a face: red (most important) -> yellow -> green (least).

    Parameters
    ----------
    face_rgb : ndarray, shape (H, W, 3), uint8
        The face the mask explains (any size; the mask is resized to it).
    mask : ndarray, shape (h, w)
        A post-processed mask (NaN = transparent) when ``processed``; else a raw attribution map,
        post-processed here with ``postprocess_kw``.
    alpha : float
        Opacity of the colour over visible pixels.

    Returns
    -------
    ndarray, shape (H, W, 3), uint8
    """
    face = np.asarray(face_rgb)
    if face.ndim != 3 or face.shape[2] != 3:
        raise ModelError(f"face must be an RGB image (H, W, 3), got shape {face.shape}")
    h, w = face.shape[:2]
    if not processed:
        mask = postprocess_mask(mask, **postprocess_kw)
    mask = np.asarray(mask, dtype=np.float32)
    if mask.shape != (h, w):
        # Nearest keeps the transparent border crisp; NaNs would smear under linear resizing.
        mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_NEAREST)
    rgba = colourize(mask, stretch=stretch)
    a = alpha * rgba[..., 3:4]
    out = (1 - a) * face.astype(np.float32) / 255.0 + a * rgba[..., :3]
    return np.clip(np.round(out * 255.0), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------------------------
# Explaining a video: frames at regular intervals, with Grad-CAM and IG for each
# --------------------------------------------------------------------------------------------


def frames_at_interval(
    detections: pd.DataFrame,
    fps: float,
    interval_s: float = 1.0,
    max_frames: int | None = None,
) -> pd.DataFrame:
    """Rows of a detection table at ``0, interval_s, 2*interval_s, ...`` seconds.

    For each time the analysed frame with a face nearest to it (within half an interval) is
    chosen; a time with no such frame keeps its nearest frame with ``found`` False, so that the
    strip shows the gap (the pain sign there is interpolated).

    Returns
    -------
    DataFrame
        The chosen detection rows plus ``target_time``; at most ``max_frames`` rows, spread over
        the whole video when the cap bites.
    """
    if detections.empty:
        raise DataError("empty detection table")
    frames = detections["frame"].to_numpy(dtype=float)
    duration = frames.max() / fps
    targets = np.arange(0.0, duration + 1e-9, interval_s)
    if max_frames is not None and len(targets) > max_frames:
        targets = targets[np.round(np.linspace(0, len(targets) - 1, max_frames)).astype(int)]
    found = detections["found"].astype(bool).to_numpy()
    rows = []
    for t in targets:
        dist = np.abs(frames / fps - t)
        near = found & (dist <= interval_s / 2)
        i = int(np.argmin(np.where(near, dist, np.inf))) if near.any() else int(np.argmin(dist))
        rows.append(detections.iloc[i].to_dict() | {"target_time": float(t)})
    return pd.DataFrame(rows)


def read_face_crops(
    video_path: str | Path, picks: pd.DataFrame, crop_size: int = 256, rotate: int = 0
) -> list[np.ndarray | None]:
    """Face crops (made as for inference, frames turned clockwise by ``rotate`` degrees as for the
    detections) of the picked frames; None where no face was found."""
    from .faces import detection_from_row
    from .inference import crop_for_model
    from .video import iter_frames

    wanted = {int(f): i for i, f in enumerate(picks["frame"])}
    crops: list[np.ndarray | None] = [None] * len(picks)
    last = max(wanted)
    for index, rgb in iter_frames(video_path, rotate=rotate):
        if index in wanted:
            det = detection_from_row(picks.iloc[wanted[index]])
            crops[wanted[index]] = None if det is None else crop_for_model(rgb, det, crop_size)
        if index >= last:
            break
    return crops


@dataclass
class VideoExplanation:
    """Grad-CAM and IG of one model on frames of one video at regular intervals.

    Attributes
    ----------
    picks : DataFrame
        The chosen frames (see :func:`frames_at_interval`), K rows.
    crops : list of K uint8 RGB crops or None
    gradcam, ig : list of K float maps (S, S) or None
    table : DataFrame
        Per explained frame: ``frame, time, prob, logit, baseline_logit, ig_sum, ig_delta,
        rel_delta`` (``rel_delta = |delta| / |f(x) - f(baseline)|``).
    """

    picks: pd.DataFrame
    crops: list
    gradcam: list
    ig: list
    table: pd.DataFrame


def explain_video(
    model: nn.Module,
    video_path: str | Path,
    detections: pd.DataFrame,
    fps: float,
    interval_s: float = 1.0,
    max_frames: int | None = None,
    ig_steps: int = 50,
    ig_baseline: str = "black",
    batch_size: int = 8,
    cache: str | Path | None = None,
    rotate: int = 0,
) -> VideoExplanation:
    """Grad-CAM and IG of ``model`` on a video's frames at ``interval_s`` (Figs 1-4's strips).

    ``cache`` (an ``.npz`` path) is reused when it exists and written atomically when done.
    """
    from .storage import atomic_path

    picks = frames_at_interval(detections, fps, interval_s, max_frames)
    crops = read_face_crops(video_path, picks, rotate=rotate)
    keep = [i for i, c in enumerate(crops) if c is not None]
    ig = IntegratedGradients(model, baseline=ig_baseline, n_steps=ig_steps)  # validates both
    frames = picks["frame"].to_numpy()[keep].astype(int)
    # The model's fingerprint is part of the settings: another model's maps are never reused.
    settings = np.array([str(ig_steps), ig_baseline, fingerprint(model)]
                        + ([f"rotate {rotate}"] if rotate else []))  # other frames: other crops
    cached = _load_explanations(cache, frames, settings)
    if cached is not None:
        gc_maps, ig_maps, table = cached
    else:
        gc_maps, ig_maps, table = _explain_crops(
            GradCAM(model), ig, [crops[i] for i in keep], batch_size
        )
        table.insert(0, "time", frames / fps)
        table.insert(0, "frame", frames)
        if cache is not None:
            with atomic_path(cache) as tmp:
                tabs = {f"tab_{k}": table[k].to_numpy() for k in table.columns}
                np.savez_compressed(
                    tmp, gradcam=gc_maps, ig=ig_maps, frames=frames, settings=settings, **tabs
                )
    gradcam: list = [None] * len(crops)
    igs: list = [None] * len(crops)
    for j, i in enumerate(keep):
        gradcam[i], igs[i] = gc_maps[j], ig_maps[j]
    return VideoExplanation(picks=picks, crops=crops, gradcam=gradcam, ig=igs, table=table)


def _explain_crops(
    gc: GradCAM, ig: IntegratedGradients, crops: list[np.ndarray], batch_size: int
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Grad-CAM maps (K, S, S), IG maps (K, S, S) and the per-crop IG bookkeeping table."""
    parts = [
        (gc.attribute(crops[i : i + batch_size]), ig.attribute(crops[i : i + batch_size]))
        for i in range(0, len(crops), batch_size)
    ]
    if not parts:
        empty = np.zeros((0, 1, 1), dtype=np.float32)
        cols = ("prob", "logit", "baseline_logit", "ig_sum", "ig_delta", "rel_delta")
        return empty, empty, pd.DataFrame({c: np.zeros(0) for c in cols})
    gc_maps = np.concatenate([g.maps for g, _ in parts])
    ig_maps = np.concatenate([i.maps for _, i in parts])
    logit = np.concatenate([i.logits for _, i in parts])
    base = np.concatenate([i.baseline_logits for _, i in parts])
    delta = np.concatenate([i.delta for _, i in parts])
    table = pd.DataFrame(
        {
            "prob": 1 / (1 + np.exp(-logit)),
            "logit": logit,
            "baseline_logit": base,
            "ig_sum": ig_maps.reshape(len(ig_maps), -1).sum(axis=1),
            "ig_delta": delta,
            # |delta| relative to the change it should account for (tiny changes: large ratios).
            "rel_delta": np.abs(delta) / (np.abs(logit - base) + 1e-12),
        }
    )
    return gc_maps, ig_maps, table


def _load_explanations(
    cache: str | Path | None, frames: np.ndarray, settings: np.ndarray
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame] | None:
    """Cached maps and table, or None when absent or made for other frames or IG settings."""
    if cache is None or not Path(cache).exists():
        return None
    with np.load(cache, allow_pickle=False) as z:
        if "frames" not in z.files or not (
            np.array_equal(z["frames"], frames)
            and z["settings"].shape == settings.shape
            and (z["settings"].astype(str) == settings).all()
        ):
            return None
        table = pd.DataFrame({k[4:]: z[k] for k in z.files if k.startswith("tab_")})
        return z["gradcam"], z["ig"], table


def overlays(
    crops: Sequence[np.ndarray | None],
    maps: Sequence[np.ndarray | None],
    levels: int = 5,
    display: int = 128,
    ig_mode: str | None = None,
) -> list[np.ndarray | None]:
    """Post-processed overlays (Carlini et al.) of maps on their crops at ``display`` pixels.

    ``ig_mode`` (``"abs"`` or ``"clamp"``) is passed to :func:`postprocess_mask` for IG maps;
    None keeps the default absolute value.
    """
    out: list[np.ndarray | None] = []
    for crop, m in zip(crops, maps, strict=True):
        if crop is None or m is None:
            out.append(None)
            continue
        face = cv2.resize(crop, (display, display), interpolation=cv2.INTER_AREA)
        out.append(overlay(face, postprocess_mask(m, levels=levels, size=display, ig_mode=ig_mode)))
    return out


def choose_videos(
    manifest: pd.DataFrame,
    stems: Sequence[str] = (),
    scenarios: Sequence[str] = (),
    limit: int | None = None,
) -> pd.DataFrame:
    """Videos to explain: those named by file stem, else the first of each scenario, else the first.

    Scenarios absent from the manifest (real data has none) are skipped; unknown stems raise.
    """
    stem_of = manifest["path"].map(lambda p: Path(p).stem)
    if len(stems):
        unknown = sorted(set(stems) - set(stem_of))
        if unknown:
            raise DataError(f"videos not in the manifest: {', '.join(unknown)}")
        chosen = manifest[stem_of.isin(list(stems))]
    elif len(scenarios) and "scenario" in manifest:
        firsts = [manifest[manifest["scenario"] == s].head(1) for s in scenarios]
        chosen = pd.concat(firsts) if firsts else manifest.head(0)
    else:
        chosen = manifest.head(0)
    if chosen.empty:
        chosen = manifest.head(1)
    return chosen.head(limit) if limit else chosen


def map_stability(maps: Sequence[np.ndarray | None]) -> float:
    """Mean Pearson correlation of consecutive attribution maps (absolute values), in [-1, 1].

    Quantifies the paper's observation that IG "remained mostly static" along a video while
    Grad-CAM follows the prediction: a value near 1 means the map hardly changes from one shown
    frame to the next. Pairs with a missing or constant map are skipped; NaN when none is left.
    """
    present = [np.abs(np.asarray(m, dtype=np.float64)).ravel() for m in maps if m is not None]
    corrs = [
        float(np.corrcoef(a, b)[0, 1])
        for a, b in zip(present[:-1], present[1:], strict=True)
        if a.std() > 0 and b.std() > 0
    ]
    return float(np.mean(corrs)) if corrs else float("nan")
