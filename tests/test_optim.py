"""One optimiser step against numbers worked out by hand, and the schedules."""

import math

import numpy as np
import pytest

from npmlp import NpmlpError
from npmlp.train.optim import SGD, Adam, learning_rate, make_optimizer

G = np.array([[0.5, 0.25]])


def params():
    return {"W1": np.array([[1.0, -2.0]])}


def test_sgd_step_by_hand():
    p = params()
    SGD(p).step({"W1": G}, lr=0.1)  # W - lr g = [1 - 0.05, -2 - 0.025]
    np.testing.assert_allclose(p["W1"], [[0.95, -2.025]], rtol=0, atol=1e-15)


def test_momentum_two_steps_by_hand():
    p = params()
    opt = SGD(p, momentum=0.9)
    opt.step({"W1": G}, lr=0.1)  # v = g
    opt.step({"W1": G}, lr=0.1)  # v = 0.9 g + g = 1.9 g = [0.95, 0.475]
    np.testing.assert_allclose(p["W1"], [[0.95 - 0.095, -2.025 - 0.0475]], atol=1e-15)


def test_nesterov_step_by_hand():
    p = params()
    SGD(p, momentum=0.9, nesterov=True).step({"W1": G}, lr=0.1)  # W - lr (g + 0.9 g)
    np.testing.assert_allclose(p["W1"], [[1 - 0.095, -2 - 0.0475]], atol=1e-15)


def test_adam_two_steps_by_hand():
    p = params()
    opt = Adam(p)
    opt.step({"W1": G}, lr=0.1)  # m_hat = g, v_hat = g^2: W - lr g / (|g| + eps)
    np.testing.assert_allclose(p["W1"], [[0.900000002, -2.099999996]], atol=1e-15)
    opt.step({"W1": np.array([[-0.5, 0.25]])}, lr=0.1)
    # m = [-0.005, 0.0475], v = [0.00049975, 0.0001249375], bias corrections 0.19 and 0.001999
    np.testing.assert_allclose(p["W1"], [[0.9052631597894736, -2.1999999919999995]], atol=1e-14)
    np.testing.assert_allclose(opt.m["W1"], [[-0.005, 0.0475]], atol=1e-16)
    np.testing.assert_allclose(opt.v["W1"], [[0.00049975, 0.0001249375]], atol=1e-17)


def test_optimizer_state_keeps_float32():
    p = {"W1": np.ones((2, 2), np.float32)}
    for name in ("sgd", "momentum", "nesterov", "adam"):
        opt = make_optimizer(name, p)
        opt.step({"W1": np.full((2, 2), 0.5, np.float32)}, lr=0.01)
        assert p["W1"].dtype == np.float32
        assert all(v.dtype == np.float32 for v in opt.state().values())


def test_bad_optimizer_settings():
    with pytest.raises(
        NpmlpError,
        match="^unknown optimizer 'rmsprop'; choose one of sgd, momentum, nesterov, adam, lbfgs$",
    ):
        make_optimizer("rmsprop", params())
    with pytest.raises(NpmlpError, match=r"^momentum must be in \[0, 1\), got 1.5$"):
        SGD(params(), momentum=1.5)


def test_schedules():
    assert learning_rate("constant", 0.1, 50, 100) == 0.1
    assert learning_rate("step", 0.1, 25, 100, step_size=10, gamma=0.5) == pytest.approx(0.025)
    assert learning_rate("step", 0.1, 9, 100, step_size=10, gamma=0.5) == pytest.approx(0.1)
    assert learning_rate("cosine", 0.1, 0, 100) == pytest.approx(0.1)
    assert learning_rate("cosine", 0.1, 50, 100, min_lr=0.02) == pytest.approx(0.06)
    assert learning_rate("cosine", 0.1, 99, 100) == pytest.approx(
        0.05 * (1 + math.cos(math.pi * 0.99))
    )


def test_invscaling_and_adaptive_schedules_follow_scikit_learn():
    assert learning_rate("invscaling", 0.1, 0, 10, power_t=0.5, samples_seen=0) == 0.1
    assert learning_rate("invscaling", 0.1, 3, 10, power_t=0.5, samples_seen=99) == 0.01
    assert learning_rate("invscaling", 0.1, 3, 10, power_t=0.25, samples_seen=15) == 0.05
    assert learning_rate("adaptive", 0.1, 7, 10) == 0.1  # fit divides it by 5 on a plateau
