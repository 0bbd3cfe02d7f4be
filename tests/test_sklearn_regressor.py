"""NpMLPRegressor: scikit-learn's own estimator checks, the parameters, multi-output targets,
partial_fit, early stopping on R^2, sample weights, Poisson; compared with MLPRegressor."""

import inspect
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

import npmlp
from npmlp import NpMLPClassifier, NpMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

CHECKED = NpMLPRegressor(hidden_size=16, max_iter=50, learning_rate_init=0.01, random_state=0)
# 200 epochs: check_regressors_train asks R^2 > 0.5 of a log link on targets it shifts to >= 0,
# which 50 epochs do not reach (nor do they for MLPRegressor(loss="poisson"))
POISSON = NpMLPRegressor(
    loss="poisson", hidden_size=16, max_iter=200, learning_rate_init=0.01, random_state=0
)
EARLY = NpMLPRegressor(
    hidden_size=16,
    max_iter=50,
    learning_rate_init=0.01,
    early_stopping=True,
    validation_fraction=0.3,
    random_state=0,
)
_PARTIAL_FIT = "it calls partial_fit, which refuses early_stopping=True as MLPRegressor does"
EXPECTED_FAILED_CHECKS = {
    "CHECKED": {},
    "POISSON": {},
    "EARLY": {
        "check_sample_weight_equivalence_on_dense_data": "the validation rows are drawn from "
        "the rows given, so weighted rows and repeated rows give different validation sets; "
        "scikit-learn's MLPRegressor(early_stopping=True) fails it too",
        "check_sample_weight_equivalence_on_sparse_data": "the same, on sparse input",
        "check_fit_score_takes_y": _PARTIAL_FIT,
        "check_n_features_in_after_fitting": _PARTIAL_FIT,
        "check_estimators_partial_fit_n_features": _PARTIAL_FIT,
    },
}


def _expected_failures(estimator):
    for name in EXPECTED_FAILED_CHECKS:
        if estimator is globals()[name]:
            return EXPECTED_FAILED_CHECKS[name]
    return {}


@parametrize_with_checks([CHECKED, POISSON, EARLY], expected_failed_checks=_expected_failures)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_signature_is_mlp_regressors_with_npmlps_extras_after_it():
    ours = inspect.signature(NpMLPRegressor).parameters
    theirs = inspect.signature(MLPRegressor).parameters
    assert list(ours)[: len(theirs)] == list(theirs)
    assert all(ours[k].default == theirs[k].default for k in theirs)
    extras = set(inspect.signature(NpMLPClassifier).parameters) - {"class_weight"}
    assert set(ours) == extras | {"loss"}
    check_param_validation("NpMLPRegressor", NpMLPRegressor(max_iter=2))


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_fits_diabetes_as_well_as_mlp_regressor(diabetes):
    X, y = diabetes
    params = dict(random_state=0, max_iter=300, learning_rate_init=0.01)
    ours, theirs = NpMLPRegressor(**params).fit(X, y), MLPRegressor(**params).fit(X, y)
    assert ours.score(X, y) > theirs.score(X, y) - 0.05
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=0.1)  # the same loss, one output
    assert (ours.n_outputs_, ours.out_activation_, ours.n_layers_) == (1, "identity", 3)
    assert [W.shape for W in ours.coefs_] == [W.shape for W in theirs.coefs_]
    assert ours.predict(X).shape == (442,)


def test_multi_output_targets(diabetes):
    X, y = diabetes
    Y = np.c_[y, -y / 2] / 100
    reg = NpMLPRegressor(hidden_size=32, random_state=0, max_iter=200).fit(X, Y)
    assert reg.n_outputs_ == 2 and reg.predict(X).shape == (442, 2)
    assert reg.coefs_[-1].shape == (32, 2) and reg.score(X, Y) > 0.4
    with pytest.warns(Warning, match="column-vector y"):
        NpMLPRegressor(max_iter=2).fit(X, y[:, None])
    with pytest.raises(ValueError, match="outputs"):
        reg.set_params(warm_start=True).fit(X, y)


def test_early_stopping_watches_validation_r2(diabetes):
    X, y = diabetes
    reg = NpMLPRegressor(
        early_stopping=True, random_state=0, max_iter=500, learning_rate_init=0.01
    ).fit(X, y)
    assert reg.n_iter_ < 500 and reg.best_loss_ is None
    assert reg.best_validation_score_ == max(reg.validation_scores_)
    assert 0.2 < reg.best_validation_score_ < 1


def test_partial_fit_continues_and_sample_weight_counts_as_repeated_rows(diabetes):
    X, y = diabetes
    reg = NpMLPRegressor(random_state=0, learning_rate_init=0.01)
    for _ in range(3):
        reg.partial_fit(X, y)
    assert reg.n_iter_ == 3 and reg.t_ == 3 * 442 and len(reg.loss_curve_) == 3
    w = np.r_[np.full(221, 2.0), np.zeros(221)]
    one = NpMLPRegressor(solver="lbfgs", random_state=0, max_iter=30).fit(X, y, sample_weight=w)
    rows = np.repeat(np.arange(442), w.astype(int))
    two = NpMLPRegressor(solver="lbfgs", random_state=0, max_iter=30).fit(X[rows], y[rows])
    np.testing.assert_allclose(one.predict(X), two.predict(X), rtol=1e-4, atol=1e-3)


def test_poisson_predicts_positive_rates_and_refuses_negative_targets(diabetes):
    X, _ = diabetes
    y = np.random.default_rng(0).poisson(np.exp(0.5 * X[:, 2] + 1.0)).astype(float)
    reg = NpMLPRegressor(loss="poisson", random_state=0, max_iter=200, learning_rate_init=0.01)
    reg.fit(X, y)
    assert reg.out_activation_ == "exp" and reg.model_.loss == "poisson"
    assert (reg.predict(X) > 0).all() and reg.score(X, y) > 0.2
    with pytest.raises(ValueError, match="negative"):
        NpMLPRegressor(loss="poisson").fit(X, -y)


def test_the_model_is_saved_and_loaded_without_pickle(diabetes, tmp_path):
    X, y = diabetes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = NpMLPRegressor(random_state=0, max_iter=5).fit(X, y)
    npmlp.save(reg.model_, tmp_path / "reg.npz")
    back = npmlp.load(tmp_path / "reg.npz")
    np.testing.assert_array_equal(back.predict(X)[:, 0], reg.predict(X))
