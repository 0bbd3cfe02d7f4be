"""Reading the rows to predict: a ``.npy`` array or a CSV of D feature columns.

A big ``.npy`` (256 MB or more) is streamed from disk and predicted block by block; a CSV is
parsed in chunks straight into a float array (:mod:`npmlp.data.table`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError
from ..rows import first_nonfinite_row
from .files import LABEL_NAMES, read_csv_table, read_npy

__all__ = ["read_features"]


def read_features(path, D: int):
    """Rows X : (N, D) from ``.npy`` or CSV/TSV; a label-named CSV column is dropped."""
    path = Path(path)
    if path.suffix.lower() == ".npy":
        X = read_npy(path)
        if X.ndim == 1 and X.shape[0] == D:
            X = np.asarray(X)[None, :]
    else:

        def label_to_drop(names, width):
            if names and width == D + 1:
                lowered = [h.lower() for h in names]
                for n in LABEL_NAMES:
                    if n in lowered:
                        return lowered.index(n)
            return None

        X = read_csv_table(path, choose_label=label_to_drop, keep_labels=False).X
    if X.ndim != 2 or X.dtype.kind not in "fiub":
        raise DataError(
            f"{path}: expected a 2-D numeric array of rows, got shape {X.shape} and dtype {X.dtype}"
        )
    if X.shape[1] != D:
        raise DataError(f"{path}: rows have {X.shape[1]} features but the model expects D={D}")
    n_bad, first = first_nonfinite_row(X)
    if n_bad:
        raise DataError(f"{path}: row {first} contains NaN or infinity; remove or impute it")
    return X
