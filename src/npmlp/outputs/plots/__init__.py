"""Pictures of a run and of the seed's graph, drawn with matplotlib's Agg canvas (no display).

:func:`write_pictures` writes, for a :class:`~npmlp.run.RunResult`:

- ``curves.png`` (learning curves), ``confusion.png`` (test split), ``health.png``;
- for 2-D data, ``boundary.png``, ``boundary.gif`` and ``activations_x2.png``,
  ``activations_x4.png``, ... (one per hidden layer);
- for image data, ``weights.png`` (first layer) and ``misclassified.png``.

Each ``plot_*`` function returns the matplotlib ``Figure`` so tests and notebooks can inspect it.
"""

from __future__ import annotations

from pathlib import Path

from .base import atomic_path, class_colors, class_names, new_figure, save_figure
from .curves import plot_confusion, plot_curves, plot_health
from .graph import graph_rows, plot_graph
from .images import image_shape_for, plot_weight_images, plot_worst_misclassified
from .plane import (
    BoundaryRecorder,
    Plane,
    hidden_activations,
    plot_activation_grid,
    plot_boundary,
    region_image,
    write_boundary_gif,
)

__all__ = [
    "write_pictures",
    "save_figure",
    "new_figure",
    "class_colors",
    "class_names",
    "atomic_path",
    "plot_curves",
    "plot_confusion",
    "plot_health",
    "plot_graph",
    "graph_rows",
    "image_shape_for",
    "plot_weight_images",
    "plot_worst_misclassified",
    "Plane",
    "BoundaryRecorder",
    "hidden_activations",
    "plot_activation_grid",
    "plot_boundary",
    "write_boundary_gif",
    "boundary_recorder",
    "region_image",
]


def boundary_recorder(net, X, epochs: int) -> BoundaryRecorder | None:
    """A :class:`BoundaryRecorder` over the plane of X : (N, 2), or None unless D == 2."""
    if net.D != 2:
        return None
    return BoundaryRecorder(Plane(X, G=100), epochs, net.C)


def write_pictures(result, out) -> list[Path]:
    """Write every picture that fits the run's data into ``out``; returns their paths."""
    out = Path(out)
    net, ds = result.net, result.dataset
    names = class_names(net.classes, ds.target_names)
    written = []

    def save(fig, name):
        written.append(save_figure(fig, out / name))

    save(plot_curves(result.history), "curves.png")
    X_test, y_test = result.splits["test"]
    if len(y_test):
        P_test = net.predict_proba(X_test)
        save(plot_confusion(y_test, P_test.argmax(axis=1), names), "confusion.png")
    if any(k.endswith("_update_ratio") for k in (result.history.records or [{}])[0]):
        save(plot_health(result.history, net.L), "health.png")
    if net.D == 2:
        X_tr, y_tr = result.splits["train"]
        recorder = result.extras.get("boundary")
        plane = recorder.plane if recorder is not None else Plane(X_tr, G=100)
        acc = result.metrics.get("test_accuracy")
        title = "decision regions after training (pale: uncertain)" + (
            f", test accuracy {acc:.3f}" if acc is not None else ""
        )
        save(plot_boundary(net, X_tr, y_tr, names, title, plane=plane), "boundary.png")
        if recorder is not None and recorder.frames:
            final = (f"final (epoch {result.history.best_epoch})", recorder.picture(net))
            path = out / "boundary.gif"
            write_boundary_gif(recorder.frames + [final], plane, X_tr, y_tr, names=names, path=path)
            written.append(path)
        small = Plane(X_tr, G=80)
        for layer in range(2, net.L, 2):
            save(plot_activation_grid(net, layer, small, X_tr, y_tr), f"activations_x{layer}.png")
    shape = image_shape_for(net.D, ds.image_shape)
    if shape is not None:
        save(plot_weight_images(net.params["W1"], shape), "weights.png")
        if len(y_test):
            save(
                plot_worst_misclassified(X_test, y_test, P_test, names, shape), "misclassified.png"
            )
    return written
