"""Tables of named, typed columns turned into the network's numeric input: the one table encoder.

A CSV table or a pandas DataFrame is read (:mod:`npmlp.data.columns`) into *raw columns*: a
float64 matrix X (N, K), one column per feature column of the table, holding numbers (NaN where
a value is missing) or, for a text column, the code of each cell's text in
:attr:`RawColumns.values` (NaN where missing). :class:`RawColumns` says what each column is:

- ``number``: every present value is a number;
- ``category``: text with at most :data:`MAX_CATEGORIES` distinct values, at most half of the
  rows holding a value no other row holds;
- ``text``: text with more distinct values than that (names, identifiers, free text): refused
  by ``npmlp train`` (drop it with ``--drop``);
- ``empty``: every value missing: refused too.

:class:`TableEncoder` is fitted on the training split's raw rows and then applied to any rows by
column name. Numbers pass as they are; a category becomes one column per category seen in
training, sorted (scikit-learn's ``OneHotEncoder(handle_unknown="ignore")``: a category unseen in
training is all zeros). A missing number takes the training split's median, a missing text its
most frequent value (ties: the first in sorted order), as ``SimpleImputer`` would. The encoder
is stored in the model file as JSON (:meth:`TableEncoder.to_dict`), never pickled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .errors import DataError

__all__ = [
    "RawColumns",
    "EncodedColumn",
    "TableEncoder",
    "text_kind",
    "check_trainable",
    "fit_and_encode",
    "encoder_of",
    "note_lines",
    "summary_lines",
    "read_warnings",
    "header_line",
    "action",
    "NA_VALUES",
    "MAX_CATEGORIES",
    "NUMBER",
    "CATEGORY",
    "TEXT",
    "EMPTY",
    "MISSING",
    "UNKNOWN",
]

NUMBER, CATEGORY, TEXT, EMPTY = "number", "category", "text", "empty"
MAX_CATEGORIES = 50
NA_VALUES = ("NA", "NaN", "nan", "?")  # what a missing value looks like; an empty cell always is
MISSING = ("impute", "error")  # what to do with a missing value
UNKNOWN = ("ignore", "error")  # what to do with a category not seen in training
MAX_NAME_CHARS = 1024


@dataclass
class RawColumns:
    """What a table's reader found in its K feature columns (the columns of the raw X).

    names : K column names (the header's, or the 0-based positions in the file as text).
    kinds : K of ``number``, ``category``, ``text``, ``empty`` (see the module docstring).
    values : K lists: the text of each code of a text column (empty for a number column).
    missing : K counts of missing cells.
    label : the label column's name (or position), or None.
    header : whether the table has a header line (False: columns are matched by position).
    na_values : the texts read as missing, besides the empty cell.
    notes : K dicts; a text column's may hold ``first_text`` (line, value) and ``numeric``
        (how many of its present cells are numbers), ``distinct`` (None past the cap).
    source : where the table came from (for messages).
    header_how : ``detected`` or ``given`` (how ``header`` was decided; empty: not a file).
    unlabelled : rows left out because their label is missing.
    """

    names: list
    kinds: list
    values: list
    missing: list
    label: str | None = None
    header: bool = True
    na_values: tuple = NA_VALUES
    notes: list = field(default_factory=list)
    source: str = ""
    header_how: str = ""
    unlabelled: int = 0


def text_kind(counts: np.ndarray | None) -> str:
    """``category``, ``text`` or ``empty`` for a text column whose distinct values occur
    ``counts`` (n_values,) times (``None``: more values than were kept)."""
    if counts is None:
        return TEXT
    n = int(counts.sum())
    if n == 0:
        return EMPTY
    if len(counts) > MAX_CATEGORIES or int(np.count_nonzero(counts == 1)) > n / 2:
        return TEXT
    return CATEGORY


def _refusal(raw: RawColumns, k: int) -> str | None:
    """Why ``npmlp train`` cannot use column ``k`` (the end of a line naming it), or None."""
    name, kind, note = raw.names[k], raw.kinds[k], raw.notes[k] if raw.notes else {}
    if kind == EMPTY:
        return f"has no values (every cell is missing); drop it with --drop {name}"
    if kind != TEXT:
        return None
    first = note.get("first_text")
    numeric = note.get("numeric", 0)
    if first is not None and numeric and numeric >= note.get("present", 0) / 2:
        return (
            f"holds numbers but also {first[1][:80]!r} (line {first[0]}); fix that cell, "
            f"list it with --na-values, or drop the column with --drop {name}"
        )
    n = note.get("distinct")
    many = (
        f"{n} distinct values" if n is not None else f"more than {MAX_CATEGORIES} distinct values"
    )
    return (
        f"is text with {many}, too many for a category (at most {MAX_CATEGORIES}, and at "
        f"most half the rows unique); drop it with --drop {name}"
    )


def check_trainable(raw: RawColumns) -> None:
    """Raise a one-line :class:`DataError` for the first column ``npmlp train`` cannot use."""
    for k, name in enumerate(raw.names):
        why = _refusal(raw, k)
        if why:
            raise DataError(f"{raw.source}: column {name!r} {why}")


def action(raw: RawColumns, k: int, n_values: int | None) -> str:
    """What ``npmlp train`` does with column ``k`` (for ``npmlp data info``)."""
    why = _refusal(raw, k)
    if why:
        return "refused: it " + why
    n_miss = raw.missing[k]
    fill = ""
    if n_miss:
        fill = f"; {n_miss} missing filled with the training split's " + (
            "median" if raw.kinds[k] == NUMBER else "most frequent value"
        )
    if raw.kinds[k] == NUMBER:
        return "number, scaled" + fill
    return f"one-hot: {n_values} columns" + fill


@dataclass(frozen=True)
class EncodedColumn:
    """One column as the encoder reads it: its name, kind (``number`` or ``category``), the
    value that fills a missing cell, and (categories) the sorted categories seen in training."""

    name: str
    kind: str
    fill: float | str
    categories: tuple = ()

    @property
    def width(self) -> int:
        """How many input columns of the network it becomes."""
        return 1 if self.kind == NUMBER else len(self.categories)


@dataclass
class TableEncoder:
    """Raw columns -> the network's input X (N, D); fitted on the training split's rows.

    columns : the K :class:`EncodedColumn`, in the order of the raw matrix and of X.
    label : the label column's name; header : whether columns are matched by name.
    na_values : the texts read as missing in training (and so in prediction).
    """

    columns: list
    label: str | None = None
    header: bool = True
    na_values: tuple = NA_VALUES

    @property
    def names(self) -> list:
        return [c.name for c in self.columns]

    @property
    def n_outputs(self) -> int:
        """D, the width of the encoded rows."""
        return sum(c.width for c in self.columns)

    @property
    def output_names(self) -> list:
        """The D names of the encoded columns: ``name`` or ``name=category``."""
        return [
            c.name if c.kind == NUMBER else f"{c.name}={v}"
            for c in self.columns
            for v in (c.categories or (None,))
        ]

    @classmethod
    def fit(cls, raw: RawColumns, X: np.ndarray) -> TableEncoder:
        """Fit on the training rows X : (N, K) of the raw table described by ``raw``."""
        check_trainable(raw)
        columns = []
        for k, name in enumerate(raw.names):
            col = np.asarray(X[:, k])
            present = col[~np.isnan(col)]
            if present.size == 0:
                raise DataError(
                    f"{raw.source}: column {name!r} has no value in the training split; "
                    f"drop it with --drop {name}"
                )
            if raw.kinds[k] == NUMBER:
                columns.append(EncodedColumn(name, NUMBER, float(np.median(present))))
                continue
            counts = np.bincount(present.astype(np.intp), minlength=len(raw.values[k]))
            seen = sorted(raw.values[k][c] for c in np.flatnonzero(counts))
            top = counts.max()
            fill = min(raw.values[k][c] for c in np.flatnonzero(counts == top))
            columns.append(EncodedColumn(name, CATEGORY, fill, tuple(seen)))
        return cls(columns, raw.label, raw.header, tuple(raw.na_values))

    def transform(self, raw: RawColumns, X: np.ndarray) -> tuple[np.ndarray, dict]:
        """Encode rows X : (N, K) read with ``raw`` (same column order) -> (Z (N, D), notes).

        notes: ``{"missing": {name: cells filled}, "unseen": {name: {value: count}}}`` (only
        columns with some). A number-only table without missing cells is returned as it is.
        """
        notes = {"missing": {}, "unseen": {}}
        X = np.asarray(X)
        n = X.shape[0]
        gaps = np.isnan(X)
        if all(c.kind == NUMBER for c in self.columns):
            if not gaps.any():
                return X, notes
            Z = np.array(X, dtype=np.float64)
        else:
            Z = np.zeros((n, self.n_outputs))
        j = 0
        for k, c in enumerate(self.columns):
            miss = gaps[:, k]
            if miss.any():
                notes["missing"][c.name] = int(miss.sum())
            if c.kind == NUMBER:
                Z[:, j] = np.where(miss, c.fill, X[:, k])
            else:
                self._one_hot(c, raw.values[k], X[:, k], miss, Z[:, j : j + c.width], notes)
            j += c.width
        return Z, notes

    @staticmethod
    def _one_hot(c, values: list, codes, miss, out, notes) -> None:
        """Write the one-hot block (N, n_categories) of column ``c`` into ``out``."""
        where = {v: i for i, v in enumerate(c.categories)}
        lut = np.array([where.get(v, -1) for v in values] + [-1], dtype=np.intp)  # code -1
        idx = lut[np.where(miss, -1, codes).astype(np.intp)]
        idx[miss] = where[c.fill]
        unknown = ~miss & (idx < 0)
        if unknown.any():
            kinds, counts = np.unique(codes[unknown].astype(np.intp), return_counts=True)
            notes["unseen"][c.name] = {
                (values[v] if v >= 0 else "(others)"): int(m)
                for v, m in zip(kinds, counts, strict=True)
            }
        rows = np.flatnonzero(idx >= 0)
        out[rows, idx[rows]] = 1.0

    # ------------------------------------------------------------------ the model file
    def to_dict(self) -> dict:
        """The encoder as JSON-ready values (fills are exact: JSON keeps a float's digits)."""
        cols = []
        for c in self.columns:
            d = {"name": c.name, "kind": c.kind, "fill": c.fill}
            if c.kind == CATEGORY:
                d["categories"] = list(c.categories)
            cols.append(d)
        return {
            "label": self.label,
            "header": self.header,
            "na_values": list(self.na_values),
            "columns": cols,
        }

    @classmethod
    def from_dict(cls, d, D: int) -> TableEncoder:
        """The encoder of :meth:`to_dict`, every field checked; ``D`` is the model's input
        width. Raises ``ValueError`` naming the first thing wrong."""
        if not isinstance(d, dict) or not isinstance(d.get("columns"), list):
            raise ValueError("the table encoder has no list of columns")
        label, header, na = d.get("label"), d.get("header"), d.get("na_values")
        if not (label is None or _is_name(label)) or not isinstance(header, bool):
            raise ValueError("the table encoder's label or header is not a text / a boolean")
        if not isinstance(na, list) or not all(isinstance(v, str) for v in na):
            raise ValueError("the table encoder's na_values are not a list of texts")
        columns, total = [], 0
        for c in d["columns"]:
            col = _column_from_dict(c)
            total += col.width
            if total > D:
                break
            columns.append(col)
        if total != D:
            raise ValueError(f"the table encoder's columns make {total} inputs, the model has {D}")
        if len({c.name for c in columns}) != len(columns):
            raise ValueError("the table encoder names a column twice")
        return cls(columns, label, header, tuple(na))


def _is_name(v) -> bool:
    return isinstance(v, str) and 0 < len(v) <= MAX_NAME_CHARS


def _column_from_dict(c) -> EncodedColumn:
    if not isinstance(c, dict) or not _is_name(c.get("name")):
        raise ValueError("a column of the table encoder has no name")
    name, kind, fill = c["name"], c.get("kind"), c.get("fill")
    if kind == NUMBER:
        ok = isinstance(fill, (int, float)) and not isinstance(fill, bool) and math.isfinite(fill)
        if not ok:
            raise ValueError(f"column {name!r}: fill {fill!r} is not a finite number")
        return EncodedColumn(name, NUMBER, float(fill))
    cats = c.get("categories")
    if kind != CATEGORY or not isinstance(cats, list) or not cats:
        raise ValueError(f"column {name!r}: not a number column nor a list of categories")
    if len(cats) > MAX_CATEGORIES or not all(isinstance(v, str) for v in cats):
        raise ValueError(f"column {name!r}: categories are not up to {MAX_CATEGORIES} texts")
    if sorted(set(cats)) != cats or fill not in cats:
        raise ValueError(f"column {name!r}: categories not sorted and distinct, or fill not one")
    return EncodedColumn(name, CATEGORY, fill, tuple(cats))


def encoder_of(net) -> TableEncoder | None:
    """The :class:`TableEncoder` a model trained on a table carries as ``net.encoder`` (set by
    :func:`npmlp.job.train_run` and :func:`npmlp.model_file.load`), else None."""
    return getattr(net, "encoder", None)


def fit_and_encode(raw: RawColumns, X_train: np.ndarray, others: list):
    """Fit a :class:`TableEncoder` on X_train (N, K) and encode it and each of ``others``
    (raw rows or None). Returns ``(encoder, Z_train, [Z or None, ...], notes)`` with the
    notes of every part added up (cells filled and values unseen in the training split)."""
    enc = TableEncoder.fit(raw, X_train)
    total = {"missing": {}, "unseen": {}}
    encoded = []
    for X in [X_train, *others]:
        if X is None:
            encoded.append(None)
            continue
        Z, notes = enc.transform(raw, X)
        encoded.append(Z)
        for name, m in notes["missing"].items():
            total["missing"][name] = total["missing"].get(name, 0) + m
        for name, seen in notes["unseen"].items():
            into = total["unseen"].setdefault(name, {})
            for v, m in seen.items():
                into[v] = into.get(v, 0) + m
    return enc, encoded[0], encoded[1:], total


def summary_lines(enc: TableEncoder, notes: dict) -> list[str]:
    """What ``npmlp train`` says about the table it encoded: columns, cells filled, unseen."""
    cats = [c for c in enc.columns if c.kind == CATEGORY]
    line = f"table: {len(enc.columns)} feature columns -> D={enc.n_outputs}"
    if cats:
        shown = ", ".join(f"{c.name} {c.width}" for c in cats[:10])
        line += f" (one-hot: {shown}{', ...' if len(cats) > 10 else ''})"
    lines = [line + (f"; label {enc.label!r}" if enc.label is not None else "")]
    if notes["missing"]:
        n = sum(notes["missing"].values())
        per = ", ".join(f"{k} {v}" for k, v in notes["missing"].items())
        lines.append(
            f"missing values filled with the training split's median (numbers) or most "
            f"frequent value (text): {n} ({per})"
        )
    if notes["unseen"]:
        lines.append(note_lines({"missing": {}, "unseen": notes["unseen"]})[0])
    return lines


def note_lines(notes: dict) -> list[str]:
    """One line for the cells filled and one for the values unseen in training (if any)."""
    lines = []
    if notes["missing"]:
        n = sum(notes["missing"].values())
        per = ", ".join(f"{k} {v}" for k, v in notes["missing"].items())
        lines.append(f"{n} missing value{'s' if n != 1 else ''} filled as in training ({per})")
    if notes["unseen"]:
        n = sum(sum(v.values()) for v in notes["unseen"].values())
        per = "; ".join(
            f"{k}: " + ", ".join(f"{v!r} {m}" for v, m in list(seen.items())[:5])
            for k, seen in notes["unseen"].items()
        )
        lines.append(
            f"{n} value{'s' if n != 1 else ''} unseen in training, encoded as all zeros ({per})"
        )
    return lines


def read_warnings(raw: RawColumns) -> list[str]:
    """The warnings of reading a table: rows left out for a missing label (one line)."""
    n = raw.unlabelled
    if not n:
        return []
    return [
        f"{n} row{'s' if n != 1 else ''} with a missing label (column {raw.label!r}: an empty "
        f"cell or one of {', '.join(raw.na_values)}) left out"
    ]


def header_line(raw: RawColumns) -> str:
    """How a table file's first line was read (for ``npmlp data info``)."""
    how = {"detected": "detected", "given": "as told"}.get(raw.header_how, raw.header_how)
    if raw.header:
        return f"header: line 1 holds the column names ({how}; --no-header reads it as data)"
    return f"header: none, columns are named by position ({how}; --header reads line 1 as names)"
