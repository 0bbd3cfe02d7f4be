"""npmlp.gradcheck: float64 copy, sampled entries, kink flags, and catching a wrong backward."""

import numpy as np
import pytest

import npmlp.model as model
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
    lines = str(gradcheck(net, X, np.array([1]))).splitlines()
    assert lines[2].split() == ["b1", "1x2", "2", "n/a", "2"]


def test_a_wrong_backward_rule_is_caught(monkeypatch, rng):
    net = relu_safe_net(MLP(5, 6, 5, 3, dtype=np.float64, seed=1), rng)
    X, y = rng.standard_normal((8, 5)), rng.integers(0, 3, 8)
    assert gradcheck(net, X, y).passed

    def no_mask(dZ, X, out=None, mask=None):  # forgets the ReLU mask
        return np.copyto(out, dZ) or out

    monkeypatch.setattr(model, "relu_backward", no_mask)
    report = gradcheck(net, X, y)
    assert not report.passed and report.max_rel_error > 1e-2
    assert "FAIL: max relative error" in str(report)


@pytest.mark.parametrize("weighted", [False, True])
def test_weighted_loss_and_its_gradient_agree(rng, weighted):
    net = relu_safe_net(MLP(4, 5, 3, 3, dtype=np.float64, seed=2), rng)
    X, y = rng.standard_normal((9, 4)), rng.integers(0, 3, 9)
    w = rng.uniform(0, 3, 9) if weighted else None
    assert gradcheck(net, X, y, sample_weight=w).max_rel_error < 1e-7
