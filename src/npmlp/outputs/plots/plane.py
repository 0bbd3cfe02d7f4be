"""Pictures of 2-D data: decision regions, their evolution (GIF), per-unit activation maps.

Everything is evaluated on a regular grid over the plane of the raw features (the model's
preprocessing is applied as in prediction). Regions are coloured by mixing the class colours
with the predicted probabilities, pale where the model hesitates, as in TensorFlow Playground.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.animation import PillowWriter
from matplotlib.figure import Figure

from ...callbacks import Callback
from ...nn.loss import softmax
from .base import atomic_path, class_colors, new_figure, plot_tiles

__all__ = [
    "Plane",
    "region_image",
    "plot_boundary",
    "BoundaryRecorder",
    "write_boundary_gif",
    "hidden_activations",
    "plot_activation_grid",
    "activation_tiles",
    "MAX_FRAMES",
    "MAX_UNITS",
]

MAX_FRAMES = 30  # frames recorded during training, plus the final one
MAX_UNITS = 64  # units drawn per hidden layer


class Plane:
    """A G x G grid covering the rows of X : (N, 2) with a margin; ``points`` is (G*G, 2)."""

    def __init__(self, X: np.ndarray, G: int = 120, margin: float = 0.08):
        X = np.asarray(X, dtype=np.float64)
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = np.where(hi > lo, (hi - lo) * margin, 1.0)
        self.lo, self.hi, self.G = lo - pad, hi + pad, G
        xs = np.linspace(self.lo[0], self.hi[0], G)
        ys = np.linspace(self.lo[1], self.hi[1], G)
        xx, yy = np.meshgrid(xs, ys)
        self.points = np.column_stack([xx.ravel(), yy.ravel()])

    @property
    def extent(self):
        return (self.lo[0], self.hi[0], self.lo[1], self.hi[1])


def hidden_activations(net, X: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """``([x^(2), x^(4), ..., x^(L-1)], P)`` for raw rows X : (N, D): each hidden layer's
    activation output (N, width) and the class probabilities P : (N, C)."""
    xs = net.forward(net.scale_input(X), keep=True)
    return xs[2 : net.L : 2], softmax(xs[net.L])


def region_image(P: np.ndarray, G: int, colors: np.ndarray) -> np.ndarray:
    """(G, G, 3) picture of probabilities P : (G*G, C): class colours mixed by probability,
    fading to white where the top probability nears 1/C."""
    C = P.shape[1]
    mix = P @ colors
    sure = ((P.max(axis=1) - 1.0 / C) / (1.0 - 1.0 / C)).clip(0, 1)[:, None]
    img = 1.0 - 0.6 * (0.25 + 0.75 * sure) * (1.0 - mix)
    return img.reshape(G, G, 3).clip(0, 1)


def _draw_points(ax, X, y, colors, names, size=14):
    for k, name in enumerate(names):
        rows = y == k
        ax.scatter(
            X[rows, 0],
            X[rows, 1],
            s=size,
            color=colors[k],
            edgecolors="k",
            linewidths=0.4,
            label=f"{name} ({int(rows.sum())})",
        )


def plot_boundary(
    net, X: np.ndarray, y: np.ndarray, names: list[str], title: str = "", plane: Plane | None = None
) -> Figure:
    """Decision regions of ``net`` over the plane with the rows X : (N, 2), labels y : (N,)."""
    plane = plane or Plane(X)
    colors = class_colors(net.C)
    _, P = hidden_activations(net, plane.points)
    fig = new_figure(6.4, 5.6, layout="constrained")
    ax = fig.subplots()
    ax.imshow(
        region_image(P, plane.G, colors),
        origin="lower",
        extent=plane.extent,
        aspect="auto",
        interpolation="bilinear",
    )
    xs = np.linspace(plane.lo[0], plane.hi[0], plane.G)
    ys = np.linspace(plane.lo[1], plane.hi[1], plane.G)
    for k in range(1 if net.C == 2 else net.C):  # boundary of class k: p_k = max of the others
        margin = P[:, k] - np.delete(P, k, axis=1).max(axis=1)
        if margin.min() < 0 < margin.max():
            ax.contour(
                xs,
                ys,
                margin.reshape(plane.G, plane.G),
                levels=[0.0],
                colors="k",
                linewidths=0.9,
                alpha=0.7,
            )
    _draw_points(ax, X, y, colors, names)
    ax.set_xlim(plane.lo[0], plane.hi[0])
    ax.set_ylim(plane.lo[1], plane.hi[1])
    ax.set_xlabel("feature 0")
    ax.set_ylabel("feature 1")
    ax.set_title(title or "decision regions (pale: uncertain)")
    ax.legend(fontsize=8, loc="best", framealpha=0.8, title="class (rows)", title_fontsize=8)
    return fig


class BoundaryRecorder(Callback):
    """The callback that keeps a picture of the decision regions every ``every`` epochs.

    At most :data:`MAX_FRAMES` pictures for ``epochs`` epochs; each is a small (G, G, 3) array.
    """

    def __init__(self, plane: Plane, epochs: int, C: int):
        self.plane, self.colors = plane, class_colors(C)
        self.every = max(1, math.ceil(epochs / MAX_FRAMES))
        self.frames: list[tuple[str, np.ndarray]] = []

    def picture(self, net) -> np.ndarray:
        """(G, G, 3) picture of the model's current decision regions."""
        _, P = hidden_activations(net, self.plane.points)
        return region_image(P, self.plane.G, self.colors)

    def snapshot(self, net, label: str) -> None:
        self.frames.append((label, self.picture(net)))

    order, name = -50, "boundary"

    def __call__(self, record: dict, net) -> None:
        epoch = record["epoch"]
        if epoch == 1 or epoch % self.every == 0:
            self.snapshot(net, f"epoch {epoch}")

    def on_epoch_end(self, loop, logs: dict) -> None:
        self(logs, loop.net)

    def state(self) -> dict:
        """The frames so far as arrays (a checkpoint's part, :mod:`npmlp.train.checkpoint`)."""
        if not self.frames:
            return {}
        epochs = [int(label.split()[-1]) for label, _ in self.frames]
        return {"epochs": np.array(epochs), "frames": np.stack([img for _, img in self.frames])}

    def load_state(self, arrays: dict) -> None:
        pairs = zip(arrays.get("epochs", ()), arrays.get("frames", ()), strict=True)
        self.frames = [(f"epoch {int(e)}", img) for e, img in pairs]


def write_boundary_gif(frames, plane: Plane, X, y, *, names, path, fps: int = 6) -> None:
    """Write the recorded region pictures as an animated GIF (matplotlib's PillowWriter)."""
    colors = class_colors(len(names))
    fig = new_figure(4.2, 3.8, layout="constrained")
    ax = fig.subplots()
    im = ax.imshow(
        frames[0][1], origin="lower", extent=plane.extent, aspect="auto", interpolation="bilinear"
    )
    _draw_points(ax, X, y, colors, names, size=8)
    ax.set_xlim(plane.lo[0], plane.hi[0])
    ax.set_ylim(plane.lo[1], plane.hi[1])
    ax.set_xticks([])
    ax.set_yticks([])
    title = ax.set_title(frames[0][0], fontsize=10)
    writer = PillowWriter(fps=fps)
    with atomic_path(path) as tmp:
        writer.setup(fig, tmp, dpi=60)
        for label, img in list(frames) + [frames[-1]] * 2:  # hold the last frame a little
            im.set_data(img)
            title.set_text(label)
            writer.grab_frame()
        writer.finish()


def activation_tiles(net, layer: int, plane: Plane, X=None, y=None):
    """(n, G, G, 3) pictures of the first n = min(width, 64) units of hidden layer
    ``x^(layer)`` over the plane (row 0 at the top), each on its own scale from 0 (black) to
    its maximum (yellow), with the rows X : (N, 2) as dots of their class colour (labels y).
    Also returns the width and which of the n units are dead (0 everywhere)."""
    from matplotlib import colormaps

    hidden, _ = hidden_activations(net, plane.points)
    A = hidden[layer // 2 - 1]
    width, G = A.shape[1], plane.G
    n = min(width, MAX_UNITS)
    a = A[:, :n].T.reshape(n, G, G)[:, ::-1, :].astype(np.float64)  # y grows upwards
    top = a.max(axis=(1, 2), keepdims=True)
    dead = top[:, 0, 0] <= 0
    tiles = colormaps["magma"](a / np.where(top > 0, top, 1.0))[..., :3]
    if X is not None:
        col = np.round((X[:, 0] - plane.lo[0]) / (plane.hi[0] - plane.lo[0]) * (G - 1))
        row = np.round((plane.hi[1] - X[:, 1]) / (plane.hi[1] - plane.lo[1]) * (G - 1))
        inside = (col >= 0) & (col < G) & (row >= 0) & (row < G)
        r, c = row[inside].astype(int), col[inside].astype(int)
        dots = class_colors(net.C)[y[inside]] if y is not None else np.ones((r.size, 3))
        live = np.flatnonzero(~dead)
        under = tiles[live[:, None], r[None, :], c[None, :]]
        tiles[live[:, None], r[None, :], c[None, :]] = 0.45 * under + 0.55 * dots[None, :, :]
    return tiles, width, dead


def plot_activation_grid(net, layer: int, plane: Plane, X=None, y=None) -> Figure:
    """Activation of each unit of hidden layer ``x^(layer)`` (layer = 2, 4, ..., L-1) over the
    plane, one small map per unit (at most :data:`MAX_UNITS`); dark = 0 (the ReLU is off)."""
    tiles, width, dead = activation_tiles(net, layer, plane, X, y)
    n = tiles.shape[0]
    shown = f"all {width}" if n == width else f"first {n} of {width}"
    labels = [f"unit {j}" + (" dead" if dead[j] else "") for j in range(n)]
    return plot_tiles(
        tiles,
        labels,
        f"$x^{{({layer})}}$ = ReLU($x^{{({layer - 1})}}$) over the plane\n"
        f"{shown} units; dark = 0 (unit off)",
        label_colors=["C3" if d else "k" for d in dead],
    )
