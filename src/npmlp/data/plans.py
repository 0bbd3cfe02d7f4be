"""Which columns of a table are read, and how: the label, the features, a model's columns.

:func:`train_plan` is what ``npmlp train`` reads (the label column, every other column or only
``--features``, less ``--drop``); :func:`model_plan` what a trained model reads from a new
table (its columns by name, in any order, or by position in a file without a header).
"""

from __future__ import annotations

from ..core.errors import DataError
from .columns import Plan, TableOptions

__all__ = ["LABEL_NAMES", "train_plan", "model_plan", "label_column", "header_names"]

LABEL_NAMES = ("label", "target", "class", "y")


def header_names(cells) -> list:
    """The column names of a header line: each cell stripped, a blank one named
    ``Unnamed: i`` (its 0-based position, as pandas names it), the same at training and
    prediction, so a model finds the column again."""
    return [c.strip() or f"Unnamed: {i}" for i, c in enumerate(cells)]


def _refuse_duplicates(names, path) -> None:
    """A :class:`DataError` naming every name the header gives to more than one column."""
    where = {}
    for i, n in enumerate(names or ()):
        where.setdefault(n, []).append(str(i))
    twice = [f"{n!r} (columns {', '.join(at)})" for n, at in where.items() if len(at) > 1]
    if twice:
        raise DataError(
            f"{path}: the header names more than one column {'; '.join(twice[:10])} (0-based); "
            "give each column its own name"
        )


def label_column(header, width: int, label, path) -> int:
    if width < 2:
        raise DataError(f"{path}: needs at least one feature column and one label column")
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
    raise DataError(f"{path}: no label column {label!r}; columns are: {_shown(header, width)}")


def _shown(names, width: int) -> str:
    cols = names if names else [str(i) for i in range(width)]
    return ", ".join(cols[:20]) + (f", ... ({len(cols)} in all)" if len(cols) > 20 else "")


def train_plan(names, width: int, label, options: TableOptions, path) -> Plan:
    """The columns ``npmlp train`` reads: the label (:func:`_label_column`) and every other
    column, or only ``options.features``, less ``options.drop``; a name given to two columns
    is refused."""
    _refuse_duplicates(names, path)
    j = label_column(names, width, label, path)
    cols = names if names else [str(i) for i in range(width)]
    where = {}
    for i, n in enumerate(cols):
        where.setdefault(n, i)
    for option, given in (("--features", options.features or ()), ("--drop", options.drop)):
        unknown = [g for g in given if g not in where]
        if unknown:
            raise DataError(
                f"{path}: {option}: no column {', '.join(map(repr, unknown))}; columns are: "
                f"{_shown(names, width)}"
            )
        if cols[j] in given:
            raise DataError(
                f"{path}: {option}: {cols[j]!r} is the label column; choose the label with --label"
            )
    feats = [i for i in range(width) if i != j]
    if options.features is not None:
        feats = [where[n] for n in dict.fromkeys(options.features)]
    dropped = {where[n] for n in options.drop}
    feats = [i for i in feats if i not in dropped]
    if not feats:
        raise DataError(f"{path}: no feature column is left to read besides the label")
    names_k = [cols[i] for i in feats]
    return Plan(j, True, feats, names_k, [None] * len(feats), [()] * len(feats))


def model_plan(names, width: int, encoder, path, label=None, keep_label: bool = False) -> Plan:
    """The columns a model's :class:`~npmlp.encoding.TableEncoder` reads, by name when both
    the file and the training table have a header (any order; other columns are skipped),
    else by position; ``keep_label``: the label column too (``label``, or the model's)."""
    K = len(encoder.columns)
    kinds = [c.kind for c in encoder.columns]
    cats = [c.categories for c in encoder.columns]
    if encoder.header and names:
        where = {}
        for i, n in enumerate(names):
            where.setdefault(n, i)
        missing = [n for n in encoder.names if n not in where]
        if missing:
            shown = ", ".join(map(repr, missing[:10])) + (", ..." if len(missing) > 10 else "")
            raise DataError(
                f"{path}: no column {shown}; the model reads {K} named columns: "
                f"{_shown(encoder.names, K)}"
            )
        feats = [where[n] for n in encoder.names]
        j = None
        if keep_label:
            j = label_column(names, width, label if label is not None else encoder.label, path)
        return Plan(j, keep_label, feats, list(encoder.names), kinds, list(cats))
    if not keep_label:
        if width != K:
            raise DataError(
                f"{path}: has {width} columns but the model reads {K} "
                f"({_shown(encoder.names, K)}); give a header line to match columns by name"
            )
        return Plan(None, False, list(range(K)), list(encoder.names), kinds, list(cats))
    if width != K + 1:
        raise DataError(
            f"{path}: has {width} columns but the model reads {K} and a label; give a "
            "header line to match columns by name"
        )
    if label is None and not encoder.header:
        label = encoder.label
    if label is None:
        raise DataError(f"{path}: has no header line; give the label column with --label INDEX")
    j = label_column(names, width, label, path)
    feats = [i for i in range(width) if i != j]
    return Plan(j, True, feats, list(encoder.names), kinds, list(cats))
