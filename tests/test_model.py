"""The whole network: gradients against finite differences, initialisation, overfitting."""

import math

import numpy as np
import pytest

from conftest import loop_config, relu_safe_net
from npmlp import MLP, DataError, fit, gradcheck
from npmlp.train.gradcheck import rel_error


@pytest.mark.parametrize("L", [3, 5, 7])
@pytest.mark.parametrize("D,H,N,C", [(4, 5, 6, 3), (10, 8, 20, 2), (3, 16, 12, 6)])
def test_whole_network_gradients_match_finite_differences_float64(rng, L, D, H, N, C):
    net = relu_safe_net(MLP(D, H, L, C, dtype=np.float64, seed=L * 100 + D), rng)
    X, y = rng.standard_normal((N, D)), rng.integers(0, C, N)
    report = gradcheck(net, X, y, max_entries=60)
    assert [r.name for r in report.rows] == list(net.params)
    assert report.max_rel_error < 1e-7, str(report)


def test_gradients_with_unequal_widths_and_l2(rng):
    net = relu_safe_net(MLP(5, [7, 3, 4], 7, 3, dtype=np.float64, seed=3), rng)
    X, y = rng.standard_normal((8, 5)), rng.integers(0, 3, 8)
    assert gradcheck(net, X, y, l2=0.3).max_rel_error < 1e-7


def test_loss_and_grads_have_the_params_keys_and_shapes(rng):
    net = MLP(6, 4, 5, 3, seed=0)
    assert list(net.params) == ["W1", "b1", "W3", "b3", "W5", "b5"]
    loss, grads = net.loss_and_grads(rng.standard_normal((9, 6)), rng.integers(0, 3, 9))
    assert isinstance(loss, float)
    assert {k: g.shape for k, g in grads.items()} == {k: p.shape for k, p in net.params.items()}
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}
    assert net.params["W3"].shape == (4, 4) and net.params["b5"].shape == (1, 3)


@pytest.mark.parametrize("C", [2, 10, 50])
def test_initial_loss_is_about_ln_c(C):
    rng = np.random.default_rng(C)
    net = MLP(20, 64, 3, C, dtype=np.float64, seed=C)
    for k in net.params:  # a small last layer makes the scores near 0 at the start
        if k == f"W{net.L}":
            net.params[k] *= 0.01
    loss, _ = net.loss_and_grads(rng.standard_normal((500, 20)), rng.integers(0, C, 500))
    assert loss == pytest.approx(math.log(C), rel=0.02)


def test_he_initialisation_scale_and_same_seed_same_weights():
    a, b = MLP(400, 300, 5, 10, seed=7), MLP(400, 300, 5, 10, seed=7)
    c = MLP(400, 300, 5, 10, seed=8)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert not np.array_equal(a.params["W1"], c.params["W1"])
    assert a.params["W1"].std() == pytest.approx(math.sqrt(2 / 400), rel=0.02)
    assert a.params["W3"].std() == pytest.approx(math.sqrt(2 / 300), rel=0.02)
    assert np.all(a.params["b1"] == 0)
    assert MLP(3, 3, 3, 2).seed > 0  # a drawn seed is recorded


def test_glorot_initialisation_is_uniform_within_its_bound_with_zero_biases():
    net = MLP(400, 300, 5, 10, seed=7, init="glorot")
    assert net.init == "glorot"
    for k, (d_in, d_out) in {"W1": (400, 300), "W3": (300, 300), "W5": (300, 10)}.items():
        a = math.sqrt(6 / (d_in + d_out))
        W = net.params[k]
        assert W.dtype == np.float32 and W.shape == (d_in, d_out)
        assert np.abs(W).max() <= a and np.abs(W).max() > 0.99 * a
        assert W.std() == pytest.approx(a / math.sqrt(3), rel=0.03)  # U(-a, a) has sd a/sqrt(3)
    assert all(np.all(net.params[b] == 0) for b in ("b1", "b3", "b5"))
    again = MLP(400, 300, 5, 10, seed=7, init="glorot")
    np.testing.assert_array_equal(again.params["W3"], net.params["W3"])


def test_unknown_init_is_refused_with_the_choices():
    with pytest.raises(ValueError) as e:
        MLP(4, 5, 3, 2, init="xavier")
    assert str(e.value) == "unknown init 'xavier'; choose one of he, glorot"


def test_overfits_50_samples_to_full_training_accuracy():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 10)), rng.integers(0, 5, 50)  # random labels: pure memorising
    net = MLP(10, 64, 3, 5, seed=0)
    hist = fit(net, X, y, loop_config(epochs=300, batch_size=0, lr=0.01, optimizer="adam", seed=0))
    assert hist.records[-1]["train_accuracy"] == 1.0
    assert net.evaluate(X, y)["accuracy"] == 1.0
    assert (net.predict(X) == y).all()


def test_predict_shapes_and_probabilities(rng):
    net = MLP(4, 8, 3, 3, seed=1)
    X = rng.standard_normal((10, 4))
    P = net.predict_proba(X)
    assert P.shape == (10, 3) and P.dtype == np.float32
    np.testing.assert_allclose(P.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(net.predict(X), P.argmax(axis=1))
    np.testing.assert_allclose(np.exp(net.predict_log_proba(X)), P, rtol=1e-5)
    assert net.forward(X).shape == (10, 3)
    net.classes = np.array(["a", "b", "c"])
    assert set(net.predict(X)) <= {"a", "b", "c"}


def test_predict_log_proba_is_finite_where_log_of_proba_is_not():
    net = MLP(2, 3, 3, 2, dtype=np.float64, seed=0)
    net.params["W3"][...] = [[1e3, -1e3]] * 3
    X = np.array([[50.0, 50.0]])
    with np.errstate(divide="ignore"):
        assert np.isinf(np.log(net.predict_proba(X))).any()
    assert np.isfinite(net.predict_log_proba(X)).all()


def test_float64_on_request_keeps_dtype(rng):
    net = MLP(3, 4, 5, 2, dtype=np.float64, seed=0)
    assert {p.dtype for p in net.params.values()} == {np.dtype(np.float64)}
    fit(net, rng.standard_normal((20, 3)), rng.integers(0, 2, 20), loop_config(epochs=2))
    assert {p.dtype for p in net.params.values()} == {np.dtype(np.float64)}


@pytest.mark.parametrize(
    "X,message",
    [
        (np.zeros((3, 5)), "X has 5 features but this model expects D=4"),
        (np.zeros((2, 3, 4)), "X must be a 2-D array (N rows x D=4 features), got shape (2, 3, 4)"),
        (
            np.array([[1.0, np.nan, 0, 0]]),
            "X contains NaN or infinity in 1 row(s) (first: row 0); remove or impute those values",
        ),
    ],
)
def test_bad_inputs_get_clear_messages(X, message):
    net = MLP(4, 3, 3, 2, seed=0)
    with pytest.raises(DataError) as e:
        net.predict(X)
    assert str(e.value) == message


def test_bad_labels_get_clear_messages():
    net = MLP(4, 3, 3, 3, seed=0)
    with pytest.raises(DataError, match=r"^labels must be class indices in 0\.\.2, found 3$"):
        net.loss_and_grads(np.zeros((2, 4)), np.array([0, 3]))
    net.classes = np.array(["cat", "dog", "eel"])
    with pytest.raises(DataError) as e:
        net.encode_labels(["dog", "fox"])
    assert str(e.value) == "labels fox are not classes of this model (its classes: cat, dog, eel)"
    np.testing.assert_array_equal(net.encode_labels(["eel", "cat"]), [2, 0])


def test_rel_error_formula():
    assert rel_error(1.0, 1.0) == 0
    assert rel_error(1.0, 3.0) == pytest.approx(0.5)
    assert rel_error(0.0, 1e-12) == pytest.approx(1e-4)  # floor of 1e-8 on the denominator


def test_evaluate_takes_the_models_own_labels_as_predict_gives_them(rng):
    X, y_idx = rng.standard_normal((40, 3)), rng.integers(0, 3, 40)
    net = MLP(3, 8, 3, 3, dtype=np.float64, seed=0)
    by_index = net.evaluate(X, y_idx)  # labels 0..C-1: labels are the indices
    net.classes = np.array(["cat", "dog", "emu"])
    assert net.evaluate(X, net.classes[y_idx]) == by_index
    assert net.evaluate(X, y_idx, indices=True) == by_index
    assert net.evaluate(X, net.predict(X))["accuracy"] == 1.0
    with pytest.raises(DataError, match="labels 0, 1, 2 are not classes of this model"):
        net.evaluate(X, y_idx)  # integers for a model with text labels: not guessed
    net.classes = np.array([1, 2, 3])  # integer labels: y = [1, 2, ...] means the labels
    assert net.evaluate(X, y_idx + 1) == by_index
    with pytest.raises(DataError, match="labels 0 are not classes of this model"):
        net.evaluate(X, y_idx)
    assert net.evaluate(X, y_idx, indices=True) == by_index


def test_inference_checks_every_chunk_and_names_the_rows_of_all_x():
    from npmlp.nn.inference import CHUNK

    net = MLP(3, 4, 3, 2, seed=0)
    X = np.zeros((CHUNK + 10, 3), np.float32)
    X[CHUNK + 3, 1], X[CHUNK + 7, 0] = np.nan, -np.inf  # both in the second chunk
    with pytest.raises(DataError) as err:
        net.predict(X)
    assert str(err.value) == (
        f"X contains NaN or infinity in 2 row(s) (first: row {CHUNK + 3}); "
        "remove or impute those values"
    )
    big = np.full((5, 3), 3e38, np.float32)  # finite, but their sum overflows
    with np.errstate(over="ignore", invalid="ignore"):
        assert net.predict(big).shape == (5,)
