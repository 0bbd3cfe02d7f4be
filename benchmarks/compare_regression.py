"""Side by side: npmlp's NpMLPRegressor and scikit-learn's MLPRegressor on the diabetes set.

For each setting (adam + relu, lbfgs + relu, adam + tanh) and seed: a 75/25 split
(``random_state=seed``), a ``StandardScaler`` fitted on the training rows, then both regressors
built from the same scikit-learn keyword arguments: one hidden layer of ``--hidden`` units,
learning rate 1e-3 (scikit-learn's default), batches of ``min(200, N)`` rows, L2
``alpha=1e-4``, at most ``--epochs`` epochs / iterations (``tol=0``); the targets are divided
by their training standard deviation (R^2 does not change). Prints one Markdown row per
setting: mean and standard deviation of the test R^2 over the seeds, and the total fit seconds
of each library (BLAS limited to ``--threads`` threads for both). lbfgs's 200 full-batch
iterations overfit the 331 training rows for both libraries (negative R^2).

    .venv/bin/python benchmarks/compare_regression.py --seeds 5
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from npmlp import NpMLPRegressor

SETTINGS = {  # one row each: the same keyword arguments for both regressors
    "adam relu": dict(solver="adam"),
    "lbfgs relu": dict(solver="lbfgs"),
    "adam tanh": dict(solver="adam", activation="tanh"),
}


def one_run(cls, params: dict, seed: int) -> tuple[float, float]:
    """(test R^2, fit seconds) of one regressor on one split."""
    X, y = load_diabetes(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=seed)
    scale = y_tr.std()
    model = make_pipeline(StandardScaler(), cls(random_state=seed, **params))
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_tr, y_tr / scale)
    seconds = time.perf_counter() - t0
    return model.score(X_te, y_te / scale), seconds


def row(name: str, params: dict, seeds: int) -> str:
    cells = [name]
    for cls in (NpMLPRegressor, MLPRegressor):
        runs = np.array([one_run(cls, params, s) for s in range(seeds)])
        cells += [f"{runs[:, 0].mean():.3f} ± {runs[:, 0].std():.3f}", f"{runs[:, 1].sum():.2f}"]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    common = dict(
        hidden_layer_sizes=(args.hidden,),
        learning_rate_init=1e-3,
        alpha=1e-4,
        max_iter=args.epochs,
        tol=0.0,
    )
    print("| setting | npmlp R^2 | npmlp s | scikit-learn R^2 | scikit-learn s |")
    print("|---|---|---|---|---|")
    with threadpool_limits(args.threads):
        for name, params in SETTINGS.items():
            print(row(name, {**common, **params}, args.seeds), flush=True)


if __name__ == "__main__":
    main()
