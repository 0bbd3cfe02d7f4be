"""Full-batch L-BFGS on the seed's loss (eq. 5) and its hand-derived gradient.

The parameters are views of one packed buffer (:mod:`npmlp.core.packing`), so they already are the
one vector ``theta`` that ``scipy.optimize.minimize(method="L-BFGS-B", jac=True)`` moves.
Each evaluation runs :meth:`MLP.forward_backward` over the rows in chunks of at most
:data:`CHUNK` (bounded memory; a sparse X is densified one chunk at a time) and adds the
chunks' losses and gradients weighted by their share of the rows (or of the row weights), plus
the L2 term once. Iterations stop at ``config.epochs``, evaluations at ``config.max_fun``, and
when the projected gradient is below ``config.min_delta`` (scikit-learn's ``tol``).
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..core.errors import NpmlpError, TrainingDiverged
from ..core.packing import packed
from ..core.rows import is_sparse
from ..core.threads import blas_threads, training_threads
from ..nn.model import MLP
from ..nn.workspace import Workspace
from .checkpoint import TrainState, check_arrays
from .loop import Loop
from .optim import make_optimizer

__all__ = ["LbfgsLoop", "full_batch_loss_and_grad", "CHUNK"]

CHUNK = 4096  # rows per forward/backward pass of one evaluation


def full_batch_loss_and_grad(net: MLP, X, y, sample_weight, l2: float, workspaces: dict):
    """Mean loss of eq. 5 over all rows X : (N, D), y : (N,) (+ the L2 term) and its gradient.

    Returns ``(loss, n_correct, grad)`` with ``grad`` a new float64 vector in the order of the
    packed parameters. ``workspaces``: ``{rows: Workspace}`` reused between evaluations.
    """
    N = X.shape[0]
    total = float(N) if sample_weight is None else float(np.sum(sample_weight))
    grad = np.zeros(packed(net.params).size)
    loss, correct = 0.0, 0
    for start in range(0, N, CHUNK):
        stop = min(start + CHUNK, N)
        n = stop - start
        ws = workspaces.get(n) or workspaces.setdefault(n, Workspace(net, n))
        rows = X[start:stop]
        net.scale_input(rows.toarray() if is_sparse(rows) else rows, out=ws.X)
        ws.y[...] = y[start:stop]
        w = None if sample_weight is None else sample_weight[start:stop]
        part, ok = net.forward_backward(ws, w, 0.0)
        share = (n if w is None else float(np.sum(w))) / total  # this chunk's part of the mean
        loss += part * share
        correct = None if ok is None else correct + ok  # None: a regression head
        grad += packed(ws.grads) * share
    if l2:
        loss += net.l2_penalty(l2)
        offset = 0
        for k, v in net.params.items():
            if k[0] == "W":
                grad[offset : offset + v.size] += l2 * v.reshape(-1)
            offset += v.size
    return loss, correct, grad


class LbfgsLoop(Loop):
    """Train ``net`` in place by L-BFGS on checked rows X : (N, D), class indices y : (N,).

    One history record per iteration (``epoch`` is the iteration), announced to the callbacks
    as an epoch's end (no batches: ``on_epoch_begin`` and ``on_batch_end`` are not called);
    ``loop.stop()`` ends the run after that iteration. ``history.solver`` holds scipy's
    ``nit``, ``nfev``, ``status`` and ``message``. Raises :class:`TrainingDiverged` if the loss
    becomes non-finite. The BLAS threads follow the rule of the rest of training
    (:func:`npmlp.core.threads.training_threads`, the whole set as one batch).

    L-BFGS keeps its state inside scipy, so :meth:`state` is the run's first weights (and the
    callbacks' first state): a run resumed from it starts again from them, and being
    deterministic, ends with the weights it would have had if left alone.
    """

    def __init__(
        self, net, X, y, config, history, *, sample_weight=None, validation=None, callbacks=()
    ):
        super().__init__(net, config, make_optimizer("sgd", net.params), history, callbacks)
        self.X, self.y, self.sample_weight, self.validation = X, y, sample_weight, validation
        self.optimizer.learning_rate = None  # no learning rate runs here
        self.first = None
        self.workspaces: dict = {}
        self.last: dict = {}

    def run(self):
        """Minimise the loss of eq. 5 (with the L2 term) from the current weights."""
        from scipy.optimize import minimize

        self.first = self.state()
        flat = packed(self.net.params)
        self.start = flat.copy()
        self.t0 = time.perf_counter()
        cfg = self.config
        options = {"maxiter": cfg.epochs, "maxfun": cfg.max_fun, "gtol": cfg.min_delta}
        threads = training_threads(self.net.arch, self.X.shape[0], cfg.threads)
        with self.closing(), blas_threads(threads):
            self.announce("on_train_begin")
            res = minimize(
                self.objective,
                flat.astype(np.float64),
                jac=True,
                method="L-BFGS-B",
                callback=self.iteration_ended,
                options=options,
            )
            np.copyto(flat, res.x, casting="unsafe")
            self.history.best_epoch = len(self.history.records)
            self.history.solver = {
                "nit": int(res.nit),
                "nfev": int(res.nfev),
                "status": int(res.status),
                "message": str(res.message),
                "loss": float(res.fun),
            }
            self.announce("on_train_end", self.history.records[-1] if self.history.records else {})
        return self.history

    def objective(self, theta):
        """The loss of eq. 5 plus the L2 term at ``theta`` and its gradient (float64)."""
        flat, l2 = packed(self.net.params), self.config.weight_decay
        np.copyto(flat, theta, casting="unsafe")
        loss, correct, grad = full_batch_loss_and_grad(
            self.net, self.X, self.y, self.sample_weight, l2, self.workspaces
        )
        if not math.isfinite(loss):
            np.copyto(flat, self.start)
            raise TrainingDiverged(
                f"training diverged: the lbfgs loss became {loss}; the model keeps its first "
                "weights. Scale the inputs or raise the L2 penalty",
                self.history,
            )
        penalty = self.net.l2_penalty(l2) if l2 else 0.0
        self.last.update(loss=loss, correct=correct, penalty=penalty)
        return loss, grad

    def iteration_ended(self, intermediate_result):
        """scipy's word after each iteration: its record, announced as an epoch's end."""
        fun = float(intermediate_result.fun)
        accuracy = _fraction(self.last["correct"], self.X.shape[0])
        loss = fun - self.last["penalty"]  # the data loss alone (cross-entropy)
        record = self.record(None, loss, accuracy, penalty=self.last["penalty"], objective=fun)
        self.t0 = time.perf_counter()
        self.epoch += 1
        self.announce("on_epoch_end", record)
        if self.stop_training:
            raise StopIteration

    def state(self) -> TrainState:
        """The run's first weights and callbacks' first state (see the class docstring)."""
        if self.first is not None:
            return self.first
        N = self.X.shape[0]
        return TrainState(
            epoch=0,
            batch=0,
            epochs=self.config.epochs,
            params={k: v.copy() for k, v in self.net.params.items()},
            optimizer={},
            optimizer_scalars={},
            rng=np.random.default_rng(self.config.seed).bit_generator.state,
            order=np.arange(N),
            callbacks=self.callback_states(),
        )

    def load_state(self, state: TrainState) -> None:
        """Start from a state of :meth:`state`: the first weights of the same run."""
        check_arrays("weights", state.params, self.net.params)
        if state.epoch or state.batch or state.order.shape != (self.X.shape[0],):
            raise NpmlpError(
                "checkpoint: it is not the first state of an lbfgs run on these rows; "
                "start the run again without --resume"
            )
        self.load_callback_states(state.callbacks)
        self.net.set_params(state.params)


def _fraction(correct, N: int):
    """The accuracy of ``correct`` rows of N, or ``None`` (a regression head counts none)."""
    return None if correct is None else correct / N
