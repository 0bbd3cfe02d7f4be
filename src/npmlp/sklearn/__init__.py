"""scikit-learn interface: :class:`NpMLPClassifier`, a drop-in for ``MLPClassifier``.

:mod:`.classifier` holds the estimator, :mod:`.settings` turns its parameters into npmlp's
training settings, :mod:`.callbacks` holds its listeners of the training loop, and
:mod:`.convert` gives the equal fitted ``MLPClassifier``.
"""

from .classifier import NpMLPClassifier

__all__ = ["NpMLPClassifier"]
