"""ONNX export: ONNX Runtime on the exported file predicts what npmlp predicts.

Every bundled data set and random networks of 3, 5 and 7 layers are exported and run in
ONNX Runtime on 1,000 rows that include the extremes of the training range and rows beyond it;
probabilities agree within 1e-5 (float32, absolute) or 1e-6 (float64, relative) and labels are
equal. The metadata round trip, text labels, the scikit-learn hook and every refusal are
checked exactly.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import npmlp
from npmlp import MLP, Preprocessing, TrainConfig, fit
from npmlp.cli import main
from npmlp.data import load_dataset
from npmlp.jobs.job import RunSettings, train_run

README = Path(__file__).resolve().parents[1] / "README.md"
ACTIVATIONS = ("relu", "tanh", "logistic", "identity")
INSTALL = 'exporting to ONNX needs the onnx package; install it with: pip install "npmlp[onnx]"'


def session(path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def run_onnx(path, X, dtype):
    """(label (N,), probabilities (N, C)) from ONNX Runtime on rows X (N, D)."""
    label, proba = session(path).run(None, {"X": np.asarray(X, dtype=dtype)})
    return label, proba


def probe_rows(X_train: np.ndarray, rng, n: int = 1000) -> np.ndarray:
    """n rows (n, D): per-column min and max of X_train, 1x and 10x the span beyond them,
    training rows, and uniform draws over [min - span, max + span]."""
    lo, hi = X_train.min(axis=0), X_train.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    edges = np.stack([lo, hi, lo - span, hi + span, lo - 10 * span, hi + 10 * span])
    mixed = np.where(rng.random((50, lo.size)) < 0.5, lo - span, hi + span)  # corners
    real = X_train[rng.choice(len(X_train), 200)]
    uniform = rng.uniform(lo - span, hi + span, (n - len(edges) - len(mixed) - len(real), lo.size))
    rows = np.concatenate([edges, mixed, real, uniform])
    assert rows.shape == (n, lo.size)
    return rows


def assert_same_prediction(net, path, X):
    label, proba = run_onnx(path, X, net.dtype)
    expected = net.predict_proba(X)
    assert proba.shape == expected.shape == (len(X), net.C)
    assert proba.dtype == net.dtype
    if net.dtype == np.float32:
        np.testing.assert_allclose(proba, expected, rtol=0, atol=1e-5)
    else:
        np.testing.assert_allclose(proba, expected, rtol=1e-6, atol=0)
    assert label.tolist() == net.predict(X).tolist()


# ------------------------------------------------------------------------- bundled data sets
def quick_run(name: str, dtype: str = "float32", tmp=None):
    config = TrainConfig(epochs=5, batch_size=32, lr=3e-3, optimizer="adam", seed=0)
    settings = RunSettings(data=name, hidden=16, dtype=dtype, config=config)
    return train_run(settings)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["digits", "iris", "wine", "breast_cancer"])
def test_bundled_models_predict_the_same_in_onnx_runtime(name, dtype, tmp_path):
    result = quick_run(name, dtype)
    net = result.net
    path = npmlp.export_onnx(net, tmp_path / f"{name}.onnx")
    assert path == tmp_path / f"{name}.onnx"
    X = probe_rows(np.asarray(result.splits["train"][0]), np.random.default_rng(0))
    assert_same_prediction(net, path, X)
    inp = session(path).get_inputs()[0]
    assert (inp.name, inp.type, inp.shape) == (
        "X",
        "tensor(float)" if dtype == "float32" else "tensor(double)",
        ["N", net.D],
    )


# ------------------------------------------------------------------------- random networks
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("L", [3, 5, 7])
def test_random_networks_predict_the_same_in_onnx_runtime(L, activation, dtype, tmp_path):
    kwargs = {"activation": activation}
    rng = np.random.default_rng(L)
    net = MLP(12, 20, L, 4, dtype=dtype, seed=L, **kwargs)
    for k, v in net.params.items():
        if k.startswith("b"):
            v[...] = rng.standard_normal(v.shape) * 0.3
    X_train = rng.standard_normal((300, 12)) * rng.uniform(0.1, 50, 12) + rng.uniform(-9, 9, 12)
    net.preprocessing = Preprocessing.fit("standard", X_train)
    path = npmlp.export_onnx(net, tmp_path / "net.onnx")
    assert_same_prediction(net, path, probe_rows(X_train, rng))
    ops = [n.op_type for n in onnx.load(str(path)).graph.node]
    act = {"relu": ["Relu"], "tanh": ["Tanh"], "logistic": ["Sigmoid"], "identity": []}[activation]
    assert ops == ["Sub", "Div"] + (["Gemm"] + act) * (L // 2) + [
        "Gemm",
        "Softmax",
        "ArgMax",
        "Gather",
    ]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_each_activation_exports_as_its_formula(activation, tmp_path):
    """Independent of MLP's own activation support: the adapter reads ``net.activation``."""
    rng = np.random.default_rng(7)
    net = MLP(6, 9, 5, 3, dtype=np.float64, seed=7)
    net.activation = activation
    X_train = rng.standard_normal((100, 6)) * 3 + 1
    net.preprocessing = Preprocessing.fit("minmax", X_train)
    path = npmlp.export_onnx(net, tmp_path / "act.onnx")
    X = probe_rows(X_train, rng)
    f = {
        "relu": lambda z: np.maximum(z, 0),
        "tanh": np.tanh,
        "logistic": lambda z: 1 / (1 + np.exp(-z)),
        "identity": lambda z: z,
    }[activation]
    x = (X - net.preprocessing.shift) / net.preprocessing.scale
    x = f(x @ net.params["W1"] + net.params["b1"])
    x = f(x @ net.params["W3"] + net.params["b3"])
    S = x @ net.params["W5"] + net.params["b5"]
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    label, proba = run_onnx(path, X, np.float64)
    np.testing.assert_allclose(proba, P, rtol=1e-6, atol=1e-300)
    assert label.tolist() == S.argmax(axis=1).tolist()


def test_an_unknown_activation_is_refused_in_one_line(tmp_path):
    net = MLP(3, 4, 3, 2, seed=0)
    net.activation = "swish"
    msg = "cannot export hidden activation 'swish'; known: relu, tanh, logistic, identity"
    with pytest.raises(npmlp.NpmlpError, match=f"^{re.escape(msg)}$"):
        npmlp.export_onnx(net, tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_a_model_without_scaling_has_no_scaling_nodes(tmp_path):
    net = MLP(3, 4, 3, 2, seed=0)
    path = npmlp.export_onnx(net, tmp_path / "plain.onnx")
    ops = [n.op_type for n in onnx.load(str(path)).graph.node]
    assert ops == ["Gemm", "Relu", "Gemm", "Softmax", "ArgMax", "Gather"]
    assert_same_prediction(net, path, probe_rows(np.eye(3), np.random.default_rng(1)))


# ------------------------------------------------------------------------- labels
def test_text_labels_come_back_from_onnx_runtime(tmp_path):
    ds = load_dataset("iris")
    names = np.array(ds.target_names)
    net = MLP(4, 8, 3, 3, seed=0)
    net.classes = names  # sorted: setosa, versicolor, virginica
    net.preprocessing = Preprocessing.fit("standard", ds.X)
    fit(net, ds.X, net.encode_labels(names[ds.y]), TrainConfig(epochs=20, seed=0))
    path = npmlp.export_onnx(net, tmp_path / "iris.onnx")
    label, _ = run_onnx(path, ds.X, np.float32)
    assert label.tolist() == net.predict(ds.X).tolist()
    assert set(label.tolist()) == {"setosa", "versicolor", "virginica"}
    assert session(path).get_outputs()[0].type == "tensor(string)"
    assert_same_prediction(net, path, probe_rows(ds.X, np.random.default_rng(2)))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_scikit_learn_hook_exports_its_model(tmp_path):
    ds = load_dataset("wine")
    y = np.array(["barolo", "grignolino", "barbera"])[ds.y]
    clf = npmlp.NpMLPClassifier(
        hidden_layer_sizes=(8,), max_iter=5, dtype="float32", random_state=0
    )
    clf.fit(ds.X, y)
    path = tmp_path / "wine.onnx"
    assert clf.to_onnx(path) == path
    label, proba = run_onnx(path, ds.X, clf.model_.dtype)
    assert label.tolist() == clf.predict(ds.X).tolist()
    np.testing.assert_allclose(proba, clf.predict_proba(ds.X), rtol=0, atol=1e-5)


# ------------------------------------------------------------------------- metadata
def test_metadata_round_trips_through_the_command_line(tmp_path, capsys):
    result = quick_run("iris")
    model = tmp_path / "model.npz"
    npmlp.save(result.net, model)
    assert main(["export", str(model), "-o", str(tmp_path / "iris.onnx")]) == 0
    assert capsys.readouterr().out == (
        f"wrote {tmp_path / 'iris.onnx'} (ONNX opset 17, float32; "
        "input X (N, 4), outputs label (N,) and probabilities (N, 3))\n"
    )
    m = onnx.load(str(tmp_path / "iris.onnx"))
    assert {p.key: p.value for p in m.metadata_props} == {
        "npmlp_version": npmlp.__version__,
        "architecture": '{"D": 4, "H": 16, "L": 3, "C": 3}',
        "activation": "relu",
        "classes": "[0, 1, 2]",
        "dtype": "float32",
        "opset": "17",
        "data": "iris",
        "test_accuracy": repr(result.metrics["test_accuracy"]),
    }
    assert [(o.domain, o.version) for o in m.opset_import] == [("", 17)]
    assert (m.ir_version, m.producer_name, m.producer_version) == (8, "npmlp", npmlp.__version__)
    assert [o.name for o in m.graph.output] == ["label", "probabilities"]


def test_without_training_metadata_only_the_model_s_own_entries_are_written(tmp_path):
    net = MLP(5, (6, 7), 5, 2, dtype=np.float64, seed=0)
    net.classes = np.array([-1, 1])
    path = npmlp.export_onnx(net, tmp_path / "m.onnx")
    props = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert props == {
        "npmlp_version": npmlp.__version__,
        "architecture": '{"D": 5, "H": [6, 7], "L": 5, "C": 2}',
        "activation": "relu",
        "classes": "[-1, 1]",
        "dtype": "float64",
        "opset": "17",
    }
    assert_same_prediction(net, path, probe_rows(np.eye(5), np.random.default_rng(3)))


def test_the_default_output_is_the_model_path_with_onnx_suffix(tmp_path, capsys):
    model = tmp_path / "model.npz"
    npmlp.save(MLP(3, 4, 3, 2, seed=0), model)
    assert main(["export", str(model)]) == 0
    assert (tmp_path / "model.onnx").is_file()
    assert capsys.readouterr().out.startswith(f"wrote {tmp_path / 'model.onnx'} (ONNX opset 17")


# ------------------------------------------------------------------------- refusals
@pytest.fixture
def saved_model(tmp_path):
    model = tmp_path / "model.npz"
    npmlp.save(MLP(3, 4, 3, 2, seed=0), model)
    return model


def refused(capsys, tmp_path, args, message):
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"npmlp: error: {message}\n")
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written


def test_refuses_a_file_that_is_not_a_model(tmp_path, capsys):
    bogus = tmp_path / "notes.npz"
    bogus.write_text("hello")
    out = tmp_path / "x.onnx"
    msg = f"{bogus}: is not an npmlp model file (not an .npz archive)"
    refused(capsys, tmp_path, ["export", str(bogus), "-o", str(out)], msg)


def test_refuses_an_output_folder_that_does_not_exist(saved_model, tmp_path, capsys):
    out = tmp_path / "nowhere" / "m.onnx"
    msg = f"{out}: the folder {out.parent} does not exist; create it or choose another path"
    refused(capsys, tmp_path, ["export", str(saved_model), "-o", str(out)], msg)
    with pytest.raises(npmlp.NpmlpError, match=f"^{re.escape(msg)}$"):
        npmlp.export_onnx(npmlp.load(saved_model), out)


def test_refuses_an_output_path_that_is_a_folder(saved_model, tmp_path, capsys):
    msg = f"{tmp_path}: is a folder; give a file name such as {tmp_path / 'model.onnx'}"
    refused(capsys, tmp_path, ["export", str(saved_model), "-o", str(tmp_path)], msg)


def test_refuses_without_the_onnx_extra(saved_model, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # makes 'import onnx' fail
    out = tmp_path / "m.onnx"
    refused(capsys, tmp_path, ["export", str(saved_model), "-o", str(out)], INSTALL)


def test_a_failed_export_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    from npmlp import export

    out = tmp_path / "m.onnx"
    out.write_bytes(b"previous")
    net = MLP(3, 4, 3, 2, seed=0)
    monkeypatch.setattr(export, "ACTIVATIONS", {"relu": "NoSuchOp"})
    with pytest.raises(onnx.checker.ValidationError):
        npmlp.export_onnx(net, out)
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]


def test_importing_npmlp_does_not_import_onnx():
    code = "import sys, npmlp; print('onnx' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "False\n"


# ------------------------------------------------------------------------- README
def test_readme_deploy_lines_run(tmp_path, monkeypatch, capsys):
    """The Deploy section as written (tests/test_readme_fresh.py runs it where only what the
    README names is installed)."""
    text = README.read_text()
    section = re.search(r"## Deploy\n(.*?)\n## ", text, re.S).group(1)
    commands = re.search(r"```bash\n(.*?)```", section, re.S).group(1).strip().splitlines()
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    for command in commands:
        args = command.split("#")[0].split()
        assert args[0] == "npmlp"
        assert main(args[1:]) == 0
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert "ONNX Runtime and npmlp agree on 1797 rows" in capsys.readouterr().out
    assert namespace["labels"].shape == (1797,)


def test_the_speed_benchmark_runs_at_a_tiny_size():
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "onnx_speed.py"
    args = [sys.executable, str(script), "--rows", "50", "--single", "3", "--repeats", "1"]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    assert lines[0].startswith("digits model D=64 H=256 L=3 C=10 float32, test accuracy 0.9")
    assert [line.split()[0] for line in lines[3:]] == ["bulk", "one"]
    assert all(line.endswith("x") for line in lines[3:])


def test_export_to_standard_output_with_o_dash(saved_model, tmp_path, capsysbinary):
    assert main(["export", str(saved_model), "-o", "-"]) == 0
    out, err = capsysbinary.readouterr()
    assert err == (
        b"wrote standard output (ONNX opset 17, float32; input X (N, 3), outputs label (N,) "
        b"and probabilities (N, 2))\n"
    )
    onnx.checker.check_model(onnx.load_from_string(out))
    assert not (tmp_path / "-").exists()


def test_a_fifo_at_o_is_refused_and_left_in_place(saved_model, tmp_path, capsys):
    fifo = tmp_path / "m.onnx"
    os.mkfifo(fifo)
    message = (
        f"{fifo}: is a FIFO, device or socket, not a file npmlp may replace; give the name of "
        "a regular file"
    )
    refused(capsys, tmp_path, ["export", str(saved_model), "-o", str(fifo)], message)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
