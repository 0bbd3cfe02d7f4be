"""Large ``.npy`` files: opened without loading and read a few rows at a time.

:func:`open_npy` reads an ``.npy`` file's header (shape, dtype, where the data starts; never
pickled objects) and returns a :class:`StreamedRows`. Training gathers each minibatch with
``np.take(X, rows, out=buffer)``; on a :class:`StreamedRows` that reads only those rows, with
positioned reads (``os.preadv``) straight into the buffer, so the process's resident memory
stays near one batch plus the model however big the file is.

Why not ``np.memmap``: every page of a mapping the process touches counts in its resident
memory until unmapped, and Linux maps a whole cached folio (up to 2 MB) around each row read,
so one pass over a shuffled 1 GB file mapped all of it (measured: 450 MB after one batch of
256 random rows). The operating system's page cache still keeps the file's hot parts in
memory, but that memory is the kernel's, reclaimable, and not the process's.

:func:`subset_rows` takes rows of an array without copying them when the array is streamed
(a :class:`StreamedRows` over the chosen indices); :func:`iter_chunks` walks any array in
blocks of rows. Everything else in npmlp treats a :class:`StreamedRows` like an (N, D) array.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .errors import DataError
from .safeio import open_regular, read_npy_header

__all__ = [
    "StreamedRows",
    "open_npy",
    "subset_rows",
    "iter_chunks",
    "is_streamed",
    "is_sparse",
    "first_nonfinite_row",
    "check_rows",
    "CHUNK_BYTES",
    "STREAM_BYTES",
]

CHUNK_BYTES = 8 << 20  # bytes per block when a streamed array is scanned
STREAM_BYTES = 256 << 20  # .npy files at least this big are streamed, not loaded


class _NpyFile:
    """An open ``.npy`` file: its header, and rows read by position."""

    def __init__(self, path):
        self.path = Path(path)
        self.file = open_regular(self.path)  # a FIFO or a device is refused, never read
        try:
            h = read_npy_header(self.file, cap=1 << 62)  # streamed: only the file size bounds it
            shape, fortran, dtype = h.shape, h.fortran, h.dtype
            if len(shape) == 0:
                raise ValueError("it holds a single number, not an array of rows")
            if fortran and len(shape) > 1:
                raise ValueError("the array is in Fortran order; save np.ascontiguousarray(X)")
            self.offset = h.offset
            self.shape, self.dtype = tuple(shape), dtype
            need = self.offset + h.nbytes
            size = os.fstat(self.file.fileno()).st_size
            if size < need:
                raise ValueError(f"the header says {need} bytes but the file has {size}")
            self.row_bytes = h.nbytes // shape[0] if shape[0] else 0
        except BaseException:
            self.file.close()
            raise
        self.fd = self.file.fileno()

    def __del__(self):
        f = getattr(self, "file", None)
        if f is not None:
            f.close()

    def read_into(self, out: np.ndarray, rows: np.ndarray) -> None:
        """``out[k] = row rows[k]`` for each k; runs of consecutive rows in one read."""
        flat = out.reshape(out.shape[0], -1).view(np.uint8)
        n = len(rows)
        k = 0
        while k < n:
            j = k + 1
            while j < n and rows[j] == rows[j - 1] + 1:
                j += 1
            self._pread(flat[k:j], int(rows[k]))
            k = j

    def read_slice(self, out: np.ndarray, start: int) -> None:
        self._pread(out.reshape(out.shape[0], -1).view(np.uint8), start)

    def _pread(self, buf: np.ndarray, row: int) -> None:
        view, pos = memoryview(buf).cast("B"), self.offset + row * self.row_bytes
        while view.nbytes:
            got = os.preadv(self.fd, [view], pos)
            if got <= 0:
                raise OSError(f"{self.path}: the file ended early (truncated?)")
            view, pos = view[got:], pos + got


class StreamedRows:
    """Rows ``index`` (or all rows) of an (N, D) ``.npy`` file, read on demand.

    Indexing (``X[a:b]``, ``X[idx]``) and ``np.take(X, idx, axis=0, out=...)`` return
    ordinary arrays holding only the requested rows. ``shape``, ``dtype``, ``ndim`` and
    ``len`` describe the selected rows.
    """

    is_streamed = True

    def __init__(self, file: _NpyFile, index: np.ndarray | None = None):
        self.file = file
        self.index = None if index is None else np.asarray(index, dtype=np.intp)
        n = file.shape[0] if self.index is None else self.index.shape[0]
        self.shape = (n,) + tuple(file.shape[1:])
        self.dtype = file.dtype
        self.ndim = len(self.shape)
        self.size = int(np.prod(self.shape))

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"StreamedRows({self.file.path}, shape={self.shape}, dtype={self.dtype.name})"

    def _gather(self, rows: np.ndarray, out=None) -> np.ndarray:
        """Rows ``rows`` of this selection (already bounds-checked) into ``out`` or new."""
        base_rows = rows if self.index is None else self.index[rows]
        target = out
        if out is None or out.dtype != self.file.dtype or not out.flags.c_contiguous:
            target = np.empty((len(base_rows),) + self.shape[1:], self.file.dtype)
        self.file.read_into(target, base_rows)
        if out is not None and target is not out:
            np.copyto(out, target, casting="unsafe")
            return out
        return target

    def __getitem__(self, key):
        if isinstance(key, tuple):
            rows = self[key[0]]
            one = isinstance(key[0], (int, np.integer))
            return rows[key[1:]] if one else rows[(slice(None),) + key[1:]]
        if isinstance(key, (int, np.integer)):
            return self._gather(np.arange(len(self))[[key]])[0]
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step == 1 and self.index is None:
                out = np.empty((max(stop - start, 0),) + self.shape[1:], self.file.dtype)
                if len(out):
                    self.file.read_slice(out, start)
                return out
            return self._gather(np.arange(start, stop, step))
        key = np.asarray(key)
        if key.dtype == bool:
            key = np.flatnonzero(key)
        return self._gather(np.arange(len(self))[key])  # raises IndexError like NumPy

    def take(self, indices, axis=0, out=None, mode="raise"):
        """``np.take(X, indices, axis=0, out=out)`` reading only those rows."""
        if axis != 0:
            raise ValueError("a streamed array can only be taken along its rows (axis=0)")
        indices = np.asarray(indices, dtype=np.intp)
        if mode == "clip":
            indices = indices.clip(0, len(self) - 1)
        else:
            indices = np.arange(len(self))[indices]  # bounds check, negative indices
        return self._gather(indices, out=out)

    def __array__(self, dtype=None, copy=None):
        # Reading everything defeats the purpose; npmlp never does it, but NumPy may.
        a = self[:]
        return a if dtype is None else a.astype(dtype, copy=False)


def is_sparse(X) -> bool:
    """True for a scipy sparse matrix or array (told apart without importing scipy)."""
    return hasattr(X, "toarray") and hasattr(X, "tocsr")


def is_streamed(X) -> bool:
    """True for a :class:`StreamedRows` (anything that must not be read whole)."""
    return getattr(X, "is_streamed", False)


def open_npy(path) -> StreamedRows:
    """Open an ``.npy`` file for streaming (header read and checked; no pickled objects)."""
    return StreamedRows(_NpyFile(path))


def subset_rows(X, index):
    """Rows ``index`` of X : (N, ...): a copy for an array, a lazy view for a streamed one."""
    if is_streamed(X):
        index = np.asarray(index, dtype=np.intp)
        base_index = index if X.index is None else X.index[index]
        return StreamedRows(X.file, base_index)
    return X[index]


def iter_chunks(X, rows: int | None = None):
    """Yield ``(start, block)`` over X : (N, ...) in blocks of rows (about 8 MB each)."""
    N = len(X)
    if rows is None:
        row_bytes = max(int(np.prod(X.shape[1:])) * np.dtype(X.dtype).itemsize, 1)
        rows = max(1, CHUNK_BYTES // row_bytes)
    for start in range(0, N, rows):
        yield start, X[start : start + rows]


def first_nonfinite_row(X) -> tuple[int, int]:
    """``(number of rows holding NaN or inf, first such row or -1)`` of X : (N, D), by blocks."""
    if np.dtype(X.dtype).kind not in "fc":
        return 0, -1
    count, first = 0, -1
    for start, block in iter_chunks(X):
        if is_sparse(block):
            block = block.toarray()
        bad = ~np.isfinite(block).reshape(block.shape[0], -1).all(axis=1)
        n = int(np.count_nonzero(bad))
        if n and first < 0:
            first = start + int(np.flatnonzero(bad)[0])
        count += n
    return count, first


def check_rows(X, D: int, *, finite: bool = False):
    """Raw rows X : (N, D) checked: 2-D (one row of D values becomes (1, D)), D columns,
    numbers, and no NaN or infinity when ``finite``. Returns X as an array, or as the
    :class:`StreamedRows` or scipy sparse matrix it is (not read whole, not densified).
    """
    sparse = is_sparse(X)
    X = X if is_streamed(X) or sparse else np.asarray(X)
    if X.ndim == 1 and X.shape[0] == D:
        X = X[None, :]
    if X.ndim != 2:
        raise DataError(f"X must be a 2-D array (N rows x D={D} features), got shape {X.shape}")
    if X.shape[1] != D:
        raise DataError(f"X has {X.shape[1]} features but this model expects D={D}")
    if X.dtype.kind not in "fiub":
        raise DataError(f"X must hold numbers, got dtype {X.dtype}")
    if finite and X.dtype.kind == "f":
        values = X.data if sparse else X
        clean = False
        if not is_streamed(X):  # a sum is finite only if every term is: one cheap pass
            with np.errstate(over="ignore", invalid="ignore"):
                clean = bool(np.isfinite(values.sum()))
        if not clean:
            n_bad, first = first_nonfinite_row(X.tocsr() if sparse else X)
            if n_bad:
                raise DataError(
                    f"X contains NaN or infinity in {n_bad} row(s) (first: row {first}); "
                    "remove or impute those values"
                )
    return X
