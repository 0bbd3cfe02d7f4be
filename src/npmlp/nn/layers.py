"""The seed's layers as pure forward/backward function pairs: FC and the hidden activations.

The seed's activation is ReLU; ``identity``, ``logistic`` and ``tanh`` (scikit-learn's other
three) are added beside it. Each activation is one ``*_forward(X, out)`` /
``*_backward(dZ, Z, out, scratch)`` pair registered in :data:`ACTIVATIONS`; its backward reads
the activation's *output* ``Z`` (so the forward may run in place), and ``scratch`` is an optional
(N, H) buffer of the dtype the entry names.

Every function works on a batch of ``N`` rows (the seed's section 4). ``dX`` always means
``dl/dX`` and has the shape of ``X``. Each function accepts optional ``out`` buffers so the
training loop can run without allocating per batch; with no buffers they return new arrays.

ReLU at 0
---------
``max(0, x)`` has no derivative at ``x = 0`` (the left derivative is 0, the right one is 1).
npmlp uses the subgradient **0** there: ``relu_backward`` keeps ``dZ`` only where ``x > 0``.
Because ``relu(x) > 0`` exactly when ``x > 0``, the mask can be read from the ReLU's input or
from its output; the training loop applies ReLU in place and reads the mask from its output.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

__all__ = [
    "fc_forward",
    "fc_backward",
    "relu_forward",
    "relu_backward",
    "tanh_forward",
    "tanh_backward",
    "logistic_forward",
    "logistic_backward",
    "identity_forward",
    "identity_backward",
    "dropout_mask",
    "dropout_forward",
    "dropout_backward",
    "Activation",
    "ACTIVATIONS",
    "FC",
    "ActivationLayer",
]


def fc_forward(X: np.ndarray, W: np.ndarray, b: np.ndarray, out: np.ndarray | None = None):
    """Affine layer, seed eq. 22: ``Z = X W + 1_N b``.

    Parameters
    ----------
    X : (N, D) input rows.
    W : (D, H) weights.
    b : (1, H) bias row.
    out : optional (N, H) buffer that receives ``Z``.

    Returns
    -------
    Z : (N, H)
    """
    Z = np.matmul(X, W, out=out)  # X W
    Z += b  # + 1_N b (broadcast of the row b over the N rows)
    return Z


def fc_backward(
    dZ: np.ndarray,
    X: np.ndarray,
    W: np.ndarray,
    *,
    need_dX: bool = True,
    dX: np.ndarray | None = None,
    dW: np.ndarray | None = None,
    db: np.ndarray | None = None,
    ones: np.ndarray | None = None,
):
    """Backward of the affine layer, seed eqs. 23-25.

    Parameters
    ----------
    dZ : (N, H) upstream gradient ``dl/dZ``.
    X : (N, D) the layer's input, as seen by :func:`fc_forward`.
    W : (D, H) weights.
    need_dX : skip eq. 23 when ``False`` (the first layer's input gradient is never used).
    dX, dW, db : optional buffers of shapes (N, D), (D, H), (1, H).
    ones : optional (1, N) row of ones ``1_N^T`` (made here when not given).

    Returns
    -------
    dX : (N, D) or ``None``  -- eq. 23, ``dX = dZ W^T``
    dW : (D, H)              -- eq. 24, ``dW = X^T dZ``
    db : (1, H)              -- eq. 25, ``db = 1_N^T dZ`` (the sum of the rows of dZ)
    """
    dX = np.matmul(dZ, W.T, out=dX) if need_dX else None  # eq. 23
    dW = np.matmul(X.T, dZ, out=dW)  # eq. 24
    if ones is None:
        ones = np.ones((1, dZ.shape[0]), dZ.dtype)
    db = np.matmul(ones, dZ, out=db)  # eq. 25 (a product: faster than np.sum over axis 0)
    return dX, dW, db


def relu_forward(X: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """ReLU, seed eq. 14: ``Z = max(0, X)``, element-wise; ``out=X`` works in place.

    X : (N, H) -> Z : (N, H)
    """
    return np.maximum(X, _zero_row(X.shape[-1], X.dtype), out=out)


@functools.lru_cache(maxsize=32)
def _zero_row(width: int, dtype) -> np.ndarray:
    """A read-only row of ``width`` zeros. ``np.maximum(X, 0)`` with the scalar 0 takes
    NumPy's strided loop, 2-2.5x slower than against a zero row (docs/performance.md); the
    values are the same."""
    row = np.zeros(width, dtype)
    row.flags.writeable = False
    return row


def relu_backward(
    dZ: np.ndarray, X: np.ndarray, out: np.ndarray | None = None, mask: np.ndarray | None = None
) -> np.ndarray:
    """Backward of ReLU: ``dX = dZ`` where ``X > 0``, else 0 (the subgradient 0 at ``X = 0``).

    Parameters
    ----------
    dZ : (N, H) upstream gradient.
    X : (N, H) the ReLU's input (or, equivalently, its output).
    out : optional (N, H) buffer for ``dX``; ``out=dZ`` works in place.
    mask : optional (N, H) boolean buffer for ``X > 0``.

    Returns
    -------
    dX : (N, H)
    """
    mask = np.greater(X, 0, out=mask)
    return np.multiply(dZ, mask, out=out)


def tanh_forward(X: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``Z = tanh(X)``, element-wise. X : (N, H) -> Z : (N, H)."""
    return np.tanh(X, out=out)


def tanh_backward(dZ, Z, out=None, scratch=None) -> np.ndarray:
    """``dX = dZ * (1 - Z^2)`` with ``Z = tanh(X)`` the forward's output. All (N, H)."""
    t = np.multiply(Z, Z, out=scratch)
    np.subtract(1, t, out=t)
    return np.multiply(dZ, t, out=out)


def logistic_forward(X: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``Z = 1 / (1 + exp(-X))``, computed as ``(1 + tanh(X / 2)) / 2`` (never overflows)."""
    Z = np.multiply(X, 0.5, out=out)
    np.tanh(Z, out=Z)
    Z += 1
    Z *= 0.5
    return Z


def logistic_backward(dZ, Z, out=None, scratch=None) -> np.ndarray:
    """``dX = dZ * Z * (1 - Z)`` with ``Z`` the forward's output. All (N, H)."""
    t = np.subtract(1, Z, out=scratch)
    t *= Z
    return np.multiply(dZ, t, out=out)


def identity_forward(X: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``Z = X``. X : (N, H) -> Z : (N, H) (``out`` receives a copy unless it is X)."""
    if out is None or out is X:
        return X
    np.copyto(out, X)
    return out


def identity_backward(dZ, Z, out=None, scratch=None) -> np.ndarray:
    """``dX = dZ``. All (N, H)."""
    return identity_forward(dZ, out)


def dropout_mask(rng: np.random.Generator, rate: float, out: np.ndarray) -> np.ndarray:
    """Inverted-dropout mask: each entry ``1 / (1 - rate)`` with probability ``1 - rate``, else 0.

    ``out`` (N, H) receives it (no allocation): ``u ~ U[0, 1)``, ``floor(u + 1 - rate)`` is 1
    exactly when ``u >= rate``. The scale keeps every unit's expected value, so prediction runs
    the network without a mask.
    """
    rng.random(out=out, dtype=out.dtype)
    out += 1.0 - rate
    np.floor(out, out=out)
    out *= 1.0 / (1.0 - rate)
    return out


def dropout_forward(X: np.ndarray, mask: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``Z = X * mask`` (element-wise), the units kept by :func:`dropout_mask`. All (N, H)."""
    return np.multiply(X, mask, out=out)


def dropout_backward(dZ: np.ndarray, mask: np.ndarray, out: np.ndarray | None = None):
    """``dX = dZ * mask``: a dropped unit passes no gradient. All (N, H)."""
    return np.multiply(dZ, mask, out=out)


@dataclass(frozen=True)
class Activation:
    """A hidden activation: its forward/backward pair and the dtype of its backward's scratch.

    ``kinked``: its derivative jumps somewhere (ReLU at 0), so a finite difference that
    straddles the jump disagrees with the (sub)gradient; gradient checks report such entries
    apart.
    """

    name: str
    forward: object
    backward: object
    scratch: type  # np.bool_ for ReLU's mask, the float dtype's kind for the others
    kinked: bool = False


ACTIVATIONS = {
    "relu": Activation("relu", relu_forward, relu_backward, np.bool_, kinked=True),
    "tanh": Activation("tanh", tanh_forward, tanh_backward, np.floating),
    "logistic": Activation("logistic", logistic_forward, logistic_backward, np.floating),
    "identity": Activation("identity", identity_forward, identity_backward, np.floating),
}


class FC:
    """Affine layer ``x^(i) = x^(i-1) W^(i) + b^(i)`` (seed eq. 10), numbered as in the seed.

    Shape: input (N, D_in), output (N, D_out); ``W`` is (D_in, D_out), ``b`` is (1, D_out).
    """

    def __init__(self, index: int, d_in: int, d_out: int):
        self.index, self.d_in, self.d_out = index, d_in, d_out

    @property
    def n_params(self) -> int:
        return self.d_in * self.d_out + self.d_out

    def __repr__(self) -> str:
        return f"FC{self.index}({self.d_in} -> {self.d_out})"


class ActivationLayer:
    """Activation layer ``x^(i) = f(x^(i-1))`` (ReLU in the seed). Shape: (N, H) -> (N, H)."""

    n_params = 0

    def __init__(self, index: int, width: int, name: str = "relu"):
        self.index, self.width, self.name = index, width, name

    def __repr__(self) -> str:
        label = "ReLU" if self.name == "relu" else self.name.capitalize()
        return f"{label}{self.index}({self.width})"
