"""The :class:`TableEncoder`: raw columns -> the network's input, fitted on the training split
and stored in the model file as JSON (see :mod:`npmlp.encoding`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.errors import DataError
from .kinds import (
    _DAY,
    CATEGORY,
    DATE,
    DATE_PARTS,
    ENCODER_VERSION,
    MAX_CATEGORIES,
    MAX_NAME_CHARS,
    NA_VALUES,
    NUMBER,
    OTHER,
    TIME,
    RawColumns,
    check_trainable,
    left_out_lines,
    usable_columns,
)


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
    :func:`npmlp.jobs.job.train_run` and :func:`npmlp.nn.model_file.load`), else None."""
    return net.encoder


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
