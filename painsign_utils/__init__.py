"""painsign_utils: the machinery behind the neonatal pain-sign book.

Modules, each owning one thing: ``paper`` (the paper's published numbers), ``registry`` (the
model facts), ``render`` (drawing faces), ``synthetic`` (synthetic data sets), ``data``
(manifests), ``video`` (video files), ``faces`` (detection and crops), ``models`` (the networks and
their weights), ``augment`` and ``training`` (cross-validated training), ``metrics``, ``inference``
(per-frame probabilities), ``sign`` (the pain sign), ``clustering`` (sign types), ``evaluation``,
``explain`` and ``align`` (attributions, average faces), ``monitor`` (real time), ``figures``,
``runner`` (papermill + Jupyter Book), ``storage`` (atomic writes), ``runtime``, ``errors``, ``cli``.
The design, with which module owns what: ``docs/design.md``.
"""

__version__ = "0.1.0"

import warnings as _warnings

# Libraries we import (timm, captum) load tqdm.auto; in a notebook kernel without ipywidgets it
# warns on import, and the warning would land in the book. Our own bars are plain text.
_warnings.filterwarnings("ignore", message="IProgress not found")

from .runtime import keep_freed_memory as _keep_freed_memory  # noqa: E402

# Large tensors made on every training step are otherwise page-faulted in anew each time.
_keep_freed_memory()
