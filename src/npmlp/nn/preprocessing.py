"""Input scaling fitted on the training split only and stored with the model.

Both kinds are an affine map per feature, ``X' = (X - shift) / scale``, so a model file holds
two (D,) arrays whatever the kind. Fitting uses scikit-learn's scalers, imported by
:meth:`Preprocessing.fit` (applying a fitted scaling needs NumPy only).
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
        from sklearn.preprocessing import MinMaxScaler, StandardScaler

        if getattr(X, "is_streamed", False):  # streamed from disk: fit block by block
            return cls._fit_by_blocks(kind, X)
        X = np.asarray(X)
        if kind == "standard":
            s = StandardScaler().fit(X)
            return cls(kind, s.mean_.astype(np.float64), s.scale_.astype(np.float64))
        if kind == "minmax":
            s = MinMaxScaler().fit(X)
            span = s.data_max_ - s.data_min_
            span[span == 0] = 1.0
            return cls(kind, s.data_min_.astype(np.float64), span.astype(np.float64))
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
