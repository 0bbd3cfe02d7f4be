"""What a table's column is: the kinds, the rules that decide them, and which columns
``npmlp train`` leaves out or refuses (see :mod:`npmlp.encoding`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache

import numpy as np

from ..core.errors import DataError

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


def left_out_lines(raw: RawColumns) -> list[str]:
    """One line per column left out because it identifies rows (see :func:`_left_out`)."""
    return [
        f"column {raw.names[k]!r} {why}"
        for k in range(len(raw.names))
        if (why := _left_out(raw, k))
    ]
