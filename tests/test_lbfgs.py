"""npmlp.train.lbfgs: full-batch L-BFGS on the seed's loss, through the model's one pass."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits

import npmlp.train.lbfgs as lbfgs
from npmlp import MLP, TrainConfig, fit
from npmlp.callbacks import LambdaCallback
from npmlp.core.packing import packed


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16.0, y[:400]


def test_chunked_full_batch_loss_and_gradient_equal_one_pass(digits, monkeypatch):
    X, y = digits
    net = MLP(64, 12, 5, 10, dtype=np.float64, seed=0, activation="tanh")
    w = np.linspace(0.5, 2.0, len(y))
    loss, grads = net.loss_and_grads(X, y, sample_weight=w, l2=1e-3)
    monkeypatch.setattr(lbfgs, "CHUNK", 64)  # 400 rows: 6 chunks and a tail of 16
    got, correct, g = lbfgs.full_batch_loss_and_grad(net, X, y, w, 1e-3, {})
    assert got == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(g, packed(grads), rtol=1e-9, atol=1e-15)
    S = net.forward(X)
    assert correct == int(np.sum(S.argmax(axis=1) == y))
    sparse, _, g_sparse = lbfgs.full_batch_loss_and_grad(net, sp.csr_matrix(X), y, w, 1e-3, {})
    assert sparse == got and np.array_equal(g_sparse, g)


def test_lbfgs_fits_digits_and_honours_its_limits(digits):
    X, y = digits
    net = MLP(64, 32, 3, 10, dtype=np.float64, seed=1, init="glorot")
    config = TrainConfig(  # every row trained on (the defaults hold out validation rows)
        optimizer="lbfgs",
        epochs=200,
        weight_decay=1e-4 / 400,
        val_fraction=0.0,
        early_stopping=None,
    )
    hist = fit(net, X, y, config)
    assert net.evaluate(X, y)["accuracy"] == 1.0
    assert hist.solver["nit"] == len(hist) <= 200 and hist.solver["status"] in (0, 1)
    last = hist.records[-1]  # the solver's loss is the objective: cross-entropy + L2 term
    assert last["train_objective"] == pytest.approx(hist.solver["loss"], rel=1e-12)
    assert last["train_loss"] + last["l2_penalty"] == pytest.approx(last["train_objective"])
    assert last["l2_penalty"] == pytest.approx(net.l2_penalty(1e-4 / 400), rel=1e-9)
    short = fit(MLP(64, 32, 3, 10, seed=1), X, y, TrainConfig(optimizer="lbfgs", epochs=5))
    assert short.solver["nit"] == 5 and short.solver["status"] == 1
    capped = fit(MLP(64, 32, 3, 10, seed=1), X, y, TrainConfig(optimizer="lbfgs", max_fun=7))
    assert capped.solver["nfev"] <= 8 and capped.solver["nit"] <= 7


def test_lbfgs_stops_when_the_callback_says_so(digits):
    X, y = digits
    net = MLP(64, 8, 3, 10, seed=0)
    stop = LambdaCallback(on_epoch_end=lambda loop, logs: loop.stop())
    hist = fit(net, X, y, TrainConfig(optimizer="lbfgs", epochs=50), callbacks=[stop])
    assert len(hist) == 1 and hist.stopped_early and not hist.interrupted


def test_lbfgs_needs_no_validation_rows_under_the_default_early_stopping(digits):
    X, y = digits
    hist = fit(MLP(64, 8, 3, 10, seed=0), X, y, TrainConfig(optimizer="lbfgs", val_fraction=0))
    assert hist.solver["nit"] >= 1 and hist.records[-1]["val_loss"] is None
