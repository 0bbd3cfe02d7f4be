"""Shared pieces of the pictures: figures without pyplot, atomic PNG/SVG writes, class colours."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ...core.atomic import atomic_path, atomic_write
from ...core.errors import NpmlpError

__all__ = ["new_figure", "save_figure", "class_colors", "atomic_path", "FORMATS"]

FORMATS = ("png", "svg")


def new_figure(width: float, height: float, **kwargs) -> Figure:
    """A matplotlib Figure drawn by the Agg canvas: no display, no pyplot global state."""
    fig = Figure(figsize=(width, height), **kwargs)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path, dpi: int = 100) -> Path:
    """Write ``fig`` to ``path`` (``.png`` or ``.svg``, from its suffix) atomically."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise NpmlpError(
            f"{path}: cannot write a picture as {path.suffix or 'no suffix'}; "
            "give a file name ending in .png or .svg"
        )
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format=fmt, dpi=dpi)
    return path


def class_colors(C: int) -> np.ndarray:
    """(C, 3) RGB colours in [0, 1], distinct for any number of classes C."""
    from matplotlib import colormaps

    if C <= 10:
        return np.asarray(colormaps["tab10"].colors)[:C, :3]
    if C <= 20:
        return np.asarray(colormaps["tab20"].colors)[:C, :3]
    return colormaps["hsv"](np.linspace(0, 1, C, endpoint=False))[:, :3]


def class_names(classes, target_names=None) -> list[str]:
    """Display names of the C classes: the data set's target names when it gives them.

    Drawn as plain text: a ``$`` is escaped, so that a label such as ``$x^$`` is not read as
    matplotlib's mathtext (which fails on it, or draws ``$x$`` as a formula)."""
    classes = list(classes)
    if target_names and len(target_names) == len(classes):
        classes = target_names
    return [str(c).replace("$", r"\$") for c in classes]


def mosaic(tiles: np.ndarray, cols: int, gap: int, band: int, fill: float = 1.0):
    """Lay n RGB tiles (n, h, w, 3) on a grid of ``cols`` columns in one picture.

    Each cell has ``gap`` pixels on the left and right and a ``band`` of pixels above the
    tile for its label. Returns ``(picture, corners)``: the (H, W, 3) picture and the (n, 2)
    pixel (row, column) of each tile's top-left corner.
    """
    n, h, w, _ = tiles.shape
    rows = -(-n // cols)
    ch, cw = h + band + gap, w + 2 * gap
    picture = np.full((rows * ch, cols * cw, 3), fill)
    corners = np.empty((n, 2), int)
    for k in range(n):
        r, c = divmod(k, cols)
        top, left = r * ch + band, c * cw + gap
        picture[top : top + h, left : left + w] = tiles[k]
        corners[k] = top, left
    return picture, corners


def plot_tiles(
    tiles: np.ndarray, labels: list[str], title: str, cell: float = 1.25, label_colors=None
) -> Figure:
    """One figure showing n RGB tiles (n, h, w, 3), each with its label above it.

    The tiles are one image in one axes (fast for 64 of them); ``fig.tile_corners`` holds
    their pixel corners in ``fig.axes[0].images[0]``.
    """
    import math

    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    n, h, w, _ = tiles.shape
    cols = math.ceil(math.sqrt(n))
    gap, band = max(1, round(w * 0.06)), max(2, round(h * 0.22))
    picture, corners = mosaic(tiles, cols, gap, band)
    title_in = 0.55 + 0.16 * title.count("\n")
    pic_w, pic_h = cell * cols, cell * cols * picture.shape[0] / picture.shape[1]
    fig = new_figure(pic_w + 0.2, pic_h + title_in + 0.1)
    W, H = fig.get_size_inches()
    ax = fig.add_axes((0.1 / W, 0.1 / H, pic_w / W, pic_h / H))
    ax.imshow(picture, interpolation="nearest", aspect="auto")
    ax.axis("off")
    ax.add_collection(
        PatchCollection(
            [Rectangle((c - 0.5, r - 0.5), w, h) for r, c in corners],
            facecolor="none",
            edgecolor="0.55",
            linewidth=0.6,
        )
    )
    colors = label_colors or ["k"] * n
    for (r, c), label, color in zip(corners, labels, colors, strict=True):
        ax.text(
            c + w / 2 - 0.5,
            r - 0.5 - band * 0.15,
            label,
            ha="center",
            va="bottom",
            fontsize=7,
            color=color,
        )
    fig.suptitle(title, fontsize=10, y=1 - 0.12 / H, va="top")
    fig.tile_corners = corners
    return fig
