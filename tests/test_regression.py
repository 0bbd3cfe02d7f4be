"""The regression heads of the model (docs/derivations.md, section 5): the same network pass,
float targets (N,) or (N, C), a loss of :data:`npmlp.nn.loss.HEADS`, predictions and R^2."""

import json

import numpy as np
import pytest
from sklearn.metrics import r2_score

import npmlp
from conftest import loop_config
from npmlp import MLP
from npmlp.core.errors import NpmlpError
from npmlp.nn.loss import HEADS
from npmlp.nn.workspace import Workspace


def _linear_rows(rng, N=240, C=1):
    X = rng.standard_normal((N, 3))
    W = rng.standard_normal((3, C))
    return X, X @ W + 0.05 * rng.standard_normal((N, C))


def test_forward_backward_gives_the_heads_loss_and_no_accuracy(rng):
    net = MLP(3, 5, 3, 2, dtype=np.float64, seed=0, loss="squared_error")
    X, Y = _linear_rows(rng, 7, 2)
    loss, grads = net.loss_and_grads(X, Y)
    S = net.forward(X)
    assert loss == pytest.approx(0.5 * ((S - Y) ** 2).sum() / 7, rel=1e-12)
    ws = Workspace(net, 7)
    assert ws.y.shape == (7, 2) and ws.y.dtype == np.float64
    ws.X[...], ws.y[...] = X, Y
    assert net.forward_backward(ws)[1] is None  # no accuracy for a regression head


@pytest.mark.parametrize("C", [1, 2])
def test_training_fits_a_linear_target_and_evaluate_gives_scikit_learns_r2(rng, C):
    X, Y = _linear_rows(rng, C=C)
    y = Y[:, 0] if C == 1 else Y
    net = MLP(3, 16, 3, C, seed=0, loss="squared_error", activation="tanh")
    history = npmlp.fit(net, X, y, loop_config(epochs=40, batch_size=32, lr=0.01))
    assert history.records[-1]["train_accuracy"] is None
    assert history.records[-1]["train_loss"] < history.records[0]["train_loss"] / 10
    P = net.predict(X)
    assert P.shape == (240, C)
    w = rng.uniform(0.5, 2, 240)
    ev = net.evaluate(X, y, w)
    assert set(ev) == {"loss", "r2"} and ev["r2"] > 0.95
    assert ev["r2"] == pytest.approx(r2_score(Y, P, sample_weight=w), rel=1e-5)


def test_poisson_predicts_exp_s_and_learns_a_rate(rng):
    X = rng.standard_normal((400, 2))
    y = rng.poisson(np.exp(0.8 * X[:, 0] - 0.3)).astype(float)
    net = MLP(2, 8, 3, 1, dtype=np.float64, seed=0, loss="poisson")
    np.testing.assert_allclose(net.predict(X[:5]), np.exp(net.forward(X[:5])), rtol=1e-12)
    before = net.evaluate(X, y)["loss"]
    npmlp.fit(net, X, y, loop_config(epochs=40, batch_size=32, lr=0.01))
    assert net.evaluate(X, y)["loss"] < before
    assert (net.predict(X) > 0).all()
    with pytest.raises(NpmlpError, match=">= 0"):
        net.evaluate(X, -y - 1)


def test_validation_rows_and_lbfgs_records_have_no_accuracy(rng):
    X, Y = _linear_rows(rng)
    net = MLP(3, 8, 3, 1, seed=0, loss="squared_error")
    history = npmlp.fit(net, X, Y, loop_config(epochs=3, val_fraction=0.2, min_val_rows=1))
    last = history.records[-1]
    assert last["val_loss"] is not None and last["val_accuracy"] is None
    net = MLP(3, 8, 3, 1, seed=0, loss="squared_error")
    history = npmlp.fit(net, X, Y, loop_config(epochs=5, optimizer="lbfgs"))
    assert history.records[-1]["train_accuracy"] is None


def test_model_file_keeps_the_loss_and_an_older_file_is_a_classifier(rng, tmp_path):
    net = MLP(3, 4, 3, 2, seed=1, loss="poisson")
    npmlp.save(net, tmp_path / "r.npz")
    back = npmlp.load(tmp_path / "r.npz")
    assert back.loss == "poisson" and back.C == 2
    X = rng.standard_normal((5, 3))
    np.testing.assert_array_equal(back.predict(X), net.predict(X))
    npmlp.save(MLP(3, 4, 3, 2, seed=1), tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz") as z:
        arrays = dict(z)
    meta = json.loads(str(arrays["metadata"]))
    del meta["loss"]  # as written before the option existed
    arrays["metadata"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "old.npz", **arrays)
    assert npmlp.load(tmp_path / "old.npz").loss == "cross_entropy"


def test_bad_heads_and_targets_are_refused_with_a_message(rng):
    assert list(HEADS) == ["cross_entropy", "squared_error", "poisson"]
    with pytest.raises(NpmlpError, match="unknown loss 'huber'"):
        MLP(3, 4, 3, 2, loss="huber")
    with pytest.raises(NpmlpError, match="number of classes"):
        MLP(3, 4, 3, 1)
    net = MLP(3, 4, 3, 2, loss="squared_error")
    X = rng.standard_normal((4, 3))
    with pytest.raises(NpmlpError, match="expected \\(4, 2\\)"):
        net.evaluate(X, np.zeros(4))
    with pytest.raises(NpmlpError, match="NaN"):
        net.evaluate(X, np.full((4, 2), np.nan))
    with pytest.raises(NpmlpError, match="for classifiers"):
        net.predict_proba(X)


def test_early_stopping_on_validation_r2_keeps_the_best_weights(rng):
    X, Y = _linear_rows(rng)
    net = MLP(3, 8, 3, 1, seed=0, loss="squared_error")
    config = loop_config(
        epochs=200,
        val_fraction=0.2,
        min_val_rows=1,
        early_stopping="val_r2",
        patience=3,
        lr=0.01,
        min_delta=0.01,
    )
    history = npmlp.fit(net, X, Y, config)
    r2 = [r["val_r2"] for r in history.records]
    assert len(r2) < 200 and r2[-1] <= max(r2)
    with pytest.raises(NpmlpError, match="records val_r2 instead"):
        npmlp.fit(net, X, Y, loop_config(epochs=2, early_stopping="val_accuracy"))


def test_onnx_export_refuses_a_regression_model_instead_of_a_wrong_graph(tmp_path):
    with pytest.raises(NpmlpError, match="ONNX export is for classifiers"):
        npmlp.export_onnx(MLP(3, 4, 3, 1, loss="squared_error"), tmp_path / "r.onnx")


def test_a_regression_model_shows_its_loss_instead_of_classes():
    net = MLP(3, 4, 3, 2, loss="squared_error")
    assert (
        repr(net) == "MLP(D=3, H=4, L=3, C=2, relu, float32; 26 parameters; squared_error outputs)"
    )
    assert "<p>squared_error outputs</p>" in net._repr_html_()
