"""The one table of defaults of ``npmlp train`` and of :class:`~npmlp.job.RunSettings`.

The command line's options and the Python job both read :data:`TRAIN`, so the two can never
disagree. (The scikit-learn estimator keeps scikit-learn's own defaults, as a drop-in must.)
A leaf module: plain values only, importable without NumPy.
"""

from __future__ import annotations

__all__ = ["TRAIN"]

TRAIN = {
    # data and split
    "data": "digits",
    "test_fraction": 0.2,
    "val_fraction": 0.1,
    "scaling": "standard",
    # network
    "layers": 3,
    "hidden": 256,
    "activation": "relu",
    "init": "he",
    "dtype": "float32",
    # optimisation
    "epochs": 60,
    "batch_size": 64,
    "lr": 2e-3,
    "optimizer": "adam",
    "momentum": 0.9,
    "schedule": "constant",
    "weight_decay": 1e-3,
    "dropout": 0.0,
    "early_stopping": "val_loss",
    "patience": 15,
    "seed": 0,
}
