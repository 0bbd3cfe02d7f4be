"""Every split of the rows in one place: the test split of a job, the validation split of a fit.

Both are stratified (each class keeps its share) and both return sorted indices, so the
caller's rows keep their order. The draw is scikit-learn's ``train_test_split`` (its
``StratifiedShuffleSplit``, or ``ShuffleSplit`` when a class is too small), written here with
NumPy's ``RandomState`` so the command line does not import scikit-learn: the same seed holds
out the same rows (``tests/test_training.py`` compares them).
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
    idx = np.arange(len(y))
    if fraction <= 0:
        return idx, idx[:0]
    n_held = math.ceil(fraction * len(y))
    if n_held >= len(y):
        raise DataError(f"a split of {fraction:g} leaves no training rows out of {len(y)}")
    # regression targets (N, C) have no classes: a plain random split
    counts = np.unique(y, return_counts=True)[1] if y.ndim == 1 else np.ones(1, int)
    stratify = y if y.ndim == 1 and counts.min() >= 2 and n_held >= len(counts) else None
    if len(y) - n_held < len(counts):
        raise DataError(
            f"a split of {fraction:g} keeps {len(y) - n_held} of {len(y)} rows, fewer than the "
            f"{len(counts)} classes; use a smaller fraction"
        )
    rng = np.random.RandomState(seed)
    if stratify is None:
        order = rng.permutation(len(y))
        return np.sort(order[n_held:]), np.sort(order[:n_held])
    return _stratified(y, n_held, rng)


def _stratified(y: np.ndarray, n_held: int, rng: np.random.RandomState):
    """Sorted ``(keep, held)`` indices of y : (N,), ``n_held`` of them held out, drawn as
    scikit-learn's ``StratifiedShuffleSplit`` draws them from ``rng``."""
    _, y_idx = np.unique(y, return_inverse=True)
    counts = np.bincount(y_idx.ravel())
    members = np.split(np.argsort(y_idx.ravel(), kind="mergesort"), np.cumsum(counts)[:-1])
    n_keep = _approximate_mode(counts, len(y) - n_held, rng)
    n_out = _approximate_mode(counts - n_keep, n_held, rng)
    keep, held = [], []
    for rows, k, h in zip(members, n_keep, n_out):  # each class's rows in a random order
        rows = rows.take(rng.permutation(len(rows)), mode="clip")
        keep.append(rows[:k])
        held.append(rows[k : k + h])
    return np.sort(np.concatenate(keep)), np.sort(np.concatenate(held))


def _approximate_mode(counts: np.ndarray, n_draws: int, rng: np.random.RandomState):
    """Rows to draw per class (C,) summing to ``n_draws``, shares as in ``counts`` (C,): the
    floors, then one more to the classes of largest remainder, ties drawn from ``rng``."""
    continuous = counts / counts.sum() * n_draws
    floored = np.floor(continuous)
    need = int(n_draws - floored.sum())
    remainder = continuous - floored
    for value in np.sort(np.unique(remainder))[::-1]:
        if need <= 0:
            break
        (tied,) = np.where(remainder == value)
        add = min(len(tied), need)
        floored[rng.choice(tied, size=add, replace=False)] += 1
        need -= add
    return floored.astype(int)


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
