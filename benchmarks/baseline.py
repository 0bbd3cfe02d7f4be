"""The baseline to beat: the seed's formulas written the straightforward way in NumPy.

Every operation returns a new array, ReLU's backward multiplies by a fresh ``Z > 0`` mask, the
first layer's input gradient is computed like the others, and each batch is gathered with
fancy indexing. It is what a student writes after the worksheet: correct and readable. npmlp
must give the same numbers (``tests/test_speed.py`` checks it) in less time.
"""

from __future__ import annotations

import numpy as np


def init_params(D: int, H: int, L: int, C: int, seed: int, dtype=np.float32) -> list:
    """``[(W1, b1), (W3, b3), ..., (WL, bL)]``, He-initialised exactly as ``npmlp.MLP``."""
    rng = np.random.default_rng(seed)
    sizes = [D] + [H] * ((L - 1) // 2) + [C]
    params = []
    for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=True):
        W = (rng.standard_normal((d_in, d_out)) * np.sqrt(2.0 / d_in)).astype(dtype)
        params.append((W, np.zeros((1, d_out), dtype)))
    return params


def loss_and_grads(params: list, X: np.ndarray, y: np.ndarray):
    """Mean cross-entropy of X : (N, D) with labels y : (N,) and ``[(dW, db), ...]``."""
    N = X.shape[0]
    xs, zs = [X], []
    for k, (W, b) in enumerate(params):
        Z = xs[-1] @ W + b  # eq. 22
        zs.append(Z)
        xs.append(np.maximum(0, Z) if k < len(params) - 1 else Z)  # eq. 14
    S = xs[-1]
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P = P / P.sum(axis=1, keepdims=True)  # eq. 4
    loss = -np.log(P[np.arange(N), y]).mean()  # eq. 5
    Y = np.zeros_like(P)
    Y[np.arange(N), y] = 1
    dZ = (P - Y) / N  # section 3.3
    grads = []
    for k in reversed(range(len(params))):
        W, _ = params[k]
        dW = xs[k].T @ dZ  # eq. 24
        db = dZ.sum(axis=0, keepdims=True)  # eq. 25
        dX = dZ @ W.T  # eq. 23
        grads.append((dW, db))
        if k > 0:
            dZ = dX * (zs[k - 1] > 0)  # ReLU backward
    return float(loss), grads[::-1]


def train_epoch(
    params: list,
    X: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    lr: float,
    rng: np.random.Generator,
    order: np.ndarray,
) -> float:
    """One epoch of minibatch SGD (``W <- W - lr dW``) in place; returns the mean loss.

    ``order`` (N,) is shuffled in place with ``rng`` first, as ``npmlp.fit`` does.
    """
    N = X.shape[0]
    if N > batch_size:
        rng.shuffle(order)
    total = 0.0
    for start in range(0, N, batch_size):
        rows = order[start : start + batch_size]
        loss, grads = loss_and_grads(params, X[rows], y[rows])
        for (W, b), (dW, db) in zip(params, grads, strict=True):
            W -= lr * dW
            b -= lr * db
        total += loss * rows.shape[0]
    return total / N
