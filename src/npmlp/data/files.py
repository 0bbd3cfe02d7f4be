"""Data from the user's files: CSV/TSV, ``.npz`` (X, y and optionally X_test, y_test) and a
pair of ``.npy`` files (features and labels; a big features file is streamed from disk).

Nothing here unpickles: every NumPy file is read with ``allow_pickle=False``.
"""

from __future__ import annotations

import os
import stat
import struct
import tokenize
import zipfile
import zlib
from pathlib import Path

from ..core.errors import DataError
from ..core.rows import STREAM_BYTES, open_npy
from ..core.safeio import (
    SPECIAL,
    FileRefused,
    allocate,
    file_kind,
    inspect_npz,
    open_npz,
    open_regular,
    read_into,
    read_member,
    read_npy_header,
)
from .base import Dataset, refuse_non_file
from .columns import TableOptions
from .plans import LABEL_NAMES, header_names, model_plan, train_plan
from .table import SNIFF_ROWS, Table, delimiter_for, iter_rows, looks_like_header, parse_csv

__all__ = [
    "load_npz",
    "load_csv",
    "load_npy_pair",
    "read_table",
    "read_csv_table",
    "read_npy",
    "train_plan",
    "model_plan",
    "LABEL_NAMES",
    "check_file",
    "HEADER_CHOICES",
]

HEADER_CHOICES = {
    "auto": None,
    "yes": True,
    "no": False,
    "1": True,
    "0": False,
    "true": True,
    "false": False,
}
# What a damaged file may raise past the checks; each becomes one DataError line.
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
_NPZ_ARRAYS = ("X", "y", "X_test", "y_test")


def _nonblocking(path, flags):
    return os.open(path, flags | os.O_NONBLOCK)


def check_file(path: Path) -> int:
    """The size of ``path``; a :class:`DataError` unless it is a non-empty, readable, regular
    file. A FIFO, device or socket is refused without being opened for a blocking read."""
    try:
        kind, size = file_kind(path)
    except OSError as e:
        raise DataError(f"{path}: cannot read it ({e.strerror}); check its permissions") from None
    refuse_non_file(path, kind)
    try:
        with open(path, "rb", opener=_nonblocking) as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped since the stat
                raise DataError(f"{path}: {SPECIAL}")
    except OSError as e:
        raise DataError(f"{path}: cannot read it ({e.strerror}); check its permissions") from None
    if size == 0:
        raise DataError(f"{path}: the file is empty")
    return size


_PICKLE = "holds pickled objects, which npmlp refuses to load because they can run code"


def _numpy_error(path, e: Exception) -> DataError:
    if isinstance(e, FileRefused):
        if e.kind == "pickle":
            return DataError(f"{path}: {_PICKLE}; save plain numeric arrays")
        if e.kind in ("memory", "special"):
            return DataError(f"{path}: {e}")
        if e.kind == "big":
            return DataError(f"{path}: {e}; save big features as .npy, which is streamed")
    if "pickle" in str(e).lower():
        return DataError(f"{path}: {_PICKLE}; save plain numeric arrays")
    if isinstance(e, MemoryError):
        return DataError(
            f"{path}: its header asks for more memory than this machine has; the file is corrupted"
        )
    msg = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
    return DataError(f"{path}: truncated or corrupted NumPy file ({msg})")


def _not_npz(path, magic: bytes) -> DataError:
    if magic[:1] == b"\x80":
        return DataError(f"{path}: {_PICKLE}; save plain numeric arrays")
    return DataError(f"{path}: not an .npz archive; save it with np.savez(path, X=X, y=y)")


def load_npz(path) -> Dataset:
    """``.npz`` with arrays ``X`` (N, D) and ``y`` (N,), optionally ``X_test`` and ``y_test``.

    Only those members are read, each after its header is checked against the archive.
    """
    path = Path(path)
    check_file(path)
    try:
        with open_regular(path) as fh:
            magic = fh.read(4)
            if magic != b"PK\x03\x04":
                raise _not_npz(path, magic)
            fh.seek(0)
            with open_npz(fh) as zf:
                members = inspect_npz(zf, _NPZ_ARRAYS)
                missing = [k for k in ("X", "y") if k not in members]
                if missing:
                    found = [n[:-4] if n.endswith(".npy") else n for n in zf.namelist()]
                    found = [n if n.isprintable() else repr(n) for n in found]  # one line
                    raise DataError(
                        f"{path}: no array named {' or '.join(missing)} (found: "
                        f"{', '.join(found) or 'none'}); save it with "
                        "np.savez(path, X=X, y=y)"
                    )
                arrays = {k: read_member(zf, members[k]) for k in _NPZ_ARRAYS if k in members}
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
    """One ``.npy`` array, or a StreamedRows read from disk when ``stream`` or it is big.

    The header's size is checked against the file's before the array is allocated.
    """
    path = Path(path)
    size = check_file(path)
    if stream is None:
        stream = size >= STREAM_BYTES
    try:
        if stream:
            return open_npy(path)
        with open_regular(path) as fh:
            magic = fh.read(6)
            if magic[:4] == b"PK\x03\x04":
                raise DataError(
                    f"{path}: not an .npy file (it is an .npz archive?); save one array with "
                    "np.save"
                )
            if magic[:1] == b"\x80":
                raise FileRefused(_PICKLE, "pickle")
            fh.seek(0)
            h = read_npy_header(fh, cap=1 << 62)  # the file's own size is the bound here
            if size < h.offset + h.nbytes:
                raise FileRefused(
                    f"the header says {h.offset + h.nbytes} bytes but the file has {size}"
                )
            a = allocate(h.shape, h.dtype, "F" if h.fortran else "C")
            if read_into(fh, a.T if h.fortran else a) != h.nbytes:
                raise FileRefused("the file ended early (truncated?)")
    except DataError:
        raise
    except _NUMPY_ERRORS as e:
        raise _numpy_error(path, e) from None
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


def read_csv_table(
    path, *, make_plan, header=None, options: TableOptions | None = None, known_names=()
) -> Table:
    """A CSV/TSV file parsed in chunks into a :class:`~.table.Table` (see :mod:`.table`)."""
    path = Path(path)
    check_file(path)
    try:
        with open_regular(path) as fh:
            return parse_csv(
                fh,
                path,
                make_plan=make_plan,
                header=header,
                options=options,
                known_names=known_names,
            )
    except MemoryError:
        raise DataError(f"{path}: the table needs more memory than this machine has") from None
    except FileRefused as e:
        raise DataError(f"{path}: {e}") from None
    except OSError as e:
        raise DataError(f"{path}: cannot read it ({e.strerror})") from None


def read_table(path, header: bool | None = None) -> tuple[list[str] | None, list[list[str]]]:
    """Read a small CSV or TSV file as text: ``(header or None, rows)``.

    Lines and columns are capped as in :mod:`.table`, but the rows are kept as Python lists:
    use :func:`read_csv_table` for anything big.
    """
    path = Path(path)
    check_file(path)
    with open_regular(path) as fh:
        delimiter = delimiter_for(path, fh.readline(1 << 20))
        fh.seek(0)
        rows = [r for _, r in iter_rows(fh, path, delimiter)]
    if not rows:
        raise DataError(f"{path}: the file is empty")
    if header is None:
        header = looks_like_header(rows[0], rows[1 : SNIFF_ROWS + 1])
    names = None
    if header:
        names, rows = header_names(rows[0]), rows[1:]
        if not rows:
            raise DataError(f"{path}: has a header but no data rows")
    width = len(names) if names else len(rows[0])
    for n, r in enumerate(rows):
        if len(r) != width:
            raise DataError(
                f"{path}: line {n + (2 if names else 1)} has {len(r)} fields but the "
                f"{'header' if names else 'first line'} has {width}; every row "
                "needs the same number of columns"
            )
    return names, rows


def load_csv(
    path, label=None, header: bool | None = None, options: TableOptions | None = None, encoder=None
) -> Dataset:
    """CSV/TSV with one label column: the one named ``label``/``target``/``class``/``y``,
    else the last; ``label`` (a name or a 0-based index) chooses another. Labels may be
    text (the model then predicts the text). ``header``: ``None`` detects it, ``True``/``False``
    say whether the first line holds column names.

    The feature columns become raw columns (:mod:`npmlp.encoding`): ``X`` holds numbers, NaN
    for a missing value and the codes of texts, and ``table`` describes them. ``options``
    chooses and reads the columns (:class:`~.columns.TableOptions`); ``encoder``, a model's
    table encoder, reads the columns it was trained on, by name, with their kinds.

    Integer labels stay exact up to 2**63; an empty label cell is an error naming its line."""
    path = Path(path)
    options = options or TableOptions()
    header = options.header if header is None else header
    if encoder is not None:

        def make_plan(names, width):
            return model_plan(names, width, encoder, path, label, keep_label=True)

        known = tuple(encoder.names) if encoder.header else ()
    else:

        def make_plan(names, width):
            return train_plan(names, width, label, options, path)

        known = ()
    t = read_csv_table(path, make_plan=make_plan, header=header, options=options, known_names=known)
    names, j = t.names, t.label_column
    return Dataset(
        name=path.stem,
        X=t.X,
        y=t.y,
        feature_names=list(t.raw.names) if names else None,
        source=str(path),
        extra={"label_column": names[j] if names else j, "all_columns": names},
        table=t.raw,
    )
