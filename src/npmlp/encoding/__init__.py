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

from .encoder import EncodedColumn, TableEncoder, encoder_of, fit_and_encode
from .kinds import (
    CATEGORY,
    DATE,
    EMPTY,
    ID,
    MAX_CATEGORIES,
    MAX_TEXTS,
    MIN_FREQUENCY,
    MISSING,
    NA_VALUES,
    NUMBER,
    TEXT,
    TIME,
    UNKNOWN,
    RawColumns,
    check_trainable,
    date_seconds,
    left_out_lines,
    number_kind,
    refused_columns,
    text_kind,
    time_seconds,
    usable_columns,
)
from .notes import action, header_line, note_lines, read_warnings, summary_lines

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
