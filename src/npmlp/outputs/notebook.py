"""Histories and runs in a notebook: short texts, HTML cards, and curves redrawn live.

:func:`history_text` / :func:`history_html` are :class:`~npmlp.train.train_config.History`'s
``repr`` and ``_repr_html_`` (the curves of ``curves.png`` inline); :func:`run_text` /
:func:`run_html` a finished run's (:class:`~npmlp.jobs.job.RunResult`: its report card, the metrics,
the confusion matrix of the test split, the curves). :class:`LiveCurves` is a callback that
redraws the loss and accuracy in a notebook's output cell while training runs, at most once
every ``every`` seconds. Pictures are :mod:`npmlp.outputs.plots`'s, embedded as PNG ``data:`` URIs so a
saved notebook shows them on a repository page.
"""

from __future__ import annotations

import base64
import html
import io
import time

from ..callbacks import Callback, in_notebook
from .plots.base import class_names
from .plots.curves import plot_confusion, plot_curves

__all__ = ["history_text", "history_html", "run_text", "run_html", "figure_html", "LiveCurves"]


def figure_html(fig, alt: str = "figure", width: int | None = None) -> str:
    """A matplotlib Figure as an ``<img>`` with its PNG inline."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    size = f' width="{width}"' if width else ""
    return f'<img alt="{html.escape(alt)}"{size} src="data:image/png;base64,{data}">'


def _steps(history) -> str:
    n = len(history)
    if history.optimizer_name == "lbfgs":
        return f"{n} L-BFGS iteration{'s' * (n != 1)}"
    return f"{n} epoch{'s' * (n != 1)}" + (
        f" of {history.optimizer_name}" if history.optimizer_name else ""
    )


def history_text(history) -> str:
    """One line: the steps run, the last losses and accuracies, the best epoch."""
    if not history.records:
        return "History(no epoch yet)"
    r = history.records[-1]
    parts = [f"train loss {r['train_loss']:.4f}, accuracy {r['train_accuracy']:.4f}"]
    if r.get("val_loss") is not None:
        parts.append(f"val loss {r['val_loss']:.4f}, accuracy {r['val_accuracy']:.4f}")
    if history.monitor and history.best_epoch is not None:
        parts.append(f"best epoch {history.best_epoch} by {history.monitor}")
    if history.stopped_early:
        parts.append("stopped early")
    if history.interrupted:
        parts.append("interrupted")
    return f"History({_steps(history)}: {'; '.join(parts)})"


def history_html(history) -> str:
    """The history's line and its curves (loss and accuracy per epoch) as a picture."""
    head = f"<p><code>{html.escape(history_text(history))}</code></p>"
    if not history.records:
        return head
    return head + figure_html(plot_curves(history), "loss and accuracy per epoch", 800)


def run_text(result) -> str:
    """One line: the data, the network, what ran, the rows, the test accuracy."""
    m, net = result.metrics, result.net
    parts = [f"{m.get('data')}: MLP {net.arch}", _steps(result.history)]
    parts.append(f"{m.get('n_train')} training rows, {m.get('n_test')} test rows")
    if m.get("test_accuracy") is not None:
        parts.append(f"test accuracy {m['test_accuracy']:.4f}")
    return f"RunResult({'; '.join(parts)})"


def _table(rows, header=()) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    for row in rows:
        cells += "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
    return f"<table><tr>{cells}</table>"


def _confusion(result) -> str:
    X_test, y_test = result.splits["test"]
    if not len(y_test):
        return ""
    net = result.net
    names = class_names(net.classes, result.dataset.target_names)
    fig = plot_confusion(y_test, net.predict_proba(X_test).argmax(axis=1), names)
    return figure_html(fig, "confusion matrix of the test split", 760)


def run_html(result) -> str:
    """The run's report card: its line, the metrics per split, the confusion matrix of the
    test split and the curves."""
    m = result.metrics
    splits = [
        (name, f"{m[f'{name}_loss']:.4f}", f"{m[f'{name}_accuracy']:.4f}")
        for name in ("train", "val", "test")
        if f"{name}_loss" in m
    ]
    facts = [
        ("optimizer", m.get("optimizer")),
        ("L2 penalty", m.get("weight_decay")),
        ("parameters", f"{result.net.n_params:,}"),
    ]
    return "".join(
        [
            f"<div class='npmlp-run'><p><code>{html.escape(run_text(result))}</code></p>",
            "<div style='display:flex;gap:2em'>",
            _table(splits, ("split", "loss", "accuracy")),
            _table(facts),
            "</div>",
            _confusion(result),
            figure_html(plot_curves(result.history), "loss and accuracy per epoch", 800),
            "</div>",
        ]
    )


class LiveCurves(Callback):
    """Redraw the loss and accuracy curves in the notebook cell that trains, at most once
    every ``every`` seconds and once at the end (outside a notebook it does nothing).

    >>> # npmlp.fit(net, X, y, config, callbacks=[LiveCurves()])
    """

    def __init__(self, every: float = 1.0):
        self.every, self.handle, self.next_at = every, None, 0.0

    def on_train_begin(self, loop) -> None:
        if in_notebook():
            from IPython.display import HTML, display

            self.handle = display(
                HTML("<p>training: curves after the first epoch</p>"), display_id=True
            )
        self.next_at = 0.0

    def on_epoch_end(self, loop, logs: dict) -> None:
        if self.handle is not None and time.monotonic() >= self.next_at:
            self.draw(loop.history)

    def on_train_end(self, loop, logs: dict) -> None:
        if self.handle is not None:
            self.draw(loop.history)

    def draw(self, history) -> None:
        from IPython.display import HTML

        self.handle.update(HTML(history_html(history)))
        self.next_at = time.monotonic() + self.every
