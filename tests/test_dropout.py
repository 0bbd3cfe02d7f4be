"""Dropout as one more layer pair in the network pass: masks, gradients, training, prediction."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from conftest import relu_safe_net
from npmlp import MLP, NpMLPClassifier, TrainConfig, fit, gradcheck
from npmlp.nn.layers import dropout_mask


def test_masks_are_inverted_dropout_and_drawn_without_allocating():
    rng = np.random.default_rng(0)
    out = np.empty((400, 500), np.float32)
    m = dropout_mask(rng, 0.3, out)
    assert m is out
    assert set(np.unique(m)) == {np.float32(0.0), np.float32(1 / 0.7)}
    assert np.mean(m == 0) == pytest.approx(0.3, abs=0.005)
    assert m.mean() == pytest.approx(1.0, abs=0.01)  # every unit keeps its expected value


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
def test_backward_with_the_masks_held_fixed_matches_finite_differences(activation, rng):
    net = relu_safe_net(MLP(5, 7, 7, 3, dtype=np.float64, seed=2, activation=activation), rng)
    X, y = rng.standard_normal((9, 5)), rng.integers(0, 3, 9)
    masks = {i: dropout_mask(rng, 0.4, np.empty((9, 7))) for i in (2, 4, 6)}
    report = gradcheck(net, X, y, masks=masks, l2=1e-2)
    assert report.passed and report.max_rel_error < 1e-7
    loss_masked, _ = net.loss_and_grads(X, y, masks=masks)
    loss_plain, _ = net.loss_and_grads(X, y)
    assert loss_masked != loss_plain  # the masks are really used


def test_dropout_trains_reproducibly_and_predicts_without_masks():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    cfg = TrainConfig(epochs=3, batch_size=64, dropout=0.3, seed=4)
    a, b = MLP(64, 32, 5, 10, seed=0), MLP(64, 32, 5, 10, seed=0)
    fit(a, X, y, cfg)
    fit(b, X, y, cfg)
    for k in a.params:
        assert np.array_equal(a.params[k], b.params[k])
    np.testing.assert_array_equal(a.predict_proba(X[:50]), a.predict_proba(X[:50]))
    c = MLP(64, 32, 5, 10, seed=0)
    fit(c, X, y, TrainConfig(epochs=3, batch_size=64, seed=4))
    assert not np.array_equal(a.params["W1"], c.params["W1"])
    clf = NpMLPClassifier(hidden_layer_sizes=(32,), dropout=0.2, max_iter=40, random_state=0)
    clf.fit(X, y)
    assert clf.score(X, y) > 0.9
