"""Manifests: the tables that say which images and videos exist, who is in them, and their labels.

``manifests`` (the contract, validation, :func:`read_manifest`), ``verify`` (open every file:
``painsign check``), ``layouts`` (the owners' iCOPE and iCOPEvid folder layouts), ``authors`` (the
authors' ``iCOPE+UNIFESP_data.csv``), ``tables`` (subjects, Table 1) and ``sources`` (a run's
manifests from the synthetic generator or the user's CSVs).
"""

from .authors import manifest_from_authors_csv
from .layouts import manifest_from_folder
from .manifests import is_synthetic, read_manifest, validate_manifest
from .sources import collect
from .tables import PAPER_TABLE1, dataset_summary, subject_table
from .verify import verify_files

__all__ = [
    "PAPER_TABLE1",
    "collect",
    "dataset_summary",
    "is_synthetic",
    "manifest_from_authors_csv",
    "manifest_from_folder",
    "read_manifest",
    "subject_table",
    "validate_manifest",
    "verify_files",
]
