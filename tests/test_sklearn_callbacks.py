"""scikit-learn's callback API on NpMLPClassifier: ProgressBar and ScoringMonitor, alone and in
a Pipeline or GridSearchCV, one task per epoch of npmlp's loop (npmlp/sklearn/callbacks.py)."""

import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from npmlp import NpMLPClassifier

callback = pytest.importorskip("sklearn.callback")  # scikit-learn 1.9 and later
ProgressBar, ScoringMonitor = callback.ProgressBar, callback.ScoringMonitor
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16.0, y[:300]


def small(**kw):
    return NpMLPClassifier((16,), **{"max_iter": 4, "random_state": 0, **kw})


class Recorder:
    """A scikit-learn callback keeping the fitted estimator of each epoch; its hook asks to stop
    after ``stop_after`` epochs."""

    def __init__(self, stop_after=None):
        self.fitted, self.stop_after = [], stop_after

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name == "epoch":
            self.fitted.append(fitted_estimator)
            return len(self.fitted) == self.stop_after


def test_progress_bar_runs_on_the_estimator_inside_grid_search(digits, capsys):
    search = GridSearchCV(small(max_iter=3), {"alpha": [1e-4, 1e-2]}, cv=2)
    search.set_callbacks(ProgressBar()).fit(*digits)
    out = capsys.readouterr().out
    assert re.search(r"GridSearchCV - fit", out)
    for i in range(4):  # 2 candidates x 2 folds, each an NpMLPClassifier's fit
        assert re.search(rf"candidate-split-evaluation \| NpMLPClassifier - fit #{i}", out)
    assert re.search(r"refit-with-best-params \| NpMLPClassifier - fit", out)
    assert re.search(r"100%", out) and not re.search(r"\b[0-9]{1,2}%", out)
    assert search.best_estimator_.n_iter_ == 3
    assert not hasattr(search.best_estimator_, "_skl_callbacks")  # given back after the refit


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_scoring_monitor_scores_each_epoch_as_the_model_then_predicts(digits, solver):
    X, y = digits
    monitor = ScoringMonitor(scoring=["accuracy", "neg_log_loss"])
    clf = small(solver=solver).set_callbacks(monitor).fit(X, y)
    rows = monitor.get_logs().data
    assert [r["task_id_path"] for r in rows] == [(0,), (0, 0), (0, 1), (0, 2), (0, 3)]
    assert [r["task_name"] for r in rows] == ["fit"] + ["epoch"] * 4
    for epoch, row in enumerate(rows[1:], start=1):
        then = small(solver=solver, max_iter=epoch).fit(X, y)  # the same run, stopped there
        assert row["accuracy"] == accuracy_score(y, then.predict(X))
        assert row["neg_log_loss"] == -log_loss(y, then.predict_proba(X))
    assert rows[0]["accuracy"] == accuracy_score(y, clf.predict(X))
    assert rows[0]["neg_log_loss"] == rows[-1]["neg_log_loss"]


def test_scoring_monitor_on_the_estimator_of_a_pipeline(digits):
    X, y = digits
    monitor = ScoringMonitor(scoring="accuracy")
    pipe = make_pipeline(StandardScaler(), small(max_iter=3))
    pipe[-1].set_callbacks(monitor)
    pipe.fit(X, y)
    rows = monitor.get_logs().data  # the estimator's tasks under the pipeline's
    assert [r["task_id_path"] for r in rows] == [(0, 1), (0, 1, 0), (0, 1, 1), (0, 1, 2)]
    for epoch, row in enumerate(rows[1:], start=1):
        then = make_pipeline(StandardScaler(), small(max_iter=epoch)).fit(X, y)
        assert row["accuracy"] == then.score(X, y)


def test_progress_bar_set_on_a_pipeline_reaches_the_estimator(digits, capsys):
    pipe = make_pipeline(StandardScaler(), small(max_iter=3)).set_callbacks(ProgressBar())
    pipe.fit(*digits)
    out = capsys.readouterr().out
    assert re.search(r"Pipeline - fit-final-estimator \| NpMLPClassifier - fit", out)
    assert re.search(r"100%", out) and not re.search(r"\b[0-9]{1,2}%", out)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_callback_asking_to_stop_stops_the_loop(digits, solver):
    X, y = digits
    recorder = Recorder(stop_after=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopped, not unconverged
        clf = small(solver=solver).set_callbacks(recorder).fit(X, y)
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2 and len(recorder.fitted) == 2
    assert np.array_equal(clf.predict_proba(X), recorder.fitted[-1].predict_proba(X))


def test_fitted_estimator_of_an_epoch_keeps_that_epochs_weights(digits):
    X, y = digits
    recorder = Recorder()
    clf = small().set_callbacks(recorder).fit(X, y)
    first = recorder.fitted[0]
    then = small(max_iter=1).fit(X, y)
    for a, b in zip(first.coefs_, then.coefs_, strict=True):
        assert np.array_equal(a, b)
    assert first.coefs_[0] is not clf.coefs_[0] and first.loss_curve_ == then.loss_curve_
    assert np.shares_memory(first.coefs_[0], first.model_.params["W1"])


def test_callbacks_leave_the_training_as_it_was(digits):
    X, y = digits
    plain = small().fit(X, y)
    watched = small().set_callbacks(ScoringMonitor(scoring="accuracy"), Recorder()).fit(X, y)
    for a, b in zip(plain.coefs_, watched.coefs_, strict=True):
        assert np.array_equal(a, b)
    assert watched.loss_curve_ == plain.loss_curve_
    assert not hasattr(watched, "_callback_fit_ctx")  # torn down after fit


def test_each_partial_fit_is_a_fit_task_of_one_epoch(digits):
    X, y = digits
    monitor = ScoringMonitor(scoring="accuracy")
    clf = small().set_callbacks(monitor)
    for _ in range(3):
        clf.partial_fit(X, y, classes=np.arange(10))
    runs = monitor.get_logs(select="all")
    assert [[r["task_id_path"] for r in run.data] for run in runs] == [[(0,), (0, 0)]] * 3
    assert runs[-1].data[-1]["accuracy"] == clf.score(X, y)


def test_without_sklearn_callback_the_estimator_is_as_before():
    code = (
        # scikit-learn's own modules loaded, then a sklearn.callback without its names, as
        # npmlp would find it before scikit-learn 1.9
        "import sys, types, sklearn.neural_network\n"
        "sys.modules['sklearn.callback'] = types.ModuleType('sklearn.callback')\n"
        "import numpy as np\n"
        "from npmlp import NpMLPClassifier\n"
        "X = np.random.default_rng(0).normal(size=(60, 4)); y = (X[:, 0] > 0).astype(int)\n"
        "clf = NpMLPClassifier((8,), max_iter=3, random_state=0)\n"
        "print(hasattr(clf, 'set_callbacks'), [c.__name__ for c in type(clf).__mro__[1:3]])\n"
        "clf.fit(X, y).partial_fit(X, y); print(clf.n_iter_, clf.score(X, y) > 0.5)\n"
    )
    run = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True
    )
    assert run.stdout.splitlines() == [
        "False ['ClassifierMixin', 'BaseNpMLP']",
        "4 True",
    ], run.stderr
