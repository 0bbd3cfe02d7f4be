"""Full-batch L-BFGS on the seed's loss (eq. 5) and its hand-derived gradient.

The parameters are views of one packed buffer (:mod:`npmlp.packing`), so they already are the
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

from .checkpoint import TrainState
from .errors import TrainingDiverged
from .model import MLP
from .optim import make_optimizer
from .packing import packed
from .rows import is_sparse
from .train_config import History, TrainConfig, choose_weight_decay
from .workspace import Workspace

__all__ = ["fit_lbfgs", "full_batch_loss_and_grad", "CHUNK"]

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
        correct += ok
        grad += packed(ws.grads) * share
    if l2:
        loss += net.l2_penalty(l2)
        offset = 0
        for k, v in net.params.items():
            if k[0] == "W":
                grad[offset : offset + v.size] += l2 * v.reshape(-1)
            offset += v.size
    return loss, correct, grad


def fit_lbfgs(
    net: MLP,
    X,
    y,
    config: TrainConfig,
    sample_weight=None,
    X_val=None,
    y_val=None,
    sample_weight_val=None,
    callback=None,
    *,
    resume=None,
    checkpoint=None,
) -> History:
    """Train ``net`` in place by L-BFGS on checked rows X : (N, D), class indices y : (N,).

    One history record per iteration (``epoch`` is the iteration); ``callback(record, net)``
    returning ``True`` stops. ``history.solver`` holds scipy's ``nit``, ``nfev``, ``status``
    and ``message``. Raises :class:`TrainingDiverged` if the loss becomes non-finite.

    L-BFGS keeps its state inside scipy, so ``checkpoint(capture, when)`` (see
    :func:`npmlp.training.fit`; after each iteration, ``"epoch"``, returning ``True`` stops
    there with ``history.interrupted``; ``"end"`` at the end) is given the run's first
    weights, and ``resume`` from such a state starts again from them: deterministic, the run
    ends with the weights it would have had if left alone.
    """
    from scipy.optimize import minimize

    hook = None
    if resume is not None or checkpoint is not None:
        stand_in, order = make_optimizer("sgd", net.params), np.arange(X.shape[0])  # no state
        if resume is not None:
            resume.restore(net, stand_in, np.random.default_rng(), order, History(), None)
        rng = np.random.default_rng(config.seed)
        first = TrainState.capture(net, stand_in, rng, order, History(), None, 0, 0, None, None)
        hook = None if checkpoint is None else (lambda when: checkpoint(lambda: first, when))

    l2 = choose_weight_decay(config, "lbfgs", X.shape[0])  # fit has resolved it already
    flat = packed(net.params)
    workspaces: dict = {}
    history = History()
    last = {}
    start = flat.copy()

    def objective(theta):
        np.copyto(flat, theta, casting="unsafe")
        loss, correct, grad = full_batch_loss_and_grad(net, X, y, sample_weight, l2, workspaces)
        if not math.isfinite(loss):
            np.copyto(flat, start)
            raise TrainingDiverged(
                f"training diverged: the lbfgs loss became {loss}; the model keeps its first "
                "weights. Scale the inputs or raise the L2 penalty",
                history,
            )
        penalty = net.l2_penalty(l2) if l2 else 0.0
        last.update(loss=loss, correct=correct, penalty=penalty)
        return loss, grad

    t0 = time.perf_counter()

    def on_iteration(intermediate_result):
        nonlocal t0
        record = {
            "epoch": len(history.records) + 1,
            "lr": None,
            "train_loss": float(intermediate_result.fun) - last["penalty"],  # cross-entropy
            "train_accuracy": last["correct"] / X.shape[0],
            "val_loss": None,
            "val_accuracy": None,
            "l2_penalty": last["penalty"],
            "train_objective": float(intermediate_result.fun),
        }
        if X_val is not None:
            ev = net.evaluate(X_val, y_val, sample_weight_val, indices=True)
            record["val_loss"], record["val_accuracy"] = ev["loss"], ev["accuracy"]
        record["seconds"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        history.records.append(record)
        if callback is not None and callback(record, net):
            history.stopped_early = True
            raise StopIteration
        if hook is not None and hook("epoch"):
            history.interrupted = True
            raise StopIteration

    res = minimize(
        objective,
        flat.astype(np.float64),
        jac=True,
        method="L-BFGS-B",
        callback=on_iteration,
        options={"maxiter": config.epochs, "maxfun": config.max_fun, "gtol": config.min_delta},
    )
    np.copyto(flat, res.x, casting="unsafe")
    history.best_epoch = len(history.records)
    history.solver = {
        "nit": int(res.nit),
        "nfev": int(res.nfev),
        "status": int(res.status),
        "message": str(res.message),
        "loss": float(res.fun),
    }
    net.metadata["training"] = config.to_dict()
    if hook is not None and not history.interrupted:
        hook("end")
    return history
