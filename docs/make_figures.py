"""Draw the computation graphs of docs/derivations.md (the seed's sections 1, 3.1, 3.2, 3.3, 4).

Run from the repository root:  ``python docs/make_figures.py``  (writes docs/figures/*.png).

Variables are drawn as rounded boxes with their size underneath (blue), functions as grey
rectangles; forward arrows are black, backward arrows red, and the dashed grey arrows carry a
forward value that a backward function needs (the seed's ``x`` in ``FC~(dc/dz, x, W)``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
from npmlp.core.atomic import atomic_write  # noqa: E402

FIGURES = HERE / "figures"
FWD, BWD, NEED, SIZE = "black", "#c0392b", "#999999", "#1f5fa8"


class Diagram:
    """A tiny node-and-arrow drawer in data coordinates (1 unit ~ 0.9 inch)."""

    def __init__(self, width: float, height: float, title: str):
        self.fig, self.ax = plt.subplots(figsize=(width * 0.9, height * 0.9))
        self.ax.set_xlim(-0.2, width - 0.8)
        self.ax.set_ylim(-height + 0.7, 0.9)
        self.ax.set_aspect("equal")
        self.ax.axis("off")
        self.ax.set_title(title, fontsize=13, loc="left")
        self.nodes: dict[str, tuple[float, float, float, float]] = {}

    def var(self, key, x, y, label, size=None, color=FWD, grey=False):
        """A variable: rounded box; ``size`` printed under it in blue."""
        w = max(0.9, 0.115 * len(_plain(label)) + 0.35)
        h = 0.55
        self.ax.add_patch(
            FancyBboxPatch(
                (x - w / 2, y - h / 2),
                w,
                h,
                boxstyle="round,pad=0.02,rounding_size=0.2",
                fc="white",
                ec=NEED if grey else color,
                lw=1.4,
            )
        )
        self.ax.text(
            x, y, label, ha="center", va="center", fontsize=12, color=NEED if grey else color
        )
        if size:
            self.ax.text(x, y - h / 2 - 0.08, size, ha="center", va="top", fontsize=10, color=SIZE)
        self.nodes[key] = (x, y, w, h)

    def fn(self, key, x, y, label, color=FWD, width=None):
        """A function: grey rectangle."""
        w, h = width or max(0.8, 0.13 * len(_plain(label)) + 0.4), 0.6
        self.ax.add_patch(
            FancyBboxPatch(
                (x - w / 2, y - h / 2),
                w,
                h,
                boxstyle="square,pad=0.02",
                fc="#eeeeee",
                ec=color,
                lw=1.4,
            )
        )
        self.ax.text(x, y, label, ha="center", va="center", fontsize=12, color=color)
        self.nodes[key] = (x, y, w, h)

    def text(self, x, y, s, **kw):
        self.ax.text(x, y, s, ha="center", va="center", **kw)

    def arrow(self, a, b, color=FWD, dashed=False, rad=0.0):
        """Arrow from the border of node a to the border of node b."""
        (xa, ya), (xb, yb) = self._border(a, b), self._border(b, a)
        self.ax.annotate(
            "",
            xy=(xb, yb),
            xytext=(xa, ya),
            arrowprops=dict(
                arrowstyle="-|>",
                color=color,
                lw=1.3,
                ls=(0, (4, 3)) if dashed else "-",
                shrinkA=2,
                shrinkB=2,
                connectionstyle=f"arc3,rad={rad}",
            ),
        )

    def line(self, start, end, color=NEED, dashed=True, rad=0.0):
        """Arrow between two explicit points (to route around a box)."""
        self.ax.annotate(
            "",
            xy=end,
            xytext=start,
            arrowprops=dict(
                arrowstyle="-|>",
                color=color,
                lw=1.3,
                ls=(0, (4, 3)) if dashed else "-",
                shrinkA=0,
                shrinkB=2,
                connectionstyle=f"arc3,rad={rad}",
            ),
        )

    def bottom(self, key, dx=0.0):
        x, y, w, h = self.nodes[key]
        return x + dx, y - h / 2

    def top(self, key, dx=0.0):
        x, y, w, h = self.nodes[key]
        return x + dx, y + h / 2

    def _border(self, a, b):
        xa, ya, wa, ha = self.nodes[a]
        xb, yb, _, _ = self.nodes[b]
        dx, dy = xb - xa, yb - ya
        if dx == 0 and dy == 0:
            return xa, ya
        # scale the direction to hit the rectangle of a
        tx = (wa / 2) / abs(dx) if dx else float("inf")
        ty = (ha / 2) / abs(dy) if dy else float("inf")
        t = min(tx, ty)
        return xa + dx * t, ya + dy * t

    def legend(self, x, y, extra=""):
        self.ax.text(
            x,
            y,
            "black: forward   red: backward   dashed: forward value used by "
            "the backward function   blue: size" + extra,
            fontsize=9,
            color="#444444",
            ha="left",
            va="center",
        )

    def save(self, name):
        FIGURES.mkdir(exist_ok=True)
        path = FIGURES / name
        with atomic_write(path, "wb") as f:
            self.fig.savefig(
                f, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None}
            )
        plt.close(self.fig)
        return path


def _plain(label: str) -> str:
    """Rough visible length of a mathtext label."""
    import re

    s = re.sub(r"\\(mathbf|mathrm|widetilde|partial)", "", label)
    return re.sub(r"[${}\\^_]", "", s)


def d(num, den):
    return rf"$\partial {num}/\partial {den}$"


# ------------------------------------------------------------------------------ sections 1 and 4
def network(batched: bool):
    """The MLP's forward and backward graph with the size of every variable."""
    n = "N" if batched else "1"
    v = r"\mathbf{X}" if batched else r"\mathbf{x}"
    X = lambda i: rf"${v}^{{({i})}}$"  # noqa: E731
    sl = r"\mathbf{S}" if batched else r"\mathbf{s}"
    lhs = "c" if batched else "l"
    sz = lambda s: rf"${n}\times {s}$"  # noqa: E731
    title = (
        "Section 4: the batched graph (N rows at once) with the size of every variable"
        if batched
        else "Section 1: the MLP's computation graph with the size of every variable (one row x)"
    )
    g = Diagram(23, 7.2, title)
    keys = ["x0", "FC1", "x1", "ReLU2", "x2", "FC3", "x3", "dots", "xL1", "FCL", "s", "l", "c"]
    steps = [0, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.2, 1.2, 1.6, 1.6, 1.6, 1.5]
    P, x = {}, 0.5
    for k, step in zip(keys, steps, strict=True):
        x += step
        P[k] = x
    y0, y1, yp, yg = -1.3, -3.9, 0.1, -5.3
    # forward row
    g.var("x0", P["x0"], y0, X(0), sz("D"))
    g.var("x1", P["x1"], y0, X(1), sz("H"))
    g.var("x2", P["x2"], y0, X(2), sz("H"))
    g.var("x3", P["x3"], y0, X(3), sz("H"))
    g.var("xL1", P["xL1"], y0, X("L-1"), sz("H"))
    g.var("s", P["s"], y0, rf"${sl} = {v}^{{(L)}}$", sz("C"))
    g.var("c", P["c"], y0, rf"${lhs}$", r"$1\times 1$")
    g.var(
        "y",
        P["l"],
        yp,
        r"$\mathbf{y}$" if batched else r"$y$",
        r"$1\times N$" if batched else r"$1\times 1$",
    )
    for k in ("FC1", "FC3", "FCL"):
        g.fn(k, P[k], y0, r"$\mathrm{FC}$")
    g.fn("ReLU2", P["ReLU2"], y0, r"$\mathrm{ReLU}$")
    g.fn("l", P["l"], y0, r"$\frac{1}{N}\sum_i l$" if batched else r"$l$", width=1.0)
    g.text(P["dots"], y0, r"$\cdots$", fontsize=16)
    for i, fc, d_in, d_out in ((1, "FC1", "D", "H"), (3, "FC3", "H", "H"), ("L", "FCL", "H", "C")):
        g.var(f"W{i}", P[fc] - 0.5, yp, rf"$\mathbf{{W}}^{{({i})}}$", rf"${d_in}\times {d_out}$")
        g.var(f"b{i}", P[fc] + 0.5, yp, rf"$\mathbf{{b}}^{{({i})}}$", rf"$1\times {d_out}$")
        g.arrow(f"W{i}", fc)
        g.arrow(f"b{i}", fc)
    for a, b in (
        ("x0", "FC1"),
        ("FC1", "x1"),
        ("x1", "ReLU2"),
        ("ReLU2", "x2"),
        ("x2", "FC3"),
        ("FC3", "x3"),
        ("xL1", "FCL"),
        ("FCL", "s"),
        ("s", "l"),
        ("l", "c"),
        ("y", "l"),
    ):
        g.arrow(a, b)
    # backward row, right to left
    g.var("one", P["c"], y1, rf"$1 = \partial {lhs}/\partial {lhs}$", r"$1\times 1$", BWD)
    g.fn("lt", P["l"], y1, r"$\tilde{l}$", BWD, width=0.8)
    g.var("ds", P["s"], y1, d(lhs, sl), sz("C"), BWD)
    for k in ("FC1t", "FC3t", "FCLt"):
        g.fn(k, P[k[:-1]], y1, r"$\widetilde{\mathrm{FC}}$", BWD)
    g.fn("ReLU2t", P["ReLU2"], y1, r"$\widetilde{\mathrm{ReLU}}$", BWD)
    for i, key, w in (("L-1", "xL1", "H"), (3, "x3", "H"), (2, "x2", "H"), (1, "x1", "H")):
        g.var("d" + key, P[key], y1, d(lhs, rf"{v}^{{({i})}}"), sz(w), BWD)
    g.var("dx0", P["x0"], y1, d(lhs, rf"{v}^{{(0)}}"), sz("D"), BWD, grey=True)
    g.text(P["x0"], y1 - 0.78, "(not needed)", fontsize=9, color=NEED)
    g.text(P["dots"], y1, r"$\cdots$", fontsize=16, color=BWD)
    for a, b in (
        ("one", "lt"),
        ("lt", "ds"),
        ("ds", "FCLt"),
        ("FCLt", "dxL1"),
        ("dx3", "FC3t"),
        ("FC3t", "dx2"),
        ("dx2", "ReLU2t"),
        ("ReLU2t", "dx1"),
        ("dx1", "FC1t"),
        ("FC1t", "dx0"),
    ):
        g.arrow(a, b, BWD)
    for i, fct, d_in, d_out in (
        (1, "FC1t", "D", "H"),
        (3, "FC3t", "H", "H"),
        ("L", "FCLt", "H", "C"),
    ):
        x = P[fct[:-1]]
        g.var(
            f"dW{i}",
            x - 0.68,
            yg,
            d(lhs, rf"\mathbf{{W}}^{{({i})}}"),
            rf"${d_in}\times {d_out}$",
            BWD,
        )
        g.var(
            f"db{i}", x + 0.68, yg, d(lhs, rf"\mathbf{{b}}^{{({i})}}"), rf"$1\times {d_out}$", BWD
        )
        g.arrow(fct, f"dW{i}", BWD)
        g.arrow(fct, f"db{i}", BWD)
    # forward values read by the backward functions (routed beside the forward boxes)
    for a, fct in (("x0", "FC1t"), ("x2", "FC3t"), ("xL1", "FCLt"), ("x1", "ReLU2t"), ("s", "lt")):
        g.arrow(a, fct, NEED, dashed=True)
    for i, fct in ((1, "FC1t"), (3, "FC3t"), ("L", "FCLt")):
        wx, wy, ww, _ = g.nodes[f"W{i}"]
        g.line((wx - ww / 2, wy), g.top(fct, -0.3), rad=0.15)
    _, _, yw, _ = g.nodes["y"]
    g.line(g.bottom("y", yw / 2 - 0.1), g.top("lt", 0.3), rad=-0.25)
    g.legend(0.2, -6.65)
    return g.save("graph_batched.png" if batched else "graph_forward.png")


# ---------------------------------------------------------------------------------- section 3.1
def fc_graph():
    g = Diagram(
        10.5,
        7.0,
        r"3.1: $\mathbf{z} = \mathrm{FC}(\mathbf{x}, \mathbf{W}, \mathbf{b})"
        r" = \mathbf{x}\mathbf{W} + \mathbf{b}$ and $c = g(\mathbf{z})$",
    )
    yp, y0, y1, y2 = -0.1, -1.6, -3.6, -5.0
    g.var("x", 0.5, y0, r"$\mathbf{x}$", r"$1\times D$")
    g.var("W", 1.5, yp, r"$\mathbf{W}$", r"$D\times H$")
    g.var("b", 3.3, yp, r"$\mathbf{b}$", r"$1\times H$")
    g.fn("FC", 2.4, y0, r"$\mathrm{FC}$")
    g.var("z", 4.3, y0, r"$\mathbf{z}$", r"$1\times H$")
    g.fn("g", 6.1, y0, r"$g$")
    g.var("c", 7.9, y0, r"$c$", r"$1\times 1$")
    for a in ("x", "W", "b"):
        g.arrow(a, "FC")
    for a, b in (("FC", "z"), ("z", "g"), ("g", "c")):
        g.arrow(a, b)
    g.var("one", 7.9, y1, r"$1 = \partial c/\partial c$", None, BWD)
    g.fn("gt", 6.1, y1, r"$\tilde{g}$", BWD)
    g.var("dz", 4.3, y1, d("c", r"\mathbf{z}"), r"$1\times H$", BWD)
    g.fn("FCt", 2.4, y1, r"$\widetilde{\mathrm{FC}}$", BWD)
    g.var("dx", 1.0, y2, d("c", r"\mathbf{x}"), r"$1\times D$", BWD)
    g.var("dW", 2.4, y2, d("c", r"\mathbf{W}"), r"$D\times H$", BWD)
    g.var("db", 3.8, y2, d("c", r"\mathbf{b}"), r"$1\times H$", BWD)
    for a, b in (("one", "gt"), ("gt", "dz"), ("dz", "FCt")):
        g.arrow(a, b, BWD)
    for b in ("dx", "dW", "db"):
        g.arrow("FCt", b, BWD)
    g.arrow("z", "gt", NEED, dashed=True)
    x, y, w, h = g.nodes["x"]
    g.line((x + w / 2 - 0.1, y - h / 2), g.top("FCt", -0.35), rad=0.1)
    x, y, w, h = g.nodes["W"]
    g.line((x - w / 2, y), g.top("FCt", -0.15), rad=0.1)
    g.legend(-0.1, -6.1)
    return g.save("graph_fc.png")


# ---------------------------------------------------------------------------------- section 3.2
def relu_graph():
    g = Diagram(
        9.5,
        4.4,
        r"3.2: $\mathbf{z} = \mathrm{ReLU}(\mathbf{x}) = \max(0, \mathbf{x})$"
        r" and $c = g(\mathbf{z})$",
    )
    y0, y1 = -0.7, -2.8
    g.var("x", 0.5, y0, r"$\mathbf{x}$", r"$1\times H$")
    g.fn("ReLU", 2.3, y0, r"$\mathrm{ReLU}$")
    g.var("z", 4.1, y0, r"$\mathbf{z}$", r"$1\times H$")
    g.fn("g", 5.7, y0, r"$g$")
    g.var("c", 7.3, y0, r"$c$", r"$1\times 1$")
    for a, b in (("x", "ReLU"), ("ReLU", "z"), ("z", "g"), ("g", "c")):
        g.arrow(a, b)
    g.var("one", 7.3, y1, r"$1 = \partial c/\partial c$", None, BWD)
    g.fn("gt", 5.7, y1, r"$\tilde{g}$", BWD)
    g.var("dz", 4.1, y1, d("c", r"\mathbf{z}"), r"$1\times H$", BWD)
    g.fn("ReLUt", 2.3, y1, r"$\widetilde{\mathrm{ReLU}}$", BWD)
    g.var("dx", 0.5, y1, d("c", r"\mathbf{x}"), r"$1\times H$", BWD)
    for a, b in (("one", "gt"), ("gt", "dz"), ("dz", "ReLUt"), ("ReLUt", "dx")):
        g.arrow(a, b, BWD)
    g.arrow("z", "gt", NEED, dashed=True)
    g.arrow("x", "ReLUt", NEED, dashed=True)
    g.legend(-0.1, -4.6)
    return g.save("graph_relu.png")


# ---------------------------------------------------------------------------------- section 3.3
def loss_graph():
    g = Diagram(8.5, 4.4, r"3.3: $c = l(y, \mathbf{s}) = -\ln\,\mathrm{softmax}(\mathbf{s})_y$")
    y0, y1 = -0.8, -2.9
    g.var("s", 0.6, y0, r"$\mathbf{s}$", r"$1\times C$")
    g.var("y", 1.7, y0 + 1.35, r"$y$", r"$1\times 1$")
    g.fn("l", 3.0, y0, r"$l$")
    g.var("c", 5.4, y0, r"$c$", r"$1\times 1$")
    g.arrow("s", "l")
    g.arrow("y", "l")
    g.arrow("l", "c")
    g.var("one", 5.4, y1, r"$1 = \partial c/\partial c$", None, BWD)
    g.fn("lt", 3.0, y1, r"$\tilde{l}$", BWD)
    g.var("ds", 0.6, y1, d("c", r"\mathbf{s}"), r"$1\times C$", BWD)
    g.arrow("one", "lt", BWD)
    g.arrow("lt", "ds", BWD)
    g.arrow("s", "lt", NEED, dashed=True)
    g.line(g.bottom("y", 0.3), g.top("lt", -0.25), rad=0.1)
    g.legend(-0.1, -4.6)
    return g.save("graph_loss.png")


FIGURE_FUNCTIONS = {
    "graph_forward.png": lambda: network(False),
    "graph_batched.png": lambda: network(True),
    "graph_fc.png": fc_graph,
    "graph_relu.png": relu_graph,
    "graph_loss.png": loss_graph,
}

if __name__ == "__main__":
    for make in FIGURE_FUNCTIONS.values():
        print(make())
