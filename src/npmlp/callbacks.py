"""Callbacks: what the training loop (:class:`npmlp.train.loop.Trainer`) announces, and the
ready-made listeners a Keras or skorch user would look for.

The loop announces five events, each with the loop itself (``loop.net``, ``loop.history``,
``loop.optimizer``, ``loop.epoch``, ``loop.batch``, ...) and the logs of that moment:

=================  ==========================================================================
event              logs
=================  ==========================================================================
on_train_begin     ``{}``
on_epoch_begin     ``{"epoch", "lr"}``
on_batch_end       ``{"epoch", "batch", "n_batches", "rows", "loss", "seconds"}`` (one dict,
                   updated in place: copy what you keep)
on_epoch_end       the epoch's record: ``epoch``, ``lr``, ``train_loss``,
                   ``train_accuracy``, ``val_loss``, ``val_accuracy``, ``l2_penalty``,
                   ``train_objective``, ``seconds`` (a callback may add columns)
on_train_end       the last record (``{}`` when no epoch ended)
=================  ==========================================================================

A callback stops training with ``loop.stop()`` (at an epoch's end: after this epoch; after a
batch: there, the epoch left unfinished and ``history.interrupted`` set, so a checkpoint can
continue it). Callbacks run in the order of their :attr:`Callback.order`, then of the list.
A callback that keeps counters or arrays declares them with :meth:`Callback.state` and
:meth:`Callback.load_state`: a checkpoint is the loop's state plus each callback's, so a
resumed run goes on exactly as the run left alone.

Examples
--------
>>> import npmlp
>>> from npmlp.callbacks import EarlyStopping, CSVLogger, LambdaCallback
>>> seen = []
>>> cb = LambdaCallback(on_epoch_end=lambda loop, logs: seen.append(logs["train_loss"]))
>>> # npmlp.fit(net, X, y, config, callbacks=[cb, CSVLogger("log.csv")])
"""

from __future__ import annotations

import csv
import html
import sys
import time
from pathlib import Path

import numpy as np

from .core.errors import NpmlpError

__all__ = [
    "Callback",
    "EarlyStopping",
    "ModelCheckpoint",
    "ProgressBar",
    "CSVLogger",
    "LambdaCallback",
    "Changes",
    "EVENTS",
]

EVENTS = ("on_train_begin", "on_epoch_begin", "on_batch_end", "on_epoch_end", "on_train_end")


class Callback:
    """A listener of the training loop; every event does nothing until overridden.

    ``order``: callbacks with a lower order hear an event first (the history records an epoch
    at -100, early stopping decides at -10, user callbacks at 0, the run's checkpoint at 100).
    ``name``: the key of its state in a checkpoint (the class name by default).
    """

    order = 0

    @property
    def name(self) -> str:
        return type(self).__name__

    def on_train_begin(self, loop) -> None:
        pass

    def on_epoch_begin(self, loop, logs: dict) -> None:
        pass

    def on_batch_end(self, loop, logs: dict) -> None:
        pass

    def on_epoch_end(self, loop, logs: dict) -> None:
        pass

    def on_train_end(self, loop, logs: dict) -> None:
        pass

    def close(self) -> None:
        """Called once the loop stops, however it stops (also on an error): let go of what
        the callback holds open (a file, a live display)."""

    def state(self) -> dict:
        """What this callback needs to go on after a resume: numbers, texts, lists (JSON) and
        NumPy arrays, in one flat dict. Overriding it makes the state part of checkpoints."""
        return {}

    def load_state(self, state: dict) -> None:
        """Take back what :meth:`state` gave."""


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (IPython already imported, its shell a kernel's)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def listens(callback: Callback, event: str) -> bool:
    """Whether ``callback`` overrides ``event`` (the loop calls only those after each batch)."""
    method = getattr(callback, event)
    return getattr(method, "__func__", method) is not getattr(Callback, event)


# ------------------------------------------------------------------------------ early stopping
class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by at least ``tol`` for ``patience`` epochs.

    ``monitor`` is a record entry (``val_loss``, ``val_accuracy``, ``train_loss``,
    ``train_objective``); accuracies improve upwards, losses downwards. With ``restore`` the
    weights of the best epoch so far (any improvement, however small) are kept and put back at
    the end of training. When patience runs out the optimiser is asked whether to stop
    (``optimizer.trigger_stopping()``): the adaptive schedule lowers its rate instead, and the
    count starts again.

    >>> stop = EarlyStopping("val_loss", patience=10, restore=True)
    """

    order = -10

    def __init__(
        self, monitor: str = "val_loss", patience: int = 10, tol: float = 0.0, restore: bool = True
    ):
        self.monitor, self.patience, self.tol, self.restore = monitor, patience, tol, restore
        self.sign = _sign(monitor)
        self.best, self.best_epoch, self.best_params, self.wait = None, None, None, 0

    def update(self, record: dict, net) -> bool:
        """Take an epoch's record; ``True`` when patience has run out."""
        score = self.sign * record[self.monitor]
        if self.best is None or score > self.best:
            self.best_epoch = record["epoch"]
            if self.restore:
                self.best_params = {k: v.copy() for k, v in net.params.items()}
        improved = self.best is None or score >= self.best + self.tol
        self.wait = 0 if improved else self.wait + 1
        self.best = score if self.best is None else max(self.best, score)
        return self.wait >= self.patience

    def on_epoch_end(self, loop, logs: dict) -> None:
        if not self.update(logs, loop.net):
            return
        if loop.optimizer.trigger_stopping():
            loop.stop()
        else:  # the adaptive schedule slowed down instead
            self.wait = 0

    def on_train_end(self, loop, logs: dict) -> None:
        h = loop.history
        h.best_epoch = self.restore_into(loop.net) or h.best_epoch
        h.best_value, h.no_improvement = self.best_value, self.wait

    @property
    def best_value(self) -> float | None:
        """The best value of the monitored quantity so far (in its own sign)."""
        return None if self.best is None else self.sign * self.best

    def restore_into(self, net) -> int | None:
        """Put the best epoch's weights back into ``net``; returns that epoch (or ``None``)."""
        if self.best_params is None:
            return None
        net.set_params(self.best_params)
        return self.best_epoch

    def state(self) -> dict:
        out = {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait}
        out.update({f"best/{k}": v for k, v in (self.best_params or {}).items()})
        return out

    def load_state(self, state: dict) -> None:
        self.best, self.best_epoch, self.wait = state["best"], state["best_epoch"], state["wait"]
        best = {k[5:]: np.array(v) for k, v in state.items() if k.startswith("best/")}
        self.best_params = best or None


# -------------------------------------------------------------------------------- checkpoints
class ModelCheckpoint(Callback):
    """Write the model to ``path`` (an ``.npz`` that :func:`npmlp.load` reads) after each epoch,
    or only when ``monitor`` improves (``save_best_only``). ``path`` may hold ``{epoch}``.

    >>> cb = ModelCheckpoint("best.npz", monitor="val_loss", save_best_only=True)
    """

    def __init__(self, path, monitor: str = "val_loss", save_best_only: bool = False):
        self.path, self.monitor, self.save_best_only = str(path), monitor, save_best_only
        self.sign = _sign(monitor)
        self.best: float | None = None
        self.saved: list[Path] = []

    def on_epoch_end(self, loop, logs: dict) -> None:
        from .nn.model_file import save

        if self.save_best_only:
            value = logs.get(self.monitor)
            if value is None:
                raise NpmlpError(
                    f"ModelCheckpoint monitors {self.monitor!r}, which this run does not "
                    "record; monitor train_loss, or give validation rows"
                )
            if self.best is not None and self.sign * value <= self.best:
                return
            self.best = self.sign * value
        path = Path(self.path.format(epoch=logs["epoch"]))
        save(loop.net, path, training=loop.config.to_dict(), epoch=logs["epoch"])
        self.saved.append(path)

    def state(self) -> dict:
        return {"best": self.best}

    def load_state(self, state: dict) -> None:
        self.best = state["best"]


# ---------------------------------------------------------------------------------- progress
class ProgressBar(Callback):
    """A progress bar of the epochs (rich's in a terminal; in Jupyter one line of HTML updated
    in place, which a saved notebook keeps), with the losses and accuracies of the last
    epoch; within epochs longer than ``every`` seconds also the batches done and rows per
    second. An L-BFGS run counts its iterations.

    >>> # npmlp.fit(net, X, y, config, callbacks=[ProgressBar()])  # or verbose=1
    """

    def __init__(self, every: float = 0.25, console=None):
        self.every, self.console = every, console
        self.progress = self.task = self.handle = None
        self.report_at, self.last, self.total, self.unit = 0.0, "", 0, "epoch"

    def on_train_begin(self, loop) -> None:
        self.total = loop.config.epochs
        self.unit = "iteration" if loop.history.optimizer_name == "lbfgs" else "epoch"
        if self.console is None and in_notebook():
            from IPython.display import HTML, display

            self.handle = display(HTML(""), display_id=True)
            self.show(loop.epoch, "", loop.epoch)
            return
        self.start_rich(loop.epoch)

    def start_rich(self, done: int) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
        from rich.table import Column

        columns = (
            TextColumn(
                f"{self.unit} {{task.fields[epoch]}}/{self.total}",
                table_column=Column(no_wrap=True),
            ),
            BarColumn(bar_width=12),
            TextColumn(  # a narrow terminal cuts the status, not the epoch or the time left
                "{task.fields[status]}",
                table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1),
            ),
            TextColumn("ETA", table_column=Column(no_wrap=True)),
            TimeRemainingColumn(table_column=Column(no_wrap=True)),
        )
        self.progress = Progress(*columns, console=self.console, refresh_per_second=4)
        self.progress.start()
        self.task = self.progress.add_task(
            "train", total=self.total, completed=done, status="", epoch=done
        )

    def show(self, completed: float, status: str, epoch: int) -> None:
        """The bar at ``completed`` of :attr:`total` steps, with ``status`` beside it."""
        if self.progress is not None:
            self.progress.update(self.task, completed=completed, status=status, epoch=epoch)
        elif self.handle is not None:
            from IPython.display import HTML

            share = 100 * completed / max(self.total, 1)
            self.handle.update(
                HTML(
                    f"<div style='font-family:monospace'>{self.unit} {epoch}/{self.total} "
                    "<span style='display:inline-block;width:120px;height:.8em;"
                    f"background:linear-gradient(90deg,#3b82f6 {share:.1f}%,#e5e7eb 0)'>"
                    f"</span> {html.escape(status)}</div>"
                )
            )

    def on_epoch_begin(self, loop, logs: dict) -> None:
        self.report_at = time.perf_counter() + self.every  # short epochs: only their end

    def on_batch_end(self, loop, logs: dict) -> None:
        now = time.perf_counter()
        if now < self.report_at:
            return
        self.report_at = now + self.every
        rate = logs["rows"] / max(logs["seconds"], 1e-9)
        status = f"batch {logs['batch']}/{logs['n_batches']} {rate:,.0f} rows/s" + self.last
        done = logs["epoch"] - 1 + logs["batch"] / logs["n_batches"]
        self.show(done, status, logs["epoch"])

    def on_epoch_end(self, loop, logs: dict) -> None:
        acc, val = logs["train_accuracy"], logs["val_accuracy"]  # None for regression
        status = f"loss {logs['train_loss']:.4f}" + _shown(" acc", acc)
        if logs["val_loss"] is not None:
            status += f" | val loss {logs['val_loss']:.4f}" + _shown(" acc", val)
            status += _shown(" R2", logs.get("val_r2"))
        # the last epoch's, shown beside the next one's batches
        self.last = _shown(" | acc", acc) + _shown(" val", val)
        self.show(logs["epoch"], status, logs["epoch"])

    def on_train_end(self, loop, logs: dict) -> None:
        self.close()

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
        self.handle = None


# ------------------------------------------------------------------------------------ logging
class CSVLogger(Callback):
    """Append each epoch's record to the CSV file ``path`` (a header first, the columns of
    :data:`npmlp.train.train_config.HISTORY_COLUMNS` and any a callback added), flushed per epoch.

    >>> cb = CSVLogger("training.csv")
    """

    def __init__(self, path, append: bool = False):
        self.path, self.append = Path(path), append
        self._file = self._writer = None

    def on_train_begin(self, loop) -> None:
        keep = self.append or loop.epoch > 0  # a resumed run goes on in the same file
        self._file = open(self.path, "a" if keep else "w", newline="")  # noqa: SIM115
        self._writer = None

    def on_epoch_end(self, loop, logs: dict) -> None:
        if self._writer is None:
            self._writer = csv.DictWriter(
                self._file,
                fieldnames=list(logs),
                restval="",
                extrasaction="ignore",
                lineterminator="\n",
            )
            if self._file.tell() == 0:
                self._writer.writeheader()
        self._writer.writerow({k: "" if v is None else v for k, v in logs.items()})
        self._file.flush()

    def on_train_end(self, loop, logs: dict) -> None:
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda loop, logs: ...)``;
    ``on_train_begin`` takes ``(loop)``, every other event ``(loop, logs)``.

    >>> cb = LambdaCallback(on_epoch_end=lambda loop, logs: print(logs["epoch"]))
    """

    def __init__(self, **events):
        unknown = set(events) - set(EVENTS)
        if unknown:
            raise NpmlpError(
                f"LambdaCallback takes {', '.join(EVENTS)}; got {', '.join(sorted(unknown))}"
            )
        self.events = events
        for event, function in events.items():
            setattr(self, event, function)

    @property
    def name(self) -> str:
        return "LambdaCallback:" + ",".join(sorted(self.events))


# ------------------------------------------------------------------------ changes while training
class Changes(Callback):
    """Settings changed while the loop trains, each at its step: ``changes`` is a list of
    ``(step, name, value)`` (:class:`npmlp.core.settings.Changes`: ``step`` batches done, ``name``
    one of :data:`npmlp.core.settings.CHANGEABLE`), applied through ``loop.change``.

    A change is made after its step's batch inside an epoch, or, when that batch ended an
    epoch, once the next epoch has begun (its rate set, its order drawn); a batch size waits
    for an epoch's start, and the changes after it with it. The playground records a run's changes with :meth:`make` and
    ``npmlp train --changes`` replays them at the same points, so both end with the same
    weights, bit for bit. ``make_loop`` adds one for ``config.changes``.
    """

    order = -50  # before the other listeners of an epoch's start

    def __init__(self, changes=()):
        self.changes = [tuple(c) for c in changes]
        self.done = 0  # batches done
        self.applied = 0  # changes made, in order; a waiting batch size keeps its place

    def make(self, loop, name: str, value) -> tuple:
        """Record a change at this step and make it now (a batch size at the next epoch's
        start); returns the record ``(step, name, value)``."""
        change = (self.done, name, value)
        self.changes.append(change)
        self.apply_due(loop)
        return change

    def on_epoch_begin(self, loop, logs) -> None:
        self.apply_due(loop)

    def on_batch_end(self, loop, logs) -> None:
        self.done += 1
        if loop.batch < loop.n_batches:  # an epoch's last batch: at the next one's start
            self.apply_due(loop)

    def apply_due(self, loop) -> None:
        """Make, in order, the changes whose step has come."""
        while self.applied < len(self.changes):
            step, name, value = self.changes[self.applied]
            if step > self.done or (name == "batch_size" and loop.batch):
                return
            loop.change(name, value)
            self.applied += 1

    def state(self) -> dict:
        return {"done": self.done, "applied": self.applied}

    def load_state(self, state: dict) -> None:
        self.done, self.applied = int(state["done"]), int(state["applied"])


def _sign(monitor: str) -> float:
    """+1 where a larger ``monitor`` is better (an accuracy, an R^2), -1 for a loss."""
    return 1.0 if monitor.endswith(("accuracy", "r2")) else -1.0


def _shown(label: str, value) -> str:
    """``"{label} {value:.3f}"``, or nothing where the record has no such value."""
    return "" if value is None else f"{label} {value:.3f}"
