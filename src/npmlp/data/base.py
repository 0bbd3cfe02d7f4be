"""The :class:`Dataset` every loader returns, and the checks every data set goes through."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError

__all__ = ["Dataset", "validate_xy"]


@dataclass
class Dataset:
    """A classification data set.

    X : (N, D) features; y : (N,) original labels (numbers or text).
    X_test, y_test : an optional given test set, respected by the splits.
    feature_names : D names or None; target_names : names of the classes, or None.
    image_shape : (height, width) when the rows are images, else None.
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

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    @property
    def classes(self) -> np.ndarray:
        ys = self.y if self.y_test is None else np.concatenate([self.y, self.y_test])
        return np.unique(ys)


def validate_xy(X, y, where: str, min_classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Check X : (N, D) numeric and finite, y : (N,), ``min_classes`` classes and N >= C."""
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2:
        raise DataError(f"{where}: X must be a 2-D table (rows x features), got shape {X.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"{where}: the data is empty (shape {X.shape})")
    if X.dtype.kind not in "fiub":
        raise DataError(f"{where}: features must be numbers, got dtype {X.dtype}")
    if y.ndim != 1:
        raise DataError(f"{where}: y must be a 1-D array of labels, got shape {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise DataError(f"{where}: X has {X.shape[0]} rows but y has {y.shape[0]} labels; "
                        "they must match")
    if X.dtype.kind == "f":
        bad_rows = ~np.isfinite(X).all(axis=1)
        if bad_rows.any():
            first = int(np.flatnonzero(bad_rows)[0])
            raise DataError(f"{where}: {int(bad_rows.sum())} row(s) contain NaN or infinity "
                            f"(first: row {first}); remove or impute those values")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise DataError(f"{where}: labels contain NaN or infinity")
    classes = np.unique(y)
    if classes.size < min_classes:
        raise DataError(f"{where}: only one class ({classes[0]!r}) in the labels; a classifier "
                        "needs at least 2")
    if X.shape[0] < classes.size:
        raise DataError(f"{where}: {X.shape[0]} rows for {classes.size} classes; need at least "
                        "one row per class")
    return X, y
