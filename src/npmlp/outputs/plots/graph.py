"""The seed's computation graph as a picture (its section 2 figure, with every shape written in).

Forward chain on top, ``x^(0) -FC-> x^(1) -ReLU-> ... -FC-> s -> l(y, s)``, the parameters
``W^(i), b^(i)`` above each FC arrow; backward chain underneath, ``dl/dx^(i)`` from right to
left, with ``dl/dW^(i), dl/db^(i)`` below each backward FC arrow. A long network folds onto
several rows of at most ``per_row`` variables; the text never shrinks.
"""

from __future__ import annotations

import math

from matplotlib.figure import Figure

from ...core.architecture import Summary
from .base import new_figure

__all__ = ["plot_graph", "graph_rows"]

STEP = 3.2  # distance between two variables (drawing units; one unit = UNIT inches)
UNIT = 0.6
BLOCK = 6.2  # height of one folded row
FWD, BWD = dict(fc="#dbeafe", ec="#1d4ed8"), dict(fc="#fde2e2", ec="#b91c1c")
PAR, GRD = dict(fc="#fef3c7", ec="#b45309"), dict(fc="#fff7ed", ec="#b45309")


def graph_rows(L: int, per_row: int = 7) -> int:
    """How many rows the figure of an L-layer network uses: its L + 2 variables, the last of
    each row repeated at the start of the next."""
    return math.ceil((L + 1) / (per_row - 1))


def _tex(name: str) -> str:
    """Summary names to mathtext: ``x^(3)`` -> $x^{(3)}$, ``dl/dW^(3)`` -> $\\partial l/...$."""
    if name.startswith("dl/d"):
        return r"$\partial l/\partial " + _tex(name[4:]).strip("$") + "$"
    if "^(" in name:
        base, idx = name.split("^(")
        return f"${base}^{{({idx.rstrip(')')})}}$"
    return f"${name}$"


def _box(ax, x, y, text, style, dashed=False):
    ax.text(
        x,
        y,
        text,
        ha="center",
        va="center",
        fontsize=10,
        zorder=3,
        bbox=dict(boxstyle="round,pad=0.35", lw=1.2, ls="--" if dashed else "-", **style),
    )


def _arrow(ax, x0, y0, x1, y1, color="k"):
    ax.annotate(
        "",
        xy=(x1, y1),
        xytext=(x0, y0),
        zorder=2,
        arrowprops=dict(arrowstyle="-|>", color=color, lw=1.3, shrinkA=0, shrinkB=0),
    )


def plot_graph(s: Summary, per_row: int = 7) -> Figure:
    """Draw the graph of :func:`npmlp.graph.summarise`'s ``s`` (forward, parameters, backward)."""
    shape = {v.name: v.shape_text.replace(" x ", "×") for v in s.variables}
    L = s.L
    fwd = [f"{_tex(f'x^({i})')}\n{shape['x^(0)' if i == 0 else f'x^({i})']}" for i in range(L)]
    fwd.append(f"$x^{{(L)}} = s$\n{shape['x^(L) = s']}")
    fwd.append(f"$l(y, s)$\nscalar\n$y$: {shape['y']}")
    bwd = [f"{_tex(f'dl/dx^({i})')}\n{shape[f'dl/dx^({i})']}" for i in range(L)]
    bwd.append(r"$\partial l/\partial s$" + f"\n{shape['dl/ds']}")
    bwd.append(r"$\partial l/\partial l = 1$")
    n_rows = graph_rows(L, per_row)
    width = (min(per_row, L + 2) - 1) * STEP + 3.2
    height = n_rows * BLOCK + 0.9
    fig = new_figure(width * UNIT, height * UNIT)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-1.6, width - 1.6)
    ax.set_ylim(0, height)
    ax.axis("off")
    ax.text(
        0.1 - 1.6 + 0.3,
        height - 0.45,
        f"MLP  D={s.D}  H={s.H}  L={L}  C={s.C}  batch N={s.N}:  {s.total_params} parameters\n"
        "forward (blue) left to right; backward (red) right to left, last row first",
        fontsize=10,
        va="center",
    )
    half = 1.05  # half the width kept free around a variable's box for the arrows
    for n in range(L + 1):  # edge n goes from variable n to variable n + 1
        r, c = divmod(n, per_row - 1)
        top = height - 0.9 - r * BLOCK
        y_par, y_f, y_b, y_g = top - 0.8, top - 2.3, top - 4.0, top - 5.4
        x0, x1 = c * STEP, (c + 1) * STEP
        xm = (x0 + x1) / 2
        if c == 0:
            _box(ax, x0, y_f, fwd[n], FWD, dashed=n > 0)
            _box(ax, x0, y_b, bwd[n], BWD, dashed=n > 0)
        _box(ax, x1, y_f, fwd[n + 1], FWD, dashed=c == per_row - 2 and n < L)
        _box(ax, x1, y_b, bwd[n + 1], BWD, dashed=c == per_row - 2 and n < L)
        i = n + 1  # the seed's layer number
        if i <= L:
            kind = "FC" if i % 2 else "ReLU"
            label, tilde = f"{kind}{i}", r"$\widetilde{\mathrm{" + kind + "}}$" + f"{i}"
        else:
            label, tilde = "loss", r"$\tilde{l}$ (uses $y$)"
        _arrow(ax, x0 + half, y_f, x1 - half, y_f, "#1d4ed8")
        ax.text(xm, y_f - 0.25, label, ha="center", va="top", fontsize=9, color="#1d4ed8")
        _arrow(ax, x1 - half, y_b, x0 + half, y_b, "#b91c1c")
        ax.text(xm, y_b + 0.25, tilde, ha="center", va="bottom", fontsize=9, color="#b91c1c")
        if i <= L and i % 2:
            W, b = f"W^({i})", f"b^({i})"
            _box(ax, xm, y_par, f"{_tex(W)}: {shape[W]}\n{_tex(b)}: {shape[b]}", PAR)
            _arrow(ax, xm, y_par - 0.5, xm, y_f + 0.05, "#b45309")
            _box(
                ax,
                xm,
                y_g,
                f"{_tex('dl/d' + W)}: {shape['dl/d' + W]}\n{_tex('dl/d' + b)}: {shape['dl/d' + b]}",
                GRD,
            )
            _arrow(ax, xm, y_b - 0.05, xm, y_g + 0.55, "#b45309")
    return fig
