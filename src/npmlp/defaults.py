"""The one table of training defaults: ``npmlp train``, :class:`~npmlp.job.RunSettings` and
:class:`~npmlp.training.TrainConfig` all read :data:`TRAIN`, so they can never disagree.

(The scikit-learn estimator keeps scikit-learn's own defaults, as a drop-in must.)
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
    "nesterov": False,
    "schedule": "constant",
    "step_size": 30,
    "gamma": 0.1,
    "min_lr": 0.0,
    "weight_decay": 1e-3,
    "shuffle": True,
    # early stopping
    "early_stopping": "val_loss",
    "patience": 15,
    "min_delta": 0.0,
    "restore_best": True,
    "min_val_rows": 0,
    # run
    "threads": None,
    "seed": 0,
}
