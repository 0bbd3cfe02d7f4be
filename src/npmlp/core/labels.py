"""Labels and class indices: the seed's ``y in {0, ..., C-1}`` and the user's own labels."""

from __future__ import annotations

import numpy as np

from .errors import DataError

__all__ = [
    "check_class_indices",
    "check_class_count",
    "check_targets",
    "encode_labels",
    "indices_of",
]


def check_class_indices(y, N: int, C: int) -> np.ndarray:
    """Validate class indices y : (N,) in ``{0, ..., C-1}`` and return them as intp."""
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != N:
        raise DataError(
            f"y must be a 1-D array of {N} labels (one per row of X), got shape {y.shape}"
        )
    if y.dtype.kind not in "iu" and not (y.dtype.kind == "f" and np.all(y == np.round(y))):
        raise DataError(f"y must hold integer class indices 0..{C - 1}, got {y.dtype}")
    y = y.astype(np.intp)
    if y.size and (y.min() < 0 or y.max() >= C):
        raise DataError(
            f"labels must be class indices in 0..{C - 1}, "
            f"found {y.min() if y.min() < 0 else y.max()}"
        )
    return y


MIN_CLASS_CAP = 256  # fewer classes are left to the splits' own check (a row per class)


def check_class_count(N: int, C: int, where: str) -> None:
    """Refuse (:class:`DataError`) more than ``max(256, N // 2)`` classes for ``N`` rows: most
    classes would have a single row, so nothing can be learnt or tested of them, while the
    output layer, the scores (N, C) and the per-class report grow with C."""
    if C > max(MIN_CLASS_CAP, N // 2):
        raise DataError(
            f"{where}: {C} classes for {N} rows, fewer than 2 rows per class: too few to learn "
            "or test any class; is the label column an identifier? (choose it with --label)"
        )


def encode_labels(classes: np.ndarray, labels) -> np.ndarray:
    """Class indices (N,) of ``labels`` (N,) in ``classes`` (C,); a :class:`DataError` names
    labels that are not classes."""
    labels = np.asarray(labels)
    if classes.dtype.kind in "US" or labels.dtype.kind in "US":
        classes, labels = classes.astype(str), labels.astype(str)
    order = np.argsort(classes, kind="stable")
    pos = np.searchsorted(classes[order], labels).clip(0, len(classes) - 1)
    idx = order[pos]
    unknown = classes[idx] != labels
    if np.any(unknown):
        bad = np.unique(labels[unknown])[:5]
        shown = ", ".join(map(str, classes[:10])) + (", ..." if len(classes) > 10 else "")
        raise DataError(
            f"labels {', '.join(map(str, bad))} are not classes of this model "
            f"(its classes: {shown})"
        )
    return idx.astype(np.intp)


def indices_of(classes: np.ndarray, y, N: int, *, indices: bool = False) -> np.ndarray:
    """Class indices (N,) of ``y`` (N,): the model's labels ``classes`` (C,) encoded, or, with
    ``indices=True`` or when the labels are ``0 ... C-1``, y itself checked as indices.

    Integer labels are never guessed to be indices: with labels ``[1, 2, 3]``, ``y = [1, 2]``
    means the labels 1 and 2, and ``y = [0]`` is refused.
    """
    C = len(classes)
    if not indices and not (classes.dtype.kind in "iu" and np.array_equal(classes, np.arange(C))):
        y = encode_labels(classes, y)
    return check_class_indices(y, N, C)


def check_targets(y, N: int, C: int, dtype, *, non_negative: bool = False) -> np.ndarray:
    """Regression targets y : (N,) (C = 1) or (N, C), finite (and >= 0 with ``non_negative``),
    returned as a new (N, C) array of ``dtype``."""
    Y = np.asarray(y)
    if Y.dtype.kind not in "iufb":
        raise DataError(f"regression targets must be numbers, got dtype {Y.dtype}")
    if Y.ndim == 1 and C == 1:
        Y = Y.reshape(-1, 1)
    if Y.shape != (N, C):
        raise DataError(f"targets have shape {Y.shape}; expected ({N}, {C}) (or ({N},) for C=1)")
    Y = Y.astype(dtype, copy=True)
    if not np.isfinite(Y).all():
        raise DataError("regression targets contain NaN or inf; drop or fill those rows")
    if non_negative and (Y < 0).any():
        raise DataError("Poisson targets must be >= 0 (counts or rates)")
    return Y
