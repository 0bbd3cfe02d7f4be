"""NpMLPClassifier: scikit-learn's own estimator checks, the API, weights, dtypes, pipelines."""

import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_breast_cancer, load_digits, make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

import npmlp
from npmlp import MLP, NpMLPClassifier, gradcheck
from npmlp.nn.loss import log_softmax
from npmlp.train.optim import SGD, Adam

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# The instances scikit-learn's checks run on: small, few epochs, so all checks take ~5 s.
# CHECKED (the defaults, smaller) passes every check. The other two show the two settings under
# which a weighted row stops being the same as repeated rows; that one check is expected to fail.
CHECKED = NpMLPClassifier(hidden_size=16, max_iter=20, learning_rate_init=0.01, random_state=0)
EARLY = NpMLPClassifier(
    hidden_size=16,
    max_iter=50,
    learning_rate_init=0.01,
    early_stopping=True,
    validation_fraction=0.3,
    random_state=0,
)
MINIBATCH = NpMLPClassifier(
    hidden_size=16, max_iter=20, learning_rate_init=0.01, batch_size=8, random_state=0
)
EXPECTED_FAILED_CHECKS = {
    "CHECKED": {},
    "EARLY": {
        "check_sample_weight_equivalence_on_dense_data": "the validation rows are drawn from the rows given, so weighted rows and repeated "
        "rows give different validation sets",
        "check_sample_weight_equivalence_on_sparse_data": "the same, on sparse input; "
        "scikit-learn's MLPClassifier(early_stopping=True) fails it too",
        "check_fit_score_takes_y": "it calls partial_fit, which refuses early_stopping=True "
        "exactly as scikit-learn's MLPClassifier does",
        "check_n_features_in_after_fitting": "the same partial_fit refusal",
        "check_estimators_partial_fit_n_features": "the same partial_fit refusal",
        "check_class_weight_classifiers": "stopping on the accuracy of a 30 % validation split of "
        "this tiny set ends before the weighted classes are learnt",
    },
    "MINIBATCH": {
        "check_sample_weight_equivalence_on_dense_data": "each batch is a weighted mean over its own rows (as in scikit-learn's MLP), so "
        "minibatches of weighted rows differ from minibatches of repeated rows",
        "check_sample_weight_equivalence_on_sparse_data": "the same, on sparse input",
    },
}


def _expected_failures(estimator):
    for name in ("CHECKED", "EARLY", "MINIBATCH"):
        if estimator is globals()[name]:
            return EXPECTED_FAILED_CHECKS[name]
    return {}


@parametrize_with_checks([CHECKED, EARLY, MINIBATCH], expected_failed_checks=_expected_failures)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_parameters_are_validated_by_scikit_learn_constraints():
    check_param_validation("NpMLPClassifier", NpMLPClassifier(max_iter=2))
    X, y = np.ones((4, 2)), [0, 1, 0, 1]
    with pytest.raises(
        InvalidParameterError,
        match=re.escape(
            "The 'learning_rate_init' parameter of NpMLPClassifier must be a float in the "
            "range (0.0, inf). Got -1 instead."
        ),
    ):
        NpMLPClassifier(learning_rate_init=-1).fit(X, y)
    with pytest.raises(
        InvalidParameterError,
        match=re.escape(
            "The 'n_layers' parameter of NpMLPClassifier must be an int in the range [3, inf) "
            "or None. Got 2 instead."
        ),
    ):
        NpMLPClassifier(n_layers=2).partial_fit(X, y, classes=[0, 1])


@pytest.mark.parametrize(
    "params, message",
    [
        (
            dict(n_layers=4),
            "n_layers must be odd (FC and an activation alternate, first and last are FC), "
            "got 4; use 3 for one hidden layer, 5 for two, ...",
        ),
        (dict(hidden_layer_sizes=(8, 0)), "hidden_layer_sizes must be > 0, got (8, 0)."),
    ],
)
def test_bad_architecture_gets_one_clear_message(params, message):
    X, y = np.random.default_rng(0).normal(size=(10, 3)), np.arange(10) % 2
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        NpMLPClassifier(**params).fit(X, y)


def test_one_class_is_learnt_and_predicted():
    clf = NpMLPClassifier(max_iter=20, random_state=0).fit(np.ones((3, 2)), ["cat"] * 3)
    assert_array_equal(clf.classes_, ["cat"])
    assert_array_equal(clf.predict(np.zeros((4, 2))), ["cat"] * 4)
    assert_allclose(clf.predict_proba(np.zeros((4, 2))), np.ones((4, 1)), rtol=1e-6)


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=120, centers=3, n_features=5, random_state=0)
    return StandardScaler().fit_transform(X), y


def test_architecture_and_fitted_attributes(blobs):
    X, y = blobs
    clf = NpMLPClassifier(hidden_layer_sizes=(32, 16), max_iter=5, random_state=0).fit(X, y)
    assert isinstance(clf.model_, MLP)
    assert (clf.model_.L, clf.model_.H, clf.model_.D, clf.model_.C) == (5, (32, 16), 5, 3)
    assert [W.shape for W in clf.coefs_] == [(5, 32), (32, 16), (16, 3)]
    assert [b.shape for b in clf.intercepts_] == [(32,), (16,), (3,)]
    assert clf.coefs_[1] is clf.model_.params["W3"]  # views, not copies
    assert np.shares_memory(clf.intercepts_[2], clf.model_.params["b5"])
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.n_features_in_ == 5 and clf.n_iter_ == 5 and len(clf.loss_curve_) == 5
    assert clf.best_loss_ == min(clf.loss_curve_) and clf.loss_ == clf.loss_curve_[-1]
    assert clf.validation_loss_curve_ is None and clf.validation_scores_ is None
    assert clf.best_validation_score_ is None and clf.t_ == 5 * 120
    assert (clf.n_layers_, clf.n_outputs_, clf.out_activation_) == (4, 3, "softmax")
    deep = NpMLPClassifier(n_layers=7, hidden_size=8, max_iter=1).fit(X, y)
    assert [W.shape for W in deep.coefs_] == [(5, 8), (8, 8), (8, 8), (8, 3)]
    default = NpMLPClassifier(max_iter=1).fit(X, y)
    assert (default.model_.L, default.model_.H) == (3, 100)


def test_init_defaults_to_scikit_learns_glorot_scale_and_he_is_an_option(blobs):
    X, y = blobs
    glorot = NpMLPClassifier(hidden_size=64, max_iter=1, learning_rate_init=1e-12, random_state=0)
    glorot.fit(X, y)
    assert glorot.init == "glorot" and glorot.model_.init == "glorot"
    bound = np.sqrt(6 / (5 + 64))  # a tiny step leaves the weights where they started
    assert 0.95 * bound < np.abs(glorot.coefs_[0]).max() <= bound * (1 + 1e-6)
    he = NpMLPClassifier(hidden_size=64, max_iter=1, init="he", random_state=0).fit(X, y)
    assert he.model_.init == "he"
    with pytest.raises(InvalidParameterError) as e:
        NpMLPClassifier(init="xavier").fit(X, y)
    among = ("{'glorot', 'he'}", "{'he', 'glorot'}")  # a set: its order follows the hash seed
    assert str(e.value) in [
        f"The 'init' parameter of NpMLPClassifier must be a str among {a}. Got 'xavier' instead."
        for a in among
    ]


def test_feature_names_and_string_labels():
    pd = pytest.importorskip("pandas", reason="pandas is needed to pass named columns")
    X, y = make_blobs(n_samples=60, centers=2, n_features=3, random_state=1)
    frame = pd.DataFrame(X, columns=["width", "height", "depth"])
    labels = np.where(y == 1, "dog", "cat")
    clf = NpMLPClassifier(hidden_size=8, max_iter=50, learning_rate_init=0.01, random_state=0).fit(
        frame, labels
    )
    assert_array_equal(clf.feature_names_in_, ["width", "height", "depth"])
    assert_array_equal(clf.classes_, ["cat", "dog"])
    assert set(clf.predict(frame)) <= {"cat", "dog"}
    assert clf.score(frame, labels) == 1.0


@pytest.mark.parametrize(
    "X_dtype, dtype, expected",
    [
        (np.float32, "auto", np.float32),
        (np.float64, "auto", np.float64),
        (np.int64, "auto", np.float64),
        (np.float64, "float32", np.float32),
        (np.float32, "float64", np.float64),
    ],
)
def test_training_dtype_follows_the_input(blobs, X_dtype, dtype, expected):
    X, y = blobs
    X = (X * 10).astype(X_dtype)
    clf = NpMLPClassifier(hidden_size=8, max_iter=2, dtype=dtype, random_state=0).fit(X, y)
    assert clf.model_.dtype == expected
    assert {p.dtype for p in clf.model_.params.values()} == {np.dtype(expected)}
    assert {W.dtype for W in clf.coefs_ + clf.intercepts_} == {np.dtype(expected)}
    assert clf.predict_proba(X).dtype == expected
    assert clf.decision_function(X).dtype == expected


def test_predictions_agree_with_each_other(blobs):
    X, y = blobs
    clf = NpMLPClassifier(hidden_size=16, max_iter=30, learning_rate_init=0.01, random_state=0).fit(
        X, y
    )
    P, S = clf.predict_proba(X), clf.decision_function(X)
    assert P.shape == S.shape == (120, 3)
    assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    assert_array_equal(clf.predict(X), clf.classes_[S.argmax(axis=1)])
    assert_allclose(clf.predict_log_proba(X), np.log(P), rtol=1e-10, atol=1e-12)
    assert clf.score(X, y) == np.mean(clf.predict(X) == y) > 0.95
    binary = NpMLPClassifier(
        hidden_size=8, max_iter=30, learning_rate_init=0.01, random_state=0
    ).fit(X, y == 2)
    d = binary.decision_function(X)
    assert d.shape == (120,)
    assert_array_equal(binary.predict(X), d > 0)
    assert_allclose(binary.predict_proba(X)[:, 1], 1 / (1 + np.exp(-d)), rtol=1e-10)


def test_log_proba_is_finite_where_log_of_proba_is_minus_inf(blobs):
    X, y = blobs
    clf = NpMLPClassifier(hidden_size=8, max_iter=1, random_state=0).fit(X, y)
    clf.intercepts_[-1][:] = [900.0, 0.0, -900.0]  # extreme scores: p_2 = e^-1800 underflows
    with np.errstate(divide="ignore"):
        naive = np.log(clf.predict_proba(X))
    assert np.isneginf(naive[:, 2]).all()
    log_p = clf.predict_log_proba(X)
    assert np.isfinite(log_p).all()
    S = clf.decision_function(X)
    assert_allclose(log_p, log_softmax(S), rtol=1e-12)
    assert_allclose(log_p[:, 2], S[:, 2] - S[:, 0], rtol=1e-9)  # ~ -1800, not -inf
    assert (log_p[:, 2] < -1700).all()


def test_stopping_rules_and_convergence_warning(blobs):
    X, y = blobs
    # every epoch "fails" to improve by tol=10: stops once the count exceeds n_iter_no_change
    clf = NpMLPClassifier(hidden_size=8, max_iter=100, tol=10.0, n_iter_no_change=4, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.n_iter_ == 6 and clf._no_improvement_count == 5
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        NpMLPClassifier(hidden_size=8, max_iter=3, random_state=0).fit(X, y)
    es = NpMLPClassifier(
        hidden_size=32,
        max_iter=500,
        learning_rate_init=0.05,
        early_stopping=True,
        n_iter_no_change=3,
        validation_fraction=0.25,
        random_state=0,
    ).fit(X, y)
    assert es.n_iter_ < 500 and max(es.validation_scores_) == 1.0


def test_early_stopping_keeps_the_best_validation_epoch():
    X, y = make_blobs(n_samples=200, centers=3, n_features=5, random_state=0, cluster_std=4)
    X = StandardScaler().fit_transform(X)
    kw = dict(
        hidden_size=64,
        learning_rate_init=0.01,
        early_stopping=True,
        validation_fraction=0.3,
        tol=0.0,
        validation_monitor="loss",
        random_state=0,
    )
    es = NpMLPClassifier(max_iter=500, n_iter_no_change=5, **kw).fit(X, y)
    curve = es.validation_loss_curve_
    best_epoch = int(np.argmin(curve)) + 1
    assert curve[-1] > curve[best_epoch - 1]  # it stopped because the loss rose
    assert es.n_iter_ == best_epoch + 6  # stops once 6 > n_iter_no_change epochs did not gain
    assert es.best_loss_ is None and es.best_validation_score_ == max(es.validation_scores_)
    assert len(es.validation_scores_) == es.n_iter_
    # the same run cut at the best epoch (same split, same seeds) ends on the kept weights
    cut = NpMLPClassifier(max_iter=best_epoch, n_iter_no_change=500, **kw).fit(X, y)
    for a, b in zip(es.coefs_ + es.intercepts_, cut.coefs_ + cut.intercepts_, strict=True):
        assert_array_equal(a, b)


def test_verbose_prints_one_line_per_epoch(blobs, capsys):
    X, y = blobs
    clf = NpMLPClassifier(hidden_size=8, max_iter=3, verbose=True, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == ["Iteration 1", "Iteration 2", "Iteration 3"]
    assert lines[2] == f"Iteration 3, loss = {clf.loss_curve_[2]:.8f}"


def test_partial_fit_keeps_the_optimiser_state(blobs):
    X, y = blobs
    kw = dict(
        hidden_size=16, batch_size=None, max_iter=6, tol=0.0, n_iter_no_change=100, random_state=3
    )
    with pytest.raises(ValueError, match="^classes must be passed on the first call"):
        NpMLPClassifier(**kw).partial_fit(X, y)
    inc = NpMLPClassifier(**kw)
    inc.partial_fit(X, y, classes=[0, 1, 2])
    opt = inc._optimizer
    for _ in range(5):
        inc.partial_fit(X, y)
    assert inc._optimizer is opt and isinstance(opt, Adam) and opt.t == 6
    assert inc.n_iter_ == 6 and len(inc.loss_curve_) == 6
    with pytest.warns(ConvergenceWarning):
        full = NpMLPClassifier(**kw).fit(X, y)
    # six one-epoch calls = one six-epoch fit, bit for bit (Adam's moments carried over)
    for a, b in zip(inc.coefs_ + inc.intercepts_, full.coefs_ + full.intercepts_, strict=True):
        assert_array_equal(a, b)
    assert inc.loss_curve_ == full.loss_curve_
    # a batch holding one class only is fine once the classes are known
    inc.partial_fit(X[y == 1], y[y == 1])
    with pytest.raises(ValueError, match=re.escape("`y` has classes not in `self.classes_`.")):
        inc.partial_fit(X[:2], [7, 0])
    sgd = NpMLPClassifier(solver="sgd", momentum=0.5, nesterovs_momentum=False, max_iter=1)
    sgd.partial_fit(X, y, classes=[0, 1, 2])
    assert isinstance(sgd._optimizer, SGD) and sgd._optimizer.momentum == 0.5
    assert not sgd._optimizer.nesterov


def test_warm_start_continues_and_cold_start_restarts(blobs):
    X, y = blobs
    kw = dict(hidden_size=16, max_iter=5, tol=0.0, n_iter_no_change=100, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm = NpMLPClassifier(warm_start=True, **kw).fit(X, y)
        W_first = warm.coefs_[0].copy()
        loss_first = warm.loss_curve_[-1]
        warm.fit(X, y)
        cold = NpMLPClassifier(**kw).fit(X, y)
        again = NpMLPClassifier(**kw).fit(X, y).fit(X, y)
    # scikit-learn's counting: n_iter_ is this fit's epochs, loss_curve_ goes on
    assert warm.n_iter_ == 5 and len(warm.loss_curve_) == 10 and warm.t_ == 10 * 120
    assert warm.loss_curve_[5] < loss_first < warm.loss_curve_[0]  # continued, not restarted
    assert not np.array_equal(warm.coefs_[0], W_first)
    assert again.n_iter_ == 5
    assert_array_equal(again.coefs_[0], cold.coefs_[0])
    with pytest.raises(
        ValueError,
        match=re.escape(
            "warm_start can only be used where `y` has the same classes as in the previous "
            "call to fit. Previously got [0 1 2], `y` has [0 1 5]"
        ),
    ):
        warm.fit(X, np.where(y == 2, 5, y))


def _net_and_data(seed=0, N=12, D=4, C=3):
    rng = np.random.default_rng(seed)
    net = MLP(D, 6, 5, C, dtype=np.float64, seed=seed)
    return net, rng.normal(size=(N, D)), rng.integers(0, C, N), rng.integers(0, 4, N)


def test_weighted_loss_and_gradient_agree_by_gradient_check(blobs):
    X, y = blobs
    X, y = X[30:42], y[30:42]
    w = compute_sample_weight("balanced", y) * np.linspace(0.2, 3.0, len(y))
    # the core model an estimator trains, with the per-row weights its class_weight gives
    clf = NpMLPClassifier(
        n_layers=5, hidden_size=6, max_iter=3, class_weight="balanced", random_state=0
    ).fit(X, y, sample_weight=np.linspace(0.2, 3.0, len(y)))
    net = clf.model_
    report = gradcheck(net, X, y, sample_weight=w, l2=0.01, max_entries=30)
    assert report.passed, str(report)
    assert report.max_rel_error < 1e-7
    loss, _ = net.loss_and_grads(X, y, sample_weight=w)
    per_row = -log_softmax(net.forward(X))[np.arange(len(y)), y]
    assert_allclose(loss, np.sum(w * per_row) / np.sum(w), rtol=1e-12)


def _net_and_data(seed=0, N=12, D=4, C=3):
    rng = np.random.default_rng(seed)
    net = MLP(D, 6, 5, C, dtype=np.float64, seed=seed)
    return net, rng.normal(size=(N, D)), rng.integers(0, C, N), rng.integers(0, 4, N)


def test_integer_weights_equal_repeated_rows():
    net, X, y, w = _net_and_data(seed=1)
    loss_w, g_w = net.loss_and_grads(X, y, sample_weight=w.astype(float))
    loss_r, g_r = net.loss_and_grads(np.repeat(X, w, axis=0), np.repeat(y, w))
    assert_allclose(loss_w, loss_r, rtol=1e-12)
    for k in g_w:
        assert_allclose(g_w[k], g_r[k], rtol=1e-10, atol=1e-14)
    # the estimator, full batch: weighted rows train exactly like repeated rows
    Xb, yb = make_blobs(n_samples=40, centers=3, n_features=4, random_state=2)
    wb = np.random.default_rng(2).integers(0, 4, 40)
    kw = dict(
        hidden_size=8, batch_size=None, max_iter=30, tol=0.0, n_iter_no_change=100, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = NpMLPClassifier(**kw).fit(Xb, yb, sample_weight=wb)
        repeated = NpMLPClassifier(**kw).fit(np.repeat(Xb, wb, axis=0), np.repeat(yb, wb))
    assert_allclose(weighted.predict_proba(Xb), repeated.predict_proba(Xb), rtol=1e-9)
    assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-10)


def test_class_weight_multiplies_sample_weight(blobs):
    X, y = blobs
    X, y = X[20:], y[20:]  # class 0 now rarer
    kw = dict(hidden_size=8, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        balanced = NpMLPClassifier(class_weight="balanced", **kw).fit(X, y)
        by_hand = NpMLPClassifier(**kw).fit(
            X, y, sample_weight=compute_sample_weight("balanced", y)
        )
        sw = np.linspace(0.5, 2.0, len(y))
        as_dict = NpMLPClassifier(class_weight={0: 3.0, 1: 1.0, 2: 0.5}, **kw).fit(
            X, y, sample_weight=sw
        )
        product = NpMLPClassifier(**kw).fit(X, y, sample_weight=sw * np.choose(y, [3, 1, 0.5]))
        plain = NpMLPClassifier(**kw).fit(X, y)
    assert_array_equal(balanced.coefs_[0], by_hand.coefs_[0])
    assert_array_equal(as_dict.coefs_[0], product.coefs_[0])
    assert not np.array_equal(balanced.coefs_[0], plain.coefs_[0])
    with pytest.raises(
        ValueError, match="^class_weight='balanced' is not supported by partial_fit"
    ):
        NpMLPClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(
        ValueError, match=re.escape("Negative values in data passed to `sample_weight`.")
    ):
        NpMLPClassifier(**kw).fit(X, y, sample_weight=-np.ones(len(y)))


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


def test_pipeline_grid_search_and_cross_validation_on_digits(digits):
    X_tr, X_te, y_tr, y_te = digits
    pipe = Pipeline(
        [("scale", StandardScaler()), ("mlp", NpMLPClassifier(max_iter=30, random_state=0))]
    )
    grid = {"mlp__hidden_size": [16, 64], "mlp__learning_rate_init": [1e-3, 1e-2]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X_tr, y_tr)
        scores = cross_val_score(
            make_pipeline(
                StandardScaler(),
                NpMLPClassifier(
                    hidden_size=64, learning_rate_init=1e-2, max_iter=30, random_state=0
                ),
            ),
            X_tr,
            y_tr,
            cv=5,
        )
    assert search.best_params_["mlp__hidden_size"] == 64
    assert search.best_score_ > 0.95
    assert search.score(X_te, y_te) > 0.96
    assert scores.shape == (5,) and scores.mean() > 0.95 and scores.min() > 0.93


def test_as_accurate_as_scikit_learn_mlp_on_breast_cancer():
    # Same network, optimiser and epochs. Over 20 seeds the two means differ by < 0.002 (see
    # benchmarks/compare_sklearn.py); here 3 seeds, and a margin of half a test row per seed.
    X, y = load_breast_cancer(return_X_y=True)
    ours, theirs = [], []
    for seed in range(3):
        X_tr, X_te, y_tr, y_te = train_test_split(
            X, y, test_size=0.25, stratify=y, random_state=seed
        )
        common = dict(alpha=1e-4, tol=0.0, n_iter_no_change=100, random_state=seed)
        a = NpMLPClassifier(
            hidden_layer_sizes=(100,), max_iter=100, learning_rate_init=1e-3, **common
        )
        b = MLPClassifier(
            hidden_layer_sizes=(100,), max_iter=100, learning_rate_init=1e-3, **common
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours.append(make_pipeline(StandardScaler(), a).fit(X_tr, y_tr).score(X_te, y_te))
            theirs.append(make_pipeline(StandardScaler(), b).fit(X_tr, y_tr).score(X_te, y_te))
    assert np.mean(ours) >= np.mean(theirs) - 0.5 / len(y_te)
    assert np.mean(ours) > 0.95


def test_exported_from_the_package():
    assert npmlp.NpMLPClassifier is NpMLPClassifier
    assert "NpMLPClassifier" in npmlp.__all__


def test_trained_model_saves_and_loads_without_pickle(tmp_path):
    X, y = make_blobs(n_samples=60, centers=3, n_features=4, random_state=5)
    labels = np.array(["red", "green", "blue"], dtype=object)[y]  # object labels, as from pandas
    clf = NpMLPClassifier(hidden_size=8, max_iter=20, learning_rate_init=0.01, random_state=0)
    clf.fit(X.astype(np.float32), labels)
    npmlp.save(clf.model_, tmp_path / "model.npz")
    net = npmlp.load(tmp_path / "model.npz")
    assert net.dtype == np.float32
    assert_array_equal(net.predict(X), clf.predict(X))
    assert_array_equal(net.predict_proba(X), clf.predict_proba(X))
