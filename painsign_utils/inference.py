"""The one inference engine: face crops in, pain probabilities out, batched and cached.

Owns :class:`FrameClassifier` (a trained :class:`~painsign_utils.models.PainModel` wrapped for fast,
gradient-free prediction) and :func:`video_probabilities` (per-frame probabilities of a whole video,
NaN where no face was found, cached as CSV; :func:`video_probabilities_by_model` runs several models
on one decoding of the video). The offline notebooks and the real-time monitor
(:mod:`painsign_utils.monitor`) both go through here, so the book's pain sign and the bedside view are
computed by the same code.

Speed choices, each one exact unless it says otherwise:

- ``torch.inference_mode`` and batches (``batch_size``): exact (up to float summation order).
- channels-last memory format for convolutional networks: exact up to float rounding; oneDNN's
  convolutions are faster in that layout.
- max-pooling before a ReLU / leaky ReLU instead of after it (``reorder``): bit-for-bit identical,
  because a monotone increasing function commutes with a maximum, and the activation then runs on
  a tensor 4 to 100 times smaller (VGG-Face pools by 2 after each block's ReLU; N-CNN pools by 3
  and 10 and already defines its layers in that order). The model object itself is left
  untouched; the classifier runs a re-ordered view sharing its weights.
- float32 by default, so the book's probabilities do not depend on whether the CPU happens to have
  bf16 units. bfloat16 autocast is an explicit speed option (``bf16=True``, or ``bf16="auto"``: only
  where :func:`painsign_utils.runtime.bf16_supported` says the CPU has native bf16 units, AVX-512
  BF16 / AMX, or on a CUDA GPU; on AVX2-only CPUs bf16 is emulated and several times slower).
  bf16 *changes* the probabilities slightly (8-bit mantissa): callers that offer it print its
  agreement with float32 (:meth:`FrameClassifier.agreement`).
- ``quantize=True``: dynamic int8 quantization of the ``nn.Linear`` layers (most of ViT's work, the
  head of VGG-Face). It trades accuracy for speed; the benchmark (``benchmarks/realtime.py``)
  measures the change in probabilities against the exact float32 path.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from .errors import DataError, ModelError
from .runtime import bf16_supported
from .storage import write_csv

#: Side of the square face crops the models were trained on (``faces/images.csv`` stores 256-px
#: crops with a 0.2 margin); the exact path crops frames the same way before ``preprocess``.
CROP_SIZE = 256
#: Margin around the detector's box, as in the training crops.
CROP_MARGIN = 0.2
#: Columns of the per-frame probability table.
PROB_COLUMNS: tuple[str, ...] = ("frame", "time", "prob")


class FrameClassifier:
    """A pain model ready for fast prediction on face crops.

    Parameters
    ----------
    model : PainModel
        An ``nn.Module`` with ``preprocess(crops) -> (N, 3, S, S)`` and ``forward(x) -> logits (N,)``
        (see :mod:`painsign_utils.models`). It is put in eval mode; with ``channels_last`` its
        convolution weights are re-laid out in place (values unchanged).
    batch_size : int
        Crops per forward pass.
    bf16 : bool or "auto"
        bfloat16 autocast. Default False (exact float32, the same numbers on every CPU); ``"auto"``
        turns it on only where :func:`~painsign_utils.runtime.bf16_supported` (native bf16).
        Cannot be combined with ``quantize``.
    channels_last : bool
        Feed images in channels-last layout (faster oneDNN convolutions on CPU).
    quantize : bool
        Dynamic int8 quantization of the linear layers (CPU only). Changes the probabilities; off by
        default and measured against the exact path wherever it is used.
    reorder : bool
        Pool before monotone activations (exact, see the module docstring).
    device : str, optional
        ``"cpu"`` or ``"cuda"``; default: where the model's parameters are.
    """

    def __init__(
        self,
        model: nn.Module,
        batch_size: int = 32,
        bf16: bool | str = False,
        channels_last: bool = True,
        quantize: bool = False,
        device: str | None = None,
        reorder: bool = True,
    ):
        if not hasattr(model, "preprocess"):
            raise ModelError(f"{type(model).__name__} has no preprocess(); expected a PainModel")
        if batch_size < 1:
            raise ModelError(f"batch_size must be >= 1, got {batch_size}")
        model.eval()
        params = list(model.parameters())
        self.device = device or (str(params[0].device) if params else "cpu")
        self.model = model.to(self.device)
        self.name = getattr(model, "name", type(model).__name__)
        self.input_size = getattr(model, "input_size", None)
        self.batch_size = int(batch_size)
        if bf16 == "auto":
            bf16 = bf16_supported(self.device)
        elif not isinstance(bf16, bool | np.bool_):
            raise ModelError(f"bf16 must be True, False or 'auto', got {bf16!r}")
        self.bf16 = bool(bf16)
        if self.bf16 and quantize:
            raise ModelError(
                "int8 quantization and bf16 cannot be combined: choose one speed option"
            )
        self.channels_last = bool(channels_last)
        self.quantize = bool(quantize)
        if self.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.reorder = bool(reorder)
        self.net: nn.Module = pool_before_activation(self.model) if self.reorder else self.model
        if self.quantize:
            if self.device != "cpu":
                raise ModelError("int8 dynamic quantization runs on the CPU only")
            # A quantized copy: the caller's model stays exact (Grad-CAM etc. still use it).
            # torch.ao's eager quantization is deprecated in favour of torchao (not a dependency);
            # it still works in the pinned torch, so its warnings are silenced here.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.net = torch.ao.quantization.quantize_dynamic(
                    copy.deepcopy(self.net), {nn.Linear}, dtype=torch.qint8
                )

    def __repr__(self) -> str:
        return (
            f"FrameClassifier({self.name}, input_size={self.input_size}, batch_size="
            f"{self.batch_size}, bf16={self.bf16}, channels_last={self.channels_last}, "
            f"quantize={self.quantize})"
        )

    @property
    def exact(self) -> bool:
        """True when predictions equal plain float32 ones up to rounding (no bf16, no int8)."""
        return not (self.bf16 or self.quantize)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of a preprocessed batch ``x`` of shape (N, 3, S, S); returns float32 (N,)."""
        x = x.to(self.device)
        if self.channels_last and x.ndim == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            if self.bf16:
                dev = "cuda" if self.device.startswith("cuda") else "cpu"
                with torch.autocast(dev, dtype=torch.bfloat16):
                    out = self.net(x)
            else:
                out = self.net(x)
        return out.float().reshape(-1)

    def predict(self, crops: Sequence[np.ndarray] | np.ndarray) -> np.ndarray:
        """Pain probabilities of face crops.

        Parameters
        ----------
        crops : sequence of ndarray (H, W, 3) uint8 RGB, or ndarray (N, H, W, 3)
            Faces of any size; the model's ``preprocess`` resizes and normalizes them.

        Returns
        -------
        ndarray, shape (N,), float64
            Probability of the "pain" class for each crop.
        """
        n = len(crops)
        out = np.empty(n, dtype=np.float64)
        for start in range(0, n, self.batch_size):
            batch = crops[start : start + self.batch_size]
            x = self.model.preprocess(batch)
            out[start : start + len(batch)] = torch.sigmoid(self.logits(x)).cpu().numpy()
        return out

    def agreement(self, crops: Sequence[np.ndarray] | np.ndarray) -> float:
        """Largest absolute difference between this classifier's and exact float32 probabilities.

        0.0 for an exact classifier; what a speed option (bf16, int8) costs, to print beside it.
        """
        if self.exact or len(crops) == 0:
            return 0.0
        ref = FrameClassifier(
            self.model,
            batch_size=self.batch_size,
            channels_last=self.channels_last,
            reorder=self.reorder,
        )
        return float(np.max(np.abs(self.predict(crops) - ref.predict(crops))))


_MONOTONE = (nn.ReLU, nn.LeakyReLU)


def _swap_pairs(mods: list[nn.Module]) -> list[nn.Module]:
    """``mods`` with every (monotone activation, MaxPool2d) pair swapped; the same list if none."""
    out = None
    i = 0
    while i < len(mods) - 1:
        act, pool = mods[i], mods[i + 1]
        if isinstance(act, _MONOTONE) and isinstance(pool, nn.MaxPool2d):
            out = out or list(mods)
            out[i], out[i + 1] = pool, act
            i += 2
        else:
            i += 1
    return out or mods


def pool_before_activation(module: nn.Module) -> nn.Module:
    """A view of ``module`` in which max-pooling runs before the ReLU / leaky ReLU preceding it.

    ``max(f(x)) == f(max(x))`` for a monotone increasing ``f``, so the output is bit-for-bit the
    same while the activation touches far fewer values. Containers on the way to a swapped pair
    are shallow-copied; weights and every other module are shared with ``module``, which is left
    unchanged. Returns ``module`` itself when there is nothing to swap.
    """
    changed = {}
    for name, child in module.named_children():
        new = pool_before_activation(child)
        if new is not child:
            changed[name] = new
    if isinstance(module, nn.Sequential) and type(module) is nn.Sequential:
        mods = [changed.get(n, c) for n, c in module._modules.items()]
        swapped = _swap_pairs(mods)
        if swapped is mods and not changed:
            return module
        return nn.Sequential(*swapped)
    if not changed:
        return module
    new = copy.copy(module)
    new._modules = dict(module._modules)
    new._modules.update(changed)
    return new


def as_classifier(model: nn.Module | FrameClassifier, **kwargs) -> FrameClassifier:
    """``model`` itself if it is already a :class:`FrameClassifier`, else one wrapped around it."""
    return model if isinstance(model, FrameClassifier) else FrameClassifier(model, **kwargs)


def crop_for_model(rgb: np.ndarray, det, crop_size: int | None = CROP_SIZE) -> np.ndarray:
    """Face crop of ``det`` from a frame, made exactly as the training crops were (margin 0.2)."""
    from .faces import crop_face

    return crop_face(rgb, det, margin=CROP_MARGIN, size=crop_size)


def _batched(items: Iterable, size: int) -> Iterable[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def video_probabilities(
    video_path: str | Path,
    model: nn.Module | FrameClassifier,
    detections: pd.DataFrame,
    cache: str | Path | None = None,
    progress: bool = True,
    crop_size: int | None = CROP_SIZE,
    rotate: int = 0,
) -> pd.DataFrame:
    """Per-frame pain probability of a video, NaN where no face was found.

    Parameters
    ----------
    video_path : path
        The video the detections were made on.
    model : PainModel or FrameClassifier
        A bare model is wrapped in a :class:`FrameClassifier` with its defaults.
    detections : DataFrame
        One row per analysed frame, as :func:`painsign_utils.faces.detect_video` writes it
        (``frame, time, found, score, x, y, w, h`` and the landmark columns).
    cache : path, optional
        CSV file: returned as is when it exists; written atomically once every frame is done.
    progress : bool
        Show a progress bar.
    crop_size : int or None
        Side of the crop handed to ``preprocess`` (256 as in training; None: the box's own size).
    rotate : {0, 90, 180, 270}
        Clockwise rotation of every frame before cropping: the one the detections were made with
        (the manifest's ``rotate``; :func:`painsign_utils.faces.detect_video`).

    Returns
    -------
    DataFrame
        Columns ``frame, time, prob``, one row per row of ``detections`` (same order).
    """
    caches = None if cache is None else {"": cache}
    return video_probabilities_by_model(
        video_path, {"": model}, detections, caches, progress, crop_size, rotate
    )[""]


def video_probabilities_by_model(
    video_path: str | Path,
    models: Mapping[str, nn.Module | FrameClassifier],
    detections: pd.DataFrame,
    caches: Mapping[str, str | Path] | None = None,
    progress: bool = True,
    crop_size: int | None = CROP_SIZE,
    rotate: int = 0,
) -> dict[str, pd.DataFrame]:
    """:func:`video_probabilities` of several models (name → model), decoding and cropping once.

    Each model gets the crops in the batches it would form alone: bit-for-bit the same numbers.
    ``caches`` maps names to CSV files (a model whose file exists is read, not run). Returns name
    → ``frame, time, prob`` table, whose ``attrs["seconds"]`` is the model's inference time plus
    an equal share of the decoding and cropping (NaN when read from its cache).
    """
    caches = dict(caches or {})
    out: dict[str, pd.DataFrame] = {}
    for name in models:
        if name in caches and Path(caches[name]).exists():
            table = pd.read_csv(caches[name])
            if list(table.columns) != list(PROB_COLUMNS) or len(table) != len(detections):
                bad = caches[name]
                raise DataError(
                    f"cached probabilities do not match the detections: {bad}; delete it"
                )
            table.attrs["seconds"] = np.nan
            out[name] = table
    todo = {name: as_classifier(m) for name, m in models.items() if name not in out}
    if not todo:
        return out
    from .faces import detection_from_row
    from .runtime import progress as tqdm
    from .video import iter_frames

    missing = {"frame", "time", "found"} - set(detections.columns)
    if missing:
        raise DataError(f"detection table lacks columns {sorted(missing)}")
    frames = detections["frame"].to_numpy(dtype=int)
    found = detections["found"].to_numpy(dtype=bool)
    wanted = {int(f): i for i, f in enumerate(frames) if found[i]}
    records = detections.to_dict("records")  # one conversion instead of an .iloc per face
    probs = {name: np.full(len(detections), np.nan) for name in todo}
    spent = dict.fromkeys(todo, 0.0)
    step = _common_step(frames)
    last = frames.max()

    def crops():
        for index, rgb in iter_frames(video_path, step=step, rotate=rotate):
            row = wanted.get(index)
            if row is not None:
                yield row, crop_for_model(rgb, detection_from_row(records[row]), crop_size)
            if index >= last:
                break

    # Chunks of a common multiple of the batch sizes: each model's predict() splits a chunk
    # into exactly the batches it would have formed alone (same members, same order).
    chunk = math.lcm(*(clf.batch_size for clf in todo.values()))
    seen = 0
    start = time.perf_counter()
    with tqdm(
        total=len(wanted), desc=Path(video_path).name, disable=not progress, leave=False
    ) as bar:
        for batch in _batched(crops(), chunk):
            rows = [r for r, _ in batch]
            faces = [c for _, c in batch]
            for name, clf in todo.items():
                t0 = time.perf_counter()
                probs[name][rows] = clf.predict(faces)
                spent[name] += time.perf_counter() - t0
            seen += len(batch)
            bar.update(len(batch))
    if seen < len(wanted):
        raise DataError(
            f"{video_path} ended after fewer frames than its detection table lists "
            f"({seen} of {len(wanted)} faces read); re-run the detection"
        )
    shared = (time.perf_counter() - start - sum(spent.values())) / len(todo)
    times = detections["time"].to_numpy(dtype=float)
    for name in todo:
        table = pd.DataFrame({"frame": frames, "time": times, "prob": probs[name]})
        if name in caches:
            write_csv(table, caches[name])
        table.attrs["seconds"] = spent[name] + shared
        out[name] = table
    return {name: out[name] for name in models}


def _common_step(frames: np.ndarray) -> int:
    """Largest frame step that still visits every listed frame (decoding fewer frames is faster)."""
    if len(frames) == 0:
        raise DataError("empty detection table")
    step = 0
    for f in np.unique(frames):
        step = math.gcd(step, int(f))
    return max(step, 1)
