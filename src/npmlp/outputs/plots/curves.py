"""Pictures of a training history and of a test split: learning curves, health, confusion."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ...core.architecture import fc_indices
from ...train.health import RATIO_RANGE
from .base import new_figure

__all__ = ["plot_curves", "plot_confusion", "plot_health"]


def _best_marker(ax, epochs, values, best, color, unit="epoch"):
    if best is None or not len(epochs):
        return
    ax.axvline(best, color="0.35", ls=":", lw=1.2, label=f"best {unit} {best}")
    k = int(np.searchsorted(epochs, best))
    if k < len(values) and np.isfinite(values[k]):
        ax.plot([best], [values[k]], marker="*", ms=13, color=color, mec="k", zorder=5)


def plot_curves(history) -> Figure:
    """Train and validation loss (left) and accuracy (right) per epoch, best epoch marked.

    Both losses are the mean cross-entropy; the L2 penalty, when there is one, is its own
    dotted line and is in neither.
    """
    fig = new_figure(10, 4)  # fixed margins: a constrained layout costs ~1 s per picture
    fig.subplots_adjust(left=0.075, right=0.985, bottom=0.13, top=0.92, wspace=0.2)
    ax_loss, ax_acc = fig.subplots(1, 2)
    epochs = history.column("epoch")
    has_val = np.isfinite(history.column("val_loss")).any()
    lbfgs = history.optimizer_name == "lbfgs"  # one record per iteration
    for ax, what in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        train = history.column(f"train_{what}")
        ax.plot(epochs, train, color="C0", lw=1.8, label=f"train {what}")
        val = history.column(f"val_{what}")
        if has_val:
            ax.plot(epochs, val, color="C1", lw=1.8, ls="--", label=f"validation {what}")
        color, unit = "C1" if has_val else "C0", "iteration" if lbfgs else "epoch"
        _best_marker(ax, epochs, val if has_val else train, history.best_epoch, color, unit)
        penalty = history.column("l2_penalty")
        if what == "loss" and np.nanmax(penalty, initial=0.0) > 0:  # apart: not in the losses
            ax.plot(
                epochs, penalty, color="C2", lw=1.2, ls="-.", label="L2 penalty (not in the losses)"
            )
        ax.set_xlabel("L-BFGS iteration" if lbfgs else "epoch")
        ax.set_ylabel(what)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=9)
    where = "at each iteration's weights" if lbfgs else "running mean over the epoch"
    ax_loss.set_title(f"mean cross-entropy (train: {where})")
    if np.all(history.column("train_loss")[np.isfinite(history.column("train_loss"))] > 0):
        ax_loss.set_yscale("log")
    ax_acc.set_title("accuracy")
    return fig


def plot_confusion(
    y_true: np.ndarray, y_pred: np.ndarray, names: list[str], split: str = "test"
) -> Figure:
    """Confusion matrix of class indices y_true, y_pred : (N,): counts and row-normalised."""
    from sklearn.metrics import confusion_matrix

    C = len(names)
    cm = confusion_matrix(y_true, y_pred, labels=np.arange(C))
    rows = cm.sum(axis=1, keepdims=True)
    norm = np.divide(cm, rows, out=np.zeros(cm.shape), where=rows > 0)
    side = min(3.0 + 0.33 * C, 12.0)
    short = [n if len(n) <= 12 else n[:11] + "…" for n in names]
    label_in = 0.45 + 0.075 * max(len(n) for n in short)  # room for the tick labels
    bottom = (0.55 + (label_in if C > 6 else 0.2)) / side
    h = side * (1 - 0.4 / side - bottom)  # height of each square matrix
    width = 2 * (h + 1.5 + label_in)  # two matrices, their colour bars and tick labels
    fig = new_figure(width, side)
    fig.subplots_adjust(
        left=label_in / width,
        right=0.985,
        bottom=bottom,
        top=1 - 0.4 / side,
        wspace=(label_in + 0.4) / (h + 1.5),  # room for the second panel's tick labels
    )
    axes = fig.subplots(1, 2)
    for ax, M, title, fmt in (
        (axes[0], cm, f"counts ({split} split, {int(cm.sum())} rows)", "d"),
        (axes[1], norm * 100, "row-normalised (recall per class)", ".0%"),
    ):
        im = ax.imshow(M, cmap="Blues", vmin=0, vmax=M.max() or 1)
        if C <= 20:
            top = (M.max() or 1) / 2
            for i in range(C):
                for j in range(C):
                    text = format(M[i, j], fmt) if fmt == "d" else f"{M[i, j]:.0f}"
                    ax.text(
                        j,
                        i,
                        text,
                        ha="center",
                        va="center",
                        fontsize=8 if C > 10 else 10,
                        color="white" if M[i, j] > top else "black",
                    )
        ticks = np.arange(C) if C <= 30 else np.arange(0, C, max(C // 20, 1))
        ax.set_xticks(ticks, [short[t] for t in ticks], rotation=90 if C > 6 else 0)
        ax.set_yticks(ticks, [short[t] for t in ticks])
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.set_title(title if fmt == "d" else title + (" in %" if C <= 20 else ""))
        fig.colorbar(im, ax=ax, shrink=0.8)
    return fig


def plot_health(history, L: int) -> Figure:
    """The health columns of :mod:`npmlp.train.health` per epoch: one line per FC layer."""
    fig = new_figure(11, 7)
    fig.subplots_adjust(left=0.07, right=0.985, bottom=0.07, top=0.9, wspace=0.18, hspace=0.32)
    axes = fig.subplots(2, 2).ravel()
    epochs = history.column("epoch")
    panels = (
        ("dead", "dead ReLU units after the layer (fraction)", False),
        ("act_rms", "activation RMS of the layer's output", True),
        ("grad_norm", "||dl/dW|| on the probe batch", True),
        ("update_ratio", "update-to-weight ratio per update", True),
    )
    for ax, (key, title, log) in zip(axes, panels, strict=True):
        for n, i in enumerate(fc_indices(L)):
            if key == "dead" and i == L:
                continue
            v = history.column(f"FC{i}_{key}")
            if log:
                v = np.where(v > 0, v, np.nan)
            ax.plot(
                epochs,
                v,
                color=f"C{n % 10}",
                lw=1.6,
                marker="o" if len(v) < 30 else None,
                ms=3,
                label=f"FC{i}",
            )
        if key == "dead":
            ax.axhline(0.5, color="C3", ls="--", lw=1, label="50 % (warning)")
            ax.set_ylim(-0.03, 1.03)
        if key == "update_ratio":
            ax.axhspan(*RATIO_RANGE, color="C2", alpha=0.08, label="healthy range")
        if log and np.isfinite(ax.get_ylim()).all():
            ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    fig.suptitle("training health, measured after each epoch on a fixed probe batch")
    return fig
