"""NpMLPClassifier after pickle, joblib and copy.deepcopy: partial_fit continues exactly.

The model's parameters and the optimiser's state are views of one buffer each (packing.py);
pickle copies each view alone, so both re-pack after loading and the estimator points
``coefs_`` / ``intercepts_`` at the new buffer.
"""

import copy
import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from npmlp import MLP, NpMLPClassifier
from npmlp.core.packing import packed
from npmlp.train.optim import make_optimizer


def _joblib(obj):
    buf = io.BytesIO()
    joblib.dump(obj, buf)
    buf.seek(0)
    return joblib.load(buf)


COPIES = {
    "pickle": lambda o: pickle.loads(pickle.dumps(o)),
    "deepcopy": copy.deepcopy,
    "joblib": _joblib,
}


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 5))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)


def _weights(est):
    return [a.copy() for a in est.coefs_ + est.intercepts_]


@pytest.mark.parametrize("how", COPIES)
@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_partial_fit_after_a_copy_continues_bit_for_bit(rows, how, solver, dtype):
    X, y = rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = NpMLPClassifier(
            hidden_layer_sizes=(16,), max_iter=3, solver=solver, dtype=dtype, random_state=0
        ).fit(X, y)
    twin = COPIES[how](est)
    for _ in range(2):
        est.partial_fit(X, y)
        twin.partial_fit(X, y)
    for a, b in zip(_weights(est), _weights(twin), strict=True):
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(a, b)
    # coefs_ / intercepts_ are views of the model's one buffer, which the optimiser updates
    flat = packed(twin.model_.params)
    assert flat is not None and twin._optimizer._flat_params is flat
    assert all(np.shares_memory(a, flat) for a in twin.coefs_ + twin.intercepts_)
    twin.model_.params["W1"][0, 0] = 42.0
    assert twin.coefs_[0][0, 0] == 42.0


def test_a_copied_model_and_optimiser_stay_packed_and_independent():
    net = MLP(4, 8, 5, 3, seed=1)
    opt = make_optimizer("momentum", net.params)
    net2, opt2 = copy.deepcopy((net, opt))
    assert packed(net2.params) is not None and opt2.params is net2.params
    assert not np.shares_memory(packed(net.params), packed(net2.params))
    grads = {k: np.ones_like(v) for k, v in net.params.items()}
    opt.step(grads, 0.1)
    opt2.step(grads, 0.1)
    assert opt2._flat_params is packed(net2.params)
    for k in net.params:
        np.testing.assert_array_equal(net.params[k], net2.params[k])
        np.testing.assert_array_equal(opt.velocity[k], opt2.velocity[k])
