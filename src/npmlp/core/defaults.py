"""The table of training defaults: ``npmlp train``, :class:`~npmlp.jobs.job.RunSettings` and
:class:`~npmlp.train.train_config.TrainConfig` all read them, so they can never disagree. Each default is
declared with its setting in :data:`npmlp.core.settings.SETTINGS`; :data:`TRAIN` is their table.

The optimisation and early-stopping values were chosen by ``benchmarks/defaults_sweep.py``
(docs/defaults.md): across the bundled, synthetic and a 28 x 28 image set, at least 600 test
rows each, they are within 0.005 of the best of 54 candidates on every set and match or beat
scikit-learn's ``MLPClassifier()`` on all ten. Change them only with a new sweep. (The scikit-learn estimator keeps scikit-learn's own defaults, as a drop-in must.)
A leaf module: plain values only, importable without NumPy.
"""

from __future__ import annotations

from .settings import SETTINGS

__all__ = ["TRAIN", "WEIGHT_DECAY_AUTO"]

# the default of every training setting, as declared with it (npmlp.core.settings), and the data
TRAIN = {"data": "digits", **{s.name: s.default for s in SETTINGS.values()}}

# ``weight_decay="auto"``: the L2 penalty by the run. Full-batch L-BFGS on rows too few to hold
# out a validation split (the small sets ``optimizer="auto"`` gives it) goes to the minimum of
# the penalised loss of a few hundred rows, so it needs more of the penalty than Adam, which
# early stopping or a fixed budget of noisy steps holds back; on more rows 5e-2 underfits
# (docs/defaults.md, round 5).
WEIGHT_DECAY_AUTO = {"lbfgs on few rows": 5e-2, "others": 1e-3}
