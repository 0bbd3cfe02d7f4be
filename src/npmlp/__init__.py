"""npmlp: the multilayer perceptron of the seed worksheet, in NumPy, with hand-derived backprop.

Main entry points: :class:`MLP` (the model), :func:`fit` and :class:`TrainConfig` (training by
gradient descent on the mean loss), :func:`gradcheck` (finite-difference check of the backward
pass), :func:`load` (read a saved model), :class:`NpMLPClassifier` (the scikit-learn estimator).
"""

from .errors import DataError, ModelFileError, NpmlpError, TrainingDiverged
from .export import export_onnx
from .files import load, save
from .gradcheck import gradcheck
from .graph import n_parameters, summarise
from .model import MLP
from .preprocessing import Preprocessing
from .sklearn import NpMLPClassifier
from .training import History, TrainConfig, fit

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "fit",
    "TrainConfig",
    "History",
    "gradcheck",
    "load",
    "save",
    "summarise",
    "n_parameters",
    "Preprocessing",
    "NpmlpError",
    "DataError",
    "ModelFileError",
    "TrainingDiverged",
    "NpMLPClassifier",
    "export_onnx",
    "__version__",
]
