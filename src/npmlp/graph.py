"""The seed's computation graph as data: every variable with its shape, and the parameter count.

Forward chain (seed section 1, batched as in section 4)::

    x^(0) -FC1-> x^(1) -ReLU2-> x^(2) -FC3-> ... -FC(L)-> x^(L) = s -softmax-> p -> l(y, s)

``x^(0)`` is N x D, ``x^(1) ... x^(L-1)`` are N x H, ``s`` and ``p`` are N x C, ``l`` is a scalar.
Backward chain: ``dl/ds``, then for i = L ... 1 the gradients ``dl/dx^(i-1)`` and, for each FC
layer, ``dl/dW^(i)`` and ``dl/db^(i)``. Each gradient has its variable's shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import NpmlpError

__all__ = ["check_architecture", "n_parameters", "summarise", "Summary", "Variable"]


def _as_widths(H, L: int) -> list[int]:
    """The widths of the (L-1)/2 hidden FC outputs: H repeated, or the sequence H itself."""
    if isinstance(H, (list, tuple, np.ndarray)):
        return [int(h) for h in H]
    return [H] * ((L - 1) // 2)


def check_architecture(D: int, H, L: int, C: int) -> None:
    """Raise :class:`NpmlpError` (a ValueError) unless D, H, L, C describe a seed MLP.

    H is one width for every hidden layer (the seed's case) or a sequence of (L-1)/2 widths.
    """
    for name, value in (("D", D), ("L", L), ("C", C)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise NpmlpError(f"{name} must be an integer, got {value!r}")
    if L < 3 or L % 2 == 0:
        raise NpmlpError(
            f"L must be odd and >= 3 (the layers alternate FC and ReLU and both the first and "
            f"the last are FC), got L={L}; use L=3 for one hidden layer, L=5 for two, ..."
        )
    if D < 1:
        raise NpmlpError(f"D (input size) must be >= 1, got D={D}")
    if isinstance(H, (list, tuple, np.ndarray)):
        if len(H) != (L - 1) // 2:
            raise NpmlpError(
                f"H lists {len(H)} hidden widths but L={L} has {(L - 1) // 2} hidden layers"
            )
        widths = list(H)
    else:
        widths = [H]
    for h in widths:
        if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1:
            raise NpmlpError(f"H (hidden width) must be an integer >= 1, got H={h!r}")
    if C < 2:
        raise NpmlpError(f"C (number of classes) must be >= 2, got C={C}")


def fc_indices(L: int) -> list[int]:
    """The seed's numbers of the FC layers: 1, 3, ..., L."""
    return list(range(1, L + 1, 2))


def layer_sizes(D: int, H, L: int, C: int) -> list[int]:
    """Width of x^(0), x^(1), ..., x^(L): [D, H, ..., H, C] (each ReLU keeps its FC's width)."""
    return [D] + [h for h in _as_widths(H, L) for _ in range(2)] + [C]


def n_parameters(D: int, H, L: int, C: int) -> int:
    """``D*H + H + (L-3)/2 * (H*H + H) + H*C + C``: the seed's "nombre de paramètres".

    For unequal hidden widths, the sum of ``d_in * d_out + d_out`` over the FC layers.
    """
    if not isinstance(H, (list, tuple, np.ndarray)):
        return D * H + H + (L - 3) // 2 * (H * H + H) + H * C + C
    sizes = layer_sizes(D, H, L, C)
    return sum(sizes[i - 1] * sizes[i] + sizes[i] for i in fc_indices(L))


@dataclass
class Variable:
    """One node of the seed's graph: its name, shape and role (input/forward/param/backward)."""

    name: str
    shape: tuple
    role: str
    layer: str = ""

    @property
    def shape_text(self) -> str:
        return " x ".join(str(s) for s in self.shape) if self.shape else "scalar"


@dataclass
class Summary:
    """Variables of the forward and backward graph and the parameter count per layer."""

    D: int
    H: int | tuple
    L: int
    C: int
    N: int
    variables: list[Variable] = field(default_factory=list)
    layer_params: list[tuple[str, int]] = field(default_factory=list)

    @property
    def total_params(self) -> int:
        return sum(n for _, n in self.layer_params)

    def rows(self, role: str) -> list[Variable]:
        return [v for v in self.variables if v.role == role]

    def __str__(self) -> str:
        lines = [f"MLP D={self.D} H={_h_text(self.H)} L={self.L} C={self.C}, batch N={self.N}"]
        for title, role in (
            ("forward", "forward"),
            ("parameters", "param"),
            ("backward", "backward"),
        ):
            lines.append(f"{title}:")
            for v in self.rows(role):
                lines.append(f"  {v.name:<14} {v.shape_text:<16} {v.layer}")
        lines.append("parameters per layer:")
        for name, n in self.layer_params:
            lines.append(f"  {name:<14} {n}")
        lines.append(f"total parameters: {self.total_params}")
        return "\n".join(lines)


def _h_text(H) -> str:
    return ",".join(map(str, H)) if isinstance(H, (list, tuple)) else str(H)


def summarise(D: int, H: int, L: int, C: int, N: int = 1) -> Summary:
    """Shapes of every variable of the seed's graph for a batch of N rows."""
    check_architecture(D, H, L, C)
    if isinstance(N, bool) or not isinstance(N, int) or N < 1:
        raise NpmlpError(f"N (batch size) must be an integer >= 1, got {N!r}")
    sizes = layer_sizes(D, H, L, C)
    s = Summary(D, H, L, C, N)
    s.variables.append(Variable("x^(0)", (N, D), "forward", "input"))
    for i in range(1, L + 1):
        kind = "FC" if i % 2 else "ReLU"
        name = "x^(L) = s" if i == L else f"x^({i})"
        s.variables.append(Variable(name, (N, sizes[i]), "forward", f"{kind}{i}"))
    s.variables.append(Variable("p", (N, C), "forward", "softmax"))
    s.variables.append(Variable("y", (N,), "forward", "labels"))
    s.variables.append(Variable("l", (), "forward", "mean cross-entropy"))
    for i in fc_indices(L):
        s.variables.append(Variable(f"W^({i})", (sizes[i - 1], sizes[i]), "param", f"FC{i}"))
        s.variables.append(Variable(f"b^({i})", (1, sizes[i]), "param", f"FC{i}"))
        s.layer_params.append((f"FC{i}", sizes[i - 1] * sizes[i] + sizes[i]))
    s.variables.append(Variable("dl/ds", (N, C), "backward", "softmax + loss"))
    for i in range(L, 0, -1):
        kind = "FC" if i % 2 else "ReLU"
        if i % 2:
            s.variables.append(
                Variable(f"dl/dW^({i})", (sizes[i - 1], sizes[i]), "backward", f"FC{i}")
            )
            s.variables.append(Variable(f"dl/db^({i})", (1, sizes[i]), "backward", f"FC{i}"))
        note = f"{kind}{i}" + (" (not needed for training)" if i == 1 else "")
        s.variables.append(Variable(f"dl/dx^({i - 1})", (N, sizes[i - 1]), "backward", note))
    return s
