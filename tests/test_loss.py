"""Softmax cross-entropy (seed eqs. 3, 4, 16 and section 3.3): values, gradient, stability."""

import math

import numpy as np
import pytest

from npmlp.nn.loss import (
    log_softmax,
    poisson_deviance,
    softmax,
    softmax_cross_entropy,
    squared_error,
)
from npmlp.train.gradcheck import numerical_gradient, rel_error


def test_worked_example_gradient_is_p_minus_onehot():
    s = np.array([[1.0, 2.0, 3.0]])
    y = np.array([2])
    p = np.exp(s) / np.exp(s).sum()  # [0.09003057, 0.24472847, 0.66524096]
    loss, ds = softmax_cross_entropy(s, y)
    assert loss == pytest.approx(-math.log(0.66524096), abs=1e-8)
    np.testing.assert_allclose(ds, [[0.09003057, 0.24472847, 0.66524096 - 1]], atol=1e-8)
    np.testing.assert_allclose(ds, p - np.eye(3)[y])


def test_loss_is_the_mean_over_n_and_gradient_divided_by_n(rng):
    S, y = rng.standard_normal((7, 4)), rng.integers(0, 4, 7)
    P = softmax(S)
    loss, dS = softmax_cross_entropy(S.copy(), y)
    assert loss == pytest.approx(np.mean(-np.log(P[np.arange(7), y])), rel=1e-12)
    np.testing.assert_allclose(dS, (P - np.eye(4)[y]) / 7, atol=1e-15)


def test_gradient_matches_finite_differences(rng):
    S, y = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    _, dS = softmax_cross_entropy(S, y)
    num = numerical_gradient(lambda s: np.array(softmax_cross_entropy(s, y)[0]), S, np.array(1.0))
    assert rel_error(dS, num).max() < 1e-7


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_finite_for_logits_of_magnitude_1e4(dtype):
    S = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, 1e4]], dtype=dtype)
    y = np.array([1, 2, 0])
    loss, dS = softmax_cross_entropy(S.copy(), y)
    assert np.isfinite(loss) and np.isfinite(dS).all() and dS.dtype == dtype
    # row 0: true class 1e4 below the max -> loss 2e4; row 1: correct -> 0; row 2: ln 3
    assert loss == pytest.approx((2e4 + 0.0 + math.log(3)) / 3, rel=1e-5)
    assert np.isfinite(log_softmax(S)).all()


def test_weighted_loss_equals_duplicated_rows(rng):
    S, y = rng.standard_normal((4, 3)), np.array([0, 1, 2, 1])
    w = np.array([1.0, 2.0, 0.0, 3.0])
    loss_w, dS_w = softmax_cross_entropy(S.copy(), y, sample_weight=w)
    rows = np.repeat(np.arange(4), w.astype(int))
    loss_d, dS_d = softmax_cross_entropy(S[rows].copy(), y[rows])
    assert loss_w == pytest.approx(loss_d, rel=1e-12)
    summed = np.zeros_like(dS_w)
    np.add.at(summed, rows, dS_d)
    np.testing.assert_allclose(dS_w, summed, atol=1e-15)


def test_in_place_gradient_overwrites_scores(rng):
    S, y = rng.standard_normal((3, 4)), np.array([0, 3, 1])
    expected = softmax_cross_entropy(S.copy(), y)[1]
    _, dS = softmax_cross_entropy(S, y, out=S)
    assert dS is S
    np.testing.assert_allclose(S, expected)


# ------------------------------------------------------------------ regression (section 5)
REGRESSION = [squared_error, poisson_deviance]


def test_squared_error_is_half_the_squared_distance_and_its_gradient_s_minus_y():
    S, Y = np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([[0.0, 2.0], [1.5, 1.0]])
    loss, dS = squared_error(S.copy(), Y)
    # rows: 1/2 (1 + 0) = 0.5 and 1/2 (1 + 4) = 2.5; the mean over N = 2
    assert loss == pytest.approx(1.5, abs=1e-15)
    np.testing.assert_allclose(dS, (S - Y) / 2, atol=1e-15)


def test_squared_error_of_one_output_is_scikit_learns_squared_loss(rng):
    from sklearn.neural_network._base import squared_loss

    S, Y, w = rng.standard_normal((9, 1)), rng.standard_normal((9, 1)), rng.uniform(0, 2, 9)
    assert squared_error(S.copy(), Y)[0] == pytest.approx(squared_loss(Y, S), rel=1e-12)
    assert squared_error(S.copy(), Y, w)[0] == pytest.approx(squared_loss(Y, S, w), rel=1e-12)


def test_poisson_deviance_is_exp_s_minus_y_s_and_its_gradient_exp_s_minus_y(rng):
    from sklearn.neural_network._base import poisson_loss

    S, Y = rng.standard_normal((8, 3)), rng.poisson(2.0, (8, 3)).astype(float)
    loss, dS = poisson_deviance(S.copy(), Y)
    l_rows = (np.exp(S) - Y * S).sum(axis=1)  # + the constant y ln y - y
    const = (np.where(Y > 0, Y * np.log(np.where(Y > 0, Y, 1)), 0) - Y).sum(axis=1)
    assert loss == pytest.approx(np.mean(l_rows + const), rel=1e-12)
    np.testing.assert_allclose(dS, (np.exp(S) - Y) / 8, atol=1e-15)
    # scikit-learn's value: the same terms, summed over C and averaged over N
    assert loss == pytest.approx(poisson_loss(Y, np.exp(S)), rel=1e-12)
    assert poisson_deviance(np.log(Y + 1.0), Y + 1.0)[0] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("fused", REGRESSION)
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_gradients_match_finite_differences(rng, fused, weighted):
    S, Y = rng.standard_normal((6, 2)), rng.poisson(1.5, (6, 2)).astype(float)
    w = rng.uniform(0, 3, 6) if weighted else None
    _, dS = fused(S.copy(), Y, w)
    num = numerical_gradient(lambda s: np.array(fused(s.copy(), Y, w)[0]), S, np.array(1.0))
    assert rel_error(dS, num).max() < 1e-7


@pytest.mark.parametrize("fused", REGRESSION)
def test_regression_weighted_loss_equals_duplicated_rows_and_works_in_place(rng, fused):
    S, Y = rng.standard_normal((4, 2)), rng.poisson(1.0, (4, 2)).astype(float)
    w = np.array([1.0, 2.0, 0.0, 3.0])
    loss_w, dS_w = fused(S.copy(), Y, w)
    rows = np.repeat(np.arange(4), w.astype(int))
    loss_d, dS_d = fused(S[rows], Y[rows])
    assert loss_w == pytest.approx(loss_d, rel=1e-12)
    summed = np.zeros_like(dS_w)
    np.add.at(summed, rows, dS_d)
    np.testing.assert_allclose(dS_w, summed, atol=1e-15)
    S32 = S.astype(np.float32)
    loss, dS = fused(S32, Y.astype(np.float32), out=S32)
    assert dS is S32 and dS.dtype == np.float32
    np.testing.assert_allclose(dS, fused(S, Y)[1], rtol=1e-5, atol=1e-6)
