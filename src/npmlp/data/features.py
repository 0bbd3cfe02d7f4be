"""Reading the rows to predict: a ``.npy`` array or a CSV, as the model reads them.

A model trained on a table (it has a :class:`~npmlp.encoding.TableEncoder`) reads a CSV's
columns by name when the file has a header (any order; other columns, the label's included,
are skipped; a missing one is an error naming it), else by position (exactly the training
width), then encodes them as in training. Other models read D feature columns; a big ``.npy``
(256 MB or more) is streamed from disk and predicted block by block; a CSV is parsed in chunks
straight into a float array (:mod:`npmlp.data.table`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.errors import DataError
from ..core.rows import first_nonfinite_row
from ..encoding import NUMBER, RawColumns
from .columns import Plan, TableOptions
from .files import read_csv_table, read_npy
from .plans import LABEL_NAMES, model_plan

__all__ = ["read_features", "read_table_rows"]


def read_table_rows(path, encoder, options: TableOptions | None = None):
    """Rows of ``path`` encoded by a model's ``encoder``: ``(X (N, D), notes)``, notes as
    :meth:`~npmlp.encoding.TableEncoder.transform` gives them (cells filled, values unseen).

    ``options``: ``missing``/``unknown`` (the texts read as missing are the model's)."""
    path = Path(path)
    options = options or TableOptions()
    options = TableOptions(
        na_values=encoder.na_values, missing=options.missing, unknown=options.unknown
    )
    K = len(encoder.columns)
    if path.suffix.lower() == ".npy":
        X = np.asarray(read_npy(path, stream=False))
        if X.ndim == 1 and X.shape[0] == K:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != K or any(c.kind != NUMBER for c in encoder.columns):
            raise DataError(
                f"{path}: this model reads a table of {K} named columns "
                f"({', '.join(encoder.names[:10])}{', ...' if K > 10 else ''}); give a CSV"
            )
        raw = RawColumns(encoder.names, [NUMBER] * K, [[]] * K, [0] * K)
        return encoder.transform(raw, X.astype(np.float64))
    t = read_csv_table(
        path,
        make_plan=lambda names, width: model_plan(names, width, encoder, path),
        options=options,
        known_names=tuple(encoder.names) if encoder.header else (),
    )
    return encoder.transform(t.raw, t.X)


def read_features(path, D: int):
    """Rows X : (N, D) from ``.npy`` or CSV/TSV; a label-named CSV column is dropped."""
    path = Path(path)
    if path.suffix.lower() == ".npy":
        X = read_npy(path)
        if X.ndim == 1 and X.shape[0] == D:
            X = np.asarray(X)[None, :]
    else:

        def make_plan(names, width):
            skip = None
            if names and width == D + 1:
                lowered = [h.lower() for h in names]
                skip = next((lowered.index(n) for n in LABEL_NAMES if n in lowered), None)
            feats = [c for c in range(width) if c != skip]
            cols = [names[c] if names else str(c) for c in feats]
            return Plan(None, False, feats, cols, [NUMBER] * len(feats), [()] * len(feats))

        X = read_csv_table(path, make_plan=make_plan, options=TableOptions(na_values=())).X
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
