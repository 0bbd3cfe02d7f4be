"""Every split of the rows in one place: the test split of a job, the validation split of a fit.

Both are stratified (each class keeps its share) with scikit-learn's ``train_test_split``, and
both return sorted indices, so the caller's rows keep their order.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.errors import DataError
from ..core.rows import subset_rows

__all__ = ["stratified_split", "split_dataset", "hold_out"]


def stratified_split(y: np.ndarray, fraction: float, seed: int | None):
    """Indices ``(keep, held_out)`` with ``fraction`` of the rows held out, per class.

    Falls back to a plain random split when a class has too few rows to stratify, and makes
    one for regression targets y : (N, C), which have no classes.
    """
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    if fraction <= 0:
        return idx, idx[:0]
    n_held = math.ceil(fraction * len(y))
    if n_held < len(y) and y.ndim == 2:  # regression targets
        keep, held = train_test_split(idx, test_size=n_held, random_state=seed)
        return np.sort(keep), np.sort(held)
    counts = np.unique(y, return_counts=True)[1]
    stratify = y if counts.min() >= 2 and n_held >= len(counts) else None
    if n_held >= len(y):
        raise DataError(f"a split of {fraction:g} leaves no training rows out of {len(y)}")
    if len(y) - n_held < len(counts):
        raise DataError(
            f"a split of {fraction:g} keeps {len(y) - n_held} of {len(y)} rows, fewer than the "
            f"{len(counts)} classes; use a smaller fraction"
        )
    keep, held = train_test_split(idx, test_size=n_held, random_state=seed, stratify=stratify)
    return np.sort(keep), np.sort(held)


def split_dataset(ds, test_fraction: float, seed: int):
    """Indices ``(train, test)`` of ``ds.X``; a given ``ds.X_test`` is respected (train = all,
    test = ``None``)."""
    if ds.X_test is not None:
        return np.arange(len(ds.y)), None
    return stratified_split(ds.y, test_fraction, seed)


def hold_out(X, y: np.ndarray, sample_weight, fraction: float, seed: int | None):
    """Split rows X : (N, D), y : (N,) (or targets (N, C)) and optional weights (N,) into a kept and a held-out part.

    Returns ``((X_keep, y_keep, w_keep), (X_held, y_held, w_held))``; the weights are ``None``
    when ``sample_weight`` is. A streamed X gives lazy views (no rows read).
    """
    keep, held = stratified_split(y, fraction, seed)
    w = sample_weight
    return (
        (subset_rows(X, keep), y[keep], None if w is None else w[keep]),
        (subset_rows(X, held), y[held], None if w is None else w[held]),
    )
