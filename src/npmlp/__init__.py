"""npmlp: the multilayer perceptron of the seed worksheet, in NumPy, with hand-derived backprop.

Main entry points: :class:`MLP` (the model and its one network pass), :func:`fit` and
:class:`TrainConfig` (training by gradient descent on the mean loss), :func:`gradcheck`
(finite-difference check of the backward pass), :func:`load` / :func:`save` (model files),
:func:`evaluation_report` (per-class scores), :class:`NpMLPClassifier` (the scikit-learn
estimator). ``docs/architecture.md`` maps the modules.

``import npmlp`` needs NumPy only: :class:`NpMLPClassifier` (scikit-learn's conventions, and
scikit-learn itself) is imported on first use of the name, so the command line starts fast.
"""

# ruff: noqa: E402  (hold_interrupts runs before the imports, which take a second or two)
from ._startup import hold_interrupts

hold_interrupts()  # Ctrl-C during the command's imports: one line, exit 130 (npmlp.cli.main)
from ._version import __version__
from .architecture import Architecture, n_parameters, summarise
from .errors import DataError, ModelFileError, NpmlpError, TrainingDiverged
from .evaluation import evaluation_report
from .export import export_onnx
from .gradcheck import gradcheck
from .model import MLP
from .model_file import load, save
from .preprocessing import Preprocessing
from .training import History, TrainConfig, fit

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing here
if TYPE_CHECKING:
    from .sklearn import NpMLPClassifier

__all__ = [
    "MLP",
    "Architecture",
    "fit",
    "TrainConfig",
    "History",
    "gradcheck",
    "load",
    "save",
    "evaluation_report",
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


def __getattr__(name: str):
    """``npmlp.NpMLPClassifier`` on first use: scikit-learn is imported then, not before."""
    if name == "NpMLPClassifier":
        from .sklearn import NpMLPClassifier

        return NpMLPClassifier
    raise AttributeError(f"module 'npmlp' has no attribute {name!r}")
