"""Data sources: scikit-learn's bundled sets and the user's files, behind one name lookup.

``load_dataset(spec)`` takes a bundled name (``digits``, ``iris``, ``wine``,
``breast_cancer``) or a path to a ``.npz`` or ``.csv``/``.tsv`` file and returns a validated
:class:`Dataset`.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from .base import Dataset, validate_xy
from .bundled import BUNDLED, load_bundled
from .files import load_csv, load_npz

__all__ = ["Dataset", "load_dataset", "validate_xy", "BUNDLED", "DEFAULT_DATASET"]

DEFAULT_DATASET = "digits"


def load_dataset(spec: str, *, label=None) -> Dataset:
    """Load a data set by bundled name or file path, then validate it."""
    if spec in BUNDLED:
        ds = load_bundled(spec)
    else:
        path = Path(spec)
        suffix = path.suffix.lower()
        if suffix == ".npz":
            ds = load_npz(path)
        elif suffix in (".csv", ".tsv", ".txt", ".tab"):
            ds = load_csv(path, label=label)
        elif not path.exists() and not suffix:
            raise DataError(f"unknown data set {spec!r}; use one of {', '.join(BUNDLED)} or a "
                            "path to a .npz or .csv file")
        else:
            raise DataError(f"{spec}: unsupported file type {suffix or '(none)'}; give a .npz "
                            "or .csv/.tsv file")
    ds.X, ds.y = validate_xy(ds.X, ds.y, ds.name if spec in BUNDLED else spec)
    if ds.X_test is not None:
        ds.X_test, ds.y_test = validate_xy(ds.X_test, ds.y_test, f"{spec} (test part)", 1)
        if ds.X_test.shape[1] != ds.X.shape[1]:
            raise DataError(f"{spec}: X_test has {ds.X_test.shape[1]} features but X has "
                            f"{ds.X.shape[1]}")
    return ds
