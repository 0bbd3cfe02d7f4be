"""CSV/TSV tables read in chunks straight into a float array of raw columns.

The file is read line by line (each line capped at :data:`MAX_LINE_BYTES` and
:data:`MAX_COLUMNS` columns, checked on the raw bytes before the line is split), parsed with
:mod:`csv`, and every :data:`CHUNK_CELLS` cells the feature cells are converted into one
float64 block by :class:`~.columns.CellReader` (numbers, NaN for a missing cell, codes of
texts); the blocks are joined at the end. Memory stays within about twice the final (N, K)
array, plus one chunk of text and at most 51 short texts per text column.

Labels are mapped to class codes as they come (one text per distinct label is kept), then
typed once at the end: all integers -> int64 (exact up to 2**63), all numbers -> float64 (int64
when integral and below 2**53), otherwise text. A row whose label is missing (an empty cell or
one of the ``na_values``) is left out and counted (:attr:`RawColumns.unlabelled`), never a class.

The header line is judged on the first :data:`SNIFF_ROWS` rows, column by column
(:func:`looks_like_header`), unless the caller says; a blank name becomes ``Unnamed: i``
(:func:`~.plans.header_names`).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import numpy as np

from ..core.errors import DataError
from ..encoding import RawColumns
from .columns import CellReader, ColumnState, Retype, TableOptions, is_number
from .plans import header_names

__all__ = [
    "Table",
    "parse_csv",
    "iter_rows",
    "delimiter_for",
    "looks_like_header",
    "MAX_COLUMNS",
    "MAX_LINE_BYTES",
    "MAX_LABEL_CHARS",
    "MAX_CLASSES",
]

MAX_COLUMNS = 100_000
MAX_LINE_BYTES = 16 << 20
MAX_LABEL_CHARS = 256
MAX_CLASSES = 65_536
CHUNK_CELLS = 1 << 16
SNIFF_ROWS = 200  # the rows below line 1 that judge whether it is a header
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)


@dataclass
class Table:
    """A parsed table: ``X`` (N, K) float64 raw columns (see :mod:`npmlp.encoding`) from the
    feature columns, ``y`` (N,) or None, and ``raw`` describing X's columns."""

    names: list | None
    X: np.ndarray
    y: np.ndarray | None
    label_column: int | None
    feature_columns: list
    raw: RawColumns


def delimiter_for(path: Path, first_line: bytes) -> str:
    """Tab for ``.tsv``/``.tab``, comma for ``.csv``, else the commonest of , tab ; on line 1."""
    suffix = path.suffix.lower()
    if suffix in (".tsv", ".tab"):
        return "\t"
    if suffix == ".csv":
        return ","
    return max((",", "\t", ";"), key=lambda d: first_line.count(d.encode()))


def _lines(f, path: Path, delimiter: str):
    """Decoded lines of the binary file ``f``, each checked on its raw bytes first."""
    sep = delimiter.encode()
    n = 0
    while True:
        raw = f.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        n += 1
        if len(raw) > MAX_LINE_BYTES:
            raise DataError(
                f"{path}: line {n} is longer than {MAX_LINE_BYTES >> 20} MB; "
                "npmlp reads CSV lines up to that length"
            )
        if raw.count(sep) >= MAX_COLUMNS:
            raise DataError(
                f"{path}: line {n} has more than {MAX_COLUMNS} columns; npmlp reads at "
                f"most {MAX_COLUMNS} (save wide data as .npy instead)"
            )
        try:
            text = raw.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError:
            raise DataError(f"{path}: not a text file (not UTF-8); give a CSV file") from None
        if "\r" in text:  # old Mac line ends: split them as the csv module expects
            parts = text.replace("\r\n", "\n").split("\r")
            yield from (p + "\n" for p in parts[:-1])
            text = parts[-1]
        yield text


def iter_rows(f, path: Path, delimiter: str):
    """``(line number, fields)`` of each non-blank row of the binary file ``f``."""
    reader = csv.reader(_lines(f, path, delimiter), delimiter=delimiter)
    try:
        for r in reader:
            if r and (len(r) > 1 or r[0].strip()):
                yield reader.line_num, r
    except csv.Error as e:
        raise DataError(f"{path}: malformed CSV ({e})") from None


def looks_like_header(first, rest, na=frozenset()) -> bool:
    """Whether the row ``first`` holds column names, judged on the rows ``rest`` below it,
    column by column, in the spirit of :meth:`csv.Sniffer.has_header`.

    A text cell votes for a header when the column's other present cells are all numbers, or
    when it never recurs in a column whose other texts do; a number, or a text that recurs
    below, votes against; a blank or missing (``na``) cell, or a column of unique texts, does
    not vote. A header when the votes for outnumber those against, or, with no vote either
    way, when every cell of ``first`` is text and rows follow.
    """
    na = frozenset(na) | {""}
    votes = sum(
        _vote(c.strip(), [r[k].strip() for r in rest if k < len(r)], na)
        for k, c in enumerate(first)
    )
    if votes == 0:
        return bool(rest) and all(c.strip() and not is_number(c) for c in first)
    return votes > 0


def _vote(head: str, cells: list, na) -> int:
    """+1 (a name), -1 (a value) or 0 for the first cell ``head`` above ``cells``."""
    if head in na:
        return 0
    if is_number(head):
        return -1
    present = [c for c in cells if c not in na]
    if not present:
        return 0
    if all(is_number(c) for c in present):
        return 1
    if head in present:
        return -1
    return 1 if len(set(present)) < len(present) else 0


def parse_csv(
    f, path, *, make_plan, header=None, options: TableOptions | None = None, known_names=()
) -> Table:
    """Parse the binary file ``f`` (the CSV at ``path``) into a :class:`Table`.

    ``make_plan(names, width)`` returns the :class:`~.columns.Plan` of the columns to read
    (names: the header's, or None). ``header``: None detects a header line (a first line that
    holds every one of ``known_names``, or text above numbers), True/False say. A column that
    turns from numbers to text further down is read again as text (a second pass).
    """
    path, options = Path(path), options or TableOptions()
    text: set = set()
    for _ in range(2):
        try:
            return _parse(
                f,
                path,
                make_plan,
                header=header,
                options=options,
                known_names=known_names,
                text=text,
            )
        except Retype as e:
            text |= e.columns
            f.seek(0)
    raise DataError(f"{path}: columns changed from numbers to text twice")  # pragma: no cover


def _parse(f, path, make_plan, *, header, options, known_names, text) -> Table:
    delimiter = delimiter_for(path, f.readline(1 << 16))  # the start of line 1 is enough
    f.seek(0)
    rows = iter_rows(f, path, delimiter)
    pending = [r for _, r in zip(range(SNIFF_ROWS + 1), rows, strict=False)]
    if not pending:
        raise DataError(f"{path}: the file is empty")
    header, how = _header(pending, header, options, known_names)
    names = None
    if header:
        names, pending = header_names(pending[0][1]), pending[1:]
        if not pending:
            raise DataError(f"{path}: has a header but no data rows")
    width = len(names) if names else len(pending[0][1])
    plan = make_plan(names, width)
    columns = [
        ColumnState(n, k, c)
        for n, k, c in zip(plan.names, plan.kinds, plan.categories, strict=True)
    ]
    reader = CellReader(path, columns, options, text)
    parser = _Chunks(path, names, width, plan, reader)
    for line, r in pending:
        parser.add(line, r, width)
    for line, r in rows:
        parser.add(line, r, width)
    X, y = parser.finish()
    j = plan.label
    label = None if j is None else (names[j] if names else str(j))
    raw = reader.finish(X, label, bool(names))
    raw.header_how, raw.unlabelled = how, parser.unlabelled
    return Table(names, X, y, j, plan.features, raw)


def _header(pending: list, header, options: TableOptions, known_names) -> tuple[bool, str]:
    """Whether line 1 of the rows ``pending`` ((line, cells) ...) is a header, and how that
    was decided: ``given`` (``header`` True/False) or ``detected``."""
    if header is not None:
        return bool(header), "given"
    first = pending[0][1]
    if known_names and set(known_names) <= set(header_names(first)):
        return True, "detected"
    rest = [r for _, r in pending[1:]]
    return looks_like_header(first, rest, {v.strip() for v in options.na_values}), "detected"


class _Chunks:
    """Rows collected as text, turned into raw columns every CHUNK_CELLS cells."""

    def __init__(self, path, names, width: int, plan, reader: CellReader):
        self.path, self.names, self.reader = path, names, reader
        self.feats = plan.features
        if len(self.feats) == 1:
            self.get = lambda r, j=self.feats[0]: (r[j],)
        else:
            self.get = itemgetter(*self.feats)
        self.label = plan.label if plan.keep_label else None
        self.no_label = frozenset(v.strip() for v in reader.options.na_values) | {""}
        self.unlabelled = 0  # rows left out: their label is missing
        self.cells, self.lines, self.blocks = [], [], []
        self.n_cells = 0
        self.classes = {}  # label text -> class code, in order of appearance
        self.codes, self.code_blocks = [], []  # this chunk's codes; earlier chunks' (int32)

    def _col(self, c: int) -> str:
        return self.names[c] if self.names else str(c)

    def add(self, line: int, r: list, width: int) -> None:
        if len(r) != width:
            raise DataError(
                f"{self.path}: line {line} has {len(r)} fields but the "
                f"{'header' if self.names else 'first line'} has {width}; every row "
                "needs the same number of columns"
            )
        j = self.label
        if j is not None:
            text = r[j].strip()
            if text in self.no_label:
                self.unlabelled += 1
                return
            code = self.classes.get(text)
            self.codes.append(self._new_class(line, text) if code is None else code)
        self.cells.append(self.get(r))
        self.lines.append(line)
        self.n_cells += width
        if self.n_cells >= CHUNK_CELLS:
            self._flush()

    def _new_class(self, line: int, text: str) -> int:
        """The code of a label not seen before, after checking it."""
        where = f"{self.path}: line {line}: the label (column {self._col(self.label)!r})"
        if len(text) > MAX_LABEL_CHARS:
            raise DataError(f"{where} is longer than {MAX_LABEL_CHARS} characters")
        if len(self.classes) >= MAX_CLASSES:
            raise DataError(
                f"{where}: more than {MAX_CLASSES} different labels; is this column "
                "really a class label? choose another with --label"
            )
        code = self.classes[text] = len(self.classes)
        return code

    def _flush(self) -> None:
        if not self.cells:
            return
        block = self.reader.block(self.cells, self.lines)
        if block is not None:
            self.blocks.append(block)
        self.code_blocks.append(np.array(self.codes, dtype=np.int32))
        self.cells, self.lines, self.codes, self.n_cells = [], [], [], 0

    def finish(self) -> tuple[np.ndarray, np.ndarray | None]:
        self._flush()
        if not self.blocks and self.unlabelled and not self.reader.scanning:
            raise DataError(
                f"{self.path}: no row has a label (column {self._col(self.label)!r} is empty "
                "or missing in every row); choose the label column with --label"
            )
        if not self.blocks:  # only scanned: the reader asks for a second pass
            return np.empty((0, len(self.feats))), None
        X = np.concatenate(self.blocks) if len(self.blocks) > 1 else self.blocks[0]
        self.blocks = []
        if self.label is None:
            return X, None
        codes = np.concatenate(self.code_blocks)
        self.code_blocks = []
        return X, typed_labels(list(self.classes))[codes]


def typed_labels(texts: list) -> np.ndarray:
    """The distinct label texts as int64 (all integers within int64), float64 or str."""
    if all(_INTEGER.fullmatch(t) for t in texts):
        values = [int(t) for t in texts]
        if all(-(2**63) <= v < 2**63 for v in values):
            return np.array(values, dtype=np.int64)
        return np.array(texts)  # beyond int64: keep them exact, as text
    if all(is_number(t) for t in texts):
        y = np.array([float(t) for t in texts])
        if np.isfinite(y).all() and np.all(y == np.round(y)) and np.abs(y).max() < 2**53:
            return y.astype(np.int64)
        return y
    return np.array(texts)
