"""Gradient-descent update rules and learning-rate schedules.

Every optimiser updates the parameter arrays in place and keeps its state (velocities, moments)
in arrays allocated once, in the parameters' dtype.

- ``sgd``: ``W <- W - lr * g`` (full-batch gradient descent when the batch is the whole set).
- ``momentum`` / ``nesterov``: ``v <- mu v + g``; ``W <- W - lr v`` (heavy ball) or
  ``W <- W - lr (g + mu v)`` (Nesterov), as PyTorch writes them.
- ``adam``: ``m <- b1 m + (1-b1) g``; ``v <- b2 v + (1-b2) g^2``;
  ``W <- W - lr * m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1-b1^t)``,
  ``v_hat = v / (1-b2^t)``.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import NpmlpError

__all__ = ["SGD", "Adam", "make_optimizer", "OPTIMIZERS", "SCHEDULES", "learning_rate"]

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam")
SCHEDULES = ("constant", "step", "cosine")


class SGD:
    """Gradient descent with optional (Nesterov) momentum ``mu``."""

    def __init__(self, params: dict, momentum: float = 0.0, nesterov: bool = False):
        if not 0.0 <= momentum < 1.0:
            raise NpmlpError(f"momentum must be in [0, 1), got {momentum}")
        if nesterov and momentum == 0.0:
            raise NpmlpError("nesterov needs a momentum > 0 (e.g. momentum=0.9)")
        self.params, self.momentum, self.nesterov = params, momentum, nesterov
        self.velocity = {k: np.zeros_like(v) for k, v in params.items()} if momentum else {}
        self.scratch = {k: np.empty_like(v) for k, v in params.items()}

    def step(self, grads: dict, lr: float) -> None:
        mu = self.momentum
        for k, W in self.params.items():
            g, tmp = grads[k], self.scratch[k]
            if mu:
                v = self.velocity[k]
                v *= mu
                v += g  # v <- mu v + g
                if self.nesterov:
                    np.multiply(v, mu, out=tmp)
                    tmp += g  # g + mu v
                    g = tmp
                else:
                    g = v
            np.multiply(g, lr, out=tmp)
            W -= tmp  # W <- W - lr * update

    def state(self) -> dict:
        return {f"velocity/{k}": v for k, v in self.velocity.items()}


class Adam:
    """Adam (Kingma & Ba, 2015) with bias correction."""

    def __init__(self, params: dict, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.params, self.beta1, self.beta2, self.eps = params, beta1, beta2, eps
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.scratch = {k: np.empty_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, grads: dict, lr: float) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        c1, c2 = 1.0 - b1**self.t, 1.0 - b2**self.t
        for k, W in self.params.items():
            g, m, v, tmp = grads[k], self.m[k], self.v[k], self.scratch[k]
            m *= b1
            np.multiply(g, 1.0 - b1, out=tmp)
            m += tmp  # m <- b1 m + (1 - b1) g
            v *= b2
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - b2
            v += tmp  # v <- b2 v + (1 - b2) g^2
            np.sqrt(v, out=tmp)
            tmp *= 1.0 / math.sqrt(c2)
            tmp += self.eps  # sqrt(v_hat) + eps
            np.divide(m, tmp, out=tmp)
            tmp *= lr / c1  # lr * m_hat / (sqrt(v_hat) + eps)
            W -= tmp

    def state(self) -> dict:
        out = {f"m/{k}": v for k, v in self.m.items()}
        out.update({f"v/{k}": v for k, v in self.v.items()})
        return out


def make_optimizer(
    name: str,
    params: dict,
    *,
    momentum: float = 0.9,
    nesterov: bool = False,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
):
    """Build an optimiser by name: one of :data:`OPTIMIZERS`."""
    if name == "sgd":
        return SGD(params, momentum=0.0)
    if name == "momentum":
        return SGD(params, momentum=momentum, nesterov=nesterov)
    if name == "nesterov":
        return SGD(params, momentum=momentum, nesterov=True)
    if name == "adam":
        return Adam(params, beta1, beta2, eps)
    raise NpmlpError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")


def learning_rate(
    schedule: str,
    lr: float,
    epoch: int,
    epochs: int,
    *,
    step_size: int = 30,
    gamma: float = 0.1,
    min_lr: float = 0.0,
) -> float:
    """Learning rate for ``epoch`` (0-based) out of ``epochs``.

    constant: ``lr``; step: ``lr * gamma ** (epoch // step_size)``;
    cosine: ``min_lr + (lr - min_lr) * (1 + cos(pi * epoch / epochs)) / 2``.
    """
    if schedule == "constant":
        return lr
    if schedule == "step":
        return lr * gamma ** (epoch // max(step_size, 1))
    if schedule == "cosine":
        return min_lr + (lr - min_lr) * 0.5 * (1.0 + math.cos(math.pi * epoch / max(epochs, 1)))
    raise NpmlpError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")
