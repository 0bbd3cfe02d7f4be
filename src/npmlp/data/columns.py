"""The feature columns of a table, read a chunk of rows at a time into raw columns.

:class:`CellReader` turns each chunk of text cells (rows of K cells) into a float64 block
(N, K) of :mod:`npmlp.encoding`'s raw columns: numbers with NaN for a missing cell, seconds of
a date or a time of day, or the code of each text. A column's kind is learnt as the rows come
(``number`` while every present cell is a number, ``date`` / ``time`` while every present cell
is one) unless a model fixes it. Memory stays bounded: a text column keeps at most
:data:`~npmlp.encoding.MAX_TEXTS` distinct texts of at most :data:`MAX_VALUE_CHARS`
characters (past that it identifies rows, and is only counted), and a column that a model reads
as categories keeps at most :data:`MAX_UNSEEN` unseen texts.

A column that held numbers (or dates) and meets a text further down cannot be re-coded from its
floats: the reader then only scans the rest for such columns and raises :class:`Retype`, and the
table is read again with them as text (two passes at most).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import DataError
from ..encoding import (
    CATEGORY,
    DATE,
    EMPTY,
    MAX_CATEGORIES,
    MAX_TEXTS,
    MIN_FREQUENCY,
    MISSING,
    NA_VALUES,
    NUMBER,
    TIME,
    UNKNOWN,
    RawColumns,
    date_seconds,
    number_kind,
    text_kind,
    time_seconds,
)

__all__ = ["TableOptions", "Plan", "ColumnState", "CellReader", "Retype", "MISSING", "UNKNOWN"]

MAX_VALUE_CHARS = 256
MAX_UNSEEN = 1000


@dataclass(frozen=True)
class TableOptions:
    """How a table's columns are chosen and read.

    drop : columns left out (never read); features : the only columns read (None: all).
    na_values : texts that mean a missing value (an empty cell always does).
    missing : ``impute`` (fill as the encoder does) or ``error`` (refuse the first one).
    unknown : for a model's category column, ``ignore`` (all zeros) or ``error`` a value
        unseen in training.
    header : whether a CSV's first line holds the column names (None: detected).
    keep : columns kept even if they identify rows (every value unique, row numbers).
    min_frequency, max_categories : the pooling of rare categories (:mod:`npmlp.encoding`).
    """

    drop: tuple = ()
    features: tuple | None = None
    na_values: tuple = NA_VALUES
    missing: str = "impute"
    unknown: str = "ignore"
    header: bool | None = None
    keep: tuple = ()
    min_frequency: int = MIN_FREQUENCY
    max_categories: int = MAX_CATEGORIES

    def __post_init__(self):
        if not 1 <= self.min_frequency:
            raise DataError(f"min_frequency={self.min_frequency}; give an integer >= 1")
        if not 2 <= self.max_categories <= MAX_CATEGORIES:
            raise DataError(
                f"max_categories={self.max_categories}; give an integer in [2, {MAX_CATEGORIES}]"
            )
        if self.missing not in MISSING:
            raise DataError(f"missing={self.missing!r}; use one of {', '.join(MISSING)}")
        if self.unknown not in UNKNOWN:
            raise DataError(f"unknown={self.unknown!r}; use one of {', '.join(UNKNOWN)}")


@dataclass
class Plan:
    """Which file columns a table's reader takes, and how.

    label : the label's column in the file, or None; keep_label : read it (else skipped).
    features : the file columns of X's K columns, in X's order; names : their K names.
    kinds : K fixed kinds (``number``/``category``, from a model) or None each (learnt);
    categories : K tuples, a fixed category column's categories (else empty).
    """

    label: int | None
    keep_label: bool
    features: list
    names: list
    kinds: list
    categories: list


def is_number(text: str) -> bool:
    """Whether the cell ``text`` reads as a number (``float`` accepts it)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


class Retype(Exception):
    """Columns that held numbers and then text: read the table again with them as text."""

    def __init__(self, columns: set):
        super().__init__(sorted(columns))
        self.columns = columns


class ColumnState:
    """One feature column as it is read: its kind so far, counts, and its texts' codes."""

    def __init__(self, name: str, kind=None, categories=()):
        self.name, self.kind, self.fixed = name, kind, kind is not None
        self.codes = {v: i for i, v in enumerate(categories)}  # text -> code (None: free text)
        self.values = list(categories)
        self.numeric = [is_number(v) for v in categories]  # per code: is the text a number
        self.n_fixed = len(categories)
        self.n_numeric = 0  # present cells that are numbers (text columns)
        self.first_text = None  # (line, text) of the first present cell that is not a number


class CellReader:
    """Chunks of text cells -> float64 blocks of raw columns (see the module docstring)."""

    def __init__(
        self, path, columns: list, options: TableOptions, text=frozenset(), row_word="line"
    ):
        self.path, self.columns, self.options, self.row_word = path, columns, options, row_word
        self.na = frozenset(v.strip() for v in options.na_values) | {""}
        self.na_numbers = np.array([float(v) for v in self.na if is_number(v)], np.float64)
        self.na_numbers = self.na_numbers[~np.isnan(self.na_numbers)]
        for k in text:
            columns[k].kind = CATEGORY
        self.texts = {k for k, c in enumerate(columns) if c.kind == CATEGORY}
        self.kindless = {k for k, c in enumerate(columns) if c.kind is None}  # all missing yet
        self.missing = np.zeros(len(columns), np.int64)  # missing cells per column
        self.present = np.zeros(len(columns), np.int64)
        self.every = np.arange(len(columns))
        self.retype, self.scanning = set(), False

    # ------------------------------------------------------------------ one chunk
    def block(self, cells: list, lines: list) -> np.ndarray | None:
        """The (N, K) block of ``cells`` (N rows of K texts) from file lines ``lines``;
        None while only scanning for columns to read again as text."""
        if self.scanning:
            self._scan(list(zip(*cells)))
            return None
        X = None
        if not self.texts:
            try:
                X = np.array(cells, dtype=np.float64).reshape(len(cells), len(self.columns))
            except ValueError:
                X = None
        if X is not None:
            self._numbers_read(self.every, X, lambda i, j: cells[i][j], lines)
            return X
        X = np.empty((len(cells), len(self.columns)))
        for k, (c, col) in enumerate(zip(self.columns, zip(*cells), strict=True)):
            X[:, k] = self._column(k, c, col, lines)
        if self.retype:
            self.scanning = True
            return None
        return X

    def column(self, k: int, values, lines) -> np.ndarray:
        """Raw column ``k`` of a whole table given at once: float values (N,) with NaN for
        a missing one, or N texts; ``lines`` (N,) say where each row is, for messages."""
        c = self.columns[k]
        if isinstance(values, np.ndarray) and c.kind in (None, NUMBER):
            x = np.array(values, dtype=np.float64)
            self._numbers_read([k], x[:, None], lambda i, j: repr(values[i]), lines)
            return x
        return self._column(k, c, values, lines)

    def _column(self, k, c: ColumnState, col, lines) -> np.ndarray:
        if c.kind in (DATE, TIME):
            return self._clock(k, c, col, lines)
        if c.kind in (None, NUMBER):
            x = self._as_numbers(col)
            if x is not None:
                self._numbers_read([k], x[:, None], lambda i, j: col[i], lines)
                return x
            if c.fixed:
                i, text = next((i, v) for i, v in enumerate(col) if not self._number_or_na(v))
                raise DataError(
                    f"{self._at(lines[i], c)}: {text[:80]!r} is not a number, and the model "
                    "reads this column as numbers"
                )
            if self.present[k]:  # numbers in earlier chunks: their texts are gone
                self.retype.add(k)
                return np.full(len(col), np.nan)
            if k not in self.texts:
                c.kind = self._clock_kind(col)
                if c.kind is not None:
                    self.kindless.discard(k)
                    return self._clock(k, c, col, lines)
            c.kind = CATEGORY
            self.texts.add(k)
            self.kindless.discard(k)
        return self._codes(k, c, col, lines)

    def _clock_kind(self, col) -> str | None:
        """``date`` or ``time`` if every present cell of ``col`` is one, else None."""
        texts = {v.strip() for v in col} - self.na
        for kind, parse in ((DATE, date_seconds), (TIME, time_seconds)):
            if all(parse(v) is not None for v in texts):
                return kind
        return None

    def _as_clock(self, kind: str, col) -> np.ndarray | None:
        """The seconds of a date or time column's cells (NaN: missing), None at the first
        cell that is neither."""
        parse = date_seconds if kind == DATE else time_seconds
        out = np.empty(len(col))
        for i, v in enumerate(col):
            v = v.strip()
            x = np.nan if v in self.na else parse(v)
            if x is None:
                return None
            out[i] = x
        return out

    def _clock(self, k: int, c: ColumnState, col, lines) -> np.ndarray:
        x = self._as_clock(c.kind, col)
        if x is None:
            if c.fixed:
                parse = date_seconds if c.kind == DATE else time_seconds
                i, text = next(
                    (i, v)
                    for i, v in enumerate(col)
                    if v.strip() not in self.na and parse(v.strip()) is None
                )
                raise DataError(
                    f"{self._at(lines[i], c)}: {text[:80]!r} is not a {c.kind}, and the model "
                    f"reads this column as a {c.kind}"
                )
            self.retype.add(k)  # a text below dates: read the column again as text
            return np.full(len(col), np.nan)
        self._numbers_read([k], x[:, None], lambda i, j: col[i], lines)
        return x

    def _as_numbers(self, col) -> np.ndarray | None:
        try:
            return np.array(col, dtype=np.float64)
        except ValueError:
            pass
        try:
            return np.array([("nan" if v.strip() in self.na else v) for v in col], np.float64)
        except ValueError:
            return None

    def _number_or_na(self, v: str) -> bool:
        return v.strip() in self.na or is_number(v)

    def _numbers_read(self, ks, x: np.ndarray, cell, lines) -> None:
        """Count the number columns ``ks`` of the block x (N, len(ks)) (missing -> NaN, in
        place) and check their values; ``cell(i, j)`` is the text of row i, column ks[j]."""
        if self.na_numbers.size:
            x[np.isin(x, self.na_numbers)] = np.nan
        gaps = np.isnan(x)
        if self.options.missing == "error" and gaps.any():
            i, j = np.argwhere(gaps)[0]  # the first in the file's order
            raise DataError(self._missing(lines[i], self.columns[ks[j]], cell(i, j)))
        bad = np.isinf(x)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise DataError(
                f"{self._at(lines[i], self.columns[ks[j]])}: {cell(i, j).strip()[:80]!r} is "
                "not a finite number; fix it, or list it with --na-values to read it as missing"
            )
        n_gaps = gaps.sum(axis=0)
        self.missing[ks] += n_gaps
        self.present[ks] += len(x) - n_gaps
        for k in [k for k in self.kindless if self.present[k]]:
            self.columns[k].kind = NUMBER
            self.kindless.discard(k)

    def _codes(self, k: int, c: ColumnState, col, lines) -> np.ndarray:
        """The codes of a text column's cells (NaN: missing; -1: unseen and not kept)."""
        out = np.empty(len(col))
        codes = c.codes
        n_missing = 0
        for i, v in enumerate(col):
            v = v.strip()
            if v in self.na:
                if self.options.missing == "error":
                    raise DataError(self._missing(lines[i], c, v))
                n_missing += 1
                out[i] = np.nan
                continue
            code = codes.get(v) if codes is not None else None
            if code is None:
                code = self._new_text(c, v, lines[i])
                codes = c.codes
            elif c.numeric[code]:
                c.n_numeric += 1
            out[i] = code
        self.missing[k] += n_missing
        self.present[k] += len(col) - n_missing
        return out

    def _new_text(self, c: ColumnState, v: str, line: int) -> int:
        """The code of a text not seen before in column ``c`` (-1 if it is not kept)."""
        numeric = is_number(v)
        c.n_numeric += numeric
        if not numeric and c.first_text is None:
            c.first_text = (line, v[:MAX_VALUE_CHARS])
        if c.fixed:
            if self.options.unknown == "error":
                shown = ", ".join(c.values[:10]) + (", ..." if len(c.values) > 10 else "")
                raise DataError(
                    f"{self._at(line, c)}: {v[:80]!r} was not seen in training (its "
                    f"categories: {shown}); leave out --unknown error to encode it as all zeros"
                )
            if len(c.values) >= c.n_fixed + MAX_UNSEEN:
                return -1
        elif c.codes is None or len(v) > MAX_VALUE_CHARS or len(c.values) >= MAX_TEXTS:
            c.codes, c.values, c.numeric = None, [], []  # free text: only counted from now
            return -1
        code = c.codes[v] = len(c.values)
        c.values.append(v)
        c.numeric.append(numeric)
        return code

    def _scan(self, cols) -> None:
        """Only find the number columns that hold a text in these cells."""
        for k, c in enumerate(self.columns):
            if k not in self.texts and k not in self.retype:
                if c.kind in (DATE, TIME):
                    bad = self._as_clock(c.kind, cols[k]) is None
                else:
                    bad = self._as_numbers(cols[k]) is None
                if bad:
                    self.retype.add(k)

    # ------------------------------------------------------------------ messages
    def _at(self, line: int, c: ColumnState) -> str:
        return f"{self.path}: {self.row_word} {line}, column {c.name!r}"

    def _missing(self, line: int, c: ColumnState, text: str) -> str:
        shown = f"missing value {text.strip()[:80]!r}" if text.strip() else "empty cell"
        return (
            f"{self._at(line, c)}: {shown}; fill or remove it, or leave out --missing error "
            "to impute it"
        )

    # ------------------------------------------------------------------ the end
    def finish(self, X: np.ndarray, label, header: bool) -> RawColumns:
        """The :class:`~npmlp.encoding.RawColumns` of the columns read into X (N, K)."""
        if self.retype:
            raise Retype(self.retype)
        kinds, notes = [], []
        for k, c in enumerate(self.columns):
            note = {"present": int(self.present[k]), "numeric": c.n_numeric}
            note["first_text"] = c.first_text
            keep = c.name in self.options.keep
            if c.fixed or c.kind in (DATE, TIME):
                kind = c.kind
            elif c.kind is None:
                kind = EMPTY
            elif c.kind == NUMBER:
                kind = number_kind(X[:, k], keep)
            else:
                counts = None
                if c.codes is not None:
                    col = X[:, k]
                    codes = col[~np.isnan(col)].astype(np.intp)
                    counts = np.bincount(codes, minlength=len(c.values))
                note["distinct"] = None if counts is None else len(counts)
                kind = text_kind(counts, keep, c.n_numeric)
            kinds.append(kind)
            notes.append(note)
        return RawColumns(
            names=[c.name for c in self.columns],
            kinds=kinds,
            values=[c.values for c in self.columns],
            missing=[int(m) for m in self.missing],
            label=label,
            header=header,
            na_values=tuple(self.options.na_values),
            notes=notes,
            source=str(self.path),
            min_frequency=self.options.min_frequency,
            max_categories=self.options.max_categories,
        )
