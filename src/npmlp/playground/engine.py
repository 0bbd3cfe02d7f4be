"""What the playground shows of a network: every variable of the seed's graph, as numbers.

This module only *looks* at a network; it never trains one. Training goes through the model's
own code (``MLP.forward_backward`` in a ``Workspace`` and an optimiser of :mod:`npmlp.train.optim`,
see :mod:`.session`). Here:

- :func:`seed_pass` -- every ``x^(i)``, ``dl/dx^(i)``, ``dl/dW^(i)``, ``dl/db^(i)`` of one batch;
- :func:`grid_views` -- the decision regions and every hidden unit's heat map from ONE pass of
  the plane's grid;
- :func:`graph_rows` -- the seed's view: each variable next to the equation that made it;
- :func:`tiny_network` -- N=4, D=2, H=3, C=2: the actual numbers of one forward and backward
  pass and of one gradient step.

Nothing here knows about the web page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.architecture import fc_indices
from ..nn.layers import ACTIVATIONS
from ..nn.loss import softmax, softmax_cross_entropy
from ..nn.model import MLP
from ..train.optim import make_optimizer

__all__ = ["FORMULAS", "activations_offered", "Pass", "seed_pass", "grid_views"]
__all__ += ["graph_rows", "tiny_network", "new_tiny"]


# how the seed's view writes each activation of :data:`npmlp.nn.layers.ACTIVATIONS`, and the
# derivative its backward applies
FORMULAS = {
    "relu": "max(0, {x})",
    "tanh": "tanh({x})",
    "logistic": "1 / (1 + exp(-{x}))",
    "identity": "{x}",
}
DERIVATIVES = {
    "relu": "1[{x} > 0]",
    "tanh": "(1 - {z}^2)",
    "logistic": "{z} (1 - {z})",
    "identity": "1",
}


def activations_offered() -> tuple[str, ...]:
    """The activations the page offers: every one the model has."""
    return tuple(ACTIVATIONS)


def activation_of(net: MLP) -> str:
    return net.activation


@dataclass
class Pass:
    """One forward (and backward) pass of a batch of N rows through an MLP of L layers.

    xs : [x^(0) (N, D), x^(1) (N, H), ..., x^(L) = s (N, C)] -- separate arrays, the
        activation's input and output both kept.
    With labels: loss (float, l2 term included), P (N, C) the softmax, dxs {i: dl/dx^(i)} for
    i = 0 ... L (dl/dx^(L) = dl/ds = (P - onehot(y)) / N), grads {"W1": (D, H), ...}.
    """

    xs: list
    loss: float | None = None
    P: np.ndarray | None = None
    dxs: dict = field(default_factory=dict)
    grads: dict = field(default_factory=dict)


def seed_pass(net: MLP, X: np.ndarray, y: np.ndarray | None = None, l2: float = 0.0) -> Pass:
    """Every variable of the seed's graph for X : (N, D) (already scaled), labels y : (N,).

    The model's own pass: :meth:`MLP.forward` keeping every ``x^(i)`` and :meth:`MLP.backward`
    returning every ``dl/dx^(i)``. Training never uses this function.
    """
    xs = net.forward(np.asarray(X, net.dtype), keep=True)
    out = Pass(xs)
    if y is None:
        return out
    out.P = softmax(xs[net.L])
    loss, dS = softmax_cross_entropy(xs[net.L], y)  # dl/ds = (P - onehot(y)) / N
    out.dxs[net.L] = dS
    out.grads = {k: np.empty_like(v) for k, v in net.params.items()}
    out.dxs.update(net.backward(xs, dS, out.grads, keep=True))
    if l2:
        loss += net.l2_penalty(l2)
        net.add_l2_gradient(out.grads, l2)
    out.loss = float(loss)
    return out


# ---------------------------------------------------------------------------- the plane's grid
def grid_views(net: MLP, G: np.ndarray, res: int, unit_res: int) -> dict:
    """Decision regions and unit heat maps from one pass of the grid G : (res*res, 2), scaled.

    Returns ``P`` (res*res, C) the class probabilities and ``units``: one (H_k, unit_res,
    unit_res) array per hidden FC layer k (x^(1), x^(3), ...), each unit's value *before*
    the activation (ReLU keeps its positive part), sampled every ``res // unit_res`` pixels.
    ``full``: the same arrays at ``res`` x ``res`` (for the enlarged unit).
    """
    xs = seed_pass(net, G).xs
    step = res // unit_res
    full = [xs[i].T.reshape(-1, res, res) for i in fc_indices(net.L)[:-1]]
    return {
        "P": softmax(xs[net.L]),
        "units": [u[:, ::step, ::step] for u in full],
        "full": full,
    }


# ---------------------------------------------------------------------------- the seed's view
def _letters(net: MLP) -> list[str]:
    """The seed's letter for the width of each x^(i): D, H..., C (H1, H2... if widths differ)."""
    sizes = net.arch.sizes
    hidden = sizes[1:-1:2]
    same = len(set(hidden)) == 1
    return ["D"] + [("H" if same else f"H{(i + 1) // 2}") for i in range(1, net.L)] + ["C"]


def _row(name, value, eq, ref, letters, *, kind, values):
    a = np.asarray(value, np.float64)
    row = {
        "name": name,
        "eq": eq,
        "ref": ref,
        "kind": kind,
        "letters": " × ".join(letters) if letters else "scalar",
        "shape": " × ".join(map(str, a.shape)) if a.ndim else "scalar",
        "norm": None if kind == "labels" else float(np.linalg.norm(a)),
    }
    if values:
        row["values"] = np.round(a, 4).tolist()
    return row


def graph_rows(net: MLP, X, y, l2: float = 0.0, values: bool = False, pas: Pass | None = None):
    """The seed's view of one batch X : (N, D) (scaled), y : (N,): a list of row dicts.

    Each row: ``name``, ``eq`` (the equation that produced it), ``ref`` (where in the seed),
    ``kind`` (forward, labels, param, backward), ``letters`` (shape in N, D, H, C), ``shape``
    (numbers), ``norm`` (Frobenius) and, with ``values``, the numbers themselves.
    """
    pas = pas or seed_pass(net, X, y, l2)
    L, lt, name = net.L, _letters(net), activation_of(net)
    rows = []

    def add(var, value, eq, ref, letters, kind):
        rows.append(_row(var, value, eq, ref, letters, kind=kind, values=values))

    add("x^(0)", pas.xs[0], "X, the batch (scaled)", "eq. 17", ["N", "D"], "forward")
    add("y", y, "the batch's labels, in {0, ..., C−1}", "eq. 18", ["N"], "labels")
    for i in range(1, L + 1):
        if i % 2:
            eq, ref = f"x^({i - 1}) W^({i}) + 1_N b^({i})", "eq. 22"
        else:
            eq, ref = FORMULAS[name].format(x=f"x^({i - 1})"), f"{name}, eq. 14"
        if i == L:
            ref += "; S = MLP(X; θ), eq. 19"
        add("s = x^(L)" if i == L else f"x^({i})", pas.xs[i], eq, ref, ["N", lt[i]], "forward")
    add("p", pas.P, "softmax(s)", "eq. 4", ["N", "C"], "forward")
    decay = f" + ({l2:g}/2) Σ ||W^(i)||²" if l2 else ""
    add("l", pas.loss, "(1/N) Σ_n −ln p_n,y_n" + decay, "eqs. 3, 5", [], "forward")
    for i in fc_indices(L):
        add(f"W^({i})", net.params[f"W{i}"], "parameter", "eq. 10", [lt[i - 1], lt[i]], "param")
        add(f"b^({i})", net.params[f"b{i}"], "parameter", "eq. 10", ["1", lt[i]], "param")
    add("dl/ds", pas.dxs[L], "(p − onehot(y)) / N", "section 3.3", ["N", "C"], "backward")
    deriv = DERIVATIVES[name]
    for i in range(L, 0, -1):
        d = "dl/ds" if i == L else f"dl/dx^({i})"
        if i % 2:
            decay = f" + {l2:g} W^({i})" if l2 else ""
            eq = f"x^({i - 1})ᵀ {d}{decay}"
            add(f"dl/dW^({i})", pas.grads[f"W{i}"], eq, "eq. 24", [lt[i - 1], lt[i]], "backward")
            add(f"dl/db^({i})", pas.grads[f"b{i}"], f"1_Nᵀ {d}", "eq. 25", ["1", lt[i]], "backward")
            eq, ref = f"{d} W^({i})ᵀ", "eq. 23" + (" (not needed for training)" if i == 1 else "")
        else:
            eq = f"{d} ⊙ " + deriv.format(x=f"x^({i - 1})", z=f"x^({i})")
            ref = "section 3.2" if name == "relu" else name
        add(f"dl/dx^({i - 1})", pas.dxs[i - 1], eq, ref, ["N", lt[i - 1]], "backward")
    return rows


# ---------------------------------------------------------------------------- tiny network
TINY = {"N": 4, "D": 2, "H": 3, "C": 2, "L": 3}


def new_tiny(seed: int) -> MLP:
    """The tiny network's first weights (float64, He's initialisation)."""
    t = TINY
    return MLP(t["D"], t["H"], t["L"], t["C"], dtype=np.float64, seed=seed)


def tiny_network(X: np.ndarray, y: np.ndarray, lr: float, seed: int, net: MLP | None = None):
    """One forward, backward and SGD step of the tiny network on X : (4, 2), y : (4,) in {0, 1}.

    Returns ``(net, result)``: the network after the step (pass it back for the next step) and
    a dict with ``rows`` (every variable with its numbers, see :func:`graph_rows`), ``step``
    (for each parameter: before, gradient, change ``-lr * grad``, after) and ``loss_after``.
    """
    net = net or new_tiny(seed)
    X = np.asarray(X, np.float64)
    pas = seed_pass(net, X, y)
    rows = graph_rows(net, X, y, values=True, pas=pas)
    before = {k: v.copy() for k, v in net.params.items()}
    _, grads = net.loss_and_grads(X, y)  # the model's own gradients drive the step
    make_optimizer("sgd", net.params).step(grads, lr)
    step = [
        {
            "name": k,
            "before": np.round(before[k], 4).tolist(),
            "grad": np.round(grads[k], 4).tolist(),
            "change": np.round(net.params[k] - before[k], 5).tolist(),
            "after": np.round(net.params[k], 4).tolist(),
        }
        for k in net.params
    ]
    loss_after = float(seed_pass(net, X, y).loss)
    return net, {"rows": rows, "step": step, "lr": lr, "loss": pas.loss, "loss_after": loss_after}
