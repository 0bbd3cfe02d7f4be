"""A grid search whose fits run on a Dask cluster (2 local workers) through joblib's backend."""

import re
import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from npmlp import NpMLPClassifier

distributed = pytest.importorskip(
    "distributed", reason="dask[distributed] is not installed: pip install 'npmlp[dask]'"
)


@pytest.mark.slow
def test_grid_search_runs_its_fits_on_a_dask_local_cluster():
    X, y = load_digits(return_X_y=True)
    X, y = X[::2], y[::2]
    pipe = make_pipeline(StandardScaler(), NpMLPClassifier(max_iter=20, random_state=0))
    grid = {
        "npmlpclassifier__hidden_size": [16, 32],
        "npmlpclassifier__learning_rate_init": [1e-3, 1e-2],
    }
    search = GridSearchCV(pipe, grid, cv=3, n_jobs=-1)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        workers = set(client.scheduler_info()["workers"])
        assert len(workers) == 2
        with distributed.get_task_stream(client) as stream, warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            with joblib.parallel_config(backend="dask"):
                search.fit(X, y)
        ran_on = {task["worker"] for task in stream.data}
    # joblib sends its calls as tasks named "batch_of__fit_and_score_<n>_calls-<hash>"
    calls = [re.match(r"batch_of__fit_and_score_(\d+)_calls", t["key"]) for t in stream.data]
    assert sum(int(m.group(1)) for m in calls if m) == 4 * 3  # 4 candidates x 3 folds
    assert ran_on == workers  # both workers trained models
    assert search.best_score_ > 0.9
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
