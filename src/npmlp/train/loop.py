"""The training loop: minibatch gradient descent on the mean loss (seed eq. 5), announcing what
happens in it to callbacks (:mod:`npmlp.callbacks`).

:class:`Trainer` is the one loop that :func:`npmlp.fit`, :class:`~npmlp.NpMLPClassifier`, the
``npmlp train`` job and the playground's sessions run. It reads like the recipe::

    for each epoch:                       begin_epoch: the rate, the order shuffled
        for each batch of the order:      train_batch: gather, forward, backward, step
        end_epoch:                        the record, validation scores, the callbacks

and the playground steps the same object a few batches per frame (:meth:`Trainer.step`). What
surrounds the loop is a callback: the history, early stopping (with the best weights), the
run's checkpoints, progress, the health monitor, the boundary frames, the estimator's curves.
The optimiser owns its learning rate and schedule (:class:`npmlp.train.optim.Schedule`): the loop
tells it that an epoch begins, early stopping asks it whether to stop.

:meth:`Loop.state` is the loop's state plus each callback's (a
:class:`~npmlp.train.checkpoint.TrainState`); :meth:`Loop.load_state` continues from it, so a run
stopped at any batch and resumed ends with the weights of the run left alone, bit for bit.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from ..callbacks import Callback, listens
from ..core.errors import NpmlpError, TrainingDiverged
from ..core.rows import is_sparse
from ..core.threads import blas_threads, training_threads
from ..nn.layers import dropout_mask
from ..nn.workspace import Workspace
from .checkpoint import TrainState, check_arrays
from .optim import make_optimizer

__all__ = ["Loop", "Trainer", "gather_batch"]


class Loop:
    """What every training loop shares: its callbacks, announcing events, stopping, state.

    ``history`` is a :class:`~npmlp.train.train_config.History` (itself the first callback); the
    loop's counters are ``epoch`` (epochs done) and ``batch`` (batches done of the next one).
    """

    def __init__(self, net, config, optimizer, history, callbacks=()):
        self.net, self.config, self.optimizer, self.history = net, config, optimizer, history
        _check_callbacks(callbacks)
        self.callbacks = sorted([history, *callbacks], key=lambda c: c.order)
        self.keeping = _state_names(self.callbacks)  # {name in checkpoints: callback}
        self.epoch, self.batch = 0, 0
        self.stop_training = False

    def announce(self, event: str, *logs) -> None:
        """Call ``event`` on every callback, in order (``on_train_begin`` takes no logs)."""
        for callback in self.callbacks:
            getattr(callback, event)(self, *logs)

    def closing(self):
        """A context in which the loop runs: every callback's ``close`` at its end."""
        return _Closing(self.callbacks)

    def stop(self) -> None:
        """Stop training: after this epoch at its end (``history.stopped_early``), or here,
        the epoch left unfinished (``history.interrupted``)."""
        self.stop_training = self.history.stopped_early = True

    def interrupt(self) -> None:
        """Stop here because the run was interrupted (a signal): ``history.interrupted``."""
        self.history.interrupted = self.stop_training = True

    def record(self, lr, loss: float, accuracy, *, penalty: float, objective: float) -> dict:
        """The record of the epoch (iteration) that ends: its mean losses and accuracy (None for
        a regression head), the validation rows scored (``val_r2`` too for regression), and the
        seconds since ``t0``. ``validation`` and ``t0`` are the subclass's."""
        record = {
            "epoch": self.epoch + 1,
            "lr": lr,
            "train_loss": loss,
            "train_accuracy": accuracy,
            "val_loss": None,
            "val_accuracy": None,
            "l2_penalty": penalty,
            "train_objective": objective,
        }
        if self.validation is not None:
            ev = self.net.evaluate(*self.validation, indices=True)
            record["val_loss"], record["val_accuracy"] = ev["loss"], ev.get("accuracy")
            if "r2" in ev:  # a regression head: its validation score
                record["val_r2"] = ev["r2"]
        record["seconds"] = time.perf_counter() - self.t0
        return record

    def callback_states(self) -> dict:
        """``{name: state}`` of every callback that declares one (overrides ``state``)."""
        return {name: c.state() for name, c in self.keeping.items()}

    def load_callback_states(self, states: dict) -> None:
        if set(self.keeping) != set(states):
            raise NpmlpError(
                f"checkpoint: it was written with the callbacks {sorted(states)}, this run has "
                f"{sorted(self.keeping)}; resume with the settings of the run that wrote it"
            )
        for name, c in self.keeping.items():
            c.load_state(states[name])


class _Closing:
    def __init__(self, callbacks):
        self.callbacks = callbacks

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for callback in self.callbacks:
            callback.close()
        return False


def _check_callbacks(callbacks) -> None:
    for c in callbacks:
        if not isinstance(c, Callback):
            raise NpmlpError(
                f"callbacks must be npmlp.callbacks.Callback objects, got {type(c).__name__}; "
                "wrap a function in npmlp.callbacks.LambdaCallback(on_epoch_end=...)"
            )


def _state_names(callbacks) -> dict:
    """The callbacks that keep state, by name; a name met again gets ``#2``, ``#3``, ..."""
    out = {}
    for c in callbacks:
        if listens(c, "state"):
            name, n = c.name, 1
            while name in out:
                n += 1
                name = f"{c.name}#{n}"
            out[name] = c
    return out


class Trainer(Loop):
    """Minibatch gradient descent over checked rows X : (N, D), class indices y : (N,).

    ``config`` has its optimiser and L2 penalty resolved (see :func:`npmlp.fit`, which builds
    the trainer); ``validation`` is ``(X_val, y_val, sample_weight_val)`` or ``None``;
    ``sample_weight`` (N,) or ``None``. Buffers are allocated here, once: one
    :class:`~npmlp.nn.workspace.Workspace` per batch size (and one more for each batch size a
    :meth:`change` brings).
    """

    def __init__(
        self,
        net,
        X,
        y,
        config,
        optimizer,
        history,
        *,
        sample_weight=None,
        validation=None,
        callbacks=(),
    ):
        super().__init__(net, config, optimizer, history, callbacks)
        if is_sparse(X):  # batches are densified into the workspace: X takes the model's dtype
            X = X.astype(net.dtype).tocsr()
        self.X, self.y, self.sample_weight, self.validation = X, y, sample_weight, validation
        N = X.shape[0]
        self.workspaces, self.weights = {}, {}  # by batch size: one per size the run meets
        self.batch_logs = {"epoch": 0, "batch": 0, "n_batches": 0, "rows": 0}
        self.batch_logs.update(loss=0.0, seconds=0.0)
        self.resize(config.batch_size)
        self.rng = np.random.default_rng(config.seed)  # shuffles and dropout masks
        self.order = np.arange(N)  # shuffled in place: the caller's rows are never reordered
        self.sums = {"loss_sum": 0.0, "penalty_sum": 0.0, "objective_sum": 0.0, "correct": 0}
        self.epoch_start = None  # the weights when the unfinished epoch began
        self.in_epoch = False  # begun and not ended
        self.t0 = 0.0
        self.filled = False  # full batch: the one batch is gathered and scaled once
        self.batch_listeners = [c for c in self.callbacks if listens(c, "on_batch_end")]

    # ------------------------------------------------------------------------------ the run
    def run(self):
        """Train until ``config.epochs`` epochs are done or a callback stops; the history."""
        threads = training_threads(self.net.arch, self.B, self.config.threads)
        with self.closing(), blas_threads(threads):
            self.announce("on_train_begin")
            while self.epoch < self.config.epochs and not self.stop_training:
                self.run_epoch()
            self.announce("on_train_end", self.history.records[-1] if self.history.records else {})
        return self.history

    def run_epoch(self) -> None:
        """The rest of the current epoch (all of it at its start)."""
        if not self.in_epoch:
            self.begin_epoch()
        while self.batch < self.n_batches and not self.stop_training:
            self.train_batch()
        if self.batch < self.n_batches:  # stopped inside the epoch: left for a resume
            self.history.interrupted, self.history.stopped_early = True, False
            return
        self.end_epoch()

    def step(self) -> float:
        """One batch, opening its epoch before the first and closing it after the last (the
        playground's frame); returns the batch's mean cross-entropy."""
        if not self.in_epoch:
            self.begin_epoch()
        loss = self.train_batch()
        if self.batch == self.n_batches:
            self.end_epoch()
        return loss

    # ------------------------------------------------------------ changes between batches
    def resize(self, batch_size) -> None:
        """Batches of ``batch_size`` rows (0 or ``None``: all N) from the next one on, which
        must open an epoch: ``B``, ``n_batches`` and a workspace for each new batch size."""
        if self.batch:
            raise NpmlpError(
                f"the batch size changes at an epoch's start only (now batch {self.batch} of "
                f"{self.n_batches})"
            )
        N, net = self.X.shape[0], self.net
        self.B = N if not batch_size else min(batch_size, N)
        self.n_batches = math.ceil(N / self.B)
        for n in {self.B, N % self.B} - {0} - set(self.workspaces):
            self.workspaces[n] = Workspace(net, n, dropout=self.config.dropout > 0)
            if self.sample_weight is not None:
                self.weights[n] = np.empty(n, net.dtype)
        self.filled = False  # full batch: gathered again at the next step
        self.batch_logs["n_batches"] = self.n_batches

    def change(self, name: str, value) -> None:
        """Change a setting of :data:`npmlp.core.settings.CHANGEABLE` before the next batch: the
        learning rate (the optimiser's schedule, its rate in force now), the L2 penalty, the
        batch size (:meth:`resize`), or the optimiser (a new one, its state at zero, following
        the same schedule). :class:`npmlp.callbacks.Changes` calls it at recorded steps."""
        opt = self.optimizer
        if name == "lr":
            opt.schedule.lr = value
            opt.learning_rate = opt.schedule.rate(self.epoch)  # epoch self.epoch + 1's rate
        elif name == "batch_size":
            self.resize(value)
        elif name == "optimizer":
            self.optimizer = _optimizer_like(value, self.net.params, self.config, opt)
        elif name != "weight_decay":
            raise NpmlpError(f"a run cannot change {name!r} while it trains")
        self.config = replace(self.config, **{name: value})

    # ----------------------------------------------------------------------------- phases
    def begin_epoch(self) -> None:
        """The epoch's rate, a new order of the rows, its first weights kept, sums at zero."""
        lr = self.optimizer.epoch_begins(self.epoch + 1)
        if self.config.shuffle and self.n_batches > 1:
            self.rng.shuffle(self.order)  # indices only
        self.epoch_start = {k: v.copy() for k, v in self.net.params.items()}
        self.sums = dict.fromkeys(self.sums, 0.0)
        self.sums["correct"] = 0
        self.t0 = time.perf_counter()
        self.in_epoch = True
        self.announce("on_epoch_begin", {"epoch": self.epoch + 1, "lr": lr})

    def train_batch(self) -> float:
        """Gather the next batch, forward and backward (eqs. 22-25 and section 3.3), step."""
        rows = self.order[self.batch * self.B : (self.batch + 1) * self.B]
        n, ws, cfg = rows.shape[0], self.workspaces[rows.shape[0]], self.config
        if not (self.filled and self.n_batches == 1):
            gather_batch(self.net, self.X, self.y, rows, ws)
            self.filled = True
        sw = None
        if self.sample_weight is not None:
            sw = np.take(self.sample_weight, rows, out=self.weights[n])
        masks = None
        if cfg.dropout:  # new units dropped at every step
            masks = {i: dropout_mask(self.rng, cfg.dropout, m) for i, m in ws.mask.items()}
        loss, n_ok = self.net.forward_backward(ws, sw, cfg.weight_decay, masks)
        penalty = self.net.l2_penalty(cfg.weight_decay) if cfg.weight_decay else 0.0
        objective = loss + penalty  # the mean cross-entropy plus the L2 penalty
        if not math.isfinite(objective):
            raise self.diverged(f"the loss became {objective}")
        self.optimizer.step(ws.grads)
        s = self.sums
        s["loss_sum"] += loss * n
        s["penalty_sum"] += penalty * n
        s["objective_sum"] += objective * n
        if n_ok is not None:  # None: a regression head, no accuracy
            s["correct"] += n_ok
        self.batch += 1
        if self.batch_listeners:
            self.announce_batch(loss)
        return loss

    def announce_batch(self, loss: float) -> None:
        logs = self.batch_logs
        logs["epoch"], logs["batch"], logs["loss"] = self.epoch + 1, self.batch, loss
        logs["rows"] = min(self.batch * self.B, self.X.shape[0])
        logs["seconds"] = time.perf_counter() - self.t0
        for callback in self.batch_listeners:
            callback.on_batch_end(self, logs)

    def end_epoch(self) -> None:
        """The epoch's record (validation rows scored), then every callback hears of it."""
        if not all(math.isfinite(float(v.sum())) for v in self.net.params.values()):
            raise self.diverged("a parameter became non-finite")
        N, s = self.X.shape[0], self.sums
        accuracy = s["correct"] / N if self.net.head.classes else None
        record = self.record(
            self.optimizer.learning_rate,
            s["loss_sum"] / N,
            accuracy,
            penalty=s["penalty_sum"] / N,
            objective=s["objective_sum"] / N,
        )
        self.epoch, self.batch, self.in_epoch = self.epoch + 1, 0, False
        self.announce("on_epoch_end", record)

    def diverged(self, what: str) -> TrainingDiverged:
        """Put back the epoch's first weights if the current ones are not finite; the error."""
        if not all(math.isfinite(float(v.sum())) for v in self.net.params.values()):
            self.net.set_params(self.epoch_start)
        lr = self.optimizer.learning_rate
        return TrainingDiverged(
            f"training diverged at epoch {self.epoch + 1}, batch {self.batch + 1}: {what}; the "
            f"model keeps its last finite weights. Use a smaller learning rate (now {lr:g}, "
            f"try {lr / 10:g})",
            self.history,
        )

    # ------------------------------------------------------------------------------ state
    def state(self) -> TrainState:
        """Everything the next update depends on (arrays copied)."""
        inside = self.batch > 0
        sums = None
        if inside:
            sums = dict(self.sums, seconds=time.perf_counter() - self.t0)
        return TrainState(
            epoch=self.epoch,
            batch=self.batch,
            epochs=self.config.epochs,
            params={k: v.copy() for k, v in self.net.params.items()},
            optimizer={k: v.copy() for k, v in self.optimizer.state().items()},
            optimizer_scalars=dict(self.optimizer.scalars()),
            rng=self.rng.bit_generator.state,
            order=self.order.copy(),
            epoch_start=dict(self.epoch_start) if inside else None,
            sums=sums,
            callbacks=self.callback_states(),
        )

    def load_state(self, state: TrainState) -> None:
        """Continue from ``state``, taken from a run of the same network, rows and settings;
        :class:`NpmlpError` names the first thing that does not match."""
        net = self.net
        check_arrays("weights", state.params, net.params)
        if state.order.shape != self.order.shape or not np.array_equal(
            np.sort(state.order), np.arange(self.order.size)
        ):
            raise NpmlpError(
                f"checkpoint: its row order is for {state.order.size} training rows, this run "
                f"has {self.order.size}"
            )
        if state.batch:
            check_arrays("epoch's first weights", state.epoch_start, net.params)
            if not 0 < state.batch < self.n_batches:
                raise NpmlpError(
                    f"checkpoint: batch {state.batch} of an epoch of {self.n_batches} batches"
                )
        self.load_callback_states(state.callbacks)
        net.set_params(state.params)
        self.optimizer.load_state(state.optimizer, state.optimizer_scalars)
        self.rng.bit_generator.state = state.rng
        self.order[...] = state.order
        self.epoch, self.batch, self.in_epoch = state.epoch, state.batch, state.batch > 0
        if state.batch:  # inside an epoch: its first weights and running sums
            self.epoch_start = {k: v.copy() for k, v in state.epoch_start.items()}
            sums = dict(state.sums)
            self.t0 = time.perf_counter() - sums.pop("seconds")
            self.sums = sums
        if self.history.stopped_early and self.config.epochs <= state.epochs:
            self.stop_training = True  # nothing left to run, unless more epochs are asked
        self.history.stopped_early = self.stop_training


def _optimizer_like(name: str, params: dict, config, old):
    """A new optimiser ``name`` over ``params`` (its state at zero; momentum and Adam's
    constants from ``config``), at ``old``'s schedule and rate."""
    opt = make_optimizer(
        name,
        params,
        momentum=config.momentum,
        nesterov=config.nesterov,
        beta1=config.beta1,
        beta2=config.beta2,
        eps=config.epsilon,
    )
    opt.follow(old.schedule)
    opt.learning_rate = old.learning_rate
    return opt


def gather_batch(net, X, y, rows: np.ndarray, ws: Workspace) -> None:
    """Rows ``rows`` of X : (N, D) and y : (N,) or (N, C) into ``ws.X`` and ``ws.y``, scaled (one batch:
    a sparse X is densified here, a streamed one read here)."""
    if is_sparse(X):
        X[rows].toarray(out=ws.X)
    elif X.dtype == net.dtype:
        np.take(X, rows, axis=0, out=ws.X, mode="clip")
    else:
        np.copyto(ws.X, X[rows], casting="unsafe")
    net.scale_input(ws.X, out=ws.X)
    np.take(y, rows, axis=0, out=ws.y)
