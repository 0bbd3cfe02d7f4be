"""The binary frame the page draws: a JSON header, then byte arrays, in one WebSocket message.

Layout: a 4-byte little-endian header length, the header (UTF-8 JSON), then the segments'
bytes back to back. ``header["segments"]`` lists each segment as ``[name, dtype, shape]``;
every segment is ``uint8`` or ``int8``, so the page reads each one as a typed-array view with
no alignment to care about. Values are quantised here:

- :func:`unit_u8` -- a signed quantity per unit, ``128 + 127 * z / max|z|`` (the scale of each
  unit goes in the header);
- :func:`prob_u8` -- probabilities in [0, 1] as ``255 * p``;
- :func:`weights_i8` -- a weight matrix as ``127 * W / max|W|`` (its scale in the header).
"""

from __future__ import annotations

import json
import struct

import numpy as np

__all__ = ["encode", "decode", "unit_u8", "prob_u8", "weights_i8"]

BYTE_TYPES = (np.dtype(np.uint8), np.dtype(np.int8))


def _scale(a: np.ndarray, axis=None) -> np.ndarray:
    m = np.abs(np.nan_to_num(a)).max(axis=axis, keepdims=axis is not None)
    return np.where(m > 0, m, 1.0)


def unit_u8(Z: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """Z : (U, r, r) values of U units -> (U, r, r) uint8 centred on 128, and U scales."""
    flat = np.nan_to_num(Z.reshape(Z.shape[0], -1).astype(np.float32))
    m = _scale(flat, axis=1)
    q = np.rint(flat * (127.0 / m)) + 128.0
    return q.astype(np.uint8).reshape(Z.shape), [float(v) for v in m[:, 0]]


def prob_u8(P: np.ndarray) -> np.ndarray:
    """Probabilities (any shape) -> uint8 ``round(255 p)``."""
    return np.rint(np.clip(np.nan_to_num(P), 0.0, 1.0) * 255.0).astype(np.uint8)


def weights_i8(W: np.ndarray) -> tuple[np.ndarray, float]:
    """A weight array -> int8 ``round(127 W / max|W|)`` and the scale ``max|W|``."""
    m = float(_scale(W))
    return np.rint(np.nan_to_num(W) * (127.0 / m)).astype(np.int8), m


def encode(header: dict, segments: list[tuple[str, np.ndarray]]) -> bytes:
    """One frame: ``header`` (JSON-serialisable) and named uint8/int8 arrays."""
    meta = []
    for name, a in segments:
        if a.dtype not in BYTE_TYPES:
            raise TypeError(f"segment {name} is {a.dtype}; frames carry uint8 or int8 only")
        meta.append([name, a.dtype.name, list(a.shape)])
    head = json.dumps({**header, "segments": meta}, separators=(",", ":")).encode()
    parts = [struct.pack("<I", len(head)), head]
    parts += [np.ascontiguousarray(a).tobytes() for _, a in segments]
    return b"".join(parts)


def decode(buf: bytes) -> tuple[dict, dict]:
    """The inverse of :func:`encode`: ``(header, {name: array})`` (for tests and benchmarks)."""
    (n,) = struct.unpack_from("<I", buf, 0)
    header = json.loads(buf[4 : 4 + n].decode())
    arrays, at = {}, 4 + n
    for name, dtype, shape in header["segments"]:
        size = int(np.prod(shape))
        arrays[name] = np.frombuffer(buf, dtype, size, at).reshape(shape)
        at += size
    if at != len(buf):
        raise ValueError(f"frame has {len(buf) - at} bytes after its last segment")
    return header, arrays
