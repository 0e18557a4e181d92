"""N-CNN (Zamzmi et al. 2019): 120×120 RGB in [0, 1], trained from scratch, Keras-style init.

One departure from Keras' defaults: the 8-unit hidden layer starts with bias 0.5
(:data:`FC_BIAS_INIT`), not 0, because with zero biases its units die on some folds.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import ModelError
from .base import PainModel


class NCNN(PainModel):
    """N-CNN (Zamzmi et al., IJCNN 2019) with one logit.

    Three branches on a 120×120 RGB image: a max-pool only branch (left), two conv/pool stages
    (centre) and one large-pool conv (right); concatenated (131 channels, 12×12), one more conv
    and a small fully connected head. Leaky ReLU (0.01) in the branches, ReLU after the merge.
    """

    name = "ncnn"

    def __init__(self, input_size: int = 120) -> None:
        if input_size != 120:
            raise ModelError(
                "N-CNN is defined for 120x120 inputs only (its FC layer expects 1600 features)"
            )
        super().__init__(input_size)
        act = lambda: nn.LeakyReLU(0.01)  # noqa: E731
        self.left = nn.MaxPool2d(10)
        # Activation after pooling: (leaky) ReLU is increasing, so it commutes with max-pooling
        # exactly, and applying it to the pooled map is 9-100x cheaper than to the full map.
        self.centre = nn.Sequential(
            nn.Conv2d(3, 64, 5),
            nn.MaxPool2d(3),
            act(),
            nn.Conv2d(64, 64, 2),
            nn.MaxPool2d(3),
            act(),
            nn.Dropout(0.1),
        )
        self.right = nn.Sequential(
            nn.Conv2d(3, 64, 5, padding=2), nn.MaxPool2d(10), act(), nn.Dropout(0.1)
        )
        self.merge = nn.Sequential(nn.Conv2d(131, 64, 2), nn.MaxPool2d(2), nn.ReLU())
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(1600, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 1)
        )
        self.weights_source = "random init (trained from scratch, as in the paper)"
        self.apply(_keras_init)
        # The FC layer's 1600 inputs are post-ReLU: all >= 0 with a common mean that dwarfs their
        # spread across images, so a zero-bias unit is on for every image or off for every image.
        # Half start dead, and RMSprop's sign-like steps move all 1600 weights together and kill
        # the rest on some folds (constant output, val loss ln 2). A positive start keeps all 8 on.
        nn.init.constant_(self.head[1].bias, FC_BIAS_INIT)

    def _normalize(self, x: torch.Tensor) -> torch.Tensor:
        return x / 255.0

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Merged feature map after the last conv block, shape (N, 64, 5, 5)."""
        x = torch.cat([self.left(x), self.centre(x), self.right(x)], dim=1)
        return self.merge(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).squeeze(1)

    def split(self, phase: int = 1) -> tuple[nn.Module, nn.Module]:
        return nn.Identity(), self

    def stochastic_split(self) -> tuple[nn.Module, nn.Module]:
        """The three branches without their trailing dropout, then the rest (see the base class).

        Trained from scratch, N-CNN has no frozen part, and its dropout sits at the ends of the
        centre and right branches, so the default gives full passes. Everything before those
        dropouts is deterministic, and it holds nearly all of the cost (the 5×5 convolutions at
        120 px): MC-dropout runs it once per batch and repeats only the branch dropouts, the merge
        and the head. Wrappers built on demand (not attributes) so the state dict is unchanged.
        """
        return _Branches(self), _AfterBranches(self)


#: Initial bias of N-CNN's 8-unit hidden layer (see ``NCNN.__init__``; Keras' default is 0).
FC_BIAS_INIT = 0.5


class _Branches(nn.Module):
    """N-CNN's deterministic prefix: ``left``, ``centre`` and ``right`` without their trailing
    dropout, concatenated on the channels (3 + 64 + 64, 12×12)."""

    def __init__(self, m: NCNN) -> None:
        super().__init__()
        self.left, self.centre, self.right = m.left, m.centre[:-1], m.right[:-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.left(x), self.centre(x), self.right(x)], dim=1)


class _AfterBranches(nn.Module):
    """The rest of N-CNN after :class:`_Branches`: each branch's dropout on its own channels, then
    ``merge`` and ``head`` as in :meth:`NCNN.forward`.

    The masks are drawn in a full pass's order (centre, right, then the head's) on tensors of the
    same shapes, so with the same random state the output is bit-identical to ``NCNN.forward``.
    """

    def __init__(self, m: NCNN) -> None:
        super().__init__()
        self.centre_drop, self.right_drop = m.centre[-1], m.right[-1]
        self.merge, self.head = m.merge, m.head
        self.sizes = [m.centre[0].in_channels, m.centre[3].out_channels, m.right[0].out_channels]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        left, centre, right = torch.split(x, self.sizes, dim=1)
        x = torch.cat([left, self.centre_drop(centre), self.right_drop(right)], dim=1)
        return self.head(self.merge(x)).squeeze(1)


def _keras_init(m: nn.Module) -> None:
    """Keras' default initialization (Glorot-uniform weights, zero biases).

    PyTorch's default (Kaiming-uniform with a=sqrt(5) and random biases) gives N-CNN a nearly
    constant initial output that trains much more slowly.
    """
    if isinstance(m, (nn.Conv2d, nn.Linear)):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)
