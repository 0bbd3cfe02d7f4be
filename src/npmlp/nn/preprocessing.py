"""Input scaling fitted on the training split only and stored with the model.

Both kinds are an affine map per feature, ``X' = (X - shift) / scale``, so a model file holds
two (D,) arrays whatever the kind. Rows in memory are fitted with NumPy, by the arithmetic of
scikit-learn's ``StandardScaler`` / ``MinMaxScaler`` (the same numbers, bit for bit, as
``tests/test_data_sources.py`` checks); rows streamed from disk by those scalers'
``partial_fit``, imported there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import NpmlpError

__all__ = ["Preprocessing", "KINDS"]

KINDS = ("standard", "minmax", "none")


@dataclass
class Preprocessing:
    """Per-feature affine scaling ``X' = (X - shift) / scale``.

    kind : ``"standard"`` (zero mean, unit variance), ``"minmax"`` (to [0, 1]) or ``"none"``.
    shift, scale : (D,) arrays.
    """

    kind: str
    shift: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, kind: str, X: np.ndarray) -> Preprocessing:
        """Fit on the training rows X : (N, D). Constant features keep scale 1."""
        if getattr(X, "is_streamed", False):  # streamed from disk: fit block by block
            return cls._fit_by_blocks(kind, X)
        X = np.asarray(X)
        if X.dtype.kind != "f":
            X = X.astype(np.float64)
        if kind == "standard":
            return cls(kind, *_mean_and_scale(X))
        if kind == "minmax":
            low = np.nanmin(X, axis=0)
            span = (np.nanmax(X, axis=0) - low).astype(np.float64)  # in X's dtype, then cast
            span[span == 0] = 1.0
            return cls(kind, low.astype(np.float64), span)
        if kind == "none":
            D = X.shape[1]
            return cls(kind, np.zeros(D), np.ones(D))
        raise NpmlpError(f"unknown scaling {kind!r}; choose one of {', '.join(KINDS)}")

    @classmethod
    def _fit_by_blocks(cls, kind: str, X) -> Preprocessing:
        """The same fit with ``partial_fit`` over blocks of rows: memory of one block."""
        from sklearn.preprocessing import MinMaxScaler, StandardScaler

        from ..core.rows import iter_chunks

        if kind not in ("standard", "minmax"):
            return cls.fit(kind, X[:1])
        scaler = StandardScaler() if kind == "standard" else MinMaxScaler()
        for _, block in iter_chunks(X):
            scaler.partial_fit(block)
        if kind == "standard":
            return cls(kind, scaler.mean_.astype(np.float64), scaler.scale_.astype(np.float64))
        span = scaler.data_max_ - scaler.data_min_
        span[span == 0] = 1.0
        return cls(kind, scaler.data_min_.astype(np.float64), span.astype(np.float64))

    def apply(self, X: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Scale X : (N, D) -> (N, D); ``out=X`` scales in place. Keeps ``out``'s dtype."""
        if self.kind == "none":
            return X if out is None else np.copyto(out, X) or out
        dtype = out.dtype if out is not None else (X.dtype if X.dtype.kind == "f" else np.float64)
        shift = self.shift.astype(dtype, copy=False)
        scale = self.scale.astype(dtype, copy=False)
        Z = np.subtract(X, shift, out=out, dtype=dtype, casting="unsafe")
        Z /= scale
        return Z


def _mean_and_scale(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation (D,) of X : (N, D) floating, in float64, as scikit-learn's
    ``StandardScaler`` computes them (the corrected two-pass variance); a feature constant
    within rounding (Chan, Golub and LeVeque's bound) keeps scale 1."""
    n = float(len(X))
    total = X.sum(axis=0, dtype=np.float64)
    mean = total / n
    centred = X - mean  # float64
    correction = centred.sum(axis=0)
    centred **= 2
    var = (centred.sum(axis=0) - correction**2 / n) / n
    eps = np.finfo(np.float64).eps
    scale = np.sqrt(var)
    scale[var <= n * eps * var + (n * mean * eps) ** 2] = 1.0
    return mean, scale
