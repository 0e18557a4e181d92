"""The folds: leave-some-subjects-out, subjects stratified by source data set, a subject in
exactly one fold, saved as ``training/folds.csv``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from ..storage import read_table, write_csv


def make_folds(images: pd.DataFrame, n_folds: int = 10, seed: int = 0) -> pd.DataFrame:
    """Assign subjects to folds, stratified by data set (leave-some-subjects-out).

    Within each data set the subjects are shuffled and dealt to the fold that has the fewest
    subjects so far (ties: fewest images, then lowest index), so every fold gets its share of
    every data set and fold sizes differ by at most one subject.

    Parameters
    ----------
    images : DataFrame with columns ``subject, dataset``
    n_folds : int
    seed : int

    Returns
    -------
    DataFrame with columns ``subject, dataset, fold`` (fold in 0..n_folds-1), one row a subject.
    """
    for col in ("subject", "dataset"):
        if col not in images.columns:
            raise DataError(f"the image table has no {col!r} column")
    per = images.groupby("subject").agg(dataset=("dataset", "first"), n=("dataset", "size"))
    mixed = images.groupby("subject")["dataset"].nunique()
    if (mixed > 1).any():
        raise DataError(
            f"subject {mixed[mixed > 1].index[0]!r} appears in two data sets; give it distinct ids"
        )
    if n_folds < 2 or n_folds > len(per):
        raise ConfigError(
            f"n_folds must be between 2 and the number of subjects ({len(per)}), got {n_folds}"
        )
    rng = np.random.default_rng(seed)
    n_subj, n_img = np.zeros(n_folds, int), np.zeros(n_folds, int)
    rows = []
    for dataset in sorted(per["dataset"].unique()):
        subjects = sorted(per.index[per["dataset"] == dataset])
        for s in rng.permutation(subjects):
            fold = int(np.lexsort((np.arange(n_folds), n_img, n_subj))[0])
            n_subj[fold] += 1
            n_img[fold] += int(per.loc[s, "n"])
            rows.append({"subject": s, "dataset": dataset, "fold": fold})
    return pd.DataFrame(rows).sort_values(["fold", "dataset", "subject"]).reset_index(drop=True)


def folds_for(images: pd.DataFrame, folds: pd.DataFrame) -> np.ndarray:
    """Fold of each image row, shape (n_images,); raises if an image's subject has no fold."""
    fold_of = dict(zip(folds["subject"], folds["fold"], strict=True))
    missing = sorted(set(images["subject"]) - set(fold_of))
    if missing:
        raise DataError(f"subject {missing[0]!r} has no fold in folds.csv; delete it to recompute")
    return images["subject"].map(fold_of).to_numpy(int)


def load_or_make_folds(
    images: pd.DataFrame, path: str | Path, n_folds: int, seed: int
) -> pd.DataFrame:
    """Read ``folds.csv`` if it exists with the same subjects and fold count, else make and save it."""
    path = Path(path)
    if path.exists():
        folds = read_table(path)
        if set(folds["subject"]) == set(images["subject"]) and folds["fold"].nunique() == n_folds:
            return folds
    folds = make_folds(images, n_folds, seed)
    write_csv(folds, path)
    return folds
