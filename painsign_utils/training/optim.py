"""RMSprop whose step allocates nothing: :class:`InPlaceRMSprop`.

The paper's optimizer (App. B) is RMSprop without momentum. ``torch.optim.RMSprop`` allocates
two new tensors per parameter and step (``grad + wd * param`` and ``sqrt(square_avg)``); for
VGG-Face's first head layer (25,088 × 512 weights, 51 MB) each allocation is a fresh ``mmap`` with
its page faults, and the step costs about three times its arithmetic (37 ms → 14 ms a step on a
2-core CPU, about 40 s of each VGG-Face fold). Same operations, same order, bit-identical results
(``tests/test_training_optim.py``); the state dict has the same keys, so resume points of either
load into the other.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


class InPlaceRMSprop(torch.optim.Optimizer):
    """RMSprop (no momentum, not centred) with in-place updates.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float
    alpha : float
        Smoothing constant of the running mean of squared gradients.
    eps : float
        Added to its square root.
    weight_decay : float
        L2 penalty added to the gradient (``grad + weight_decay * param``), as torch's.

    Notes
    -----
    Each step overwrites ``param.grad`` with the decayed gradient; the training loop zeroes the
    gradients (``set_to_none``) before the next backward pass, as usual.
    """

    def __init__(
        self,
        params: Iterable[torch.nn.Parameter],
        lr: float,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        if lr < 0 or eps < 0 or weight_decay < 0 or not 0 <= alpha <= 1:
            raise ValueError(
                f"invalid RMSprop settings: lr={lr}, alpha={alpha}, eps={eps}, wd={weight_decay}"
            )
        super().__init__(
            params, {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay}
        )
        self._scratch: dict[torch.Tensor, torch.Tensor] = {}

    @torch.no_grad()
    def step(self, closure: None = None) -> None:  # type: ignore[override]
        """One update of every parameter that has a gradient (no closure: one loss per step)."""
        if closure is not None:
            raise ValueError("InPlaceRMSprop.step takes no closure")
        for group in self.param_groups:
            lr, alpha, eps, wd = group["lr"], group["alpha"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad, state = p.grad, self.state[p]
                if not state:
                    state["step"] = torch.tensor(0.0)
                    state["square_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["step"] += 1
                if wd:
                    grad.add_(p, alpha=wd)
                square_avg = state["square_avg"]
                square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
                avg = self._scratch.get(p)
                if avg is None or avg.shape != p.shape:
                    avg = self._scratch[p] = torch.empty_like(square_avg)
                torch.sqrt(square_avg, out=avg).add_(eps)
                p.addcdiv_(grad, avg, value=-lr)
