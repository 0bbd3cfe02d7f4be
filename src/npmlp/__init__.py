"""npmlp: the multilayer perceptron of the seed worksheet, in NumPy, with hand-derived backprop.

Main entry points: :class:`MLP` (the model and its one network pass), :func:`fit` and
:class:`TrainConfig` (training by gradient descent on the mean loss), :func:`gradcheck`
(finite-difference check of the backward pass), :func:`load` / :func:`save` (model files),
:func:`evaluation_report` (per-class scores), :class:`NpMLPClassifier` (the scikit-learn
estimator). ``docs/architecture.md`` maps the packages (``core``, ``nn``, ``train``, ``jobs``,
``outputs`` and the adapters) and their modules.

``import npmlp`` imports nothing heavy: each public name is imported from its module on first
use (NumPy with most; scikit-learn with :class:`NpMLPClassifier`), so the command line starts fast.
"""

from ._startup import hold_interrupts

hold_interrupts()  # Ctrl-C during the command's imports: one line, exit 130 (npmlp.cli.main)
from ._version import __version__  # noqa: E402

# Each public name and the module it lives in, imported on first use (PEP 562): the command
# line's `--help` and `data list` then load only what they need, and `import npmlp` is cheap.
_HOME = {
    "MLP": "nn.model",
    "Architecture": "core.architecture",
    "n_parameters": "core.architecture",
    "summarise": "core.architecture",
    "fit": "train.training",
    "TrainConfig": "train.train_config",
    "History": "train.train_config",
    "gradcheck": "train.gradcheck",
    "load": "nn.model_file",
    "save": "nn.model_file",
    "evaluation_report": "jobs.evaluation",
    "Preprocessing": "nn.preprocessing",
    "NpmlpError": "core.errors",
    "DataError": "core.errors",
    "ModelFileError": "core.errors",
    "TrainingDiverged": "core.errors",
    "NpMLPClassifier": "sklearn",
    "NpMLPRegressor": "sklearn",
    "export_onnx": "export",
}

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing here
if TYPE_CHECKING:
    from .core.architecture import Architecture, n_parameters, summarise
    from .core.errors import DataError, ModelFileError, NpmlpError, TrainingDiverged
    from .export import export_onnx
    from .jobs.evaluation import evaluation_report
    from .nn.model import MLP
    from .nn.model_file import load, save
    from .nn.preprocessing import Preprocessing
    from .sklearn import NpMLPClassifier, NpMLPRegressor
    from .train.gradcheck import gradcheck
    from .train.train_config import History, TrainConfig
    from .train.training import fit

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
    "NpMLPRegressor",
    "export_onnx",
    "__version__",
]


def __getattr__(name: str):
    """A public name on first use, from its module (``_HOME``); scikit-learn, for
    :class:`NpMLPClassifier`, is imported then and not before."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'npmlp' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))
