"""npmlp.train.gradcheck: float64 copy, sampled entries, kink flags, and catching a wrong backward."""

import numpy as np
import pytest

import npmlp.nn.layers as layers
from conftest import relu_safe_net
from npmlp import MLP, gradcheck


def test_report_per_tensor_and_float32_model_is_checked_in_float64(rng):
    net = relu_safe_net(MLP(30, 20, 5, 4, seed=0), rng)  # float32 model
    X, y = rng.standard_normal((10, 30)), rng.integers(0, 4, 10)
    report = gradcheck(net, X, y, max_entries=25)
    assert [(r.name, r.shape, r.n_checked) for r in report.rows] == [
        ("W1", (30, 20), 25),
        ("b1", (1, 20), 20),
        ("W3", (20, 20), 25),
        ("b3", (1, 20), 20),
        ("W5", (20, 4), 25),
        ("b5", (1, 4), 4),
    ]
    assert report.passed and report.max_rel_error < 1e-7
    assert net.params["W1"].dtype == np.float32  # the caller's model is untouched


def test_entries_next_to_a_kink_are_flagged():
    net = MLP(1, 2, 3, 2, dtype=np.float64, seed=0)
    net.params["W1"][...] = [[1.0, 1.0]]
    net.params["b1"][...] = [[0.0, 0.5]]
    X = np.array([[0.0]])  # the first hidden unit sits exactly at its kink: x^(1)_0 = 0
    report = gradcheck(net, X, np.array([1]))
    b1 = next(r for r in report.rows if r.name == "b1")
    assert b1.n_near_kink == 1
    W1 = next(r for r in report.rows if r.name == "W1")
    assert W1.n_near_kink == 0  # x = 0: moving W1 does not move the pre-activation
    net.params["b1"][...] = 0.0  # now every b1 entry sits on a kink: nothing to compare
    report = gradcheck(net, X, np.array([1]), retries=0)
    lines = str(report).splitlines()
    assert lines[2].split() == ["b1", "1x2", "2", "not", "checked", "2", "given"]
    assert report.unchecked == ["b1"] and report.errors_below_threshold and not report.passed
    assert lines[-1] == (
        "NOT CHECKED: b1 (every sampled entry next to a kink at every point tried)"
    )
    report = gradcheck(net, X, np.array([1]))  # tried again at another random point
    b1 = next(r for r in report.rows if r.name == "b1")
    assert (b1.point, b1.n_near_kink, b1.unchecked) == (1, 0, False)
    assert report.passed and b1.max_rel_error < 1e-7
    assert str(report).splitlines()[2].split()[-2:] == ["other", "1"]
    assert net.params["b1"].tolist() == [[0.0, 0.0]]  # the caller's model is untouched


def test_a_wrong_backward_rule_is_caught(monkeypatch, rng):
    net = relu_safe_net(MLP(5, 6, 5, 3, dtype=np.float64, seed=1), rng)
    X, y = rng.standard_normal((8, 5)), rng.integers(0, 3, 8)
    assert gradcheck(net, X, y).passed

    def no_mask(dZ, X, out=None, mask=None):  # forgets the ReLU mask
        return np.copyto(out, dZ) or out

    broken = layers.Activation("relu", layers.relu_forward, no_mask, np.bool_, kinked=True)
    monkeypatch.setitem(layers.ACTIVATIONS, "relu", broken)
    report = gradcheck(net, X, y)
    assert not report.passed and report.max_rel_error > 1e-2
    assert "FAIL: max relative error" in str(report)


@pytest.mark.parametrize("weighted", [False, True])
def test_weighted_loss_and_its_gradient_agree(rng, weighted):
    net = relu_safe_net(MLP(4, 5, 3, 3, dtype=np.float64, seed=2), rng)
    X, y = rng.standard_normal((9, 4)), rng.integers(0, 3, 9)
    w = rng.uniform(0, 3, 9) if weighted else None
    assert gradcheck(net, X, y, sample_weight=w).max_rel_error < 1e-7


@pytest.mark.parametrize("activation", ["tanh", "logistic", "identity", "relu"])
@pytest.mark.parametrize("L", [3, 7])
def test_whole_networks_pass_with_every_activation(activation, L, rng):
    net = relu_safe_net(MLP(5, 6, L, 3, dtype=np.float64, seed=3, activation=activation), rng)
    X, y = rng.standard_normal((10, 5)), rng.integers(0, 3, 10)
    report = gradcheck(net, X, y, l2=1e-2)
    assert report.passed and report.max_rel_error < 1e-7
    if activation != "relu":  # only ReLU has a kink to skip
        assert all(r.n_near_kink == 0 for r in report.rows)


def test_forward_keep_and_backward_keep_give_every_variable_with_its_shape(rng):
    net = MLP(5, (6, 4), 5, 3, dtype=np.float64, seed=0, activation="tanh")
    X, y = rng.standard_normal((7, 5)), rng.integers(0, 3, 7)
    xs = net.forward(X, keep=True)
    assert [x.shape for x in xs] == [(7, 5), (7, 6), (7, 6), (7, 4), (7, 4), (7, 3)]
    np.testing.assert_array_equal(xs[2], np.tanh(xs[1]))
    np.testing.assert_allclose(xs[5], net.forward(X))
    from npmlp.nn.loss import softmax_cross_entropy

    loss, dS = softmax_cross_entropy(xs[5], y)
    grads = {k: np.empty_like(v) for k, v in net.params.items()}
    dx = net.backward(xs, dS, grads, keep=True)
    assert sorted(dx) == [0, 1, 2, 3, 4] and dx[0].shape == (7, 5)
    _, ref = net.loss_and_grads(X, y)
    for k in grads:
        np.testing.assert_allclose(grads[k], ref[k], rtol=1e-12)
    np.testing.assert_allclose(dx[4], dS @ net.params["W5"].T)  # eq. 23
    np.testing.assert_allclose(dx[3], dx[4] * (1 - xs[4] ** 2))  # tanh' from its output


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("C", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_whole_regression_networks_pass(loss, C, weighted, rng):
    net = MLP(5, 6, 5, C, dtype=np.float64, seed=4, activation="tanh", loss=loss)
    X = rng.standard_normal((10, 5))
    Y = rng.poisson(2.0, (10, C)).astype(float)  # counts: targets for both heads
    w = rng.uniform(0, 3, 10) if weighted else None
    report = gradcheck(net, X, Y[:, 0] if C == 1 else Y, sample_weight=w, l2=1e-2)
    assert report.passed and report.max_rel_error < 1e-7
    assert [r.name for r in report.rows][-2:] == ["W5", "b5"] and report.rows[-1].shape == (1, C)


def test_regression_network_with_relu_and_dropout_masks_passes(rng):
    net = relu_safe_net(MLP(4, 6, 3, 2, dtype=np.float64, seed=5, loss="squared_error"), rng)
    X, Y = rng.standard_normal((8, 4)), rng.standard_normal((8, 2))
    masks = {2: (rng.uniform(size=(8, 6)) > 0.3) / 0.7}  # inverted dropout, held fixed
    assert gradcheck(net, X, Y, masks=masks).max_rel_error < 1e-7
