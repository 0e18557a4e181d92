"""Training throughput of each model on this machine (images per second), to size CPU profiles.

Usage: python benchmarks/training.py [--vgg-size 64] [--vit-size 64] [--batches 5]

Prints, per model and phase, the images per second of a training step (forward, backward,
RMSprop update) of the trainable part, with the book's in-place RMSprop and with torch's, and of
the frozen part's forward pass (computed once per image and augmentation, then cached). Multiply
by the number of images x views x epochs x folds of a profile to predict its training time.

``PAINSIGN_SYSTEM_MALLOC=1 python benchmarks/training.py`` measures the same with glibc's default
allocator (see :func:`painsign_utils.runtime.keep_freed_memory`).
"""

from __future__ import annotations

import argparse
import time

import torch

from painsign_utils.models import create_model
from painsign_utils.runtime import keep_freed_memory
from painsign_utils.training.optim import InPlaceRMSprop


def _rate(fn, n_images: int, batches: int) -> float:
    fn()  # warm-up
    t0 = time.perf_counter()
    for _ in range(batches):
        fn()
    return n_images * batches / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vgg-size", type=int, default=64)
    ap.add_argument("--vit-size", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--batches", type=int, default=5)
    args = ap.parse_args()
    torch.manual_seed(0)
    sizes = {"ncnn": None, "vggface": args.vgg_size, "vit_b16": args.vit_size}
    print(
        f"threads={torch.get_num_threads()}  batch={args.batch}  "
        f"freed memory kept (no mmap per tensor): {keep_freed_memory()}"
    )
    for name, size in sizes.items():
        model = create_model(name, weights="random", input_size=size)
        x = torch.rand(args.batch, 3, model.input_size, model.input_size)
        for phase in model.phases:
            frozen, trainable = model.split(phase)
            with torch.no_grad():
                feats = frozen.eval()(x)
            with torch.no_grad():
                frozen_rate = _rate(lambda f=frozen, x=x: f(x), args.batch, args.batches)
            params = model.set_phase(phase)
            trainable.train()
            rates = {}
            for label, cls in (("in-place", InPlaceRMSprop), ("torch", torch.optim.RMSprop)):
                opt = cls(params, lr=1e-4, weight_decay=1e-5)

                def step(t=trainable, o=opt, f=feats):
                    loss = t(f).sum()
                    o.zero_grad(set_to_none=True)
                    loss.backward()
                    o.step()

                rates[label] = _rate(step, args.batch, args.batches)
            print(
                f"{name:8s} size {model.input_size:3d} phase {phase}: train {rates['in-place']:7.1f} "
                f"img/s (torch's RMSprop {rates['torch']:7.1f})   "
                f"frozen forward {frozen_rate:8.1f} img/s"
            )


if __name__ == "__main__":
    main()
