"""A pandas DataFrame as a table: the same columns, kinds and rules as a CSV file.

Columns are chosen by :mod:`.plans` and read by :class:`~.columns.CellReader`, as a CSV's
are: a numeric column (integers, floats, NaN/NA missing) is read as numbers; any other (text,
categorical, boolean) as texts, ``str`` of each value, missing where pandas says so or where
the text is one of ``na_values``. Rows whose label is missing are left out and counted. pandas is not imported: the frame brings its own methods.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import DataError
from .base import Dataset
from .columns import CellReader, ColumnState, TableOptions
from .plans import header_names, model_plan, train_plan

__all__ = ["is_frame", "load_frame"]

WHERE = "DataFrame"


def is_frame(obj) -> bool:
    """Whether ``obj`` is a pandas DataFrame (checked without importing pandas)."""
    return type(obj).__name__ == "DataFrame" and type(obj).__module__.startswith("pandas")


def _texts(s) -> list:
    gaps = s.isna().to_numpy()
    return ["" if g else str(v) for v, g in zip(s.tolist(), gaps, strict=True)]


def _labelled(s, na) -> np.ndarray:
    """Which rows of the label column ``s`` hold a label (not missing, not one of ``na``)."""
    gaps = s.isna().to_numpy()
    if s.dtype.kind in "iufb":
        return ~gaps
    return ~gaps & np.array([str(v).strip() not in na for v in s.tolist()], dtype=bool)


def _labels(s) -> np.ndarray:
    if s.dtype.kind in "iu" or (s.dtype.kind == "f" and np.all(s.to_numpy() % 1 == 0)):
        return s.to_numpy(dtype=np.int64)
    if s.dtype.kind == "f":
        return s.to_numpy(dtype=np.float64)
    return np.array([str(v).strip() for v in s.tolist()])


def load_frame(df, label=None, options: TableOptions | None = None, encoder=None) -> Dataset:
    """A :class:`~.base.Dataset` of raw columns from the DataFrame ``df`` (see
    :func:`~.files.load_csv`; ``label`` names the label column, ``encoder`` reads a model's
    columns by name)."""
    options = options or TableOptions()
    names = header_names([str(c) for c in df.columns])
    width = len(names)
    if len(df) == 0:
        raise DataError(f"{WHERE}: the data is empty (no rows)")
    if encoder is not None:
        plan = model_plan(names, width, encoder, WHERE, label, keep_label=True)
    else:
        plan = train_plan(names, width, label, options, WHERE)
    na = frozenset(v.strip() for v in options.na_values) | {""}
    labelled = _labelled(df.iloc[:, plan.label], na)
    if not labelled.any():
        raise DataError(
            f"{WHERE}: no row has a label (column {names[plan.label]!r} is missing in every "
            "row); choose the label column with label="
        )
    df = df[labelled] if not labelled.all() else df
    n = len(df)
    columns = [
        ColumnState(m, k, c)
        for m, k, c in zip(plan.names, plan.kinds, plan.categories, strict=True)
    ]
    reader = CellReader(WHERE, columns, options, row_word="row")
    rows = np.flatnonzero(labelled)  # the frame's row numbers, for messages
    X = np.empty((n, len(plan.features)))
    for k, c in enumerate(plan.features):
        s = df.iloc[:, c]
        if s.dtype.kind in "iuf":
            values = s.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            values = _texts(s)
        X[:, k] = reader.column(k, values, rows)
    y = _labels(df.iloc[:, plan.label])
    raw = reader.finish(X, names[plan.label], True)
    raw.unlabelled = int(np.count_nonzero(~labelled))
    return Dataset(
        name=WHERE,
        X=X,
        y=y,
        feature_names=list(plan.names),
        source=WHERE,
        extra={"label_column": names[plan.label], "all_columns": names},
        table=raw,
    )
