"""One numeric check per answer of docs/derivations.md (the seed's "Travail" items, in order).

Each test is named in a "Checked by:" line of the document; tests/test_docs.py makes sure the
names keep existing. The per-element formulas of the seed (eqs. 7, 12, 13) are written here as
plain Python loops on purpose: they are the textbook statement that the vectorised code in
:mod:`npmlp.nn.layers` and :mod:`npmlp.nn.loss` must reproduce.
"""

import inspect

import numpy as np
import pytest

from npmlp import MLP, gradcheck, n_parameters, summarise
from npmlp.core.architecture import Architecture
from npmlp.nn.layers import fc_backward, fc_forward, relu_backward, relu_forward
from npmlp.nn.loss import softmax, softmax_cross_entropy

RNG = np.random.default_rng(20240128)


def _central_difference(f, x, eps=1e-6):
    """d f / d x for a scalar function f of an array x (x perturbed in place, restored)."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        pos = f(x)
        x[idx] = old - eps
        neg = f(x)
        x[idx] = old
        grad[idx] = (pos - neg) / (2 * eps)
    return grad


def _g(z):
    """A scalar function c = g(z) for the seed's eqs. 11 and 15, with dc/dz = cos(z) + z."""
    return float(np.sum(np.sin(z)) + 0.5 * np.sum(z * z))


def _dg(z):
    return np.cos(z) + z


def _forward_chain(net, X):
    """Every x^(i) of the forward graph for the rows X, using the layer functions."""
    xs = [X]
    for i in range(1, net.L + 1):
        if i % 2:
            xs.append(fc_forward(xs[-1], net.params[f"W{i}"], net.params[f"b{i}"]))
        else:
            xs.append(relu_forward(xs[-1]))
    return xs


# ------------------------------------------------------------------------ section 1 and 4: sizes
def test_forward_graph_sizes_one_row():
    """Section 1: x^(0) is 1 x D, x^(1..L-1) are 1 x H, s is 1 x C; W, b and gradients."""
    D, H, L, C = 6, 5, 7, 3
    net = MLP(D, H, L, C, dtype=np.float64, seed=0)
    xs = _forward_chain(net, RNG.standard_normal((1, D)))
    assert [x.shape for x in xs] == [(1, D)] + [(1, H)] * (L - 1) + [(1, C)]
    for i in (1, 3, 5, 7):
        d_in = D if i == 1 else H
        d_out = C if i == L else H
        assert net.params[f"W{i}"].shape == (d_in, d_out)
        assert net.params[f"b{i}"].shape == (1, d_out)
    _, grads = net.loss_and_grads(xs[0], np.array([2]))
    assert all(grads[k].shape == net.params[k].shape for k in net.params)
    shapes = {v.name: v.shape for v in summarise(D, H, L, C, N=1).variables}
    assert shapes["x^(0)"] == (1, D) and shapes["x^(6)"] == (1, H)
    assert shapes["x^(L) = s"] == shapes["p"] == shapes["dl/ds"] == (1, C)
    assert shapes["l"] == ()


def test_batched_graph_sizes():
    """Section 4: X is N x D, X^(1..L-1) are N x H, S and P are N x C; W and b do not change."""
    D, H, L, C, N = 6, 5, 5, 3, 11
    net = MLP(D, H, L, C, dtype=np.float64, seed=1)
    X = RNG.standard_normal((N, D))
    xs = _forward_chain(net, X)
    assert [x.shape for x in xs] == [(N, D)] + [(N, H)] * (L - 1) + [(N, C)]
    assert softmax(xs[-1]).shape == (N, C)
    loss, dS = softmax_cross_entropy(xs[-1], RNG.integers(0, C, N))
    assert np.ndim(loss) == 0 and dS.shape == (N, C)
    shapes = {v.name: v.shape for v in summarise(D, H, L, C, N=N).variables}
    assert shapes["W^(1)"] == shapes["dl/dW^(1)"] == (D, H)
    assert shapes["b^(5)"] == shapes["dl/db^(5)"] == (1, C)
    assert shapes["dl/dx^(0)"] == (N, D) and shapes["y"] == (N,)


# --------------------------------------------------------------------------- parameter count
@pytest.mark.parametrize(
    "D,H,L,C,expected",
    [
        (64, 256, 3, 10, 19210),  # npmlp train on digits: 64*256 + 256 + 256*10 + 10
        (784, 512, 5, 10, 669706),  # MNIST, two hidden layers: + 1 * (512*512 + 512)
        (4, 3, 7, 2, 47),  # the small example worked by hand in derivations.md
    ],
)
def test_parameter_count_worked_examples(D, H, L, C, expected):
    formula = D * H + H + (L - 3) // 2 * (H * H + H) + H * C + C
    assert formula == expected
    assert n_parameters(D, H, L, C) == expected
    net = MLP(D, H, L, C, seed=0)
    assert sum(p.size for p in net.params.values()) == expected


# ----------------------------------------------------------------------------- 3.1 graph of FC
def test_fc_tilde_maps_dc_dz_x_W_to_dc_dx_dc_dW_dc_db():
    """The graph of 3.1: FC~ takes dc/dz, x, W and returns dc/dx, dc/dW, dc/db (b not needed)."""
    D, H = 4, 3
    x, W, b = RNG.standard_normal((1, D)), RNG.standard_normal((D, H)), RNG.standard_normal((1, H))
    z = fc_forward(x, W, b)
    dc_dz = _dg(z)  # g~: the gradient of c = g(z)
    dc_dx, dc_dW, dc_db = fc_backward(dc_dz, x, W)
    assert (z.shape, dc_dz.shape) == ((1, H), (1, H))
    assert (dc_dx.shape, dc_dW.shape, dc_db.shape) == (x.shape, W.shape, b.shape)
    # FC~ needs no b: the gradients do not depend on the bias
    assert "b" not in inspect.signature(fc_backward).parameters
    dX, _, _ = fc_backward(dc_dz, x, W, need_dX=False)
    assert dX is None


# ---------------------------------------------------------------------------- 3.1.1 dc/dx
def test_dz_l_dx_i_is_W_il():
    """dz_l/dx_i = W_il: the Jacobian of z = xW + b with respect to x is W^T (H x D)."""
    D, H = 5, 4
    x, W, b = RNG.standard_normal((1, D)), RNG.standard_normal((D, H)), RNG.standard_normal((1, H))
    J = np.empty((H, D))
    for i in range(D):
        for l in range(H):
            J[l, i] = _central_difference(lambda v, l=l: fc_forward(v, W, b)[0, l], x)[0, i]
    np.testing.assert_allclose(J, W.T, rtol=1e-8, atol=1e-9)


def test_dc_dx_is_dc_dz_times_W_transpose():
    """Eq. 12 by loops, sum_l dc/dz_l W_il, equals dc/dz W^T and fc_backward's dX."""
    D, H = 5, 4
    x, W, b = RNG.standard_normal((1, D)), RNG.standard_normal((D, H)), RNG.standard_normal((1, H))
    dc_dz = _dg(fc_forward(x, W, b))
    loops = np.zeros((1, D))
    for i in range(D):
        for l in range(H):
            loops[0, i] += dc_dz[0, l] * W[i, l]  # eq. 12 with dz_l/dx_i = W_il
    dX, _, _ = fc_backward(dc_dz, x, W)
    np.testing.assert_allclose(dX, loops, rtol=1e-13)
    np.testing.assert_allclose(dX, dc_dz @ W.T, rtol=1e-13)
    numeric = _central_difference(lambda v: _g(fc_forward(v, W, b)), x.copy())
    np.testing.assert_allclose(dX, numeric, rtol=1e-6)


# ---------------------------------------------------------------------------- 3.1.2 dc/dW
def test_dc_dW_mn_loops_equal_x_transpose_dc_dz():
    """Eq. 13 by loops (dz_l/dW_mn = x_m if l == n else 0) equals x^T dc/dz and fc_backward."""
    D, H = 5, 4
    x, W, b = RNG.standard_normal((1, D)), RNG.standard_normal((D, H)), RNG.standard_normal((1, H))
    dc_dz = _dg(fc_forward(x, W, b))
    loops = np.zeros((D, H))
    for m in range(D):
        for n in range(H):
            for l in range(H):
                dz_l_dW_mn = x[0, m] if l == n else 0.0
                loops[m, n] += dc_dz[0, l] * dz_l_dW_mn
    _, dW, _ = fc_backward(dc_dz, x, W)
    np.testing.assert_allclose(dW, loops, rtol=1e-13)
    np.testing.assert_allclose(dW, x.T @ dc_dz, rtol=1e-13)
    np.testing.assert_allclose(dW, np.outer(x, dc_dz), rtol=1e-13)  # rank one for one row
    numeric = _central_difference(lambda v: _g(fc_forward(x, v, b)), W.copy())
    np.testing.assert_allclose(dW, numeric, rtol=1e-6)


# ---------------------------------------------------------------------------- 3.1.3 dc/db
def test_dc_db_is_dc_dz():
    """dz_l/db_n = 1 if l == n else 0, so dc/db = dc/dz (one row)."""
    D, H = 5, 4
    x, W, b = RNG.standard_normal((1, D)), RNG.standard_normal((D, H)), RNG.standard_normal((1, H))
    dc_dz = _dg(fc_forward(x, W, b))
    loops = np.array(
        [[sum(dc_dz[0, l] * (1.0 if l == n else 0.0) for l in range(H)) for n in range(H)]]
    )
    _, _, db = fc_backward(dc_dz, x, W)
    np.testing.assert_array_equal(db, dc_dz)
    np.testing.assert_allclose(db, loops, rtol=1e-15)
    numeric = _central_difference(lambda v: _g(fc_forward(x, W, v)), b.copy())
    np.testing.assert_allclose(db, numeric, rtol=1e-6)


# ------------------------------------------------------------------------------- 3.2 ReLU
def test_relu_tilde_maps_dc_dz_x_to_dc_dx():
    """The graph of 3.2: ReLU~ takes dc/dz and x (no parameters) and returns dc/dx."""
    x = RNG.standard_normal((3, 7))
    dc_dz = _dg(relu_forward(x))
    dc_dx = relu_backward(dc_dz, x)
    assert dc_dx.shape == x.shape
    # x or z = ReLU(x) give the same mask, which lets npmlp apply ReLU in place
    np.testing.assert_array_equal(relu_backward(dc_dz, relu_forward(x)), dc_dx)


def test_relu_derivative_matches_finite_differences_away_from_zero():
    """dc/dx_k = dc/dz_k if x_k > 0, 0 if x_k < 0, checked where |x_k| >= 0.1."""
    x = RNG.uniform(0.1, 2.0, (4, 6)) * RNG.choice([-1.0, 1.0], (4, 6))
    dc_dz = _dg(relu_forward(x))
    dX = relu_backward(dc_dz, x)
    np.testing.assert_array_equal(dX, np.where(x > 0, dc_dz, 0.0))
    numeric = _central_difference(lambda v: _g(relu_forward(v)), x.copy())
    np.testing.assert_allclose(dX, numeric, rtol=1e-7, atol=1e-9)


def test_relu_is_not_differentiable_at_zero_and_npmlp_uses_zero():
    """At x = 0 the left derivative is 0 and the right one 1; relu_backward returns 0 there."""
    eps = 1e-7
    left = (relu_forward(np.array([0.0])) - relu_forward(np.array([-eps]))) / eps
    right = (relu_forward(np.array([eps])) - relu_forward(np.array([0.0]))) / eps
    assert (left[0], right[0]) == (0.0, 1.0)
    x = np.array([[-1.0, 0.0, -0.0, 2.0]])
    dZ = np.array([[5.0, 5.0, 5.0, 5.0]])
    np.testing.assert_array_equal(relu_backward(dZ, x), [[0.0, 0.0, 0.0, 5.0]])


def test_relu_zero_input_happens_in_a_real_network():
    """A row whose hidden units are all dead gives pre-activations exactly b = 0 at layer 3."""
    net = MLP(3, 4, 5, 2, dtype=np.float64, seed=0)  # He init: biases are 0
    x = -np.abs(RNG.standard_normal((1, 3)))
    net.params["W1"][...] = np.abs(net.params["W1"])  # every x^(1) < 0, so x^(2) = 0
    xs = _forward_chain(net, x)
    np.testing.assert_array_equal(xs[3], 0.0)  # x^(3) = 0 W3 + b3 = 0 exactly: ReLU at its kink
    _, grads = net.loss_and_grads(x, np.array([1]))
    np.testing.assert_array_equal(grads["b3"], 0.0)  # the subgradient 0 stops the gradient


def test_default_gradcheck_meets_exact_zeros_and_reports_them_apart():
    """`npmlp gradcheck` with its defaults (D=6 H=5 L=5 C=4 N=8 seed 0) puts b3 on a kink."""
    net = MLP(6, 5, 5, 4, dtype=np.float64, seed=0)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 6)), rng.integers(0, 4, 8)
    xs = _forward_chain(net, X)
    dead = np.flatnonzero(~(xs[2] > 0).any(axis=1))  # rows with every x^(2) = 0
    assert dead.size >= 1
    np.testing.assert_array_equal(xs[3][dead], 0.0)  # x^(3) = b3 = 0 exactly on those rows
    report = gradcheck(net, X, y, retries=0)
    rows = {r.name: r for r in report.rows}
    assert rows["b3"].n_near_kink == rows["b3"].n_checked == 5
    assert rows["b3"].max_rel_error_all > 1e-3  # finite differences straddle the kink
    assert report.max_rel_error < 1e-8  # every smooth entry agrees
    assert report.unchecked == ["b3"] and not report.passed  # but b3 was not checked at all
    report = gradcheck(net, X, y)  # by default: b3 again at another random point
    rows = {r.name: r for r in report.rows}
    assert (rows["b3"].point, rows["b3"].n_near_kink) == (1, 0)
    assert report.passed and report.max_rel_error < 1e-8


# ------------------------------------------------------------------------ 3.3 cross-entropy
def test_l_tilde_maps_s_and_y_to_dc_ds():
    """The graph of 3.3: l~ takes s (1 x C) and y and returns c and dc/ds (1 x C)."""
    s, y = np.array([[1.0, 2.0, 3.0]]), np.array([0])
    c, dc_ds = softmax_cross_entropy(s, y)
    assert isinstance(c, float) and dc_ds.shape == s.shape
    assert c == pytest.approx(-np.log(np.exp(1.0) / np.exp([1.0, 2.0, 3.0]).sum()), rel=1e-14)


def test_dc_ds_is_p_minus_one_hot_worked_example():
    """s = (1, 2, 3), y = 0: p = (0.0900, 0.2447, 0.6652), dc/ds = (-0.9100, 0.2447, 0.6652)."""
    s, y = np.array([[1.0, 2.0, 3.0]]), np.array([0])
    c, dc_ds = softmax_cross_entropy(s.copy(), y)
    p = np.exp(s) / np.exp(s).sum()
    np.testing.assert_allclose(p, [[0.09003057, 0.24472847, 0.66524096]], rtol=1e-7)
    np.testing.assert_allclose(dc_ds, [[0.09003057 - 1, 0.24472847, 0.66524096]], rtol=1e-7)
    assert c == pytest.approx(2.40760596, rel=1e-8)  # -ln p_0
    assert dc_ds.sum() == pytest.approx(0.0, abs=1e-15)  # the components sum to 0
    numeric = _central_difference(lambda v: softmax_cross_entropy(v, y)[0], s.copy())
    np.testing.assert_allclose(dc_ds, numeric, rtol=1e-7)


@pytest.mark.parametrize("C", [2, 5, 10])
def test_dc_ds_formula_for_every_k(C):
    """dc/ds_k = p_k - 1 if k = y, p_k otherwise, for random scores and every y."""
    s = RNG.standard_normal((1, C)) * 3
    p = softmax(s)
    for y in range(C):
        _, dc_ds = softmax_cross_entropy(s.copy(), np.array([y]))
        expected = [p[0, k] - 1 if k == y else p[0, k] for k in range(C)]
        np.testing.assert_allclose(dc_ds[0], expected, rtol=1e-12, atol=1e-15)


def test_gradient_step_raises_true_score_and_lowers_others_in_proportion_to_p():
    """s <- s - lr dc/ds: s_y rises by lr (1 - p_y), each other s_k falls by lr p_k; c drops."""
    s, y, lr = np.array([[1.0, 2.0, 3.0]]), np.array([0]), 0.5  # the example of derivations.md
    c, dc_ds = softmax_cross_entropy(s.copy(), y)
    p = softmax(s)[0]
    new = s - lr * dc_ds
    change = (new - s)[0]
    np.testing.assert_allclose(change, [0.45498, -0.12236, -0.33262], atol=5e-6)
    assert change[0] == pytest.approx(lr * (1 - p[0]), rel=1e-12) and change[0] > 0
    np.testing.assert_allclose(change[1:], -lr * p[1:], rtol=1e-12)
    assert np.all(change[1:] < 0)
    # the most probable wrong class (k = 2, p = 0.67) is pushed down hardest
    assert np.argmin(change) == 2
    np.testing.assert_allclose(change[1:] / change[1:].sum(), p[1:] / p[1:].sum(), rtol=1e-12)
    assert change.sum() == pytest.approx(0.0, abs=1e-15)
    assert softmax(new)[0, 0] > p[0]
    assert softmax_cross_entropy(new, y)[0] < c
    # a confident right answer barely moves; a confident wrong one gets a gradient near sqrt(2)
    assert np.linalg.norm(softmax_cross_entropy(np.array([[9.0, 0, 0]]), y)[1]) < 4e-4
    norm = np.linalg.norm(softmax_cross_entropy(np.array([[-9.0, 9, 0]]), y)[1])
    assert norm == pytest.approx(np.sqrt(2), rel=1e-4)


# ------------------------------------------------------------------ section 4: eqs. 22 - 25
def test_batched_fc_equations_are_sums_over_rows():
    """Eqs. 22-25 equal the one-row forms stacked (Z, dX) or summed over the N rows (dW, db)."""
    N, D, H = 7, 5, 4
    X, W, b = RNG.standard_normal((N, D)), RNG.standard_normal((D, H)), RNG.standard_normal((1, H))
    dZ = RNG.standard_normal((N, H))
    Z = fc_forward(X, W, b)
    np.testing.assert_allclose(Z, X @ W + np.ones((N, 1)) @ b, rtol=1e-13)  # eq. 22
    dX, dW, db = fc_backward(dZ, X, W)
    rows = [fc_backward(dZ[i : i + 1], X[i : i + 1], W) for i in range(N)]
    np.testing.assert_allclose(
        Z, np.vstack([fc_forward(X[i : i + 1], W, b) for i in range(N)]), rtol=1e-13
    )
    np.testing.assert_allclose(dX, np.vstack([r[0] for r in rows]), rtol=1e-13)  # eq. 23
    np.testing.assert_allclose(dW, sum(r[1] for r in rows), rtol=1e-12)  # eq. 24
    np.testing.assert_allclose(dW, X.T @ dZ, rtol=1e-13)
    np.testing.assert_allclose(db, sum(r[2] for r in rows), rtol=1e-12)  # eq. 25
    np.testing.assert_allclose(db, np.ones((1, N)) @ dZ, rtol=1e-13)
    np.testing.assert_array_equal(
        relu_backward(dZ, X[:, :H]),
        np.vstack([relu_backward(dZ[i : i + 1], X[i : i + 1, :H]) for i in range(N)]),
    )


def test_batched_loss_gradient_is_mean_of_per_row_gradients():
    """c = (1/N) sum_i l_i (eq. 5): the whole network's gradient is the mean of the rows'."""
    N, D, H, L, C = 9, 6, 5, 5, 4
    net = MLP(D, H, L, C, dtype=np.float64, seed=3)
    for k in net.params:
        if k.startswith("b"):
            net.params[k][...] = RNG.standard_normal(net.params[k].shape) * 0.1
    X, y = RNG.standard_normal((N, D)), RNG.integers(0, C, N)
    S = net.forward(X)
    loss, dS = softmax_cross_entropy(S.copy(), y)
    per_row = [softmax_cross_entropy(S[i : i + 1].copy(), y[i : i + 1]) for i in range(N)]
    assert loss == pytest.approx(np.mean([r[0] for r in per_row]), rel=1e-13)
    np.testing.assert_allclose(dS, np.vstack([r[1] for r in per_row]) / N, rtol=1e-13)
    loss, grads = net.loss_and_grads(X, y)
    row_grads = [net.loss_and_grads(X[i : i + 1], y[i : i + 1])[1] for i in range(N)]
    for k in net.params:
        mean = sum(g[k] for g in row_grads) / N
        np.testing.assert_allclose(grads[k], mean, rtol=1e-10, atol=1e-14)
    assert Architecture.of(D, H, L, C).sizes == [D, H, H, H, H, C]
