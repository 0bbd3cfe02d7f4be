"""Softmax and the multinoulli cross-entropy of the seed (eqs. 3, 4, 16), fused and stable.

``l(y, s) = -ln(p_y)`` with ``p = softmax(s)``. Written with the log-sum-exp of the scores
shifted by their row maximum, so no ``exp`` overflows and no ``+eps`` is needed:
``l = ln(sum_j exp(s_j - m)) - (s_y - m)`` with ``m = max_j s_j``.

The training objective is the mean over the ``N`` rows (seed eq. 5), so the gradient is
``dl/dS = (P - onehot(y)) / N`` (seed section 3.3, one row per sample, divided by ``N``).
With sample weights ``w`` the mean becomes the weighted mean ``sum_i w_i l_i / sum_i w_i`` and
row ``i`` of the gradient is multiplied by ``w_i / sum_i w_i`` instead of ``1 / N``.

Regression (docs/derivations.md, section 5) has the same conventions with an identity output:
``s`` is the prediction, ``l = 1/2 ||s - y||^2`` per row (:func:`squared_error`), or, with a log
link, ``mu = exp(s)`` is the prediction and ``l = exp(s) - y s + (y ln y - y)`` the half Poisson
deviance (:func:`poisson_deviance`). :data:`HEADS` pairs each loss with what the network's last
layer means (its output map and whether labels are classes); :attr:`npmlp.MLP.loss` names one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "softmax",
    "log_softmax",
    "softmax_cross_entropy",
    "squared_error",
    "poisson_deviance",
    "Head",
    "HEADS",
]


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


def _mean_over_rows(losses: np.ndarray, dS: np.ndarray, sample_weight) -> float:
    """The (weighted) mean of the row losses (N, 1); ``dS`` (N, C) scaled in place to match:
    divided by ``N``, or row ``i`` times ``w_i / sum_i w_i``."""
    N = dS.shape[0]
    if sample_weight is None:
        dS /= N  # mean over N
        return float(losses.sum() / N)
    w = np.asarray(sample_weight, dtype=dS.dtype).reshape(N, 1)
    w_sum = float(w.sum())
    dS *= w / w_sum
    return float((w * losses).sum() / w_sum)


def squared_error(
    S: np.ndarray,
    Y: np.ndarray,
    sample_weight: np.ndarray | None = None,
    out: np.ndarray | None = None,
):
    """Mean half squared error of an identity output and its gradient (derivations.md, 5.1).

    Parameters
    ----------
    S : (N, C) outputs ``x^(L) = s`` of the N rows, the predictions (C outputs per row).
    Y : (N, C) float targets.
    sample_weight : optional (N,) non-negative row weights (weighted mean instead of mean).
    out : optional (N, C) buffer for ``dS``; ``out=S`` overwrites the outputs in place.

    Returns
    -------
    loss : float, ``(1/N) sum_i 1/2 ||s_i - y_i||^2`` (summed over the C outputs; scikit-learn's
        ``squared_error`` divides it by C as well, which is the same for C = 1)
    dS : (N, C), ``dl/dS = (S - Y) / N``
    """
    dS = np.subtract(S, Y, out=out)  # s - y
    losses = 0.5 * np.einsum("ij,ij->i", dS, dS)[:, None]  # (N, 1): l_i = 1/2 ||s_i - y_i||^2
    return _mean_over_rows(losses, dS, sample_weight), dS


def poisson_deviance(
    S: np.ndarray,
    Y: np.ndarray,
    sample_weight: np.ndarray | None = None,
    out: np.ndarray | None = None,
):
    """Mean half Poisson deviance with a log link and its gradient (derivations.md, 5.2).

    The prediction is ``mu = exp(s)``; the row loss is ``sum_k exp(s_k) - y_k s_k + (y_k ln y_k
    - y_k)``, zero where ``mu = y``: scikit-learn's ``MLPRegressor(loss="poisson")`` value.

    Parameters
    ----------
    S : (N, C) outputs ``x^(L) = s`` of the N rows, the log of the predictions.
    Y : (N, C) non-negative float targets (counts, rates).
    sample_weight : optional (N,) non-negative row weights (weighted mean instead of mean).
    out : optional (N, C) buffer for ``dS``; ``out=S`` overwrites the outputs in place.

    Returns
    -------
    loss : float, ``(1/N) sum_i sum_k exp(s_ik) - y_ik s_ik + y_ik ln y_ik - y_ik``
    dS : (N, C), ``dl/dS = (exp(S) - Y) / N``
    """
    ys = np.einsum("ij,ij->i", Y, S)[:, None]  # (N, 1): y . s, read before out=S is written
    const = (_xlogx(Y) - Y).sum(axis=1, keepdims=True)  # (N, 1): y ln y - y, 0 ln 0 = 0
    mu = np.exp(S, out=out)  # mu = exp(s)
    losses = mu.sum(axis=1, keepdims=True) - ys + const  # (N, 1): l_i
    dS = np.subtract(mu, Y, out=mu)  # exp(s) - y
    return _mean_over_rows(losses, dS, sample_weight), dS


def _xlogx(Y: np.ndarray) -> np.ndarray:
    """``y ln y`` element-wise with ``0 ln 0 = 0``. (N, C) -> (N, C)."""
    return Y * np.log(np.where(Y > 0, Y, 1))


def identity(S: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The identity output map: the prediction is ``s`` itself. (N, C) -> (N, C)."""
    if out is None:
        return S.copy()
    np.copyto(out, S, casting="same_kind")
    return out


def exp_output(S: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The inverse of the log link: the prediction is ``mu = exp(s)``. (N, C) -> (N, C)."""
    return np.exp(S, out=out)


@dataclass(frozen=True)
class Head:
    """What the network's last layer ``s = x^(L)`` (N, C) means: one record per loss.

    ``loss(S, y, sample_weight, out) -> (loss, dS)`` the fused mean loss and ``dl/dS``;
    ``output(S, out)`` the prediction (N, C) made from ``s`` (probabilities, values, rates);
    ``classes``: labels are class indices (N,) and C the number of classes, else float
    targets (N, C) and C the number of outputs.
    """

    name: str
    loss: Callable
    output: Callable
    classes: bool


HEADS = {
    "cross_entropy": Head("cross_entropy", softmax_cross_entropy, softmax, True),
    "squared_error": Head("squared_error", squared_error, identity, False),
    "poisson": Head("poisson", poisson_deviance, exp_output, False),
}
