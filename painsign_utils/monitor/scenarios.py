"""The authors' real-time scenarios as classifiers a monitor takes: MC-dropout and a fold ensemble.

:class:`MCDropoutClassifier` and :class:`EnsembleClassifier` have the ``predict(crops)`` and
``batch_size`` of :class:`~painsign_utils.inference.FrameClassifier`, so a
:class:`~painsign_utils.monitor.PainMonitor` runs them unchanged: the sign follows the mean of the
samples (:func:`~painsign_utils.uncertainty.mc_dropout`, :func:`~painsign_utils.uncertainty.ensemble`)
and ``spread_`` keeps each frame's standard deviation from the last call (the band of chapter 11).
The third scenario, one model, is the plain ``FrameClassifier``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ConfigError
from ..models import PainModel
from ..uncertainty import ensemble, mc_dropout


class MCDropoutClassifier:
    """Mean of ``passes`` MC-dropout samples per crop (what precedes the first dropout runs once).

    Parameters
    ----------
    model : PainModel
    passes : int
        Samples per crop (the authors: 50).
    seed : int
        Seeds the dropout masks; each call advances it, so a run is reproducible.
    batch_size : int
        Crops per forward pass, as the monitor batches them.

    Attributes
    ----------
    spread_ : ndarray, shape (n,)
        Standard deviation of the samples of the last call's crops.
    """

    def __init__(self, model: PainModel, passes: int = 50, seed: int = 0, batch_size: int = 15):
        if passes < 1:
            raise ConfigError(f"passes must be >= 1, got {passes}")
        self.model, self.passes, self.batch_size = model, int(passes), int(batch_size)
        self._seed = int(seed)
        self.spread_ = np.empty(0)

    def predict(self, crops: Sequence[np.ndarray] | np.ndarray) -> np.ndarray:
        """Mean pain probability of each crop, shape (n,)."""
        samples = mc_dropout(self.model, crops, self.passes, self._seed, self.batch_size)
        self._seed += 1
        self.spread_ = samples.std(0).astype(float)
        return samples.mean(0).astype(float)


class EnsembleClassifier:
    """Mean pain probability of several models (e.g. the folds of one architecture) per crop.

    Parameters
    ----------
    models : sequence of PainModel
    batch_size : int

    Attributes
    ----------
    spread_ : ndarray, shape (n,)
        Standard deviation across the models for the last call's crops.
    """

    def __init__(self, models: Sequence[PainModel], batch_size: int = 15):
        if not models:
            raise ConfigError("an ensemble needs at least one model")
        self.models, self.batch_size = list(models), int(batch_size)
        self.spread_ = np.empty(0)

    def predict(self, crops: Sequence[np.ndarray] | np.ndarray) -> np.ndarray:
        """Mean pain probability of each crop, shape (n,)."""
        samples = ensemble(self.models, crops, self.batch_size)
        self.spread_ = samples.std(0).astype(float)
        return samples.mean(0).astype(float)
