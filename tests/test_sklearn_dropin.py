"""What makes NpMLPClassifier a drop-in: MLPClassifier's signature, to_sklearn, sparse input."""

import inspect
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from npmlp import NpMLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
EXTRAS = [
    "n_layers",
    "hidden_size",
    "init",
    "dropout",
    "validation_monitor",
    "class_weight",
    "dtype",
]


def test_every_mlpclassifier_parameter_with_its_default():
    theirs = inspect.signature(MLPClassifier).parameters
    ours = inspect.signature(NpMLPClassifier).parameters
    assert list(ours)[: len(theirs)] == list(theirs)
    for name, p in theirs.items():
        assert ours[name].default == p.default, name
    assert list(ours)[len(theirs) :] == EXTRAS


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16.0, y[:300]


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("binary", [False, True])
def test_to_sklearn_gives_the_same_probabilities(digits, activation, binary):
    X, y = digits
    y = y % 2 if binary else y
    clf = NpMLPClassifier((16, 8), activation, max_iter=5, random_state=0).fit(X, y)
    theirs = clf.to_sklearn()
    assert isinstance(theirs, MLPClassifier)
    assert_allclose(theirs.predict_proba(X), clf.predict_proba(X), rtol=0, atol=1e-12)
    assert_array_equal(theirs.predict(X), clf.predict(X))
    assert theirs.out_activation_ == ("logistic" if binary else "softmax")
    assert theirs.coefs_[-1].shape == (8, 1 if binary else 10)
    assert clf.coefs_[-1].shape == (8, 2 if binary else 10)  # npmlp keeps the seed's C = 2


def test_sparse_input_is_densified_a_batch_at_a_time(digits, monkeypatch):
    X, y = digits
    X_sparse = sp.csr_matrix(X)
    widest = []
    real = sp.csr_matrix.toarray

    def spy(self, *a, **kw):
        widest.append(self.shape[0])
        return real(self, *a, **kw)

    monkeypatch.setattr(sp.csr_matrix, "toarray", spy)
    for solver in ("adam", "lbfgs"):
        dense = NpMLPClassifier((16,), solver=solver, max_iter=3, batch_size=50, random_state=0)
        sparse = NpMLPClassifier((16,), solver=solver, max_iter=3, batch_size=50, random_state=0)
        dense.fit(X, y)
        widest.clear()
        sparse.fit(X_sparse, y)
        assert widest and max(widest) <= (50 if solver == "adam" else 300)
        for a, b in zip(dense.coefs_, sparse.coefs_, strict=True):
            assert_allclose(a, b, rtol=1e-12)
        assert_array_equal(sparse.predict(X_sparse), dense.predict(X))
    import npmlp.train.lbfgs as lbfgs

    monkeypatch.setattr(lbfgs, "CHUNK", 64)
    widest.clear()
    NpMLPClassifier((16,), solver="lbfgs", max_iter=3, random_state=0).fit(X_sparse, y)
    assert max(widest) == 64  # the full batch, a chunk at a time


def test_learning_rate_schedules_and_shuffle_mean_what_they_mean_in_scikit_learn(digits):
    X, y = digits
    kw = dict(hidden_layer_sizes=(16,), solver="sgd", learning_rate_init=0.1, random_state=0)
    inv = NpMLPClassifier(learning_rate="invscaling", power_t=0.5, max_iter=3, **kw).fit(X, y)
    assert inv._optimizer.learning_rate == pytest.approx(0.1 / (2 * 300 + 1) ** 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ad = NpMLPClassifier(learning_rate="adaptive", tol=10.0, max_iter=500, **kw).fit(X, y)
    assert ad.n_iter_ < 500 and ad._optimizer.learning_rate < 1e-6  # divided by 5 each time
    a = NpMLPClassifier(shuffle=False, max_iter=2, batch_size=30, **kw).fit(X, y)
    b = NpMLPClassifier(shuffle=False, max_iter=2, batch_size=30, **kw).fit(X, y)
    c = NpMLPClassifier(shuffle=True, max_iter=2, batch_size=30, **kw).fit(X, y)
    assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])
