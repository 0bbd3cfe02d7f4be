"""Tables of named, typed columns turned into the network's numeric input: the one table encoder.

A CSV table or a pandas DataFrame is read (:mod:`npmlp.data.columns`) into *raw columns*: a
float64 matrix X (N, K), one column per feature column of the table, holding numbers (NaN where
a value is missing), seconds for a date or a time of day, or, for a text column, the code of
each cell's text in :attr:`RawColumns.values` (NaN where missing). :class:`RawColumns` says
what each column is:

- ``number``: every present value is a number;
- ``date``: every present value is an ISO 8601 date or date-time (``2012-01-01``,
  ``2012-01-01 06:16:41``, ``2012-01-01T06:16:41Z``; ``/`` for ``-`` too) (:func:`date_seconds`);
- ``time``: every present value is a time of day (``10:30``, ``10:30:15``, ``9:05 PM``);
- ``category``: other text;
- ``id``: a column that identifies rows, left out (``--keep NAME`` keeps it): text whose every
  present value is unique (names, codes), a column of more than :data:`MAX_TEXTS` texts, or
  integers that number the rows (``1, 2, 3, ...`` in the file's order, as R's row names);
- ``text``: numbers with a text among them (refused: fix it, or list it with ``--na-values``);
- ``empty``: every value missing (refused).

:class:`TableEncoder` is fitted on the training split's raw rows and then applied to any rows by
column name. A number passes as it is; a date becomes its days since 1970-01-01, day of week
(Monday 0) and month (1-12), and hour of the day (fractional) when some value has a time; a
time of day its fractional hour. A category becomes one column per category seen at least
``min_frequency`` times in training (:data:`MIN_FREQUENCY`), the most frequent
``max_categories - 1`` (:data:`MAX_CATEGORIES`) at most, sorted, and one ``(other)`` column
that pools the rest, as scikit-learn's ``OneHotEncoder(min_frequency=..., max_categories=...,
handle_unknown="infrequent_if_exist")``: a value unseen in training goes to ``(other)`` when
there is one, else it is all zeros (``handle_unknown="ignore"``). A missing number or date
takes the training split's median, a missing text its most frequent value (ties: the first in
sorted order), and each column with a missing value in the training split gets a column
``NAME (missing)`` beside it, 1 where the value was missing, as
``SimpleImputer(add_indicator=True)``. The encoder is stored in the model file as JSON
(:meth:`TableEncoder.to_dict`), never pickled; the files of encoder version 1 (no pooling, no
dates, no indicators) read as they were.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache

import numpy as np

from .errors import DataError

__all__ = [
    "RawColumns",
    "EncodedColumn",
    "TableEncoder",
    "text_kind",
    "number_kind",
    "date_seconds",
    "time_seconds",
    "check_trainable",
    "usable_columns",
    "refused_columns",
    "left_out_lines",
    "fit_and_encode",
    "encoder_of",
    "note_lines",
    "summary_lines",
    "read_warnings",
    "header_line",
    "action",
    "NA_VALUES",
    "MAX_CATEGORIES",
    "MIN_FREQUENCY",
    "MAX_TEXTS",
    "NUMBER",
    "CATEGORY",
    "DATE",
    "TIME",
    "ID",
    "TEXT",
    "EMPTY",
    "MISSING",
    "UNKNOWN",
]

NUMBER, CATEGORY, DATE, TIME, ID, TEXT, EMPTY = (
    "number",
    "category",
    "date",
    "time",
    "id",
    "text",
    "empty",
)
MAX_CATEGORIES = 50  # one-hot columns of a category at most, "(other)" included
MIN_FREQUENCY = 5  # rows a category needs in the training split to have its own column
MIN_ROW_NUMBERS = 10  # rows a column numbering them needs to be taken for row numbers
MAX_TEXTS = 2000  # distinct texts a column keeps while read; past that it identifies rows
NA_VALUES = ("NA", "NaN", "nan", "?")  # what a missing value looks like; an empty cell always is
MISSING = ("impute", "error")  # what to do with a missing value
UNKNOWN = ("ignore", "error")  # what to do with a category not seen in training
MAX_NAME_CHARS = 1024
ENCODER_VERSION = 2
OTHER = "(other)"
DATE_PARTS = ("days", "weekday", "month", "hour")
_DAY = 86400.0


@dataclass
class RawColumns:
    """What a table's reader found in its K feature columns (the columns of the raw X).

    names : K column names (the header's, or the 0-based positions in the file as text).
    kinds : K of ``number``, ``date``, ``time``, ``category``, ``id``, ``text``, ``empty``.
    values : K lists: the text of each code of a category column (else empty).
    missing : K counts of missing cells.
    label : the label column's name (or position), or None.
    header : whether the table has a header line (False: columns are matched by position).
    na_values : the texts read as missing, besides the empty cell.
    notes : K dicts; a text column's may hold ``first_text`` (line, value) and ``numeric``
        (how many of its present cells are numbers), ``distinct`` (None past the cap).
    source : where the table came from (for messages).
    header_how : ``detected`` or ``given`` (how ``header`` was decided; empty: not a file).
    unlabelled : rows left out because their label is missing.
    min_frequency, max_categories : how categories are pooled (see the module docstring).
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
    min_frequency: int = MIN_FREQUENCY
    max_categories: int = MAX_CATEGORIES

    def subset(self, ks: list) -> RawColumns:
        """The description of the columns ``ks`` only, in that order."""
        pick = lambda v: [v[k] for k in ks] if v else v  # noqa: E731
        return RawColumns(
            pick(self.names),
            pick(self.kinds),
            pick(self.values),
            pick(self.missing),
            self.label,
            self.header,
            self.na_values,
            pick(self.notes),
            self.source,
            self.header_how,
            self.unlabelled,
            self.min_frequency,
            self.max_categories,
        )


# ---------------------------------------------------------------------- what a column is
def text_kind(counts: np.ndarray | None, keep: bool = False, numbers: int = 0) -> str:
    """``category``, ``id``, ``text`` or ``empty`` for a text column whose distinct values
    occur ``counts`` (n_values,) times (``None``: more than :data:`MAX_TEXTS` values, not
    kept), ``numbers`` of its present cells numbers; ``keep``: the user keeps it even if it
    identifies rows. Numbers with a text among them (at least half numbers, many distinct
    values) are ``text``."""
    if counts is None:
        return TEXT if keep else ID
    n = int(counts.sum())
    if n == 0:
        return EMPTY
    many = len(counts) > MAX_CATEGORIES or int(np.count_nonzero(counts == 1)) > n / 2
    if n / 2 <= numbers < n and many:
        return TEXT
    if not keep and n > 1 and bool(np.all(counts == 1)):
        return ID
    return CATEGORY


def number_kind(x: np.ndarray, keep: bool = False) -> str:
    """``id`` for a number column x (N,) that numbers the rows (no gap, integers rising by 1
    from row to row, at least :data:`MIN_ROW_NUMBERS` of them), else ``number``."""
    if keep or x.size < MIN_ROW_NUMBERS or np.isnan(x).any():
        return NUMBER
    return ID if bool(np.all(x == x[0] + np.arange(x.size))) else NUMBER


_DATE = re.compile(
    r"\d{4}[-/]\d{2}[-/]\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?(?:\s*([AaPp][Mm]))?", re.ASCII)


@lru_cache(maxsize=1 << 14)
def date_seconds(text: str) -> float | None:
    """Seconds since 1970-01-01 UTC of an ISO 8601 date or date-time (a time without a zone
    is read as UTC), or None if ``text`` is not one."""
    if not _DATE.fullmatch(text):
        return None
    try:
        d = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        return None
    return (d if d.tzinfo else d.replace(tzinfo=timezone.utc)).timestamp()


@lru_cache(maxsize=1 << 12)
def time_seconds(text: str) -> float | None:
    """Seconds since midnight of a time of day (``10:30``, ``10:30:15.5``, ``9:05 PM``), or
    None if ``text`` is not one."""
    m = _TIME.fullmatch(text)
    if not m:
        return None
    h, mi, sec, half = int(m[1]), int(m[2]), float(m[3] or 0), (m[4] or "").lower()
    if half:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if half == "pm" else 0)
    if h > 23 or mi > 59 or sec >= 60:
        return None
    return h * 3600.0 + mi * 60.0 + sec


# ---------------------------------------------------------------------- columns refused
def _refusal(raw: RawColumns, k: int) -> tuple[str, str] | None:
    """Why ``npmlp train`` cannot use column ``k`` and how to fix it, or None."""
    name, kind, note = raw.names[k], raw.kinds[k], raw.notes[k] if raw.notes else {}
    if kind == EMPTY:
        return "has no values (every cell is missing)", f"drop it with --drop {name}"
    if kind != TEXT:
        return None
    first = note.get("first_text")
    numeric = note.get("numeric", 0)
    if first is not None and numeric and numeric >= note.get("present", 0) / 2:
        return (
            f"holds numbers but also {first[1][:80]!r} (line {first[0]})",
            f"fix that cell, list it with --na-values, or drop the column with --drop {name}",
        )
    return (
        f"is text with more than {MAX_TEXTS} distinct values, too many to keep",
        f"leave out --keep {name}",
    )


def _left_out(raw: RawColumns, k: int) -> str | None:
    """Why column ``k`` is left out (it identifies rows), with how to keep it, or None."""
    if raw.kinds[k] != ID:
        return None
    name, note = raw.names[k], raw.notes[k] if raw.notes else {}
    if note.get("distinct", 0) is None:
        why = f"more than {MAX_TEXTS} distinct texts"
    elif raw.values[k]:
        why = "every value is unique"
    else:
        why = "it numbers the rows"
    return f"left out: {why}, so it identifies rows; keep it with --keep {name}"


def check_trainable(raw: RawColumns) -> None:
    """Raise one :class:`DataError` line naming every column ``npmlp train`` cannot use."""
    bad = [(raw.names[k], _refusal(raw, k)) for k in range(len(raw.names))]
    bad = [(name, why) for name, why in bad if why]
    if len(bad) == 1:
        ((name, (what, how)),) = bad
        raise DataError(f"{raw.source}: column {name!r} {what}; {how}")
    if bad:
        names = ",".join(name for name, _ in bad)
        shown = "; ".join(f"{name!r} {what}" for name, (what, _) in bad)
        raise DataError(
            f"{raw.source}: {len(bad)} columns cannot be used: {shown}; drop them with "
            f"--drop {names} (or fix the cells, or list them with --na-values)"
        )
    if not usable_columns(raw):
        raise DataError(
            f"{raw.source}: every feature column identifies rows ({', '.join(raw.names[:10])}); "
            f"keep one with --keep NAME"
        )


def refused_columns(raw: RawColumns) -> list:
    """The names of the columns ``npmlp train`` refuses (see :func:`check_trainable`)."""
    return [n for k, n in enumerate(raw.names) if _refusal(raw, k)]


def usable_columns(raw: RawColumns) -> list:
    """The indices of the columns the encoder reads (not left out, not refused)."""
    return [k for k in range(len(raw.names)) if raw.kinds[k] not in (ID, TEXT, EMPTY)]


# ---------------------------------------------------------------------- the encoder
@dataclass(frozen=True)
class EncodedColumn:
    """One column as the encoder reads it.

    name; kind (``number``, ``date``, ``time`` or ``category``); fill, the value that takes a
    missing cell's place; categories, the sorted categories with a column of their own;
    other, whether a ``(other)`` column pools the rest; parts, a date's parts
    (:data:`DATE_PARTS`); indicator, whether a ``NAME (missing)`` column follows.
    """

    name: str
    kind: str
    fill: float | str
    categories: tuple = ()
    other: bool = False
    parts: tuple = ()
    indicator: bool = False

    @property
    def output_names(self) -> list:
        """The names of the input columns of the network it becomes."""
        n = self.name
        if self.kind == NUMBER:
            out = [n]
        elif self.kind == CATEGORY:
            out = [f"{n}={v}" for v in self.categories] + ([f"{n}={OTHER}"] if self.other else [])
        else:
            out = [f"{n}:{p}" for p in (self.parts or ("hour",))]
        return out + ([f"{n} (missing)"] if self.indicator else [])

    @property
    def width(self) -> int:
        """How many input columns of the network it becomes."""
        return len(self.output_names)


def _fit_category(name, values: list, codes, raw: RawColumns, indicator: bool):
    """The :class:`EncodedColumn` of a category column's training codes (N,) (-1: a text not
    kept)."""
    counts = np.bincount(codes[codes >= 0].astype(np.intp), minlength=len(values))
    seen = np.flatnonzero(counts)
    fill = min(values[c] for c in seen[counts[seen] == counts[seen].max()]) if seen.size else OTHER
    order = sorted(seen, key=lambda c: (-counts[c], values[c]))
    kept = [c for c in order if counts[c] >= raw.min_frequency]
    other = len(kept) < len(seen) or bool(np.any(codes < 0))
    if other and len(kept) > raw.max_categories - 1:
        kept = kept[: raw.max_categories - 1]
    elif len(kept) > raw.max_categories:
        kept, other = kept[: raw.max_categories - 1], True
    cats = tuple(sorted(values[c] for c in kept))
    return EncodedColumn(name, CATEGORY, fill, cats, other, (), indicator)


def _fit_column(raw: RawColumns, k: int, col: np.ndarray) -> EncodedColumn:
    """Column ``k`` fitted on its training rows ``col`` (N,)."""
    name, kind = raw.names[k], raw.kinds[k]
    miss = np.isnan(col)
    present = col[~miss]
    if present.size == 0:
        raise DataError(
            f"{raw.source}: column {name!r} has no value in the training split; "
            f"drop it with --drop {name}"
        )
    indicator = bool(miss.any())
    if kind == CATEGORY:
        return _fit_category(name, raw.values[k], present, raw, indicator)
    fill = float(np.median(present))
    parts = ()
    if kind == DATE:
        timed = bool(np.any(present % _DAY))
        parts = DATE_PARTS if timed else DATE_PARTS[:3]
    return EncodedColumn(name, kind, fill, (), False, parts, indicator)


def _date_parts(s: np.ndarray, parts: tuple, out: np.ndarray) -> None:
    """Seconds since 1970 (N,) -> their ``parts`` in the columns of ``out`` (N, len(parts))."""
    days = np.floor(s / _DAY)
    values = {
        "days": lambda: s / _DAY,
        "weekday": lambda: (days + 3) % 7,  # 1970-01-01 was a Thursday
        "month": lambda: (
            days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1
        ),
        "hour": lambda: (s - days * _DAY) / 3600.0,
    }
    for i, p in enumerate(parts):
        out[:, i] = values[p]()


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
        """The D names of the encoded columns: ``name``, ``name=category``, ``name:part``,
        ``name (missing)``."""
        return [n for c in self.columns for n in c.output_names]

    @classmethod
    def fit(cls, raw: RawColumns, X: np.ndarray) -> TableEncoder:
        """Fit on the training rows X : (N, K) of the raw table described by ``raw`` (every
        column usable: see :func:`fit_and_encode`)."""
        check_trainable(raw)
        columns = [_fit_column(raw, k, np.asarray(X[:, k])) for k in range(len(raw.names))]
        return cls(columns, raw.label, raw.header, tuple(raw.na_values))

    def transform(self, raw: RawColumns, X: np.ndarray) -> tuple[np.ndarray, dict]:
        """Encode rows X : (N, K) read with ``raw`` (same column order) -> (Z (N, D), notes).

        notes: ``{"missing": {name: cells filled}, "unseen": {name: {value: count}}}`` (only
        columns with some; a value pooled into ``(other)`` is not unseen). A number-only table
        without missing cells is returned as it is.
        """
        notes = {"missing": {}, "unseen": {}}
        X = np.asarray(X)
        gaps = np.isnan(X)
        simple = all(c.kind == NUMBER and not c.indicator for c in self.columns)
        if simple and not gaps.any():
            return X, notes
        Z = np.zeros((X.shape[0], self.n_outputs))
        j = 0
        for k, c in enumerate(self.columns):
            miss = gaps[:, k]
            if miss.any():
                notes["missing"][c.name] = int(miss.sum())
            block = Z[:, j : j + c.width]
            if c.indicator:
                block[:, -1] = miss
                block = block[:, :-1]
            if c.kind == CATEGORY:
                self._one_hot(c, raw.values[k], X[:, k], miss, block, notes)
            elif c.kind == DATE:
                _date_parts(np.where(miss, c.fill, X[:, k]), c.parts, block)
            else:
                block[:, 0] = np.where(miss, c.fill, X[:, k])
                if c.kind == TIME:
                    block[:, 0] /= 3600.0
            j += c.width
        return Z, notes

    @staticmethod
    def _one_hot(c, values: list, codes, miss, out, notes) -> None:
        """Write the one-hot block (N, n_categories [+ 1]) of column ``c`` into ``out``."""
        where = {v: i for i, v in enumerate(c.categories)}
        rest = len(c.categories) if c.other else -1
        lut = np.array([where.get(v, rest) for v in values] + [rest], dtype=np.intp)
        idx = lut[np.where(miss, -1, codes).astype(np.intp)]
        idx[miss] = where.get(c.fill, rest)
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
                d["other"] = c.other
            if c.kind == DATE:
                d["parts"] = list(c.parts)
            d["indicator"] = c.indicator
            cols.append(d)
        return {
            "version": ENCODER_VERSION,
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
        version = d.get("version", 1)
        if version not in (1, ENCODER_VERSION):
            raise ValueError(
                f"the table encoder is of version {version!r}; this npmlp reads versions 1 "
                f"and {ENCODER_VERSION}: use the npmlp that wrote it"
            )
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


def _flag(c: dict, key: str, name) -> bool:
    v = c.get(key, False)
    if not isinstance(v, bool):
        raise ValueError(f"column {name!r}: {key} {v!r} is not true or false")
    return v


def _column_from_dict(c) -> EncodedColumn:
    if not isinstance(c, dict) or not _is_name(c.get("name")):
        raise ValueError("a column of the table encoder has no name")
    name, kind, fill = c["name"], c.get("kind"), c.get("fill")
    indicator = _flag(c, "indicator", name)
    if kind in (NUMBER, DATE, TIME):
        ok = isinstance(fill, (int, float)) and not isinstance(fill, bool) and math.isfinite(fill)
        if not ok:
            raise ValueError(f"column {name!r}: fill {fill!r} is not a finite number")
        parts = c.get("parts", []) if kind == DATE else []
        if kind == DATE and (parts not in (list(DATE_PARTS), list(DATE_PARTS[:3]))):
            raise ValueError(f"column {name!r}: date parts {parts!r} are not {list(DATE_PARTS)}")
        return EncodedColumn(name, kind, float(fill), (), False, tuple(parts), indicator)
    cats, other = c.get("categories"), _flag(c, "other", name)
    if kind != CATEGORY or not isinstance(cats, list) or not (cats or other):
        raise ValueError(f"column {name!r}: not a number, date or time column nor categories")
    if len(cats) > MAX_CATEGORIES or not all(isinstance(v, str) for v in cats):
        raise ValueError(f"column {name!r}: categories are not up to {MAX_CATEGORIES} texts")
    if sorted(set(cats)) != cats or not (fill in cats or (other and isinstance(fill, str))):
        raise ValueError(f"column {name!r}: categories not sorted and distinct, or fill not one")
    return EncodedColumn(name, CATEGORY, fill, tuple(cats), other, (), indicator)


def encoder_of(net) -> TableEncoder | None:
    """The :class:`TableEncoder` a model trained on a table carries as ``net.encoder`` (set by
    :func:`npmlp.job.train_run` and :func:`npmlp.model_file.load`), else None."""
    return getattr(net, "encoder", None)


def fit_and_encode(raw: RawColumns, X_train: np.ndarray, others: list):
    """Fit a :class:`TableEncoder` on X_train (N, K), the columns that identify rows left out
    (:func:`usable_columns`), and encode it and each of ``others`` (raw rows or None).
    Returns ``(encoder, Z_train, [Z or None, ...], notes)`` with the notes of every part added
    up (cells filled and values unseen in the training split) and ``left_out``: the lines of
    :func:`left_out_lines`."""
    check_trainable(raw)
    ks = usable_columns(raw)
    used = raw.subset(ks)
    enc = TableEncoder.fit(used, X_train[:, ks])
    total = {"missing": {}, "unseen": {}, "left_out": left_out_lines(raw)}
    encoded = []
    for X in [X_train, *others]:
        if X is None:
            encoded.append(None)
            continue
        Z, notes = enc.transform(used, X[:, ks])
        encoded.append(Z)
        for name, m in notes["missing"].items():
            total["missing"][name] = total["missing"].get(name, 0) + m
        for name, seen in notes["unseen"].items():
            into = total["unseen"].setdefault(name, {})
            for v, m in seen.items():
                into[v] = into.get(v, 0) + m
    return enc, encoded[0], encoded[1:], total


def left_out_lines(raw: RawColumns) -> list[str]:
    """One line per column left out because it identifies rows (see :func:`_left_out`)."""
    return [
        f"column {raw.names[k]!r} {why}"
        for k in range(len(raw.names))
        if (why := _left_out(raw, k))
    ]


def action(raw: RawColumns, k: int, c: EncodedColumn | None, n_values: int | None) -> str:
    """What ``npmlp train`` does with column ``k`` (for ``npmlp data info``); ``c`` is the
    column fitted on every row (None for a column not used)."""
    why = _refusal(raw, k)
    if why:
        return f"refused: it {why[0]}; {why[1]}"
    if c is None:
        return _left_out(raw, k) or "left out"
    fill = ""
    if raw.missing[k]:
        how = "most frequent value" if c.kind == CATEGORY else "median"
        fill = f"; {raw.missing[k]} missing filled with the training split's {how}"
        fill += f", and a column '{c.name} (missing)'" if c.indicator else ""
    if c.kind == NUMBER:
        return "number, scaled" + fill
    if c.kind in (DATE, TIME):
        parts = ", ".join(c.parts or ("hour",))
        return f"{c.kind}: {parts}" + fill
    width = len(c.categories) + c.other
    pooled = ""
    if c.other:
        n_pooled = (n_values or 0) - len(c.categories)
        pooled = f", {n_pooled} rare value{'s' if n_pooled != 1 else ''} pooled into {OTHER!r}"
    return f"one-hot: {width} columns{pooled}" + fill


def summary_lines(enc: TableEncoder, notes: dict) -> list[str]:
    """What ``npmlp train`` says about the table it encoded: columns, cells filled, unseen,
    columns left out."""
    cats = [c for c in enc.columns if c.kind == CATEGORY]
    line = f"table: {len(enc.columns)} feature columns -> D={enc.n_outputs}"
    if cats:
        shown = ", ".join(f"{c.name} {c.width - c.indicator}" for c in cats[:10])
        line += f" (one-hot: {shown}{', ...' if len(cats) > 10 else ''})"
    lines = [line + (f"; label {enc.label!r}" if enc.label is not None else "")]
    if notes["missing"]:
        n = sum(notes["missing"].values())
        per = ", ".join(f"{k} {v}" for k, v in notes["missing"].items())
        lines.append(
            f"missing values filled with the training split's median (numbers) or most "
            f"frequent value (text), each such column with a '(missing)' column: {n} ({per})"
        )
    if notes["unseen"]:
        lines.append(note_lines({"missing": {}, "unseen": notes["unseen"]})[0])
    return lines + notes.get("left_out", [])


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
