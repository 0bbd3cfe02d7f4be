"""The IDX format of MNIST-style sets, plain or gzip-compressed.

An IDX file is: two zero bytes, a type byte (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
0x0D float32, 0x0E float64), a byte giving the number of dimensions, one big-endian uint32
per dimension, then the values, big-endian, row-major. :func:`read_idx` checks the header's
sizes against the bytes on disk before it allocates, and that they match the data exactly.
"""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

import numpy as np

from ..core.atomic import atomic_write
from ..core.errors import DataError
from ..core.safeio import (
    FileRefused,
    allocate,
    file_kind,
    open_regular,
    read_exact,
    read_into,
)
from .base import Dataset, refuse_non_file

__all__ = ["read_idx", "write_idx", "load_idx_pair", "labels_path_for", "IDX_TYPES"]

IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_MAX_BYTES = 4 << 30
_GZIP_ERRORS = (OSError, EOFError, zlib.error)


def _open(path: Path):
    """The file, opened if it is a regular non-empty file; and its size on disk."""
    try:
        kind, size = file_kind(path)
        if kind == "file" and size:
            return open_regular(path), size
    except FileRefused:
        kind = "special"
    except OSError as e:
        raise DataError(f"{path}: cannot read it ({e.strerror})") from None
    refuse_non_file(path, kind, "an IDX file")
    raise DataError(f"{path}: the file is empty")


def read_idx(path) -> np.ndarray:
    """Read an IDX file (``.gz`` or not) into an array of the header's shape, native order.

    The header's size is checked before anything is allocated: against the file's size for
    a plain file, against the most the compressed bytes can expand to for gzip; a gzip
    stream is then decompressed in chunks straight into the array and must end right there.
    """
    path = Path(path)
    f, size = _open(path)
    with f:
        gz = f.read(2) == b"\x1f\x8b"
        f.seek(0)
        stream = gzip.GzipFile(fileobj=f, mode="rb") if gz else f
        try:
            return _read_idx(stream, path, size, gz)
        except _GZIP_ERRORS as e:
            if not gz:
                raise DataError(f"{path}: cannot read it ({e})") from None
            raise DataError(
                f"{path}: truncated or corrupted gzip file ({e}); download it again"
            ) from None
        except FileRefused as e:
            raise DataError(f"{path}: {e}") from None


def _read_idx(stream, path: Path, size: int, gz: bool) -> np.ndarray:
    raw = read_exact(stream, 4)
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in IDX_TYPES or raw[3] == 0:
        raise DataError(
            f"{path}: not an IDX file (bad magic number {raw[:4].hex()}); expected "
            "00 00, a type byte and a dimension count"
        )
    ndim = raw[3]
    head = 4 + 4 * ndim
    dims = read_exact(stream, 4 * ndim)
    if len(dims) < 4 * ndim:
        raise DataError(
            f"{path}: IDX header cut short: {ndim} dimensions need {head} bytes, "
            f"the file has {4 + len(dims)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(dims, ">u4"))
    dtype = np.dtype(IDX_TYPES[raw[2]])
    expected = dtype.itemsize
    for d in shape:
        expected *= d
    # what the bytes on disk can hold: exactly the rest of a plain file; for gzip, at most
    # what deflate can expand them to (1032 times)
    room = size - head if not gz else 1032 * size
    if expected > _MAX_BYTES or expected > room or (not gz and expected != room):
        held = room if not gz else f"at most {room} once decompressed"
        raise DataError(
            f"{path}: IDX header says shape {shape} of {dtype.name} "
            f"({expected} bytes of data) but the file holds {held}; "
            "the file is truncated or corrupted"
        )
    a = allocate(shape, dtype)
    got = read_into(stream, a)
    if got < expected:
        raise DataError(
            f"{path}: IDX header says shape {shape} of {dtype.name} "
            f"({expected} bytes of data) but the file holds {got}; "
            "the file is truncated or corrupted"
        )
    if gz and stream.read(1):
        raise DataError(
            f"{path}: IDX header says shape {shape} of {dtype.name} "
            f"({expected} bytes of data) but the file holds more; "
            "the file is truncated or corrupted"
        )
    if not dtype.isnative:
        a.byteswap(inplace=True)  # in place: no second copy of the data
    return a.view(dtype.newbyteorder("="))


def write_idx(path, a: np.ndarray, *, compress: bool | None = None) -> None:
    """Write ``a`` as IDX (gzip when ``compress`` or the name ends in ``.gz``), atomically."""

    path = Path(path)
    a = np.asarray(a)
    code = {np.dtype(v).newbyteorder("="): k for k, v in IDX_TYPES.items()}[a.dtype]
    body = (
        bytes([0, 0, code, a.ndim])
        + np.asarray(a.shape, ">u4").tobytes()
        + a.astype(a.dtype.newbyteorder(">")).tobytes()
    )
    if compress if compress is not None else path.suffix == ".gz":
        body = gzip.compress(body, mtime=0)
    with atomic_write(path) as f:
        f.write(body)


def labels_path_for(images: Path) -> Path | None:
    """The labels file next to an images file: ``*-images-idx3*`` -> ``*-labels-idx1*``."""
    name = re.sub(r"images?([-._])idx3", r"labels\1idx1", images.name)
    if name == images.name:
        return None
    for cand in (name, name[:-3] if name.endswith(".gz") else name + ".gz"):
        if (images.parent / cand).exists():
            return images.parent / cand
    return images.parent / name


def _images_to_rows(images: np.ndarray, path) -> tuple[np.ndarray, tuple | None]:
    if images.ndim < 2:
        raise DataError(
            f"{path}: holds a 1-D array, not images or rows; give the images file "
            "(idx3) and its labels (idx1)"
        )
    image_shape = tuple(images.shape[1:]) if images.ndim == 3 else None
    width = int(np.prod(images.shape[1:]))  # not -1: an IDX file may hold 0 rows
    return images.reshape(images.shape[0], width), image_shape


def load_idx_pair(
    images_path, labels_path=None, *, name: str | None = None, test: tuple | None = None
) -> Dataset:
    """Images X : (N, h*w) from an idx3 file and labels y : (N,) from an idx1 file.

    ``labels_path`` defaults to the matching ``labels-idx1`` file next to the images.
    ``test`` is an optional ``(images_path, labels_path)`` pair for a given test set.
    """
    images_path = Path(images_path)
    if labels_path is None:
        labels_path = labels_path_for(images_path)
        if labels_path is None:
            raise DataError(
                f"{images_path}: cannot tell where its labels are; give them with "
                "--label LABELS-FILE (an idx1 file)"
            )
    labels_path = Path(labels_path)
    X, image_shape = _images_to_rows(read_idx(images_path), images_path)
    y = read_idx(labels_path)
    if y.ndim != 1:
        raise DataError(f"{labels_path}: labels must be a 1-D IDX file (idx1), got shape {y.shape}")
    X_test = y_test = None
    if test is not None:
        X_test, _ = _images_to_rows(read_idx(test[0]), test[0])
        y_test = read_idx(test[1])
    return Dataset(
        name=name or images_path.name.split(".")[0],
        X=X,
        y=y.astype(np.int64),
        X_test=X_test,
        y_test=None if y_test is None else y_test.astype(np.int64),
        image_shape=image_shape,
        source=str(images_path),
    )
