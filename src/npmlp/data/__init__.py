"""Data sources behind one name lookup: ``load_dataset(spec)`` returns a validated Dataset.

A spec is one of (``npmlp data list`` shows them all):

- a bundled scikit-learn set: ``digits``, ``iris``, ``wine``, ``breast_cancer`` (:mod:`.bundled`);
- a synthetic 2-D set with optional settings, ``spirals:arms=3,n=600,noise=0.2``
  (:mod:`.synthetic`);
- a downloadable benchmark: ``mnist``, ``fashion-mnist``, ``kmnist`` (:mod:`.downloads`);
- a file (:mod:`.files`, :mod:`.idx`): ``.csv``/``.tsv`` (``FILE.csv:header=no`` says it has no
  header line), ``.npz``, ``.npy`` features with their labels file, or IDX images. ``label``
  names the CSV label column, or the labels file of an ``.npy`` or IDX file;
- a pandas DataFrame (:mod:`.frames`), read as a CSV table is.

A table (CSV or DataFrame) comes as raw columns (numbers, NaN for a missing value, codes of
texts; ``Dataset.table`` describes them, :mod:`npmlp.encoding` encodes them); ``table`` (a
:class:`~.columns.TableOptions`) chooses and reads its columns.

Every loader raises :class:`~npmlp.core.errors.DataError` (one line: what is wrong, how to fix it)
and nothing else on bad input.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..core.errors import DataError
from ..encoding import check_trainable
from .base import Dataset, describe, validate_xy
from .bundled import BUNDLED, load_bundled
from .columns import TableOptions
from .downloads import REMOTE, load_remote
from .files import HEADER_CHOICES, load_csv, load_npy_pair, load_npz
from .frames import is_frame, load_frame
from .idx import load_idx_pair
from .synthetic import SYNTHETIC, load_synthetic

__all__ = [
    "Dataset",
    "TableOptions",
    "load_dataset",
    "validate_xy",
    "describe",
    "BUNDLED",
    "SYNTHETIC",
    "REMOTE",
    "DEFAULT_DATASET",
    "DATA_HELP",
]

DEFAULT_DATASET = "digits"
DATA_HELP = (
    f"A named set ({', '.join(BUNDLED)}; synthetic {', '.join(SYNTHETIC)} with "
    "optional settings, e.g. spirals:arms=3,n=600,noise=0.2; downloads "
    f"{', '.join(REMOTE)}) or a file: .csv/.tsv, .npz (X, y), X.npy (+ y.npy), "
    "IDX images. 'npmlp data list' shows them all."
)

_OPTIONS = re.compile(r"^(.*):((?:[A-Za-z_]+=[^,:]*)(?:,[A-Za-z_]+=[^,:]*)*)$")
CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".tab")


def _file_options(spec: str) -> tuple[str, dict]:
    m = _OPTIONS.match(spec)
    if not m or Path(spec).exists():
        return spec, {}
    opts = dict(item.split("=", 1) for item in m.group(2).split(","))
    return m.group(1), {k.lower(): v for k, v in opts.items()}


def _is_idx(path: Path) -> bool:
    name = path.name.lower()
    return bool(re.search(r"idx\d", name)) or name.endswith((".idx", ".idx.gz"))


def _load_csv_file(path: Path, spec: str, opts: dict, label, table, encoder) -> Dataset:
    unknown = sorted(set(opts) - {"header", "label"})
    if unknown:
        raise DataError(
            f"{spec}: unknown option {', '.join(unknown)}; CSV files take "
            "header=yes|no|auto and label=NAME"
        )
    header = opts.get("header", "auto").lower()
    if header not in HEADER_CHOICES:
        raise DataError(f"{spec}: header={header!r}; use header=yes, no or auto")
    return load_csv(
        path,
        label=opts.get("label", label),
        header=HEADER_CHOICES[header],
        options=table,
        encoder=encoder,
    )


def _load(spec: str, label, console, table: TableOptions, encoder) -> tuple[Dataset, str]:
    if spec in BUNDLED:
        return load_bundled(spec), spec
    head = spec.partition(":")[0].strip().lower()
    if head in SYNTHETIC:
        return load_synthetic(spec), spec
    if spec.lower() in REMOTE:
        return load_remote(spec.lower(), console=console), spec
    return _load_file(spec, label, table, encoder), spec


def _load_file(spec: str, label, table: TableOptions, encoder) -> Dataset:
    """A data file by its suffix: CSV (with ``path:header=...,label=...``), .npz, .npy, IDX."""
    spec, opts = _file_options(spec)
    path = Path(spec)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _load_csv_file(path, spec, opts, label, table, encoder)
    if opts:
        raise DataError(f"{spec}: options ({', '.join(opts)}) are only for CSV files")
    if suffix == ".npz":
        return load_npz(path)
    if suffix == ".npy":
        return load_npy_pair(path, label)
    if _is_idx(path):
        return load_idx_pair(path, label)
    if not path.exists() and not suffix:
        raise DataError(
            f"unknown data set {spec!r}; use one of "
            f"{', '.join([*BUNDLED, *SYNTHETIC, *REMOTE])} or a file "
            "(.csv, .tsv, .npz, .npy, IDX); 'npmlp data list' shows them"
        )
    raise DataError(
        f"{spec}: unsupported file type {suffix or '(none)'}; give a .csv/.tsv, "
        ".npz, .npy or IDX (*-idx3-ubyte[.gz]) file"
    )


def load_dataset(
    spec,
    *,
    label=None,
    console=None,
    table: TableOptions | None = None,
    encoder=None,
    check_columns: bool = True,
) -> Dataset:
    """Load a data set by name, file path or DataFrame (see the module docstring), then
    validate it.

    For a table: ``table`` chooses and reads its columns; ``encoder`` (a model's
    :class:`~npmlp.encoding.TableEncoder`) reads the columns the model was trained on, by name;
    without one, ``check_columns`` refuses a column ``npmlp train`` cannot use (free text, no
    value) in one line naming it.
    """
    table = table or TableOptions()
    if is_frame(spec):
        ds, where = load_frame(spec, label=label, options=table, encoder=encoder), "DataFrame"
    else:
        ds, where = _load(str(spec), label, console, table, encoder)
    if ds.table is None and (table.drop or table.features is not None):
        raise DataError(f"{where}: --drop and --features choose columns of a table (CSV)")
    if ds.table is not None and encoder is None and check_columns:
        check_trainable(ds.table)
    # read for a model (evaluate): one class may do
    min_classes = 1 if encoder is not None else 2
    ds.X, ds.y = validate_xy(ds.X, ds.y, where, min_classes, raw=ds.table is not None)
    if ds.X_test is not None:
        ds.X_test, ds.y_test = validate_xy(ds.X_test, ds.y_test, f"{where} (test part)", 1)
        if ds.X_test.shape[1] != ds.X.shape[1]:
            raise DataError(
                f"{where}: X_test has {ds.X_test.shape[1]} features but X has {ds.X.shape[1]}"
            )
    return ds
