"""Pictures for image data: first-layer weights as images, worst-misclassified test images."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from .base import new_figure, plot_tiles

__all__ = [
    "image_shape_for",
    "plot_weight_images",
    "weight_tiles",
    "plot_worst_misclassified",
    "MAX_UNITS",
    "MAX_IMAGES",
]

MAX_UNITS = 64
MAX_IMAGES = 16


def image_shape_for(D: int, declared=None) -> tuple[int, int] | None:
    """(height, width) of the rows seen as images: the data set's own, else a square side
    when D is a perfect square of at least 16 (4 x 4); None for other data."""
    if declared is not None and int(np.prod(declared)) == D:
        return tuple(int(s) for s in declared)
    side = math.isqrt(D)
    return (side, side) if side * side == D and side >= 4 else None


def _grid(n: int, cell: float, extra_top: float):
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    fig = new_figure(cell * cols + 0.4, cell * rows + extra_top)
    return fig, rows, cols


def weight_tiles(W1: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(n, height, width, 3) RGB pictures of the first n = min(H, 64) columns of W1 : (D, H),
    each on its own symmetric scale: red > 0, white 0, blue < 0."""
    from matplotlib import colormaps

    n = min(W1.shape[1], MAX_UNITS)
    w = W1[:, :n].T.reshape(n, *shape).astype(np.float64)
    m = np.abs(w).max(axis=(1, 2), keepdims=True)
    m[m == 0] = 1.0
    return colormaps["RdBu_r"]((w / m + 1) / 2)[..., :3]


def plot_weight_images(W1: np.ndarray, shape: tuple[int, int]) -> Figure:
    """Column j of W1 : (D, H) drawn as a height x width image, one per unit (at most 64).

    Red is a positive weight, blue a negative one; each unit has its own symmetric scale.
    """
    H = W1.shape[1]
    tiles = weight_tiles(W1, shape)
    n = tiles.shape[0]
    shown = f"all {H}" if n == H else f"first {n} of {H}"
    return plot_tiles(
        tiles,
        [f"unit {j}" for j in range(n)],
        f"first layer weights $W^{{(1)}}$ as {shape[0]}x{shape[1]} images\n"
        f"({shown} units; red > 0, blue < 0)",
    )


def plot_worst_misclassified(
    X: np.ndarray, y_idx: np.ndarray, P: np.ndarray, names: list[str], shape: tuple[int, int]
) -> Figure:
    """The misclassified rows of X : (N, D) the model was most sure of, as images (at most 16).

    y_idx : (N,) true class indices; P : (N, C) predicted probabilities.
    """
    pred = P.argmax(axis=1)
    wrong = np.flatnonzero(pred != y_idx)
    order = wrong[np.argsort(-P[wrong, pred[wrong]], kind="stable")][:MAX_IMAGES]
    if order.size == 0:
        fig = new_figure(5, 1.5)
        ax = fig.subplots()
        ax.axis("off")
        ax.text(
            0.5,
            0.5,
            f"all {len(y_idx)} test images are classified correctly",
            ha="center",
            va="center",
            fontsize=11,
        )
        return fig
    fig, rows, cols = _grid(order.size, 1.6, 1.0)
    fig.subplots_adjust(
        left=0.02,
        right=0.98,
        bottom=0.02,
        top=1 - 0.8 / (1.6 * rows + 1.0),
        wspace=0.1,
        hspace=0.55,
    )
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, r in zip(axes, list(order) + [None] * (axes.size - order.size), strict=True):
        if r is None:
            fig.delaxes(ax)
            continue
        ax.imshow(X[r].reshape(shape), cmap="gray_r", interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(
            f"true {names[y_idx[r]]}\npred {names[pred[r]]} ({P[r, pred[r]]:.0%})",
            fontsize=8,
            pad=2,
        )
    fig.suptitle(
        f"worst misclassified test images\n({order.size} of {wrong.size} errors, most "
        "confident first)",
        fontsize=10,
    )
    return fig
