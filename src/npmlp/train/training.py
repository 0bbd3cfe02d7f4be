"""The training policy that ``npmlp train``, :class:`~npmlp.sklearn.NpMLPClassifier` and
:func:`npmlp.fit` share: what a config means for these rows, then the loop.

``fit(net, X, y, config, callbacks=[...])`` checks the rows, holds out the validation rows
(given, or a stratified split; none when too few, :func:`validation_plan`), resolves the
optimiser and its L2 penalty (``auto``: :func:`choose_optimizer`,
:func:`choose_weight_decay`), adds :class:`~npmlp.callbacks.EarlyStopping` when a quantity is
monitored, and runs the loop: :class:`npmlp.train.loop.Trainer` (epochs of minibatch updates;
``batch_size = N`` gives the seed's full-batch gradient descent) or, for L-BFGS,
:class:`npmlp.train.lbfgs.LbfgsLoop`. :class:`TrainConfig`'s defaults are
:data:`npmlp.core.defaults.TRAIN`, as ``npmlp train``'s are.

Each epoch's record keeps the losses apart: ``train_loss`` and ``val_loss`` are mean
cross-entropies (the data loss of eq. 5), ``l2_penalty`` is ``weight_decay/2 * sum ||W||^2``,
and ``train_objective`` their sum, the quantity the updates descend (scikit-learn's ``loss_``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..callbacks import Changes, EarlyStopping, ProgressBar
from ..core.errors import DataError, NpmlpError
from ..data.splits import hold_out
from ..nn.model import MLP
from .checkpoint import TrainState
from .lbfgs import LbfgsLoop
from .loop import Trainer
from .optim import Schedule, make_optimizer
from .train_config import (
    History,
    TrainConfig,
    choose_optimizer,
    choose_weight_decay,
    validation_plan,
)

__all__ = ["fit", "make_loop"]


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
    callbacks=(),
    verbose: int = 0,
    optimizer=None,
    resume: TrainState | None = None,
    check_input: bool = True,
) -> History:
    """Train ``net`` in place on raw rows X : (N, D) with class indices y : (N,).

    The model's :attr:`~MLP.preprocessing`, if set, is applied to every batch. Validation
    rows come from ``X_val, y_val`` (weights ``sample_weight_val``) or, if
    ``config.val_fraction > 0``, a stratified split of the training rows (with their weights).
    ``sample_weight`` (N,) weights each row's loss and gradient; validation metrics are
    weighted the same way.

    ``callbacks``: :class:`~npmlp.callbacks.Callback` objects that hear the loop's events
    (:mod:`npmlp.callbacks`); ``verbose=1`` adds a :class:`~npmlp.callbacks.ProgressBar`.
    ``optimizer`` continues with an existing optimiser state (``partial_fit``); by default one
    is built from the config. ``resume`` continues from a
    :class:`~npmlp.train.checkpoint.TrainState` (a :class:`~npmlp.train.checkpoint.Checkpointer`'s) with the
    same rows, config and callbacks: the run then ends with the weights of the run left alone,
    bit for bit; ``config.epochs`` may be raised to extend it.
    ``check_input=False`` trusts X and y as already checked (finite rows of D columns, class
    indices): the estimator's own checks have run, and a second pass over X would cost an
    epoch's tenth on small networks.

    Raises :class:`TrainingDiverged` (the model keeps its last finite weights) if the loss or a
    parameter becomes non-finite. Returns the :class:`History`.
    """
    loop = make_loop(
        net,
        X,
        y,
        config,
        X_val=X_val,
        y_val=y_val,
        sample_weight=sample_weight,
        sample_weight_val=sample_weight_val,
        callbacks=callbacks,
        verbose=verbose,
        optimizer=optimizer,
        check_input=check_input,
    )
    if resume is not None:
        if loop.config.changes:  # the changes made before the checkpoint are not replayed
            raise NpmlpError(
                "a run with changes while training (--changes) cannot be resumed yet; run its "
                "command again from the start"
            )
        loop.load_state(resume)
    history = loop.run()
    history.optimizer = loop.optimizer
    net.metadata["training"] = loop.config.to_dict()
    return history


def make_loop(
    net,
    X,
    y,
    config=None,
    *,
    X_val=None,
    y_val=None,
    sample_weight=None,
    sample_weight_val=None,
    callbacks=(),
    verbose=0,
    optimizer=None,
    check_input=True,
):
    """The loop that :func:`fit` runs (same arguments), built but not started: a
    :class:`~npmlp.train.loop.Trainer`, or an :class:`~npmlp.train.lbfgs.LbfgsLoop` for L-BFGS. The
    playground steps a trainer itself (:meth:`Trainer.step`)."""
    plan = _plan(
        net,
        X,
        y,
        config,
        X_val=X_val,
        y_val=y_val,
        sample_weight=sample_weight,
        sample_weight_val=sample_weight_val,
        check_input=check_input,
    )
    config, (X, y, sample_weight), validation, solver, monitor = plan
    callbacks = [ProgressBar()] * bool(verbose) + list(callbacks)  # the bar above any display
    history = History(monitor=monitor, optimizer_name=solver, weight_decay=config.weight_decay)
    if monitor:
        callbacks.append(
            EarlyStopping(monitor, config.patience, config.min_delta, config.restore_best)
        )
    if config.changes:
        if solver == "lbfgs":
            raise NpmlpError("L-BFGS takes no changes while it trains; use sgd or adam")
        callbacks.append(Changes(config.changes))
    rows = {"sample_weight": sample_weight, "validation": validation, "callbacks": callbacks}
    if solver == "lbfgs":
        return LbfgsLoop(net, X, y, config, history, **rows)
    opt = optimizer or make_optimizer(
        solver,
        net.params,
        momentum=config.momentum,
        nesterov=config.nesterov,
        beta1=config.beta1,
        beta2=config.beta2,
        eps=config.epsilon,
    )
    opt.follow(Schedule.from_config(config, X.shape[0]))
    return Trainer(net, X, y, config, opt, history, **rows)


def _plan(net, X, y, config, *, X_val, y_val, sample_weight, sample_weight_val, check_input):
    """The policy before the loop: rows checked, the optimiser and its L2 penalty resolved,
    the validation rows held out or checked. Returns ``(config, (X, y, sample_weight),
    validation or None, solver, monitor)``; L-BFGS has no early stopping (``monitor`` None)."""
    config = config or TrainConfig()
    config.validate()
    if check_input:
        X = net.check_input(X, finite=True)
        y = net.check_labels(y, X.shape[0])
    sample_weight = _check_weights(sample_weight, X.shape[0], net.dtype)
    val_fraction, planned_monitor = validation_plan(config, X.shape[0])
    solver = choose_optimizer(config, X.shape[0], has_val=X_val is not None)
    config = replace(config, weight_decay=choose_weight_decay(config, solver, X.shape[0]))
    if X_val is None and val_fraction > 0:
        (X, y, sample_weight), (X_val, y_val, sample_weight_val) = hold_out(
            X, y, sample_weight, val_fraction, config.seed
        )
    validation = None
    if X_val is not None:
        X_val = net.check_input(X_val, finite=True)
        validation = (X_val, net.check_labels(y_val, X_val.shape[0]), sample_weight_val)
    monitor = config.early_stopping if validation is not None else planned_monitor
    _check_score(net, monitor)
    if solver == "lbfgs":
        monitor = None  # full batch, its own loop, no early stopping
    elif monitor and monitor.startswith("val_") and validation is None:
        raise NpmlpError(
            f"early stopping on {monitor} needs validation rows: set a validation fraction > 0 "
            "(--val-fraction), pass X_val and y_val, or turn early stopping off "
            "(--early-stopping off)"
        )
    if X.shape[0] == 0:
        raise DataError("no training rows")
    return config, (X, y, sample_weight), validation, solver, monitor


def _check_score(net, monitor) -> None:
    """A validation score the model's head records: accuracy for classes, R^2 for regression."""
    has = "val_accuracy" if net.head.classes else "val_r2"
    if monitor in ("val_accuracy", "val_r2") and monitor != has:
        raise NpmlpError(
            f"early stopping on {monitor}: a model of loss {net.loss!r} records {has} instead"
        )


def _check_weights(sample_weight, N: int, dtype):
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=dtype)
    if w.shape != (N,) or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise DataError(f"sample_weight must be {N} finite non-negative numbers")
    return w
