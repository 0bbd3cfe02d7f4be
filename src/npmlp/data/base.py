"""The :class:`Dataset` every loader returns, and the checks every data set goes through."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.errors import DataError
from ..core.rows import first_nonfinite_row, is_streamed, iter_chunks
from ..core.safeio import SPECIAL
from ..encoding import (
    CATEGORY,
    RawColumns,
    TableEncoder,
    action,
    header_line,
    read_warnings,
    refused_columns,
    usable_columns,
)

__all__ = ["Dataset", "validate_xy", "describe", "describe_table"]


@dataclass
class Dataset:
    """A classification data set.

    X : (N, D) features (an array, or a streamed-from-disk :class:`~.streaming.StreamedRows`);
    y : (N,) original labels (numbers or text).
    X_test, y_test : an optional given test set, respected by the splits.
    feature_names : D names or None; target_names : names of the classes, or None.
    image_shape : (height, width) when the rows are images, else None.
    table : for a table (CSV, DataFrame), the :class:`~npmlp.encoding.RawColumns` of X's
        columns: X then holds raw columns (numbers, NaN for a missing value, codes of texts),
        which :class:`~npmlp.encoding.TableEncoder` turns into the network's input.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    feature_names: list | None = None
    target_names: list | None = None
    image_shape: tuple | None = None
    source: str = ""
    extra: dict = field(default_factory=dict)
    table: RawColumns | None = None

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    @property
    def classes(self) -> np.ndarray:
        ys = self.y if self.y_test is None else np.concatenate([self.y, self.y_test])
        return np.unique(ys)


def validate_xy(
    X, y, where: str, min_classes: int = 2, raw: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Check X : (N, D) numeric and finite, y : (N,), ``min_classes`` classes and N >= C.

    ``raw``: X holds a table's raw columns, where NaN marks a missing value (its reader has
    refused infinities). A streamed X is scanned block by block and returned as it is.
    """
    if not is_streamed(X):
        X = np.asarray(X)
    y = np.asarray(y)
    _check_shapes(X, y, where)
    n_bad, first = (0, None) if raw else first_nonfinite_row(X)
    if n_bad:
        raise DataError(
            f"{where}: {n_bad} row(s) contain NaN or infinity "
            f"(first: row {first}); remove or impute those values"
        )
    _check_labels(X, y, where, min_classes)
    return X, y


def _check_shapes(X, y, where: str) -> None:
    """X (N, D) of numbers, y (N,) of numbers or texts."""
    if X.ndim != 2:
        raise DataError(f"{where}: X must be a 2-D table (rows x features), got shape {X.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"{where}: the data is empty (shape {X.shape})")
    if X.dtype.kind not in "fiub":
        raise DataError(f"{where}: features must be numbers, got dtype {X.dtype}")
    if y.ndim != 1:
        raise DataError(f"{where}: y must be a 1-D array of labels, got shape {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise DataError(
            f"{where}: X has {X.shape[0]} rows but y has {y.shape[0]} labels; they must match"
        )
    if y.dtype.kind not in "iufbUS":
        raise DataError(f"{where}: labels must be numbers or text, got dtype {y.dtype}")


def _check_labels(X, y, where: str, min_classes: int) -> None:
    """Finite labels, at least ``min_classes`` classes and one row per class."""
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise DataError(f"{where}: labels contain NaN or infinity; every row needs a label")
    classes = np.unique(y)
    if classes.size < min_classes:
        raise DataError(
            f"{where}: only one class ({classes[0].item()!r}) in the labels; "
            "a classifier needs at least 2"
        )
    if X.shape[0] < classes.size:
        raise DataError(
            f"{where}: {X.shape[0]} rows for {classes.size} classes; need at least "
            "one row per class"
        )


def _value_range(X) -> tuple[float, float]:
    lo, hi = np.inf, -np.inf
    for _, block in iter_chunks(X):
        if block.size:
            lo, hi = min(lo, float(np.min(block))), max(hi, float(np.max(block)))
    return lo, hi


def describe(ds: Dataset) -> dict:
    """Shapes, class counts, value range and missing values of a data set (for ``data info``)."""
    parts = {"data": (ds.X, ds.y)}
    if ds.X_test is not None:
        parts["given test set"] = (ds.X_test, ds.y_test)
    info = {
        "name": ds.name,
        "source": ds.source,
        "n_features": int(ds.X.shape[1]),
        "classes": [c.item() if hasattr(c, "item") else c for c in ds.classes],
        "image_shape": ds.image_shape,
        "streamed": is_streamed(ds.X),
        "parts": {},
    }
    for name, (X, y) in parts.items():
        labels, counts = np.unique(y, return_counts=True)
        n_bad, _ = first_nonfinite_row(X)
        lo, hi = _value_range(X)
        info["parts"][name] = {
            "X_shape": list(X.shape),
            "X_dtype": np.dtype(X.dtype).name,
            "y_shape": list(y.shape),
            "class_counts": {str(k): int(v) for k, v in zip(labels, counts, strict=True)},
            "min": lo,
            "max": hi,
            "rows_with_missing": n_bad,
        }
    return info


def _distinct(raw: RawColumns, X, k: int) -> int | None:
    """How many distinct present values column k holds (None: more than a text column keeps)."""
    if not raw.values[k]:
        col = X[:, k]
        return int(np.unique(col[~np.isnan(col)]).size)
    return raw.notes[k].get("distinct", len(raw.values[k])) if raw.notes else len(raw.values[k])


def _fitted(raw: RawColumns, X) -> dict:
    """The encoder's column for each usable column k, fitted on every row: {k: EncodedColumn}
    (none when a column is refused)."""
    if refused_columns(raw):
        return {}
    ks = [k for k in usable_columns(raw) if not np.isnan(X[:, k]).all()]
    if not ks:
        return {}
    enc = TableEncoder.fit(raw.subset(ks), X[:, ks])
    return dict(zip(ks, enc.columns, strict=True))


def describe_table(ds: Dataset) -> dict:
    """Every column of a table (``ds.table`` set): kind, missing cells, distinct values and what
    ``npmlp train`` does with it, in the file's order; plus rows, D after encoding, classes."""
    raw, X = ds.table, ds.X
    labels, counts = np.unique(ds.y, return_counts=True)
    label_counts = {str(k): int(v) for k, v in zip(labels, counts, strict=True)}
    shown = ", ".join(f"{k} {v}" for k, v in list(label_counts.items())[:10])
    fitted = _fitted(raw, X)
    rows = {}
    for k, name in enumerate(raw.names):
        n = _distinct(raw, X, k)
        what = action(raw, k, fitted.get(k), n)
        rows[name] = {"kind": raw.kinds[k], "missing": raw.missing[k], "distinct": n, "train": what}
    D = sum(c.width for c in fitted.values())
    columns = []
    everything = ds.extra.get("all_columns") or [*raw.names, raw.label]
    for name in everything:
        if name == raw.label:
            row = {"kind": "label", "missing": 0, "distinct": len(label_counts)}
            row["train"] = f"the label: {shown}{', ...' if len(label_counts) > 10 else ''}"
        else:
            row = rows.get(name, {"kind": "-", "missing": None, "distinct": None})
            row.setdefault("train", "left out (--drop / --features)")
        columns.append({"name": name, **row})
    return {
        "name": ds.name,
        "source": ds.source,
        "n_rows": int(X.shape[0]),
        "n_features": D,
        "label": raw.label,
        "classes": [c.item() if hasattr(c, "item") else c for c in ds.classes],
        "class_counts": label_counts,
        "n_categories": sum(1 for k in raw.kinds if k == CATEGORY),
        "notes": ([header_line(raw)] if raw.header_how else []) + read_warnings(raw),
        "columns": columns,
    }


def refuse_non_file(path, kind: str, what: str = "a data file") -> None:
    """The one line for a path whose :func:`npmlp.core.safeio.file_kind` is not a regular file."""
    if kind == "missing":
        raise DataError(f"{path}: file not found; check the path")
    if kind == "folder":
        raise DataError(f"{path}: is a folder, not {what}")
    if kind == "special":
        raise DataError(f"{path}: {SPECIAL}")
