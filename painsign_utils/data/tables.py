"""Tables of a manifest: subjects (the unit of cross-validation) and a Table-1-like summary."""

from __future__ import annotations

import pandas as pd

from ..paper import TABLE1
from .manifests import LABELS


def subject_table(manifest: pd.DataFrame) -> pd.DataFrame:
    """One row per subject: dataset, number of pain and no-pain items (the unit of cross-validation)."""
    counts = manifest.groupby(["dataset", "subject", "label"]).size().unstack("label", fill_value=0)
    for label in LABELS:
        if label not in counts.columns:
            counts[label] = 0
    return (
        counts[list(LABELS)].reset_index().rename(columns={"pain": "n_pain", "nopain": "n_nopain"})
    )


def dataset_summary(
    images: pd.DataFrame | None = None, videos: pd.DataFrame | None = None
) -> pd.DataFrame:
    """A Table-1-like summary: newborns, samples, pain and no-pain per dataset."""
    rows = []
    for df, kind in ((images, "image"), (videos, "video")):
        if df is None:
            continue
        for name, part in df.groupby("dataset", sort=False):
            rows.append(
                {
                    "dataset": name,
                    "data type": kind,
                    "newborns": part["subject"].nunique(),
                    "total samples": len(part),
                    "pain": int((part["label"] == "pain").sum()),
                    "no pain": int((part["label"] == "nopain").sum()),
                }
            )
    return pd.DataFrame(rows).set_index("dataset").T


#: Paper Table 1 (Ferreira et al.): what the real datasets hold, as printed. Its iCOPEvid pain /
#: no-pain counts are transposed: the authors' predictions hold 49 pain and 71 no-pain videos
#: (N-CNN's sensitivity 0.8163 = 40/49); the numbers are kept as the paper printed them.
#: As a table (:data:`painsign_utils.paper.TABLE1`): the rows chapter 00 compares.
PAPER_TABLE1 = pd.DataFrame(TABLE1).loc[
    ["data type", "newborns", "total samples", "pain", "no pain"]
]
