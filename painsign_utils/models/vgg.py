"""VGG-Face: VGG-16 with the face-recognition weights of Parkhi et al. (2015) and the paper's
head FC 25088→512→512→1. Input 224×224, BGR, 0–255 minus the VGG-Face mean.

A smaller input (the CPU profiles' 64 px) leaves a smaller last map (2×2): the head then reads that
map as it is (FC 2048→512→512→1) instead of resampling it to 7×7 (:func:`head_grid`).

Accepted VGG-Face files (any ``torch.load``-able state dict, optionally under ``"state_dict"``
and with a ``module.`` prefix):

* ``vgg_face_dag.pth`` (Albanie's conversion of the Oxford MatConvNet model; keys ``conv1_1`` …
  ``conv5_3``, ``fc6`` … ``fc8``). It expects RGB input, so its first convolution is flipped to
  BGR on loading: every VGG-Face model here takes the same BGR input.
* torchvision-style VGG-16 keys ``features.N.weight`` (e.g. the Caffe→PyTorch conversions of
  ``VGG_FACE.caffemodel``, which take BGR input like the original).

The fully connected layers of the source (fc6–fc8, 2622 identities) are dropped: the paper's
head replaces them.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..errors import ModelError
from .base import Compose, PainModel
from .weights import read_state_dict

#: Mean of the VGG-Face training images per colour, 0-255, in R, G, B order (Parkhi et al. 2015).
VGGFACE_MEAN_RGB = (129.1863, 104.7624, 93.5940)


# VGG-16 configuration; "M" is a 2×2 max-pool ending a block.
_VGG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
# Index in ``features`` where blocks 4 and 5 start (after the third pool).
_VGG_BLOCK4 = 17


def _vgg_features() -> nn.Sequential:
    layers: list[nn.Module] = []
    c = 3
    for v in _VGG16:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU(inplace=True)]
            c = v
    return nn.Sequential(*layers)


def _vgg_dag_names() -> list[str]:
    """``conv1_1`` … ``conv5_3`` in the order of the conv layers of ``features``."""
    names = []
    block, idx = 1, 1
    for v in _VGG16:
        if v == "M":
            block, idx = block + 1, 1
        else:
            names.append(f"conv{block}_{idx}")
            idx += 1
    return names


#: Typical standard deviation of a mean-subtracted 0-255 face pixel (scales the random first layer).
VGG_INPUT_SD = 60.0


def _he_init(m: nn.Module) -> None:
    """He (Kaiming-normal, fan-in) weights and zero biases for the ReLU convolutions of a random start.

    PyTorch's default shrinks the signal about 6-fold per layer, so after VGG-16's 13 layers a random
    base gives every face the same features (its biases) and the head cannot learn (AUC at chance).
    """
    if isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
        nn.init.zeros_(m.bias)


def head_grid(input_size: int) -> int:
    """Side of the map the head reads: 7 at the paper's 224 px, the last map's own side below.

    Resampling a 2×2 map to 7×7 (64-px inputs) only copies and averages its cells: a linear map,
    so the 25,088-input layer computes nothing a 2,048-input one cannot, at 12 times the weights.
    On a 2-core CPU that layer and its optimiser step made a head epoch take 6 s instead of 0.9.
    """
    return max(1, min(7, int(input_size) // 32))


class VGGFace(PainModel):
    """VGG-16 convolutional base (VGG-Face weights when available) and the paper's head.

    Phase 1 trains the head on the frozen base; phase 2 (fine-tuning) also trains conv blocks 4
    and 5. Inputs smaller than 224 work: the head reads the last map at its own size
    (:func:`head_grid`).
    """

    name = "vggface"

    def __init__(self, input_size: int = 224) -> None:
        super().__init__(input_size)
        self.features = _vgg_features()
        grid = head_grid(input_size)
        self.pool = nn.AdaptiveAvgPool2d((grid, grid))
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(512 * grid * grid, 512),
            nn.ReLU(inplace=True),
            nn.Dropout(0.5),
            nn.Linear(512, 512),
            nn.ReLU(inplace=True),
            nn.Dropout(0.5),
            nn.Linear(512, 1),
        )
        self.register_buffer("mean_bgr", torch.tensor(VGGFACE_MEAN_RGB[::-1]).view(1, 3, 1, 1))
        self.features.apply(_he_init)
        # He initialization keeps a unit-variance signal at unit variance through the 13 layers;
        # VGG-Face's inputs are 0-255 minus the mean, so the first layer also divides by their spread.
        with torch.no_grad():
            self.features[0].weight /= VGG_INPUT_SD

    def _normalize(self, x: torch.Tensor) -> torch.Tensor:
        # RGB 0..255 -> BGR 0..255 minus the per-colour mean (Caffe/Torch VGG-Face convention).
        return x.flip(1) - self.mean_bgr

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.pool(self.features(x))).squeeze(1)

    def split(self, phase: int = 1) -> tuple[nn.Module, nn.Module]:
        if phase == 1:
            return self.features, Compose(self.pool, self.head)
        if phase == 2:
            return (
                self.features[:_VGG_BLOCK4],
                Compose(self.features[_VGG_BLOCK4:], self.pool, self.head),
            )
        raise ModelError(f"VGG-Face has training phases 1 and 2, not {phase}")

    def embedding(self) -> tuple[nn.Module, int]:
        return nn.Sequential(self.features, nn.AdaptiveAvgPool2d(1), nn.Flatten()), 512

    def load_pretrained(self, path: Path) -> None:
        """Load the convolutional base from a VGG-Face state dict (see module docstring)."""
        sd = read_state_dict(path)
        dag = _vgg_dag_names()
        conv_idx = [i for i, m in enumerate(self.features) if isinstance(m, nn.Conv2d)]
        mapped: dict[str, torch.Tensor] = {}
        if f"{dag[0]}.weight" in sd:
            for name, i in zip(dag, conv_idx, strict=True):
                for kind in ("weight", "bias"):
                    mapped[f"{i}.{kind}"] = sd[f"{name}.{kind}"]
            # The MatConvNet-derived model expects RGB: flip its first filters to read BGR.
            mapped["0.weight"] = mapped["0.weight"].flip(1)
        elif "features.0.weight" in sd:
            for i in conv_idx:
                for kind in ("weight", "bias"):
                    mapped[f"{i}.{kind}"] = sd[f"features.{i}.{kind}"]
        else:
            raise ModelError(
                f"{path} is not a VGG-Face state dict (expected keys conv1_1.weight or features.0.weight)"
            )
        try:
            self.features.load_state_dict({k: v.float() for k, v in mapped.items()})
        except (RuntimeError, KeyError) as exc:
            raise ModelError(f"{path} does not fit VGG-16: {str(exc).splitlines()[0]}") from None
        self.weights_source = str(path)
