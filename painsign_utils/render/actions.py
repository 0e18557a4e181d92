"""The NFCS facial actions and one moment's expression.

:data:`NFCS_ACTIONS` names the eight actions of the Neonatal Facial Coding System that the renderer
draws; an :class:`Expression` holds their strengths in [0, 1] plus the confounders sleep and yawn;
:func:`nfcs_score` counts the actions clearly present.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The facial actions of the Neonatal Facial Coding System that the renderer draws, in order.
NFCS_ACTIONS: tuple[str, ...] = (
    "brow_bulge",
    "eye_squeeze",
    "nasolabial_furrow",
    "open_lips",
    "vertical_stretch",
    "horizontal_stretch",
    "taut_tongue",
    "chin_quiver",
)


@dataclass(frozen=True)
class Expression:
    """One moment's face: the NFCS actions in [0, 1] and two confounders.

    ``asleep`` closes the eyes without the squeeze or brow bulge of pain; ``yawn`` opens the mouth
    wide and tall without the squeeze, furrow or horizontal stretch of a pain cry.
    """

    actions: np.ndarray  # shape (8,), order of NFCS_ACTIONS
    asleep: float = 0.0
    yawn: float = 0.0

    def __getitem__(self, name: str) -> float:
        return float(self.actions[NFCS_ACTIONS.index(name)])


def nfcs_score(expr: Expression, present: float = 0.5) -> int:
    """NFCS-like score: how many of the eight actions are clearly present (0-8)."""
    return int((expr.actions >= present).sum())
