"""The shape of a network: :class:`Architecture` (D, hidden widths, C, and L from them), and the
seed's computation graph as data (every variable with its shape, the parameter count).

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

__all__ = ["Architecture", "fc_indices", "n_parameters", "summarise", "Summary", "Variable"]


def fc_indices(L: int) -> list[int]:
    """The seed's numbers of the FC layers: 1, 3, ..., L."""
    return list(range(1, L + 1, 2))


def _integer(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise NpmlpError(f"{name} must be an integer, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class Architecture:
    """The shape of a seed MLP: input size ``D``, one width per hidden layer, ``C`` classes.

    The layer count ``L = 2 * len(widths) + 1`` (odd, >= 3) follows from the widths: FC layers
    are 1, 3, ..., L and a hidden activation follows each FC but the last. Build one with
    :meth:`of`, which takes the seed's ``(D, H, L, C)`` with ``H`` one width for every hidden
    layer (the seed's case) or one width per hidden layer.
    """

    D: int
    widths: tuple[int, ...]
    C: int

    @classmethod
    def of(cls, D, H, L, C, *, min_C: int = 2) -> Architecture:
        """Validate the seed's ``D, H, L, C``; raise :class:`NpmlpError` naming the bad one.
        ``min_C=1`` for a regression network, whose C outputs may be one."""
        D, L, C = _integer("D", D), _integer("L", L), _integer("C", C)
        if L < 3 or L % 2 == 0:
            raise NpmlpError(
                f"L must be odd and >= 3 (the layers alternate FC and ReLU and both the first "
                f"and the last are FC), got L={L}; use L=3 for one hidden layer, L=5 for two, ..."
            )
        if D < 1:
            raise NpmlpError(f"D (input size) must be >= 1, got D={D}")
        n_hidden = (L - 1) // 2
        if isinstance(H, (list, tuple, np.ndarray)):
            if len(H) != n_hidden:
                raise NpmlpError(
                    f"H lists {len(H)} hidden widths but L={L} has {n_hidden} hidden layers"
                )
            widths = tuple(H)
        else:
            widths = (H,) * n_hidden
        for h in widths:
            if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1:
                raise NpmlpError(f"H (hidden width) must be an integer >= 1, got H={h!r}")
        if C < min_C:
            what = "classes" if min_C == 2 else "outputs"
            raise NpmlpError(f"C (number of {what}) must be >= {min_C}, got C={C}")
        return cls(D, tuple(int(h) for h in widths), C)

    @property
    def L(self) -> int:
        return 2 * len(self.widths) + 1

    @property
    def H(self) -> int | tuple[int, ...]:
        """The seed's ``H``: one int when every hidden layer has the same width, else a tuple."""
        return self.widths[0] if len(set(self.widths)) == 1 else self.widths

    @property
    def sizes(self) -> list[int]:
        """Width of x^(0), x^(1), ..., x^(L): [D, H, H, ..., H, C] (an activation keeps its
        FC's width)."""
        return [self.D] + [h for h in self.widths for _ in range(2)] + [self.C]

    @property
    def fc_layers(self) -> list[tuple[int, int, int]]:
        """``(i, d_in, d_out)`` for each FC layer i = 1, 3, ..., L."""
        s = self.sizes
        return [(i, s[i - 1], s[i]) for i in fc_indices(self.L)]

    @property
    def n_params(self) -> int:
        """``D*H + H + (L-3)/2 * (H*H + H) + H*C + C``: the seed's "nombre de paramètres"."""
        return sum(d_in * d_out + d_out for _, d_in, d_out in self.fc_layers)

    def to_dict(self) -> dict:
        H = self.H
        return {"D": self.D, "H": list(H) if isinstance(H, tuple) else H, "L": self.L, "C": self.C}

    def __str__(self) -> str:
        return f"D={self.D} H={_h_text(self.H)} L={self.L} C={self.C}"


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


def n_parameters(D: int, H, L: int, C: int) -> int:
    """The seed's parameter count of the network ``D, H, L, C`` (see :attr:`Architecture.n_params`)."""
    return Architecture.of(D, H, L, C).n_params


def summarise(D: int, H, L: int, C: int, N: int = 1) -> Summary:
    """Shapes of every variable of the seed's graph for a batch of N rows."""
    arch = Architecture.of(D, H, L, C)
    if isinstance(N, bool) or not isinstance(N, int) or N < 1:
        raise NpmlpError(f"N (batch size) must be an integer >= 1, got {N!r}")
    sizes, (D, H, L, C) = arch.sizes, (arch.D, arch.H, arch.L, arch.C)
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
