"""scikit-learn interface: :class:`NpMLPClassifier`, a drop-in for ``MLPClassifier``, and
:class:`NpMLPRegressor`, a drop-in for ``MLPRegressor``.

:mod:`.classifier` and :mod:`.regressor` hold the estimators, :mod:`.estimator` what they
share, :mod:`.settings` turns its parameters into npmlp's
training settings, :mod:`.callbacks` holds its listeners of the training loop, and
:mod:`.convert` gives the equal fitted ``MLPClassifier``.
"""

from .classifier import NpMLPClassifier
from .regressor import NpMLPRegressor

__all__ = ["NpMLPClassifier", "NpMLPRegressor"]
