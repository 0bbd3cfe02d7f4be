"""The one table of training defaults: ``npmlp train``, :class:`~npmlp.job.RunSettings` and
:class:`~npmlp.training.TrainConfig` all read :data:`TRAIN`, so they can never disagree.

The optimisation and early-stopping values were chosen by ``benchmarks/defaults_sweep.py``
(docs/defaults.md): across the bundled, synthetic and a 28 x 28 image set, at least 600 test
rows each, they are within 0.005 of the best of 54 candidates on every set and match or beat
scikit-learn's ``MLPClassifier()`` on all ten. Change them only with a new sweep. (The scikit-learn estimator keeps scikit-learn's own defaults, as a drop-in must.)
A leaf module: plain values only, importable without NumPy.
"""

from __future__ import annotations

__all__ = ["TRAIN", "WEIGHT_DECAY_AUTO"]

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
    "epochs": 100,
    "batch_size": 64,
    "lr": 2e-3,
    "optimizer": "auto",  # adam, or lbfgs when too few rows for a validation split
    "momentum": 0.9,
    "nesterov": False,
    "beta1": 0.9,
    "beta2": 0.999,
    "epsilon": 1e-8,
    "max_fun": 15000,  # lbfgs: loss evaluations at most
    "schedule": "constant",
    "step_size": 30,
    "gamma": 0.1,
    "min_lr": 0.0,
    "power_t": 0.5,
    "samples_seen": 0,
    "weight_decay": "auto",  # L2: by the optimiser that runs, WEIGHT_DECAY_AUTO
    "dropout": 0.0,
    "shuffle": True,
    # early stopping
    "early_stopping": "val_loss",
    "patience": 20,
    "min_delta": 0.0,
    "restore_best": True,
    "min_val_rows": 30,  # fewer validation rows: stop on the training loss
    # run
    "threads": None,
    "seed": 0,
}

# ``weight_decay="auto"``: the L2 penalty by the run. Full-batch L-BFGS on rows too few to hold
# out a validation split (the small sets ``optimizer="auto"`` gives it) goes to the minimum of
# the penalised loss of a few hundred rows, so it needs more of the penalty than Adam, which
# early stopping or a fixed budget of noisy steps holds back; on more rows 5e-2 underfits
# (docs/defaults.md, round 5).
WEIGHT_DECAY_AUTO = {"lbfgs on few rows": 5e-2, "others": 1e-3}
