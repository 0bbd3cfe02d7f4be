"""Training by gradient descent on the mean loss over the training set (seed eq. 5): the one
training policy that ``npmlp train`` and :class:`~npmlp.sklearn.NpMLPClassifier` both use.

``fit(net, X, y, config)`` runs epochs of minibatch updates (``batch_size = N`` gives the seed's
full-batch gradient descent). Each epoch shuffles an index array, never the caller's data;
batches are gathered into a buffer allocated once per batch size, scaled in place by
:meth:`MLP.scale_input`, and passed through :meth:`MLP.forward_backward`.

The policy around the loop lives here too: the validation rows (held out or given; none when
too few, :func:`validation_plan`), their weighted evaluation (:meth:`MLP.evaluate`), and
:class:`EarlyStopping` with ``tol``, patience and the best weights restored.
:class:`TrainConfig`'s defaults are :data:`npmlp.defaults.TRAIN`, as ``npmlp train``'s are.

Each epoch's record keeps the losses apart: ``train_loss`` and ``val_loss`` are mean
cross-entropies (the data loss of eq. 5), ``l2_penalty`` is ``weight_decay/2 * sum ||W||^2``,
and ``train_objective`` their sum, the quantity the updates descend (scikit-learn's ``loss_``).
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from .checkpoint import TrainState
from .data.splits import hold_out
from .errors import DataError, NpmlpError, TrainingDiverged
from .layers import dropout_mask
from .lbfgs import fit_lbfgs
from .model import MLP, Workspace
from .optim import learning_rate, make_optimizer
from .rows import is_sparse
from .threads import blas_threads, training_threads
from .train_config import (
    MONITORS,
    History,
    TrainConfig,
    choose_optimizer,
    choose_weight_decay,
    validation_plan,
)

__all__ = [
    "TrainConfig",
    "History",
    "EarlyStopping",
    "fit",
    "gather_batch",
    "validation_plan",
    "choose_optimizer",
    "MONITORS",
]

REPORT_SECONDS = 0.25  # at most this often, ``on_batch`` hears of the batches done


class EarlyStopping:
    """Stop when ``monitor`` has not improved by at least ``tol`` for ``patience`` epochs.

    ``monitor`` is a record entry (:data:`MONITORS`); accuracies improve upwards, losses
    downwards. The weights of the best epoch so far (any improvement, however small) are kept
    when ``restore`` and put back by :meth:`restore_into` at the end.
    """

    def __init__(self, monitor: str, patience: int, tol: float = 0.0, restore: bool = True):
        self.monitor, self.patience, self.tol, self.restore = monitor, patience, tol, restore
        self.sign = 1.0 if monitor.endswith("accuracy") else -1.0
        self.best, self.best_epoch, self.best_params, self.wait = None, None, None, 0
        self.lr_scale = 1.0  # the adaptive schedule's factor: / 5 at each plateau

    def update(self, record: dict, net: MLP) -> bool:
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

    @property
    def best_value(self) -> float | None:
        """The best value of the monitored quantity so far (in its own sign)."""
        return None if self.best is None else self.sign * self.best

    def restore_into(self, net: MLP) -> int | None:
        """Put the best epoch's weights back into ``net``; returns that epoch (or ``None``)."""
        if self.best_params is None:
            return None
        net.set_params(self.best_params)
        return self.best_epoch


def _params_finite(params: dict) -> bool:
    return all(math.isfinite(float(v.sum())) for v in params.values())


def _diverged(net, snapshot, history, epoch, batch, lr, what) -> TrainingDiverged:
    """Put back the epoch's first weights if the current ones are not finite; the error."""
    if not _params_finite(net.params):
        net.set_params(snapshot)
    return TrainingDiverged(
        f"training diverged at epoch {epoch}, batch {batch}: {what}; the model keeps its last "
        f"finite weights. Use a smaller learning rate (now {lr:g}, try {lr / 10:g})",
        history,
    )


def _check_weights(sample_weight, N: int, dtype):
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=dtype)
    if w.shape != (N,) or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise DataError(f"sample_weight must be {N} finite non-negative numbers")
    return w


def fit(
    net: MLP,
    X,
    y,
    config: TrainConfig | None = None,
    *,
    X_val=None,
    y_val=None,
    sample_weight=None,
    sample_weight_val=None,
    callback=None,
    optimizer=None,
    resume: TrainState | None = None,
    checkpoint=None,
    on_batch=None,
    check_input: bool = True,
) -> History:
    """Train ``net`` in place on raw rows X : (N, D) with class indices y : (N,).

    The model's :attr:`~MLP.preprocessing`, if set, is applied to every batch. Validation
    rows come from ``X_val, y_val`` (weights ``sample_weight_val``) or, if
    ``config.val_fraction > 0``, a stratified split of the training rows (with their weights).
    ``sample_weight`` (N,) weights each row's loss and gradient; validation metrics are
    weighted the same way.

    ``callback(record, net)`` runs after every epoch with that epoch's record; returning
    ``True`` stops training. ``optimizer`` continues with an existing optimiser state
    (``partial_fit``); by default one is built from the config.
    ``on_batch(epoch, batches_done, n_batches, rows_done, seconds)`` hears of the progress
    within an epoch (``seconds`` since it began), at most every ``REPORT_SECONDS`` (a clock
    read per batch, nothing allocated): long epochs can show it.

    ``checkpoint(capture, when)`` runs after every batch but an epoch's last
    (``when="batch"``) and after every epoch's record (``"epoch"``; ``"end"`` for the last
    epoch); ``capture()`` returns the :class:`~npmlp.checkpoint.TrainState` of that moment.
    Returning ``True`` before the end stops training there (``history.interrupted``).
    ``resume`` continues from such a state, with the same rows and config: the run then ends
    with the weights of the run left alone, bit for bit.
    ``check_input=False`` trusts X and y as already checked (finite rows of D columns, class
    indices): the estimator's own checks have run, and a second pass over X would cost an
    epoch's tenth on small networks.

    Raises :class:`TrainingDiverged` (the model keeps its last finite weights) if the loss or a
    parameter becomes non-finite. Returns the :class:`History`.
    """
    config = config or TrainConfig()
    config.validate()
    if check_input:
        X = net.check_input(X, finite=True)
        y = net.check_labels(y, X.shape[0])
    sample_weight = _check_weights(sample_weight, X.shape[0], net.dtype)
    val_fraction, monitor = validation_plan(config, X.shape[0])
    solver = choose_optimizer(config, X.shape[0], has_val=X_val is not None)
    config = replace(config, weight_decay=choose_weight_decay(config, solver, X.shape[0]))
    if X_val is None and val_fraction > 0:
        (X, y, sample_weight), (X_val, y_val, sample_weight_val) = hold_out(
            X, y, sample_weight, val_fraction, config.seed
        )
    if X_val is not None:
        X_val = net.check_input(X_val, finite=True)
        y_val = net.check_labels(y_val, X_val.shape[0])
        monitor = config.early_stopping  # validation rows given: watch what was asked
    lbfgs = solver == "lbfgs"  # full batch, its own loop, no early stopping
    if monitor and monitor.startswith("val_") and X_val is None and not lbfgs:
        raise NpmlpError(
            "early stopping needs validation rows: set a validation fraction > 0 "
            "or pass X_val and y_val"
        )
    n_train = X.shape[0]
    if n_train == 0:
        raise DataError("no training rows")
    if lbfgs:
        history = fit_lbfgs(
            net,
            X,
            y,
            config,
            sample_weight,
            X_val,
            y_val,
            sample_weight_val,
            callback,
            resume=resume,
            checkpoint=checkpoint,
        )
        history.optimizer_name, history.weight_decay = solver, config.weight_decay
        return history

    B = n_train if not config.batch_size else min(config.batch_size, n_train)
    n_batches = math.ceil(n_train / B)
    drop = config.dropout > 0
    workspaces = {B: Workspace(net, B, dropout=drop)}  # one set of buffers per batch size
    if n_train % B:
        workspaces[n_train % B] = Workspace(net, n_train % B, dropout=drop)
    w_buf = {n: np.empty(n, net.dtype) for n in workspaces} if sample_weight is not None else {}
    if is_sparse(X):  # batches are densified into the workspace, so X takes the model's dtype
        X = X.astype(net.dtype).tocsr()
    opt = optimizer or make_optimizer(
        solver,
        net.params,
        momentum=config.momentum,
        nesterov=config.nesterov,
        beta1=config.beta1,
        beta2=config.beta2,
        eps=config.epsilon,
    )
    rng = np.random.default_rng(config.seed)
    order = np.arange(n_train)
    history = History(monitor=monitor, optimizer_name=solver, weight_decay=config.weight_decay)
    stopper = None
    if monitor:
        stopper = EarlyStopping(monitor, config.patience, config.min_delta, config.restore_best)
    done, start = 0, 0  # epochs done; batches done of the next epoch
    if resume is not None:
        resume.restore(net, opt, rng, order, history, stopper)
        done, start = resume.epoch, resume.batch
        if history.stopped_early:
            done = config.epochs  # nothing left to run

    def capture(inside_epoch: bool) -> TrainState:  # the loop's variables when it is called
        if not inside_epoch:
            return TrainState.capture(net, opt, rng, order, history, stopper, epoch, 0, None, None)
        sums = {
            "loss_sum": loss_sum,
            "penalty_sum": penalty_sum,
            "objective_sum": objective_sum,
            "correct": correct,
            "seconds": time.perf_counter() - t0,
        }
        return TrainState.capture(
            net, opt, rng, order, history, stopper, epoch - 1, b + 1, snapshot, sums
        )

    filled = False
    report_at = math.inf  # the next time on_batch hears of the batches; never without it
    with blas_threads(training_threads(net.arch, B, config.threads)):
        for epoch in range(done + 1, config.epochs + 1):
            t0 = time.perf_counter()
            if on_batch is not None:  # epochs shorter than REPORT_SECONDS report only their end
                report_at = t0 + REPORT_SECONDS
            lr = (1.0 if stopper is None else stopper.lr_scale) * learning_rate(
                config.schedule,
                config.lr,
                epoch - 1,
                config.epochs,
                step_size=config.step_size,
                gamma=config.gamma,
                min_lr=config.min_lr,
                power_t=config.power_t,
                samples_seen=config.samples_seen + (epoch - 1) * n_train,
            )
            opt.learning_rate = lr  # the step size in force, as scikit-learn's optimisers show
            if start:  # resumed inside this epoch: its order is shuffled, its sums restored
                snapshot, sums = resume.epoch_start, resume.sums
                loss_sum, correct, t0 = sums["loss_sum"], sums["correct"], t0 - sums["seconds"]
                penalty_sum = sums.get("penalty_sum", 0.0)
                objective_sum = sums.get("objective_sum", loss_sum)
            else:
                if config.shuffle and n_batches > 1:
                    rng.shuffle(order)  # indices only; the caller's arrays are never reordered
                snapshot = {k: v.copy() for k, v in net.params.items()}
                loss_sum, penalty_sum, objective_sum, correct = 0.0, 0.0, 0.0, 0
            for b in range(start, n_batches):
                rows = order[b * B : (b + 1) * B]
                ws = workspaces[rows.shape[0]]
                if not (filled and n_batches == 1):  # full batch: gather and scale only once
                    gather_batch(net, X, y, rows, ws)
                    filled = True
                sw = None
                if sample_weight is not None:
                    sw = np.take(sample_weight, rows, out=w_buf[rows.shape[0]])
                masks = None
                if drop:  # new units dropped at every step
                    masks = {i: dropout_mask(rng, config.dropout, m) for i, m in ws.mask.items()}
                loss, n_ok = net.forward_backward(ws, sw, config.weight_decay, masks)
                penalty = net.l2_penalty(config.weight_decay) if config.weight_decay else 0.0
                objective = loss + penalty  # the mean cross-entropy plus the L2 penalty
                if not math.isfinite(objective):
                    raise _diverged(
                        net, snapshot, history, epoch, b + 1, lr, f"the loss became {objective}"
                    )
                opt.step(ws.grads, lr)
                loss_sum += loss * rows.shape[0]
                penalty_sum += penalty * rows.shape[0]
                objective_sum += objective * rows.shape[0]
                correct += n_ok
                if (now := time.perf_counter()) >= report_at:  # long epochs: within-epoch progress
                    on_batch(epoch, b + 1, n_batches, min((b + 1) * B, n_train), now - t0)
                    report_at = time.perf_counter() + REPORT_SECONDS
                if checkpoint and b + 1 < n_batches and checkpoint(lambda: capture(True), "batch"):
                    history.interrupted = True
                    break
            start = 0
            if history.interrupted:
                break
            if not _params_finite(net.params):
                raise _diverged(
                    net, snapshot, history, epoch, n_batches, lr, "a parameter became non-finite"
                )
            record = {
                "epoch": epoch,
                "lr": lr,
                "train_loss": loss_sum / n_train,
                "train_accuracy": correct / n_train,
                "val_loss": None,
                "val_accuracy": None,
                "l2_penalty": penalty_sum / n_train,
                "train_objective": objective_sum / n_train,
            }
            if X_val is not None:
                ev = net.evaluate(X_val, y_val, sample_weight_val, indices=True)
                record["val_loss"], record["val_accuracy"] = ev["loss"], ev["accuracy"]
            record["seconds"] = time.perf_counter() - t0
            history.records.append(record)
            history.best_epoch = epoch

            stop = stopper is not None and stopper.update(record, net)
            if stop and config.schedule == "adaptive" and lr > 1e-6:
                stopper.lr_scale, stop = stopper.lr_scale / 5.0, False  # slow down instead
                stopper.wait = 0
            if callback is not None and callback(record, net):
                stop = True
            history.stopped_early = stop
            if checkpoint is not None:
                when = "end" if stop or epoch == config.epochs else "epoch"
                if checkpoint(lambda: capture(False), when) and when == "epoch":
                    history.interrupted = True
                    break
            if stop:
                break

    if stopper is not None:
        history.best_epoch = stopper.restore_into(net) or history.best_epoch
        history.best_value = stopper.best_value
        history.no_improvement = stopper.wait
    history.optimizer = opt
    net.metadata["training"] = config.to_dict()
    return history


def gather_batch(net: MLP, X, y, rows: np.ndarray, ws: Workspace) -> None:
    """Rows ``rows`` of X : (N, D) and y : (N,) into ``ws.X`` and ``ws.y``, scaled (one batch:
    a sparse X is densified here, a streamed one read here)."""
    if is_sparse(X):
        X[rows].toarray(out=ws.X)
    elif X.dtype == net.dtype:
        np.take(X, rows, axis=0, out=ws.X, mode="clip")
    else:
        np.copyto(ws.X, X[rows], casting="unsafe")
    net.scale_input(ws.X, out=ws.X)
    np.take(y, rows, out=ws.y)
