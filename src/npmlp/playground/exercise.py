"""Exercises on the tiny network (N=4, D=2, H=3, C=2): a learner's value of a gradient of the
seed's view, checked against backprop and against finite differences, with the working.

The learner picks a variable (``dl/ds``, ``dl/dW^(i)``, ``dl/db^(i)``, ``dl/dx^(i)``) and an
entry ``[row, column]`` of it, or the whole matrix, and types the value. :func:`check` says
right or wrong, gives both references and writes the worksheet's equation of the entry (the
first wrong one of a matrix) with its numbers in it. Only looks at the network: never trains.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import NpmlpError
from ..nn.loss import softmax, softmax_cross_entropy
from .config import shown
from .engine import seed_pass

__all__ = ["gradient_names", "check", "numeric", "RTOL", "ATOL"]

# an answer is right within these of backprop: the page shows 3 decimals, worked by hand
RTOL, ATOL = 0.02, 2e-3
H_STEP = 1e-6  # the step of the centred differences (float64)


def gradient_names(L: int) -> list[str]:
    """The gradients of the seed's view of an L-layer network, in backprop's order."""
    names = ["dl/ds"]
    for i in range(L, 0, -1):
        if i % 2:
            names += [f"dl/dW^({i})", f"dl/db^({i})"]
        names.append(f"dl/dx^({i - 1})")
    return names


def _parse(name: str, L: int) -> tuple[str, int]:
    """``(kind, i)``: ``("x", L)`` for dl/ds, ``("W", i)``, ``("b", i)`` or ``("x", i)``."""
    if name not in gradient_names(L):
        raise NpmlpError(
            f"variable must be one of {', '.join(gradient_names(L))}, got {shown(name)}"
        )
    if name == "dl/ds":
        return "x", L
    return name[4], int(name[name.index("(") + 1 : -1])


def _backprop(pas, kind: str, i: int) -> np.ndarray:
    return pas.dxs[i] if kind == "x" else pas.grads[f"{kind}{i}"]


def _loss_from(net, i: int, x: np.ndarray, y: np.ndarray) -> float:
    """The loss when x^(i) : (N, width) is ``x``: the layers i+1 ... L, then eq. 5."""
    for k in range(i + 1, net.L + 1):
        x = x @ net.params[f"W{k}"] + net.params[f"b{k}"] if k % 2 else net.act.forward(x)
    return float(softmax_cross_entropy(x, y)[0])


def numeric(net, X: np.ndarray, y: np.ndarray, kind: str, i: int) -> np.ndarray:
    """Centred differences of the loss for every entry of a parameter or of x^(i)."""
    xs = net.forward(X, keep=True)
    target = net.params[f"{kind}{i}"] if kind != "x" else xs[i].copy()

    def loss() -> float:
        return _loss_from(net, i, target, y) if kind == "x" else _loss_from(net, 0, X, y)

    out = np.empty(target.shape)
    for idx in np.ndindex(*target.shape):
        keep = target[idx]
        target[idx] = keep + H_STEP
        up = loss()
        target[idx] = keep - H_STEP
        down = loss()
        target[idx] = keep
        out[idx] = (up - down) / (2 * H_STEP)
    return out


def _answer(answer, entry, shape) -> np.ndarray:
    """The learner's value as an array of ``shape`` (one entry: a number)."""
    try:
        a = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        a = None
    want = () if entry is not None else shape
    if a is not None and a.shape != want and a.size == int(np.prod(want)):
        a = a.reshape(want)  # a bias row typed as a flat list
    if a is None or a.shape != want or not np.all(np.isfinite(a)):
        what = "a number" if entry is not None else f"a {' × '.join(map(str, shape))} matrix"
        raise NpmlpError(f"answer must be {what}, got {shown(answer)}")
    return a


def _entry(entry, shape) -> tuple | None:
    if entry is None:
        return None
    ok = isinstance(entry, list) and len(entry) == 2
    ok = ok and all(isinstance(v, int) and not isinstance(v, bool) for v in entry)
    if not ok or not all(0 <= v < n for v, n in zip(entry, shape)):
        raise NpmlpError(
            f"entry must be [row, column] with row < {shape[0]} and column < {shape[1]}, "
            f"got {shown(entry)}"
        )
    return tuple(entry)


def check(net, X: np.ndarray, y: np.ndarray, name: str, entry, answer) -> dict:
    """The learner's ``answer`` for ``name`` (its ``entry`` [r, c], or all of it when ``None``)
    of the tiny network ``net`` on X : (N, D), y : (N,): right or wrong, backprop's and the
    finite differences' values, and the working of one entry."""
    kind, i = _parse(name, net.L)
    pas = seed_pass(net, X, y)
    exact = _backprop(pas, kind, i)
    at = _entry(entry, exact.shape)
    given = _answer(answer, at, exact.shape)
    want = exact[at] if at is not None else exact
    bad = np.abs(given - want) > RTOL * np.abs(want) + ATOL
    fd = numeric(net, X, y, kind, i)
    if at is None:
        at = tuple(np.argwhere(bad)[0]) if bad.any() else (0, 0)
    return {
        "type": "exercise",
        "variable": name,
        "entry": None if entry is None else list(at),
        "right": not bool(bad.any()),
        "backprop": np.round(want, 6).tolist(),
        "numeric": np.round(fd[at] if entry is not None else fd, 6).tolist(),
        "agree": float(np.max(np.abs(fd - exact))),
        "wrong": np.argwhere(bad).tolist() if entry is None else [],
        "worked": [int(at[0]), int(at[1])],  # the entry of the working
        "working": working(net, pas, y, kind, i, at),
    }


def _n(v) -> str:
    """A number as the working writes it: 4 decimals, a true minus sign, no −0.0000."""
    v = float(v)
    return f"{v if abs(v) >= 5e-5 else 0.0:.4f}".replace("-", "−")


def _sum(terms) -> str:
    """Terms joined by +; a plain negative number is subtracted instead (``a − 0.125``)."""
    out = ""
    for k, t in enumerate(terms):
        if k and t.startswith("−"):
            out += f" − {t[1:]}"
        else:
            out += f" + {t}" if k else t
    return out


def working(net, pas, y, kind: str, i: int, at: tuple) -> list[str]:
    """The worksheet's equation of entry ``at`` of the gradient, then with its numbers."""
    r, c = int(at[0]), int(at[1])
    L, N = net.L, len(y)
    g = "dl/ds" if i == L else f"dl/dx^({i})"  # the gradient that arrives at x^(i)
    value = _n(_backprop(pas, kind, i)[r, c])
    if kind == "x" and i == L:
        P = softmax(pas.xs[L])
        hot = int(y[r] == c)
        return [
            f"dl/ds[{r},{c}] = (p[{r},{c}] − 1[y_{r} = {c}]) / N   (section 3.3)",
            f"= ({_n(P[r, c])} − {hot}) / {N} = {value}",
        ]
    if kind == "W":
        x, d = pas.xs[i - 1], pas.dxs[i]
        terms = [f"({_n(x[n, r])})({_n(d[n, c])})" for n in range(N)]
        return [
            f"dl/dW^({i})[{r},{c}] = Σ_n x^({i - 1})[n,{r}] · {g}[n,{c}]   (eq. 24)",
            f"= {_sum(terms)} = {value}",
        ]
    if kind == "b":
        d = pas.dxs[i]
        return [
            f"dl/db^({i})[0,{c}] = Σ_n {g}[n,{c}]   (eq. 25)",
            f"= {_sum(_n(d[n, c]) for n in range(N))} = {value}",
        ]
    up = pas.dxs[i + 1]  # dl/dx^(i) from dl/dx^(i+1)
    g = "dl/ds" if i + 1 == L else f"dl/dx^({i + 1})"
    if (i + 1) % 2:  # x^(i+1) = x^(i) W^(i+1) + b: eq. 23
        W = net.params[f"W{i + 1}"]
        terms = [f"({_n(up[r, k])})({_n(W[c, k])})" for k in range(W.shape[1])]
        return [
            f"dl/dx^({i})[{r},{c}] = Σ_k {g}[{r},k] · W^({i + 1})[{c},k]   (eq. 23)",
            f"= {_sum(terms)} = {value}",
        ]
    x = pas.xs[i]
    on = int(x[r, c] > 0)
    return [
        f"dl/dx^({i})[{r},{c}] = {g}[{r},{c}] · 1[x^({i})[{r},{c}] > 0]   (ReLU, section 3.2)",
        f"= ({_n(up[r, c])}) · 1[{_n(x[r, c])} > 0] = ({_n(up[r, c])}) · {on} = {value}",
    ]
