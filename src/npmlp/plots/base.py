"""Shared pieces of the pictures: figures without pyplot, atomic PNG/SVG writes, class colours."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..errors import NpmlpError
from ..files import atomic_write

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
        raise NpmlpError(f"{path}: cannot write a picture as {path.suffix or 'no suffix'}; "
                         "give a file name ending in .png or .svg")
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format=fmt, dpi=dpi)
    return path


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path with ``path``'s suffix, renamed over ``path`` on success.

    For writers that want a file name (matplotlib's movie writers) rather than a file object.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def class_colors(C: int) -> np.ndarray:
    """(C, 3) RGB colours in [0, 1], distinct for any number of classes C."""
    from matplotlib import colormaps

    if C <= 10:
        return np.asarray(colormaps["tab10"].colors)[:C, :3]
    if C <= 20:
        return np.asarray(colormaps["tab20"].colors)[:C, :3]
    return colormaps["hsv"](np.linspace(0, 1, C, endpoint=False))[:, :3]


def class_names(classes, target_names=None) -> list[str]:
    """Display names of the C classes: the data set's target names when it gives them."""
    classes = list(classes)
    if target_names and len(target_names) == len(classes):
        return [str(t) for t in target_names]
    return [str(c) for c in classes]
