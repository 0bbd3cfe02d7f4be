"""Reading the rows to predict: a ``.npy`` array or a CSV of D feature columns.

A big ``.npy`` (256 MB or more) is streamed from disk and predicted block by block.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError
from ..rows import first_nonfinite_row
from .files import LABEL_NAMES, read_npy, read_table

__all__ = ["read_features"]


def read_features(path, D: int):
    """Rows X : (N, D) from ``.npy`` or CSV/TSV; a label-named CSV column is dropped."""
    path = Path(path)
    if path.suffix.lower() == ".npy":
        X = read_npy(path)
        if X.ndim == 1 and X.shape[0] == D:
            X = np.asarray(X)[None, :]
    else:
        header, rows = read_table(path)
        width = len(rows[0])
        keep = list(range(width))
        if header and width == D + 1:
            lowered = [h.lower() for h in header]
            drop = [lowered.index(n) for n in LABEL_NAMES if n in lowered]
            if drop:
                keep.remove(drop[0])
        X = np.empty((len(rows), len(keep)))
        for n, r in enumerate(rows):
            for k, c in enumerate(keep):
                try:
                    X[n, k] = float(r[c])
                except ValueError:
                    line = n + (2 if header else 1)
                    raise DataError(
                        f"{path}: line {line}, column {c}: {r[c]!r} is not a number"
                    ) from None
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
