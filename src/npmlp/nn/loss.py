"""Softmax and the multinoulli cross-entropy of the seed (eqs. 3, 4, 16), fused and stable.

``l(y, s) = -ln(p_y)`` with ``p = softmax(s)``. Written with the log-sum-exp of the scores
shifted by their row maximum, so no ``exp`` overflows and no ``+eps`` is needed:
``l = ln(sum_j exp(s_j - m)) - (s_y - m)`` with ``m = max_j s_j``.

The training objective is the mean over the ``N`` rows (seed eq. 5), so the gradient is
``dl/dS = (P - onehot(y)) / N`` (seed section 3.3, one row per sample, divided by ``N``).
With sample weights ``w`` the mean becomes the weighted mean ``sum_i w_i l_i / sum_i w_i`` and
row ``i`` of the gradient is multiplied by ``w_i / sum_i w_i`` instead of ``1 / N``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["softmax", "log_softmax", "softmax_cross_entropy"]


def softmax(S: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Row-wise softmax, seed eq. 4. S : (N, C) scores -> P : (N, C), rows sum to 1."""
    P = np.subtract(S, S.max(axis=1, keepdims=True), out=out)
    np.exp(P, out=P)
    P /= P.sum(axis=1, keepdims=True)
    return P


def log_softmax(S: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Row-wise ``ln softmax(S)``, finite wherever ``S`` is. S : (N, C) -> (N, C)."""
    Z = np.subtract(S, S.max(axis=1, keepdims=True), out=out)
    Z -= np.log(np.exp(Z).sum(axis=1, keepdims=True))
    return Z


def softmax_cross_entropy(
    S: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None = None,
    out: np.ndarray | None = None,
    argmax: np.ndarray | None = None,
):
    """Mean cross-entropy of the scores and its gradient (seed eqs. 3-5 and section 3.3).

    Parameters
    ----------
    S : (N, C) scores ``x^(L) = s`` of the N rows.
    y : (N,) integer labels in ``{0, ..., C-1}``.
    sample_weight : optional (N,) non-negative row weights (weighted mean instead of mean).
    out : optional (N, C) buffer for ``dS``; ``out=S`` overwrites the scores in place.
    argmax : optional (N,) ``S.argmax(axis=1)``, when the caller has it (the predicted classes
        it counts accuracy with): one NumPy call less.

    Returns
    -------
    loss : float, ``(1/N) sum_i -ln(P_{i, y_i})``
    dS : (N, C), ``dl/dS = (P - onehot(y)) / N``
    """
    N = S.shape[0]
    rows = np.arange(N)
    k = S.argmax(axis=1) if argmax is None else argmax
    m = S[rows, k][:, None]  # (N, 1) row maxima (argmax: faster than max)
    Z = np.subtract(S, m, out=out)  # s - m, every entry <= 0
    z_y = Z[rows, y][:, None]  # (N, 1): s_y - m
    P = np.exp(Z, out=Z)
    total = P.sum(axis=1, keepdims=True)  # (N, 1), >= 1
    losses = np.log(total) - z_y  # (N, 1): l_i = -ln p_{y_i}
    P /= total  # P = softmax(S)
    P[rows, y] -= 1  # P - onehot(y)
    if sample_weight is None:
        loss = float(losses.sum() / N)  # the mean, without np.mean's Python layer
        P /= N  # mean over N
    else:
        w = np.asarray(sample_weight, dtype=P.dtype).reshape(N, 1)
        w_sum = float(w.sum())
        loss = float((w * losses).sum() / w_sum)
        P *= w / w_sum
    return loss, P
