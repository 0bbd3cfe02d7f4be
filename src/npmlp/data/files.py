"""Data from the user's files: ``.npz`` (X, y and optionally X_test, y_test) and CSV/TSV."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np

from ..errors import DataError
from .base import Dataset

__all__ = ["load_npz", "load_csv", "read_table", "LABEL_NAMES"]

LABEL_NAMES = ("label", "target", "class", "y")


def _check_file(path: Path) -> None:
    if not path.exists():
        raise DataError(f"{path}: file not found; check the path")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a data file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty")


def load_npz(path) -> Dataset:
    """``.npz`` with arrays ``X`` (N, D) and ``y`` (N,), optionally ``X_test`` and ``y_test``."""
    path = Path(path)
    _check_file(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            if not isinstance(z, np.lib.npyio.NpzFile):
                raise DataError(f"{path}: not an .npz archive; save it with "
                                "np.savez(path, X=X, y=y)")
            missing = [k for k in ("X", "y") if k not in z.files]
            if missing:
                raise DataError(f"{path}: no array named {' or '.join(missing)} (found: "
                                f"{', '.join(z.files) or 'none'}); save it with "
                                "np.savez(path, X=X, y=y)")
            arrays = {k: z[k] for k in ("X", "y", "X_test", "y_test") if k in z.files}
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise DataError(f"{path}: holds pickled objects, which npmlp refuses to load; "
                            "save plain numeric arrays") from None
        raise DataError(f"{path}: cannot read it as .npz ({e})") from None
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise DataError(f"{path}: truncated or corrupted .npz ({e})") from None
    if ("X_test" in arrays) != ("y_test" in arrays):
        raise DataError(f"{path}: has only one of X_test and y_test; give both or neither")
    return Dataset(name=path.stem, X=arrays["X"], y=arrays["y"], X_test=arrays.get("X_test"),
                   y_test=arrays.get("y_test"), source=str(path))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_table(path) -> tuple[list[str] | None, list[list[str]]]:
    """Read a CSV or TSV file: ``(header or None, rows)``; the delimiter is sniffed."""
    path = Path(path)
    _check_file(path)
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
        first = text.splitlines()[0]
        delimiter = max((",", "\t", ";"), key=first.count)
    try:
        rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if r]
    except csv.Error as e:
        raise DataError(f"{path}: malformed CSV ({e})") from None
    header = None
    if rows and not all(_is_number(c) for c in rows[0]) and len(rows) > 1 \
            and sum(_is_number(c) for c in rows[1]) > sum(_is_number(c) for c in rows[0]):
        header, rows = [c.strip() for c in rows[0]], rows[1:]
    if not rows:
        raise DataError(f"{path}: has a header but no data rows")
    width = len(header) if header else len(rows[0])
    for n, r in enumerate(rows):
        if len(r) != width:
            line = n + (2 if header else 1)
            raise DataError(f"{path}: line {line} has {len(r)} fields but the "
                            f"{'header' if header else 'first line'} has {width}; every row "
                            "needs the same number of columns")
    return header, rows


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


def load_csv(path, label=None) -> Dataset:
    """CSV/TSV with one label column: the one named ``label``/``target``/``class``/``y``,
    else the last; ``label`` (a name or a 0-based index) chooses another. Labels may be
    text; features must be numbers."""
    path = Path(path)
    header, rows = read_table(path)
    width = len(rows[0])
    if width < 2:
        raise DataError(f"{path}: needs at least one feature column and one label column")
    j = _label_column(header, width, label, path)
    labels = [r[j].strip() for r in rows]
    feats = [c for c in range(width) if c != j]
    X = np.empty((len(rows), len(feats)), np.float64)
    for n, r in enumerate(rows):
        for k, c in enumerate(feats):
            try:
                X[n, k] = float(r[c])
            except ValueError:
                col = header[c] if header else str(c)
                line = n + (2 if header else 1)
                raise DataError(f"{path}: line {line}, column {col!r}: {r[c]!r} is not a "
                                "number; features must be numeric") from None
    if all(_is_number(v) for v in labels):
        y = np.array([float(v) for v in labels])
        if np.all(y == np.round(y)) and np.isfinite(y).all():
            y = y.astype(np.int64)
    else:
        y = np.array(labels)
    names = [header[c] for c in feats] if header else None
    return Dataset(name=path.stem, X=X, y=y, feature_names=names, source=str(path),
                   extra={"label_column": header[j] if header else j})
