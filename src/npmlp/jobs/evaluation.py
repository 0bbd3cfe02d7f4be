"""Scoring a trained model: the per-class report of ``npmlp evaluate``, callable from Python.

:func:`pick_rows` picks the rows to score -- by default the rows the model did not train
on: the test rows that ``npmlp train`` held out (replayed from the split it recorded) or the
data's own test part; every row only when asked, or when the model cannot say which rows it
trained on -- and says in words which rows they are; :func:`table_rows` encodes a table's
columns as the model takes them. :func:`evaluation_report` scores the rows: accuracy, loss,
per-class precision / recall / support and the confusion matrix; :func:`format_report`
prints that as text.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..core.errors import NpmlpError
from ..core.rows import is_streamed, subset_rows
from ..data.splits import split_dataset
from ..encoding import encoder_of

__all__ = [
    "evaluation_rows",
    "pick_rows",
    "table_rows",
    "held_out_test_rows",
    "evaluation_report",
    "confusion",
    "format_report",
    "ScoredRows",
    "SPLITS",
]

SPLITS = ("auto", "test", "all")


class ScoredRows(NamedTuple):
    """Rows to score: X (n, D), their labels (n,), and which rows they are, in words."""

    X: object
    y: np.ndarray
    what: str


def held_out_test_rows(net, ds, data: str):
    """The rows (X (n, D), labels (n,)) that ``npmlp train`` held out as ``net``'s test split.

    ``ds`` is the loaded data set named ``data``; the model's metadata must record its split
    and the same data name.
    """
    split = net.metadata.get("split")
    if not split:
        raise NpmlpError(
            "this model file does not record its training split (it was not written by "
            "'npmlp train'); use --split all"
        )
    if net.metadata.get("data") != data:
        raise NpmlpError(
            f"--split test needs the data the model was trained on "
            f"(--data {net.metadata.get('data')}), got --data {data}"
        )
    if not split["test_fraction"]:
        raise NpmlpError(
            "this model was trained with --test-fraction 0: no rows were held out for a test; "
            "use --split all"
        )
    _, test_idx = split_dataset(ds, split["test_fraction"], split["seed"])
    return subset_rows(ds.X, test_idx), ds.y[test_idx]


def _records_split_of(net, data: str) -> bool:
    return bool(net.metadata.get("split")) and net.metadata.get("data") == data


def pick_rows(net, ds, data: str, split: str = "auto") -> ScoredRows:
    """The rows of ``ds`` (loaded from ``data``) to score ``net`` on, as loaded (a table's rows
    are raw columns: encode them with :func:`table_rows`), as :class:`ScoredRows`.

    ``split="test"``: the rows the model did not train on: the data's own test part when it
    has one, else the test rows ``npmlp train`` held out (:func:`held_out_test_rows`; an
    error if the model does not record its split or was trained on other data).
    ``"all"``: every row, a given test part included. ``"auto"`` (the default of ``npmlp
    evaluate``): ``"test"`` when the data has a test part or the model records its split of
    this data, else ``"all"``.
    """
    if split not in SPLITS:
        raise NpmlpError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    if split == "auto":
        split = "test" if ds.X_test is not None or _records_split_of(net, data) else "all"
    if split == "test" and ds.X_test is not None:
        return ScoredRows(ds.X_test, ds.y_test, f"the {len(ds.y_test)} rows of {data}'s test part")
    if split == "test":
        X, y = held_out_test_rows(net, ds, data)
        s = net.metadata["split"]
        return ScoredRows(
            X,
            y,
            f"the {len(y)} test rows 'npmlp train' held out (test fraction "
            f"{s['test_fraction']:g}, seed {s['seed']}); --split all scores every row",
        )
    if ds.X_test is not None:
        if is_streamed(ds.X):
            raise NpmlpError(f"{data} is streamed from disk: --split all cannot join its parts")
        X = np.concatenate([np.asarray(ds.X), np.asarray(ds.X_test)])
        return ScoredRows(X, np.concatenate([ds.y, ds.y_test]), f"all {len(X)} rows of {data}")
    note = "" if _records_split_of(net, data) else " (the model records no split of them)"
    return ScoredRows(ds.X, ds.y, f"all {len(ds.y)} rows of {data}{note}")


def table_rows(net, ds, X, data: str):
    """Rows X of ``ds`` as ``net`` takes them: ``(X (N, D), notes)``. A table's raw columns
    are encoded by the model's table encoder (notes: cells filled, values unseen in training,
    as :meth:`~npmlp.encoding.TableEncoder.transform` gives them); other rows pass as they are."""
    notes = {"missing": {}, "unseen": {}}
    if ds.table is not None and encoder_of(net) is not None:
        return encoder_of(net).transform(ds.table, X)
    if ds.table is not None and (
        any(k != "number" for k in ds.table.kinds) or any(ds.table.missing)
    ):
        raise NpmlpError(
            f"{data}: this model was not trained on a table, so it reads numbers only; "
            "this table has text columns or missing values"
        )
    if X.shape[1] != net.D:
        raise NpmlpError(f"{data} has {X.shape[1]} features but the model expects D={net.D}")
    return X, notes


def evaluation_rows(net, ds, data: str, split: str = "auto") -> ScoredRows:
    """Rows and labels to score (:func:`pick_rows`), as the model takes them
    (:func:`table_rows`): :class:`ScoredRows` ``(X (N, D), labels (N,), what)``."""
    rows = pick_rows(net, ds, data, split)
    return rows._replace(X=table_rows(net, ds, rows.X, data)[0])


def confusion(y_idx: np.ndarray, pred: np.ndarray, C: int) -> np.ndarray:
    """The (C, C) confusion matrix of class indices y_idx (N,) and pred (N,): rows true,
    columns predicted (scikit-learn's ``confusion_matrix``, without importing it: ``npmlp
    evaluate`` answers sooner)."""
    return np.bincount(y_idx * C + pred, minlength=C * C).reshape(C, C)


def evaluation_report(net, X, labels) -> dict:
    """Score ``net`` on raw rows X : (N, D) with their labels (N,) (the model's own labels).

    Returns a JSON-ready dict: ``accuracy``, ``loss``, ``n``, ``per_class`` (precision,
    recall, support per class name), ``confusion_matrix`` (C x C, rows true, columns
    predicted) and ``classes``.
    """
    y_idx = net.encode_labels(labels)
    ev = net.evaluate(X, y_idx, indices=True)
    pred = net.encode_labels(net.predict(X))
    cm = confusion(y_idx, pred, net.C)
    hits, support, predicted = np.diag(cm), cm.sum(axis=1), cm.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):  # 0 where nothing to divide by,
        prec = np.where(predicted > 0, hits / predicted, 0.0)  # as scikit-learn's
        rec = np.where(support > 0, hits / support, 0.0)  # zero_division=0
    names = [str(c) for c in net.classes]
    return {
        "accuracy": ev["accuracy"],
        "loss": ev["loss"],
        "n": int(len(y_idx)),
        "per_class": {
            n: {"precision": float(p), "recall": float(r), "support": int(s)}
            for n, p, r, s in zip(names, prec, rec, support)
        },
        "confusion_matrix": cm.tolist(),
        "classes": names,
    }


def format_report(result: dict) -> str:
    """The text of :func:`evaluation_report`'s result, as ``npmlp evaluate`` prints it."""
    names, cm = result["classes"], np.asarray(result["confusion_matrix"])
    lines = [f"scored: {result['scored']}"] if result.get("scored") else []
    lines += [
        f"accuracy: {result['accuracy']:.4f}  loss: {result['loss']:.4f}  rows: {result['n']}",
        f"{'class':<12} {'precision':>9} {'recall':>7} {'support':>7}",
    ]
    for n in names:
        c = result["per_class"][n]
        lines.append(f"{n:<12} {c['precision']:>9.3f} {c['recall']:>7.3f} {c['support']:>7d}")
    lines.append("confusion matrix (rows: true, columns: predicted):")
    width = max(len(str(cm.max())), max(len(n) for n in names)) + 1
    lines.append(" " * 12 + "".join(f"{n:>{width}}" for n in names))
    for n, row in zip(names, cm):
        lines.append(f"{n:<12}" + "".join(f"{v:>{width}d}" for v in row))
    return "\n".join(lines)
