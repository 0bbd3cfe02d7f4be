"""Checking the hand-written backward pass against central finite differences.

The numerical derivative is the fourth-order central difference
``((f(t-2e) - f(t+2e)) + 8 (f(t+e) - f(t-e))) / (12 e)`` with ``e = 1e-3``: its truncation
error is O(e^4), so in float64 a correct backward pass shows relative errors near 1e-9, where
the two-point formula stalls near 1e-7 on entries with small gradients. An entry whose analytic
and numerical gradients are both exactly 0 (a dead unit) compares equal.

The relative error of an analytic gradient ``a`` and a numerical one ``b`` is
``|a - b| / max(1e-8, |a| + |b|)``; in float64 a correct backward pass gives about 1e-7 or
less. The network is computed by :meth:`MLP.forward` and :meth:`MLP.loss_and_grads`, the
same pass that trains it. ReLU is not differentiable at 0: if perturbing an entry by ``+-eps`` flips the sign of
some pre-activation, the finite difference straddles a kink and can disagree with the
(sub)gradient for a good reason. Such entries are flagged and reported apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .architecture import fc_indices
from .loss import softmax_cross_entropy
from .model import MLP

__all__ = ["gradcheck", "GradcheckReport", "TensorCheck", "rel_error", "numerical_gradient"]


def rel_error(a, b) -> np.ndarray:
    """Element-wise ``|a - b| / max(1e-8, |a| + |b|)``."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))


def numerical_gradient(f, x: np.ndarray, dout: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of ``sum(f(x) * dout)`` with respect to ``x``.

    The upstream-gradient trick: checks one layer's backward with any upstream ``dout``
    (shaped like ``f(x)``) without a loss. ``x`` is perturbed in place and restored.
    Returns an array shaped like ``x``.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        pos = np.sum(f(x) * dout)
        x[i] = old - eps
        neg = np.sum(f(x) * dout)
        x[i] = old
        grad[i] = (pos - neg) / (2 * eps)
    return grad


@dataclass
class TensorCheck:
    """Result for one parameter tensor."""

    name: str
    shape: tuple
    n_checked: int
    max_rel_error: float  # over the entries away from a ReLU kink
    n_near_kink: int
    max_rel_error_all: float  # including entries next to a kink


@dataclass
class GradcheckReport:
    """Per-tensor results; ``passed`` when every tensor's error is below ``threshold``."""

    rows: list[TensorCheck] = field(default_factory=list)
    threshold: float = 1e-6

    @property
    def max_rel_error(self) -> float:
        return max((r.max_rel_error for r in self.rows), default=0.0)

    @property
    def passed(self) -> bool:
        return self.max_rel_error < self.threshold

    def __str__(self) -> str:
        lines = [
            f"{'tensor':<8} {'shape':<12} {'checked':>7} {'max rel error':>14} {'near kink':>9}"
        ]
        for r in self.rows:
            shape = "x".join(map(str, r.shape))
            err = "n/a" if r.n_near_kink == r.n_checked else f"{r.max_rel_error:.3e}"
            lines.append(f"{r.name:<8} {shape:<12} {r.n_checked:>7} {err:>14} {r.n_near_kink:>9}")
        verdict = "PASS" if self.passed else "FAIL"
        lines.append(
            f"{verdict}: max relative error {self.max_rel_error:.3e} (threshold {self.threshold:g})"
        )
        return "\n".join(lines)


def _loss_and_signs(net: MLP, X, y, sample_weight, l2, masks=None):
    """Loss and the sign pattern of every FC output before a kinked activation (ReLU)."""
    xs = net.forward(X, keep=True, masks=masks)
    kinked = net.act.kinked
    signs = [xs[i] > 0 for i in fc_indices(net.L) if i < net.L and kinked]
    loss, _ = softmax_cross_entropy(xs[-1], y, sample_weight)  # xs[-1] = s, after any masks
    return loss + (net.l2_penalty(l2) if l2 else 0.0), signs


def gradcheck(
    net: MLP,
    X: np.ndarray,
    y: np.ndarray,
    *,
    eps: float = 1e-3,
    max_entries: int = 40,
    threshold: float = 1e-6,
    seed: int = 0,
    sample_weight=None,
    l2: float = 0.0,
    masks=None,
) -> GradcheckReport:
    """Compare :meth:`MLP.loss_and_grads` with central differences, in float64.

    Parameters
    ----------
    net : the model (copied to float64; the original is untouched).
    X : (N, D) rows; y : (N,) class indices.
    eps : finite-difference step (the stencil reaches +-2 eps).
    max_entries : tensors with more entries are checked on this many sampled entries.
    threshold : the report passes when every tensor's max relative error is below it.
    sample_weight, l2 : checked too when given.
    masks : dropout masks ``{i: (N, H)}`` held fixed during the check (see :meth:`MLP.forward`).

    Returns
    -------
    GradcheckReport with one :class:`TensorCheck` per parameter tensor.
    """
    net64 = net.copy(np.float64)
    X = np.asarray(X, np.float64)
    y = net64.check_labels(y, X.shape[0])
    sw = None if sample_weight is None else np.asarray(sample_weight, np.float64)
    _, grads = net64.loss_and_grads(X, y, sample_weight=sw, l2=l2, masks=masks)
    rng = np.random.default_rng(seed)
    report = GradcheckReport(threshold=threshold)
    for name, P in net64.params.items():
        flat = P.reshape(-1)
        picks = (
            np.arange(flat.size)
            if flat.size <= max_entries
            else rng.choice(flat.size, max_entries, replace=False)
        )
        errors, kinks = [], []
        for j in picks:
            old = flat[j]
            values, signs = [], []
            for step in (2, 1, -1, -2):  # fourth-order central difference, error O(eps^4)
                flat[j] = old + step * eps
                loss, s = _loss_and_signs(net64, X, y, sw, l2, masks)
                values.append(loss)
                signs.append(s)
            flat[j] = old
            numeric = ((values[3] - values[0]) + 8 * (values[1] - values[2])) / (12 * eps)
            errors.append(float(rel_error(grads[name].reshape(-1)[j], numeric)))
            kinks.append(
                any(
                    not (np.array_equal(a, b) and np.array_equal(a, c))
                    for a, b, c in zip(signs[0], signs[3], signs[1])
                )
            )
        errors, kinks = np.array(errors), np.array(kinks, bool)
        smooth = errors[~kinks]
        report.rows.append(
            TensorCheck(
                name,
                P.shape,
                int(picks.size),
                float(smooth.max()) if smooth.size else 0.0,
                int(kinks.sum()),
                float(errors.max()),
            )
        )
    return report
