"""Data from the user's files: CSV/TSV, ``.npz`` (X, y and optionally X_test, y_test) and a
pair of ``.npy`` files (features and labels; a big features file is streamed from disk).

Nothing here unpickles: every NumPy file is read with ``allow_pickle=False``.
"""

from __future__ import annotations

import csv
import io
import struct
import tokenize
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..rows import STREAM_BYTES, open_npy
from .base import Dataset

__all__ = [
    "load_npz",
    "load_csv",
    "load_npy_pair",
    "read_table",
    "read_npy",
    "LABEL_NAMES",
    "check_file",
    "HEADER_CHOICES",
]

LABEL_NAMES = ("label", "target", "class", "y")
HEADER_CHOICES = {
    "auto": None,
    "yes": True,
    "no": False,
    "1": True,
    "0": False,
    "true": True,
    "false": False,
}
# What NumPy may raise on a damaged file; each becomes one DataError line.
_NUMPY_ERRORS = (
    ValueError,
    OSError,
    EOFError,
    zipfile.BadZipFile,
    KeyError,
    SyntaxError,
    NotImplementedError,
    RuntimeError,
    struct.error,
    zlib.error,
    OverflowError,
    TypeError,
    MemoryError,
    tokenize.TokenError,
)


def check_file(path: Path) -> None:
    """Raise a :class:`DataError` unless ``path`` is an existing, non-empty, readable file."""
    if not path.exists():
        raise DataError(f"{path}: file not found; check the path")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a data file")
    try:
        size = path.stat().st_size
        with open(path, "rb"):
            pass
    except OSError as e:
        raise DataError(f"{path}: cannot read it ({e.strerror}); check its permissions") from None
    if size == 0:
        raise DataError(f"{path}: the file is empty")


def _numpy_error(path, e: Exception) -> DataError:
    if "pickle" in str(e).lower():
        return DataError(
            f"{path}: holds pickled objects, which npmlp refuses to load because "
            "they can run code; save plain numeric arrays"
        )
    if isinstance(e, MemoryError):
        return DataError(
            f"{path}: its header asks for more memory than this machine has; the file is corrupted"
        )
    msg = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
    return DataError(f"{path}: truncated or corrupted NumPy file ({msg})")


def load_npz(path) -> Dataset:
    """``.npz`` with arrays ``X`` (N, D) and ``y`` (N,), optionally ``X_test`` and ``y_test``."""
    path = Path(path)
    check_file(path)
    try:  # our own handle: np.load leaks its file when the archive is damaged
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as z:
            if not isinstance(z, np.lib.npyio.NpzFile):
                raise DataError(
                    f"{path}: not an .npz archive; save it with np.savez(path, X=X, y=y)"
                )
            missing = [k for k in ("X", "y") if k not in z.files]
            if missing:
                raise DataError(
                    f"{path}: no array named {' or '.join(missing)} (found: "
                    f"{', '.join(z.files) or 'none'}); save it with "
                    "np.savez(path, X=X, y=y)"
                )
            arrays = {k: z[k] for k in ("X", "y", "X_test", "y_test") if k in z.files}
    except DataError:
        raise
    except _NUMPY_ERRORS as e:
        raise _numpy_error(path, e) from None
    if ("X_test" in arrays) != ("y_test" in arrays):
        raise DataError(f"{path}: has only one of X_test and y_test; give both or neither")
    return Dataset(
        name=path.stem,
        X=arrays["X"],
        y=arrays["y"],
        X_test=arrays.get("X_test"),
        y_test=arrays.get("y_test"),
        source=str(path),
    )


def read_npy(path, *, stream: bool | None = None):
    """One ``.npy`` array, or a StreamedRows read from disk when ``stream`` or it is big."""
    path = Path(path)
    check_file(path)
    if stream is None:
        stream = path.stat().st_size >= STREAM_BYTES
    try:
        if stream:
            return open_npy(path)
        with open(path, "rb") as fh:
            a = np.load(fh, allow_pickle=False)
    except _NUMPY_ERRORS as e:
        raise _numpy_error(path, e) from None
    if not isinstance(a, np.ndarray):
        raise DataError(
            f"{path}: not an .npy file (it is an .npz archive?); save one array with np.save"
        )
    return a


def _labels_path_for(X_path: Path) -> Path | None:
    stem, cands = X_path.stem, []
    if stem[-1:] in "Xx":
        cands.append(stem[:-1] + "y")
    for a, b in (("features", "labels"), ("images", "labels"), ("_X", "_y"), ("-X", "-y")):
        if a in stem:
            cands.append(stem.replace(a, b))
    cands += [stem + "_y", stem + "_labels"]
    for c in cands:
        if (X_path.parent / f"{c}.npy").exists():
            return X_path.parent / f"{c}.npy"
    return None


def load_npy_pair(X_path, y_path=None) -> Dataset:
    """Features X : (N, D) from one ``.npy`` and labels y : (N,) from another.

    ``y_path`` defaults to a file next to X named like it with ``X`` -> ``y`` (``X.npy`` ->
    ``y.npy``, ``train_X.npy`` -> ``train_y.npy``), or ``features`` -> ``labels``. A features
    file of 256 MB or more is streamed from disk, never read whole.
    """
    X_path = Path(X_path)
    check_file(X_path)
    if y_path is None:
        y_path = _labels_path_for(X_path)
        if y_path is None:
            raise DataError(
                f"{X_path}: no labels file found next to it (e.g. "
                f"{X_path.with_name('y.npy').name}); give it with --label LABELS.npy"
            )
    X = read_npy(X_path)
    y = read_npy(y_path, stream=False)
    if X.ndim > 2:  # images (N, h, w): flatten, keeping the shape for pictures
        if hasattr(X, "is_streamed"):
            raise DataError(
                f"{X_path}: a streamed features file must be 2-D (N, D), got shape "
                f"{X.shape}; save it reshaped to (N, -1)"
            )
        image_shape, X = tuple(X.shape[1:]), X.reshape(X.shape[0], -1)
    else:
        image_shape = None
    return Dataset(
        name=X_path.stem,
        X=X,
        y=y,
        image_shape=image_shape,
        source=str(X_path),
        extra={"labels_file": str(y_path)},
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_table(path, header: bool | None = None) -> tuple[list[str] | None, list[list[str]]]:
    """Read a CSV or TSV file: ``(header or None, rows)``; the delimiter is sniffed.

    ``header``: ``None`` detects a header row (text above numbers), ``True``/``False`` say.
    """
    path = Path(path)
    check_file(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text file (not UTF-8); give a CSV file") from None
    except OSError as e:
        raise DataError(f"{path}: cannot read it ({e.strerror})") from None
    if not text.strip():
        raise DataError(f"{path}: the file is empty")
    delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    if path.suffix.lower() not in (".tsv", ".tab", ".csv"):
        first = text.strip().splitlines()[0]
        delimiter = max((",", "\t", ";"), key=first.count)
    try:
        rows = [
            r
            for r in csv.reader(io.StringIO(text), delimiter=delimiter)
            if r and (len(r) > 1 or r[0].strip())
        ]  # skip blank lines only
    except csv.Error as e:
        raise DataError(f"{path}: malformed CSV ({e})") from None
    if not rows:
        raise DataError(f"{path}: the file is empty")
    if header is None:
        header = (
            not all(_is_number(c) for c in rows[0])
            and len(rows) > 1
            and sum(map(_is_number, rows[1])) > sum(map(_is_number, rows[0]))
        )
    names = None
    if header:
        names, rows = [c.strip() for c in rows[0]], rows[1:]
        if not rows:
            raise DataError(f"{path}: has a header but no data rows")
    width = len(names) if names else len(rows[0])
    for n, r in enumerate(rows):
        if len(r) != width:
            line = n + (2 if names else 1)
            raise DataError(
                f"{path}: line {line} has {len(r)} fields but the "
                f"{'header' if names else 'first line'} has {width}; every row "
                "needs the same number of columns"
            )
    return names, rows


def _label_column(header, width: int, label, path) -> int:
    if label is None:
        if header:
            lowered = [h.lower() for h in header]
            for name in LABEL_NAMES:
                if name in lowered:
                    return lowered.index(name)
        return width - 1
    if header and label in header:
        return header.index(label)
    if str(label).lstrip("-").isdigit():
        i = int(label)
        if -width <= i < width:
            return i % width
    cols = ", ".join(header) if header else f"0..{width - 1}"
    raise DataError(f"{path}: no label column {label!r}; columns are: {cols}")


def load_csv(path, label=None, header: bool | None = None) -> Dataset:
    """CSV/TSV with one label column: the one named ``label``/``target``/``class``/``y``,
    else the last; ``label`` (a name or a 0-based index) chooses another. Labels may be
    text (the model then predicts the text); features must be numbers. ``header``:
    ``None`` detects it, ``True``/``False`` say whether the first line holds column names."""
    path = Path(path)
    names, rows = read_table(path, header)
    width = len(rows[0])
    if width < 2:
        raise DataError(f"{path}: needs at least one feature column and one label column")
    j = _label_column(names, width, label, path)
    labels = [r[j].strip() for r in rows]
    feats = [c for c in range(width) if c != j]
    X = np.empty((len(rows), len(feats)), np.float64)
    for n, r in enumerate(rows):
        for k, c in enumerate(feats):
            try:
                X[n, k] = float(r[c])
            except ValueError:
                col = names[c] if names else str(c)
                line = n + (2 if names else 1)
                raise DataError(
                    f"{path}: line {line}, column {col!r}: {r[c]!r} is not a "
                    "number; features must be numeric"
                ) from None
    if all(_is_number(v) for v in labels):
        y = np.array([float(v) for v in labels])
        if np.isfinite(y).all() and np.all(y == np.round(y)) and np.abs(y).max() < 2**53:
            y = y.astype(np.int64)
    else:
        y = np.array(labels)
    feature_names = [names[c] for c in feats] if names else None
    return Dataset(
        name=path.stem,
        X=X,
        y=y,
        feature_names=feature_names,
        source=str(path),
        extra={"label_column": names[j] if names else j},
    )
