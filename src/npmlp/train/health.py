"""Training health, per layer and per epoch, measured on a fixed probe batch.

:class:`HealthMonitor` is an epoch callback for :func:`npmlp.train.training.fit`: after each epoch it
runs one forward and backward pass (the seed's eqs. 22-25, :meth:`MLP.forward` and
:meth:`MLP.backward`) on the same probe rows, outside the training loop, and adds to the epoch's
record, for each FC layer ``i`` (1, 3, ..., L):

``FC{i}_dead``
    (hidden layers only) the fraction of the units of ``x^(i+1) = ReLU(x^(i))`` that are 0 on
    every probe row: "dead" ReLU units, which pass no gradient back.
``FC{i}_act_rms``
    the root mean square of the layer's output: ``x^(i+1)`` for a hidden layer, ``s`` for the
    last one.
``FC{i}_grad_norm``
    the Frobenius norm of ``dl/dW^(i)`` on the probe rows (no weight decay).
``FC{i}_update_ratio``
    ``||W^(i)_end - W^(i)_start|| / (||W^(i)_start|| * updates)``: the epoch's change of the
    weights relative to their size, shared over the epoch's updates. It equals the size of one
    update when the updates point the same way and is below it otherwise. About 1e-3 is
    healthy; much larger means the learning rate is too high, much smaller that it is too low.

:func:`health_warnings` turns a history into warning lines: a layer over 50 % dead, or an update
ratio outside [1e-5, 1e-1], for several epochs in a row.
"""

from __future__ import annotations

import math

import numpy as np

from ..callbacks import Callback
from ..core.architecture import fc_indices
from ..nn.loss import softmax_cross_entropy

__all__ = [
    "HealthMonitor",
    "health_warnings",
    "loss_warnings",
    "health_columns",
    "RATIO_RANGE",
    "DEAD_LIMIT",
    "PERSIST",
]

RATIO_RANGE = (1e-5, 1e-1)
DEAD_LIMIT = 0.5
GROWTH = 100.0  # the last epoch's loss over the first's that tells of a too large step
LN_C_TIMES = 1e3  # ... or over ln C, the loss of a uniform guess
PERSIST = 3  # epochs in a row before a warning
PROBE_ROWS = 256


def health_columns(L: int) -> list[str]:
    """The record keys :class:`HealthMonitor` adds for a network of L layers, in order."""
    cols = []
    for i in fc_indices(L):
        if i < L:
            cols.append(f"FC{i}_dead")
        cols += [f"FC{i}_act_rms", f"FC{i}_grad_norm", f"FC{i}_update_ratio"]
    return cols


class HealthMonitor(Callback):
    """The callback that adds the health columns to each epoch's record (before the callbacks
    of order 0 hear of it; ``monitor(record, net)`` does the same by hand).

    Parameters
    ----------
    net : the :class:`~npmlp.nn.model.MLP` being trained; its ``preprocessing`` must already be
        set (it is applied once to the probe rows).
    X : (N, D) raw training rows; up to ``rows`` of them, drawn with ``seed``, form the probe.
    y : (N,) class indices of X.
    updates_per_epoch : optimiser steps per epoch (``ceil(N_train / batch size)``).
    """

    def __init__(
        self,
        net,
        X: np.ndarray,
        y: np.ndarray,
        updates_per_epoch: int = 1,
        *,
        rows: int = PROBE_ROWS,
        seed: int | None = 0,
    ):
        pick = np.random.default_rng(seed).permutation(X.shape[0])[:rows]
        pick.sort()
        self.X, self.y = net.scale_input(X[pick]), np.asarray(y[pick], dtype=np.intp)
        self.updates = max(int(updates_per_epoch), 1)
        self.L = net.L
        self._before = {k: v.copy() for k, v in net.params.items() if k.startswith("W")}

    def measure(self, net) -> dict:
        """The health columns for the model's current parameters (see the module docstring)."""
        L = net.L
        xs = net.forward(self.X, keep=True)  # x^(0), ..., x^(L)
        _, dS = softmax_cross_entropy(xs[L], self.y)
        grads = {k: np.empty_like(v) for k, v in net.params.items()}
        net.backward(xs, dS, grads)
        out = {}
        for i in fc_indices(L):
            a = xs[i + 1] if i < L else xs[L]  # the activation's output, or s
            if i < L:
                out[f"FC{i}_dead"] = float(np.mean(~np.any(a > 0, axis=0)))
            out[f"FC{i}_act_rms"] = float(np.sqrt(np.mean(np.square(a, dtype=np.float64))))
            out[f"FC{i}_grad_norm"] = float(np.linalg.norm(grads[f"W{i}"]))
            W, W0 = net.params[f"W{i}"], self._before[f"W{i}"]
            size = float(np.linalg.norm(W0))
            change = float(np.linalg.norm(W - W0))
            out[f"FC{i}_update_ratio"] = change / (size * self.updates) if size else math.inf
            np.copyto(W0, W)
        return {k: out[k] for k in health_columns(L)}

    order, name = -50, "health"

    def __call__(self, record: dict, net) -> None:
        record.update(self.measure(net))

    def on_epoch_end(self, loop, logs: dict) -> None:
        self(logs, loop.net)

    def state(self) -> dict:
        """The weights of the last measure (a checkpoint's part, :mod:`npmlp.train.checkpoint`)."""
        return {k: v.copy() for k, v in self._before.items()}

    def load_state(self, arrays: dict) -> None:
        for k, v in self._before.items():
            np.copyto(v, arrays[k])


def loss_warnings(records: list[dict], C: int, lr: float | None) -> list[str]:
    """One line when the training loss grew by orders of magnitude: the last epoch's over
    :data:`GROWTH` times the first's, or over :data:`LN_C_TIMES` times ``ln C``. ``lr``: the
    learning rate that ran, or None where none did (L-BFGS): then no advice about it."""
    if not records:
        return []
    first, last = records[0]["train_loss"], records[-1]["train_loss"]
    if not (last > GROWTH * first or last > LN_C_TIMES * math.log(C)):
        return []
    advice = (
        f"the learning rate is far too large; try a smaller --lr (now {lr:g}, e.g. {lr / 100:g})"
        if lr is not None
        else "check the inputs' scale (--scaling) or try --optimizer adam"
    )
    return [
        f"the training loss ended at {last:.3g} (epoch 1: {first:.3g}; a uniform guess scores "
        f"ln C = {math.log(C):.3g}): {advice}"
    ]


def _runs(flags) -> list[tuple[int, int]]:
    """(start, length) of each run of True in flags."""
    runs, start = [], None
    for n, f in enumerate(list(flags) + [False]):
        if f and start is None:
            start = n
        elif not f and start is not None:
            runs.append((start, n - start))
            start = None
    return runs


def health_warnings(records: list[dict], persist: int = PERSIST, *, lbfgs=False) -> list[str]:
    """One line per layer and problem that lasted ``persist`` epochs in a row or more.

    Looks at the ``FC{i}_dead`` and ``FC{i}_update_ratio`` entries of the epoch records; the
    update-to-weight ratio is not judged for ``lbfgs`` runs, whose line search sets each step
    (there is no learning rate to change).
    """
    if not records:
        return []
    lines = []
    epochs = [r["epoch"] for r in records]
    layers = sorted(
        {
            int(k[2:].split("_")[0])
            for k in records[0]
            if k.startswith("FC") and k.endswith("_update_ratio")
        }
    )
    lo, hi = RATIO_RANGE
    for i in layers:
        dead = [r.get(f"FC{i}_dead", 0.0) > DEAD_LIMIT for r in records]
        for start, n in _runs(dead):
            if n >= persist:
                worst = max(r[f"FC{i}_dead"] for r in records[start : start + n])
                lines.append(
                    f"layer FC{i}: up to {worst:.0%} of the ReLU units after it were dead (0 on "
                    f"every probe row) for {n} epochs ({epochs[start]}-{epochs[start + n - 1]}); "
                    "try a smaller learning rate or another seed"
                )
                break
        ratios = [r.get(f"FC{i}_update_ratio", float("nan")) for r in records]
        checks = (
            ("above", [v > hi for v in ratios], "lower the learning rate"),
            ("below", [v < lo for v in ratios], "raise the learning rate"),
        )
        for label, flags, fix in checks if not lbfgs else ():
            for start, n in _runs(flags):
                if n >= persist:
                    seen = ratios[start : start + n]
                    value = max(seen) if label == "above" else min(seen)
                    bound = hi if label == "above" else lo
                    lines.append(
                        f"layer FC{i}: update-to-weight ratio {label} {bound:g} (reached "
                        f"{value:.2g}) for {n} epochs ({epochs[start]}-"
                        f"{epochs[start + n - 1]}); {fix}"
                    )
                    break
    return lines
