"""FC and ReLU: forward values, backward rules (seed eqs. 7, 12-15, 22-25) and the kink at 0."""

import numpy as np
import pytest

from npmlp.nn.layers import (
    ACTIVATIONS,
    fc_backward,
    fc_forward,
    identity_forward,
    logistic_forward,
    relu_backward,
    relu_forward,
    tanh_forward,
)
from npmlp.train.gradcheck import numerical_gradient, rel_error


def test_fc_forward_is_xw_plus_ones_b(rng):
    X, W, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal((1, 5))
    Z = fc_forward(X, W, b)
    assert Z.shape == (4, 5)
    np.testing.assert_allclose(Z, X @ W + np.ones((4, 1)) @ b, rtol=1e-14)


@pytest.mark.parametrize("N,D,H", [(1, 1, 1), (5, 3, 4), (13, 7, 2)])
def test_fc_backward_matches_finite_differences_upstream_trick(rng, N, D, H):
    X, W, b = rng.standard_normal((N, D)), rng.standard_normal((D, H)), rng.standard_normal((1, H))
    dZ = rng.standard_normal((N, H))  # any upstream gradient: checks the layer without a loss
    dX, dW, db = fc_backward(dZ, X, W)
    assert dX.shape == X.shape and dW.shape == W.shape and db.shape == b.shape
    assert rel_error(dX, numerical_gradient(lambda x: fc_forward(x, W, b), X, dZ)).max() < 1e-7
    assert rel_error(dW, numerical_gradient(lambda w: fc_forward(X, w, b), W, dZ)).max() < 1e-7
    assert rel_error(db, numerical_gradient(lambda c: fc_forward(X, W, c), b, dZ)).max() < 1e-7


def test_vectorised_eqs_23_to_25_equal_the_per_sample_sums_of_eqs_12_13(rng):
    N, D, H = 6, 4, 3
    X, W, dZ = rng.standard_normal((N, D)), rng.standard_normal((D, H)), rng.standard_normal((N, H))
    dX, dW, db = fc_backward(dZ, X, W)
    loop_dX = np.zeros((N, D))
    loop_dW = np.zeros((D, H))
    loop_db = np.zeros((1, H))
    for n in range(N):  # one row at a time, as in sections 3.1.1-3.1.3
        for i in range(D):  # eq. 12: dc/dx_i = sum_l dc/dz_l dz_l/dx_i, dz_l/dx_i = W_il
            loop_dX[n, i] = sum(dZ[n, l] * W[i, l] for l in range(H))
        for m in range(D):  # eq. 13: dc/dW_mn = sum_l dc/dz_l dz_l/dW_mn = x_m dc/dz_n
            for k in range(H):
                loop_dW[m, k] += X[n, m] * dZ[n, k]
        loop_db[0] += dZ[n]  # dc/db = dc/dz, summed over the rows
    np.testing.assert_allclose(dX, loop_dX, rtol=1e-12)
    np.testing.assert_allclose(dW, loop_dW, rtol=1e-12)
    np.testing.assert_allclose(db, loop_db, rtol=1e-12)


def test_fc_backward_can_skip_dx_and_fill_buffers(rng):
    X, W, dZ = rng.standard_normal((5, 3)), rng.standard_normal((3, 2)), rng.standard_normal((5, 2))
    dW, db = np.empty((3, 2)), np.empty((1, 2))
    dX, dW2, db2 = fc_backward(dZ, X, W, need_dX=False, dW=dW, db=db)
    assert dX is None and dW2 is dW and db2 is db
    np.testing.assert_allclose(dW, X.T @ dZ)
    np.testing.assert_allclose(db, dZ.sum(axis=0, keepdims=True))


def test_relu_forward_and_in_place():
    x = np.array([[-2.0, -0.0, 0.0, 0.5, 3.0]])
    np.testing.assert_array_equal(relu_forward(x), [[0, 0, 0, 0.5, 3.0]])
    out = relu_forward(x, out=x)
    assert out is x and x.min() == 0.0


def test_relu_backward_keeps_dz_where_x_positive_and_uses_zero_at_the_kink():
    x = np.array([[-1.0, 0.0, 2.0], [3.0, -0.5, 0.0]])
    dz = np.array([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]])
    np.testing.assert_array_equal(relu_backward(dz, x), [[0, 0, 30], [40, 0, 0]])
    # the mask read from the output max(0, x) is the same: x > 0 <=> relu(x) > 0
    np.testing.assert_array_equal(relu_backward(dz, relu_forward(x)), relu_backward(dz, x))


def test_relu_backward_matches_finite_differences_away_from_zero(rng):
    x = rng.standard_normal((6, 5))
    x[np.abs(x) < 1e-3] = 0.5  # stay clear of the kink
    dz = rng.standard_normal((6, 5))
    num = numerical_gradient(lambda v: relu_forward(v), x, dz)
    assert rel_error(relu_backward(dz, x), num).max() < 1e-7


@pytest.mark.parametrize("name", ["tanh", "logistic", "identity", "relu"])
def test_each_activation_backward_matches_finite_differences(name, rng):
    act = ACTIVATIONS[name]
    x = rng.standard_normal((4, 6))
    x[np.abs(x) < 0.05] = 0.3  # away from ReLU's kink
    dz = rng.standard_normal((4, 6))
    scratch = np.empty((4, 6), bool if act.scratch is np.bool_ else np.float64)
    dx = act.backward(dz, act.forward(x), None, scratch)  # backward reads the output
    num = numerical_gradient(lambda v: act.forward(v), x, dz)
    assert rel_error(dx, num).max() < 1e-7


def test_activation_values_and_in_place_forms():
    x = np.array([[-800.0, -1.0, 0.0, 2.0, 800.0]])
    np.testing.assert_allclose(tanh_forward(x), np.tanh(x))
    z = logistic_forward(x)  # no overflow at +-800
    np.testing.assert_allclose(z, [[0.0, 1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-2.0)), 1.0]])
    assert identity_forward(x) is x
    y = x.copy()
    assert logistic_forward(y, out=y) is y and np.array_equal(y, z)
