"""Parameters, gradients and optimiser state as views of one contiguous buffer.

An MLP with ``L`` layers has ``L + 1`` parameter arrays (``W1, b1, W3, b3, ..., WL, bL``). An
optimiser's update is a few element-wise passes per array; on a small network (the digits set)
the cost of each NumPy call, not the arithmetic, dominates. So :class:`~npmlp.nn.model.MLP` keeps
its parameters, and :class:`~npmlp.nn.model.Workspace` its gradients, as views of one 1-D buffer
each, in the same order; an optimiser that finds both packed runs each pass once over the whole
buffer. Every array still has its own name and shape: ``params["W3"]`` is an ``(H, H)`` array.
"""

from __future__ import annotations

import numpy as np

from .errors import NpmlpError

__all__ = ["packed", "packed_zeros", "packed_copy", "check_dtype", "DTYPES"]

DTYPES = (np.dtype(np.float32), np.dtype(np.float64))  # what parameters and buffers may be


def check_dtype(dtype) -> np.dtype:
    """``dtype`` as a NumPy dtype, float32 or float64; :class:`NpmlpError` otherwise."""
    try:
        dt = np.dtype(dtype)
    except TypeError as e:
        raise NpmlpError(f"dtype must be float32 or float64, got {dtype!r}") from e
    if dt not in DTYPES:
        raise NpmlpError(f"dtype must be float32 or float64, got {dt.name}")
    return dt


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def packed(arrays: dict) -> np.ndarray | None:
    """The 1-D buffer that the arrays of ``arrays`` tile exactly, in order, or ``None``."""
    values = list(arrays.values())
    base = values[0].base if values else None
    if not isinstance(base, np.ndarray) or base.ndim != 1 or not base.flags.c_contiguous:
        return None
    start, offset = _address(base), 0
    for v in values:
        if (
            v.base is not base
            or not v.flags.c_contiguous
            or _address(v) != start + offset * base.itemsize
        ):
            return None
        offset += v.size
    return base if offset == base.size else None


def packed_zeros(like: dict, dtype=None) -> dict:
    """Zero arrays with the keys and shapes of ``like``, views of one new 1-D buffer."""
    dtype = np.dtype(dtype) if dtype is not None else next(iter(like.values())).dtype
    flat = np.zeros(sum(v.size for v in like.values()), dtype)
    out, offset = {}, 0
    for k, v in like.items():
        out[k] = flat[offset : offset + v.size].reshape(v.shape)
        offset += v.size
    return out


def packed_copy(arrays: dict, dtype=None) -> dict:
    """A packed copy of ``arrays`` (cast to ``dtype`` when given)."""
    out = packed_zeros(arrays, dtype)
    for k, v in arrays.items():
        np.copyto(out[k], v, casting="unsafe")
    return out
