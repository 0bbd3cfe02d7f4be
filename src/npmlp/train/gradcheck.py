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
(sub)gradient for a good reason. Such entries are flagged and reported apart; a tensor whose
sampled entries all straddle a kink is checked again at other random points, and reported as
not checked (the report does not pass) if none of them helps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.architecture import fc_indices
from ..nn.model import MLP

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
    """Result for one parameter tensor.

    ``n_checked`` entries were sampled, ``n_near_kink`` of them straddled a kink and were left
    out of ``max_rel_error``; ``point`` is 0 at the given parameters, k at the k-th other
    random point (tried because every entry was near a kink at the ones before).
    """

    name: str
    shape: tuple
    n_checked: int
    max_rel_error: float  # over the entries away from a ReLU kink
    n_near_kink: int
    max_rel_error_all: float  # including entries next to a kink
    point: int = 0

    @property
    def unchecked(self) -> bool:
        """Every sampled entry was next to a kink: nothing was compared."""
        return self.n_near_kink == self.n_checked


@dataclass
class GradcheckReport:
    """Per-tensor results; ``passed`` when every tensor was checked (some entry away from a
    kink) and every error is below ``threshold``."""

    rows: list[TensorCheck] = field(default_factory=list)
    threshold: float = 1e-6

    @property
    def max_rel_error(self) -> float:
        return max((r.max_rel_error for r in self.rows), default=0.0)

    @property
    def unchecked(self) -> list[str]:
        """Names of the tensors with no entry away from a kink at any point tried."""
        return [r.name for r in self.rows if r.unchecked]

    @property
    def errors_below_threshold(self) -> bool:
        return self.max_rel_error < self.threshold

    @property
    def passed(self) -> bool:
        return self.errors_below_threshold and not self.unchecked

    def __str__(self) -> str:
        lines = [
            f"{'tensor':<8} {'shape':<12} {'checked':>7} {'max rel error':>14} {'near kink':>9}"
            "  point"
        ]
        for r in self.rows:
            shape = "x".join(map(str, r.shape))
            err = "not checked" if r.unchecked else f"{r.max_rel_error:.3e}"
            point = "given" if r.point == 0 else f"other {r.point}"
            lines.append(
                f"{r.name:<8} {shape:<12} {r.n_checked:>7} {err:>14} {r.n_near_kink:>9}  {point}"
            )
        verdict = "PASS" if self.errors_below_threshold else "FAIL"
        lines.append(
            f"{verdict}: max relative error {self.max_rel_error:.3e} (threshold {self.threshold:g})"
        )
        if self.unchecked:
            lines.append(
                f"NOT CHECKED: {', '.join(self.unchecked)} (every sampled entry next to a kink "
                "at every point tried)"
            )
        return "\n".join(lines)


def _loss_and_signs(net: MLP, X, y, sample_weight, l2, masks=None):
    """Loss and the sign pattern of every FC output before a kinked activation (ReLU)."""
    xs = net.forward(X, keep=True, masks=masks)
    kinked = net.act.kinked
    signs = [xs[i] > 0 for i in fc_indices(net.L) if i < net.L and kinked]
    loss, _ = net.head.loss(xs[-1], y, sample_weight)  # xs[-1] = s, after any masks
    return loss + (net.l2_penalty(l2) if l2 else 0.0), signs


def _check_tensor(net, name, grad, picks, eps, loss_at) -> tuple[np.ndarray, np.ndarray]:
    """Relative errors and kink flags of the entries ``picks`` of parameter ``name``."""
    flat = net.params[name].reshape(-1)
    errors, kinks = [], []
    for j in picks:
        old = flat[j]
        values, signs = [], []
        for step in (2, 1, -1, -2):  # fourth-order central difference, error O(eps^4)
            flat[j] = old + step * eps
            loss, s = loss_at()
            values.append(loss)
            signs.append(s)
        flat[j] = old
        numeric = ((values[3] - values[0]) + 8 * (values[1] - values[2])) / (12 * eps)
        errors.append(float(rel_error(grad.reshape(-1)[j], numeric)))
        kinks.append(
            any(
                not (np.array_equal(a, b) and np.array_equal(a, c))
                for a, b, c in zip(signs[0], signs[3], signs[1])
            )
        )
    return np.array(errors), np.array(kinks, bool)


def _move(net: MLP, rng) -> None:
    """Another random point: every parameter moved by noise of a tenth of its spread (or 0.1
    for a constant one, such as biases at 0), so rows leave the exact kinks of ReLU."""
    for P in net.params.values():
        P += rng.normal(0.0, 0.1 * (float(P.std()) or 1.0), P.shape)


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
    retries: int = 3,
    masks=None,
) -> GradcheckReport:
    """Compare :meth:`MLP.loss_and_grads` with central differences, in float64.

    Parameters
    ----------
    net : the model (copied to float64; the original is untouched).
    X : (N, D) rows; y : (N,) class indices, or targets (N,) or (N, C) of a regression head.
    eps : finite-difference step (the stencil reaches +-2 eps).
    max_entries : tensors with more entries are checked on this many sampled entries.
    threshold : the report passes when every tensor's max relative error is below it.
    sample_weight, l2 : checked too when given.
    retries : a tensor whose sampled entries are all next to a kink (a bias after a row whose
        hidden units are all off, say) is checked again at up to this many other random
        points (:func:`_move`); if none helps it is reported as not checked.
    masks : dropout masks ``{i: (N, H)}`` held fixed during the check (see :meth:`MLP.forward`).

    Returns
    -------
    GradcheckReport with one :class:`TensorCheck` per parameter tensor.
    """
    net64 = net.copy(np.float64)
    X = np.asarray(X, np.float64)
    y = net64.check_labels(y, X.shape[0])
    sw = None if sample_weight is None else np.asarray(sample_weight, np.float64)
    rng = np.random.default_rng(seed)

    def loss_at():
        return _loss_and_signs(net64, X, y, sw, l2, masks)

    def check(name, grads, point) -> TensorCheck:
        size = net64.params[name].size
        picks = np.arange(size) if size <= max_entries else rng.choice(size, max_entries, False)
        errors, kinks = _check_tensor(net64, name, grads[name], picks, eps, loss_at)
        smooth = errors[~kinks]
        return TensorCheck(
            name,
            net64.params[name].shape,
            int(picks.size),
            float(smooth.max()) if smooth.size else 0.0,
            int(kinks.sum()),
            float(errors.max()),
            point,
        )

    _, grads = net64.loss_and_grads(X, y, sample_weight=sw, l2=l2, masks=masks)
    rows = {name: check(name, grads, 0) for name in net64.params}
    for point in range(1, retries + 1):
        todo = [name for name, r in rows.items() if r.unchecked]
        if not todo:
            break
        _move(net64, rng)
        _, grads = net64.loss_and_grads(X, y, sample_weight=sw, l2=l2, masks=masks)
        rows.update({name: check(name, grads, point) for name in todo})
    return GradcheckReport(list(rows.values()), threshold=threshold)
