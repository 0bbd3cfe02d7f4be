"""Export a trained model to ONNX, so it runs where only an ONNX runtime is installed.

The graph holds the whole prediction of :meth:`~npmlp.MLP.predict_proba` and
:meth:`~npmlp.MLP.predict`, in the model's dtype (float32 -> ``float``, float64 -> ``double``):

``X (N, D) -> Sub shift, Div scale -> Gemm W1, b1 -> act -> ... -> Gemm WL, bL -> S (N, C)``,
then ``probabilities = Softmax(S)`` (N, C) and ``label = Gather(classes, ArgMax(S))`` (N,): the
model's own labels, int64 or text. The input is named ``X`` and the batch size ``N`` is dynamic;
the outputs are named ``label`` and ``probabilities`` like skl2onnx's classifiers, so serving
code written for a scikit-learn export does not change.

Operator set :data:`OPSET` (17, ONNX 1.12+, ONNX Runtime 1.12+), IR version :data:`IR_VERSION`.
The model's identity (npmlp version, architecture, activation, classes, training data and test
accuracy when known) travels in the file's ``metadata_props``.

Built with the ``onnx`` package's helper API only; ``onnx`` is an optional extra
(``pip install "npmlp[onnx]"``), imported when an export runs, so ``import npmlp`` never needs it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ._version import __version__
from .core.atomic import atomic_write, check_target
from .core.errors import NpmlpError

__all__ = ["export_onnx", "model_parts", "onnx_metadata", "OPSET", "IR_VERSION", "ACTIVATIONS"]

OPSET = 17
IR_VERSION = 8  # the IR of ONNX 1.10-1.12: read by every runtime that knows opset 17
INSTALL_HINT = (
    'exporting to ONNX needs the onnx package; install it with: pip install "npmlp[onnx]"'
)

# hidden activation name (``MLP.activation``) -> ONNX operator; None: no node (identity)
ACTIVATIONS = {"relu": "Relu", "tanh": "Tanh", "logistic": "Sigmoid", "identity": None}


# ------------------------------------------------------------------ the adapter to npmlp's model
def model_parts(net) -> dict:
    """Everything the exporter reads from a model, as plain values: the ONE place that touches
    :class:`~npmlp.MLP` internals (re-point it here when the core API changes).

    Returns a dict with ``D, H, L, C`` (ints; H as stored), ``dtype`` (np.dtype),
    ``activation`` (str), ``classes`` (C,), ``shift`` and ``scale`` ((D,) arrays, or None when
    the model does not scale its inputs), ``layers``: [(W (d_in, d_out), b (d_out,)), ...] for
    the FC layers 1, 3, ..., L, and ``metadata`` (the model's metadata dict).
    """
    if not net.head.classes:  # the graph below ends in a softmax and a label
        raise NpmlpError(f"ONNX export is for classifiers; this model's loss is {net.loss!r}")
    pre = net.preprocessing
    scaled = pre is not None and pre.kind != "none"
    return {
        "D": net.D,
        "H": net.H,
        "L": net.L,
        "C": net.C,
        "dtype": np.dtype(net.dtype),
        "activation": net.activation,
        "classes": np.asarray(net.classes),
        "shift": np.asarray(pre.shift) if scaled else None,
        "scale": np.asarray(pre.scale) if scaled else None,
        "layers": [
            (np.asarray(net.params[f"W{i}"]), np.asarray(net.params[f"b{i}"]).reshape(-1))
            for i, _, _ in net.arch.fc_layers
        ],
        "metadata": dict(getattr(net, "metadata", {}) or {}),
    }


# ------------------------------------------------------------------ metadata
def onnx_metadata(parts: dict) -> dict[str, str]:
    """The ``metadata_props`` written into the file: str -> str (JSON for structured values).

    ``npmlp_version``, ``architecture`` ({"D", "H", "L", "C"}), ``activation``, ``classes``
    (JSON list), ``dtype``, ``opset``; plus ``data`` and ``test_accuracy`` when the model's
    metadata has them (``metadata["data"]``, ``metadata["metrics"]["test_accuracy"]``).
    """
    H = list(parts["H"]) if isinstance(parts["H"], tuple) else parts["H"]
    meta = {
        "npmlp_version": __version__,
        "architecture": json.dumps({"D": parts["D"], "H": H, "L": parts["L"], "C": parts["C"]}),
        "activation": parts["activation"],
        "classes": json.dumps(parts["classes"].tolist()),
        "dtype": parts["dtype"].name,
        "opset": str(OPSET),
    }
    source = parts["metadata"]
    if source.get("data") is not None:
        meta["data"] = str(source["data"])
    accuracy = (source.get("metrics") or {}).get("test_accuracy")
    if accuracy is not None:
        meta["test_accuracy"] = repr(float(accuracy))
    return meta


# ------------------------------------------------------------------ the graph
def _import_onnx():
    try:
        import onnx
    except ImportError:
        raise NpmlpError(INSTALL_HINT) from None
    return onnx


def _classes_tensor(onnx, classes: np.ndarray):
    """The (C,) constant that ``label`` gathers from: int64 for integer labels, else text."""
    if classes.dtype.kind in "iub":
        return onnx.numpy_helper.from_array(classes.astype(np.int64), "classes")
    if classes.dtype.kind == "f" and np.all(classes == np.round(classes)):
        return onnx.numpy_helper.from_array(classes.astype(np.int64), "classes")
    values = [str(c).encode("utf-8") for c in classes.tolist()]
    return onnx.helper.make_tensor("classes", onnx.TensorProto.STRING, [len(values)], values)


def build_onnx(parts: dict):
    """The checked ``onnx.ModelProto`` of the model described by ``parts`` (see model_parts)."""
    onnx = _import_onnx()
    helper, numpy_helper, TP = onnx.helper, onnx.numpy_helper, onnx.TensorProto
    dt = parts["dtype"]
    elem = TP.DOUBLE if dt == np.float64 else TP.FLOAT
    act = parts["activation"]
    if act not in ACTIVATIONS:
        raise NpmlpError(
            f"cannot export hidden activation {act!r}; known: {', '.join(ACTIVATIONS)}"
        )
    nodes, inits = [], []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=dt), name))
        return name

    x = "X"
    if parts["shift"] is not None:  # x^(0) = (X - shift) / scale, in the model's dtype
        nodes.append(helper.make_node("Sub", [x, const("shift", parts["shift"])], ["centred"]))
        nodes.append(helper.make_node("Div", ["centred", const("scale", parts["scale"])], ["x0"]))
        x = "x0"
    layers = parts["layers"]
    for j, (W, b) in enumerate(layers):
        i = 2 * j + 1  # the seed's numbering: FC layers 1, 3, ..., L
        out = "scores" if j == len(layers) - 1 else f"x{i}"
        nodes.append(
            helper.make_node("Gemm", [x, const(f"W{i}", W), const(f"b{i}", b)], [out])
        )  # x^(i) = x^(i-1) W^(i) + b^(i)
        x = out
        if out != "scores" and ACTIVATIONS[act] is not None:
            nodes.append(helper.make_node(ACTIVATIONS[act], [x], [f"x{i + 1}"]))
            x = f"x{i + 1}"
    nodes.append(helper.make_node("Softmax", ["scores"], ["probabilities"], axis=-1))
    nodes.append(helper.make_node("ArgMax", ["scores"], ["index"], axis=1, keepdims=0))
    nodes.append(helper.make_node("Gather", ["classes", "index"], ["label"], axis=0))
    classes = _classes_tensor(onnx, parts["classes"])
    inits.append(classes)
    graph = helper.make_graph(
        nodes,
        "npmlp_mlp",
        [helper.make_tensor_value_info("X", elem, ["N", parts["D"]])],
        [
            helper.make_tensor_value_info("label", classes.data_type, ["N"]),
            helper.make_tensor_value_info("probabilities", elem, ["N", parts["C"]]),
        ],
        initializer=inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="npmlp",
        producer_version=__version__,
        doc_string="npmlp multilayer perceptron: X (N, D) -> label (N,), probabilities (N, C)",
    )
    model.ir_version = IR_VERSION
    helper.set_model_props(model, onnx_metadata(parts))
    onnx.checker.check_model(model, full_check=True)
    return model


# ------------------------------------------------------------------ the public entry point
def _check_target(path: Path) -> None:
    check_target(path)
    if path.is_dir():
        raise NpmlpError(f"{path}: is a folder; give a file name such as {path / 'model.onnx'}")
    if not path.parent.is_dir():
        raise NpmlpError(
            f"{path}: the folder {path.parent} does not exist; create it or choose another path"
        )


def export_onnx(model, path) -> Path:
    """Write ``model`` (an :class:`~npmlp.MLP`) to ``path`` as an ONNX file; returns the path.

    The file maps ``X`` (N, D), in the model's dtype, to ``label`` (N,) and ``probabilities``
    (N, C), equal to ``model.predict`` and ``model.predict_proba``. The write is atomic: on any
    failure no file (and no partial file) is left at ``path``.

    Raises :class:`~npmlp.core.errors.NpmlpError` (one line) when the ``onnx`` extra is missing, the
    folder of ``path`` does not exist, or the model uses an activation ONNX export lacks.
    """
    path = Path(path)
    _check_target(path)
    data = onnx_bytes(model)
    with atomic_write(path) as f:
        f.write(data)
    return path


def onnx_bytes(model) -> bytes:
    """The ONNX file of ``model`` as bytes (what :func:`export_onnx` writes)."""
    return build_onnx(model_parts(model)).SerializeToString()
