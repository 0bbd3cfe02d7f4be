"""Shared runs and PNG checks for the picture, report and graph tests (cached per session)."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.datasets import make_moons

from npmlp.jobs.job import RunSettings, train_run, write_run
from npmlp.train.train_config import TrainConfig

MOONS_PICTURES = [
    "curves.png",
    "confusion.png",
    "health.png",
    "boundary.png",
    "boundary.gif",
    "activations_x2.png",
    "activations_x4.png",
]
DIGITS_PICTURES = ["curves.png", "confusion.png", "health.png", "weights.png", "misclassified.png"]


def png_pixels(path) -> np.ndarray:
    """The picture as an (H, W, 3) float array; fails unless it is a real PNG."""
    with Image.open(path) as im:
        assert im.format == "PNG", f"{path} is {im.format}, not PNG"
        return np.asarray(im.convert("RGB"), dtype=float)


def assert_picture(path, min_size=(200, 150), max_size=(2600, 2600), min_std=10.0):
    a = png_pixels(path)
    h, w = a.shape[:2]
    assert min_size[0] <= w <= max_size[0] and min_size[1] <= h <= max_size[1], (path, w, h)
    assert a.std() > min_std, f"{path} looks blank (pixel std {a.std():.2f})"
    assert len(np.unique(a.reshape(-1, 3), axis=0)) > 20, f"{path} has almost no colours"
    return a


def moons_file(folder: Path, n=400) -> Path:
    X, y = make_moons(n, noise=0.2, random_state=0)
    path = folder / "moons.npz"
    np.savez(path, X=X, y=y)
    return path


def _settings(data, **kw):
    cfg = TrainConfig(
        epochs=kw.pop("epochs", 12),
        batch_size=32,
        lr=1e-2,
        optimizer="adam",
        val_fraction=0.1,
        early_stopping="val_loss",
        patience=50,
        restore_best=True,
        min_val_rows=0,
        weight_decay=1e-3,
        seed=0,
    )
    return RunSettings(data=str(data), seed=0, config=cfg, **kw)


@functools.cache
def moons_run():
    """(result, folder) of a 2-D run with two hidden layers, pictures written."""
    folder = Path(tempfile.mkdtemp(prefix="npmlp-moons-"))
    result = train_run(_settings(moons_file(folder), layers=5, hidden=8))
    write_run(result, folder / "run")
    return result, folder / "run"


@functools.cache
def digits_run():
    """(result, folder) of a short digits run, pictures written."""
    folder = Path(tempfile.mkdtemp(prefix="npmlp-digits-"))
    result = train_run(_settings("digits", layers=3, hidden=32, epochs=6))
    write_run(result, folder / "run")
    return result, folder / "run"
