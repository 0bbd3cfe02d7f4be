"""Rows given to a model trained on a table, in Python: a pandas DataFrame, a dict of columns
or a CSV path, read by column name exactly as ``npmlp predict`` reads a CSV.

:func:`table_rows` is what :meth:`npmlp.MLP.predict` (and ``predict_proba``, ``evaluate``)
call when the model has a :class:`~npmlp.encoding.TableEncoder` and is given a table: the
model's columns are found by name in any order, other columns (the label's too) are skipped,
a missing one is an error naming it, and the encoder fills and one-hot encodes them as in
training. A CSV path goes through :func:`~npmlp.data.features.read_table_rows`, the function
``npmlp predict`` calls; a DataFrame or a dict through the same :class:`~.columns.CellReader`
that reads a DataFrame for training (:mod:`.frames`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping

import numpy as np

from ..core.errors import DataError
from ..encoding import note_lines
from . import load_dataset
from .columns import CellReader, ColumnState, TableOptions
from .features import read_table_rows
from .frames import is_frame
from .plans import model_plan

__all__ = ["is_table", "table_rows", "labelled_table_rows", "table_input", "labelled_table_input"]

WHERE = "DataFrame"


def is_table(X) -> bool:
    """Whether ``X`` is a table a model reads by column name: a DataFrame, a mapping of
    columns, or a path (``str`` / ``os.PathLike``) to a CSV file."""
    return is_frame(X) or isinstance(X, (Mapping, str, os.PathLike))


def _columns(X) -> dict:
    """``{name: column}`` of a DataFrame or a mapping; every column the same length."""
    cols = {str(c): X[c] for c in X.columns} if is_frame(X) else {str(k): v for k, v in X.items()}
    lengths = {len(v) for v in cols.values()}
    if len(lengths) > 1:
        raise DataError(f"{WHERE}: the columns have different lengths ({sorted(lengths)})")
    if not cols or lengths == {0}:
        raise DataError(f"{WHERE}: the data is empty (no rows)")
    return cols


def _values(column):
    """A column as :meth:`CellReader.column` takes it: floats (NaN missing) for a numeric
    column, else texts (``""`` where pandas or Python says a value is missing)."""
    if hasattr(column, "isna"):  # a pandas Series: as pandas types it (see .frames)
        if column.dtype.kind in "iuf":
            return column.to_numpy(dtype=np.float64, na_value=np.nan)
        gaps = column.isna().to_numpy()
        return ["" if g else str(v) for v, g in zip(column.tolist(), gaps, strict=True)]
    a = np.asarray(column)
    if a.dtype.kind in "iuf":
        return a.astype(np.float64)
    return ["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in a.tolist()]


def _raw_columns(cols: dict, encoder, options: TableOptions):
    """The model's columns of ``cols``, read as raw columns: ``(X (N, K), RawColumns)``."""
    names = list(cols)
    plan = model_plan(names, len(names), encoder, WHERE)
    states = [
        ColumnState(m, k, c)
        for m, k, c in zip(plan.names, plan.kinds, plan.categories, strict=True)
    ]
    reader = CellReader(WHERE, states, options, row_word="row")
    n = len(cols[names[0]])
    X = np.empty((n, len(plan.features)))
    for k, c in enumerate(plan.features):
        X[:, k] = reader.column(k, _values(cols[names[c]]), range(n))
    return X, reader.finish(X, None, True)


def table_rows(X, encoder, options: TableOptions | None = None):
    """The table ``X`` (DataFrame, dict of columns, CSV path) encoded by a model's
    ``encoder``: ``(Z (N, D), notes)``, notes as
    :meth:`~npmlp.encoding.TableEncoder.transform` gives them (cells filled, values unseen).
    ``options``: ``missing`` and ``unknown`` (the texts read as missing are the model's)."""
    options = options or TableOptions()
    options = TableOptions(
        na_values=encoder.na_values, missing=options.missing, unknown=options.unknown
    )
    if isinstance(X, (str, os.PathLike)):
        return read_table_rows(X, encoder, options)
    raw_X, raw = _raw_columns(_columns(X), encoder, options)
    return encoder.transform(raw, raw_X)


def labelled_table_rows(X, encoder, options: TableOptions | None = None):
    """The table ``X`` with its label column (the model's, by name), as ``npmlp evaluate``
    reads it: ``(Z (N, D), labels (N,), notes)``."""
    if isinstance(X, Mapping):
        cols = _columns(X)
        if encoder.label not in cols:
            raise DataError(f"{WHERE}: no label column {encoder.label!r}; give y")
        Z, notes = table_rows(X, encoder, options)
        return Z, np.asarray(cols[encoder.label]), notes
    ds = load_dataset(X, encoder=encoder, table=options)  # a DataFrame or a CSV path
    Z, notes = encoder.transform(ds.table, ds.X)
    return Z, ds.y, notes


def _warn(notes: dict) -> None:
    """What the encoder filled in or did not know, as warnings (``npmlp predict``'s lines)."""
    for line in note_lines(notes):
        warnings.warn(line, UserWarning, stacklevel=4)


def table_input(X, encoder):
    """:func:`table_rows`'s Z (N, D), with its notes as warnings (:meth:`npmlp.MLP.rows_of`)."""
    Z, notes = table_rows(X, encoder)
    _warn(notes)
    return Z


def labelled_table_input(X, encoder):
    """:func:`labelled_table_rows`'s ``(Z (N, D), labels (N,))``, its notes as warnings."""
    Z, y, notes = labelled_table_rows(X, encoder)
    _warn(notes)
    return Z, y
