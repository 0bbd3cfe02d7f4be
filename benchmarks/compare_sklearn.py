"""Side by side: npmlp's NpMLPClassifier and scikit-learn's MLPClassifier, same network and epochs.

For each setting (adam + relu, lbfgs + relu, adam + tanh), data set and seed: a stratified
75/25 split (``random_state=seed``), a ``StandardScaler`` fitted on the training rows, then both
classifiers built from the same scikit-learn keyword arguments: one hidden layer of
``--hidden`` units, learning rate 1e-3, batches of ``min(200, N)`` rows, L2 ``alpha=1e-4`` and
at most ``--epochs`` epochs / iterations (``tol=0``); both start from Glorot-uniform weights
(each library's default). Prints one Markdown row per setting and data set: mean and standard
deviation of the test accuracy over the seeds, and the total fit seconds of each library
(BLAS limited to ``--threads`` threads for both).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/compare_sklearn.py
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from npmlp import NpMLPClassifier

DATASETS = {"digits": load_digits, "wine": load_wine, "breast_cancer": load_breast_cancer}


SETTINGS = {  # one row each: the same keyword arguments for both classifiers
    "adam relu": dict(solver="adam"),
    "lbfgs relu": dict(solver="lbfgs"),
    "adam tanh": dict(solver="adam", activation="tanh"),
}


def models(hidden: int, epochs: int, seed: int, setting: str) -> dict:
    """Both classifiers, built from the very same scikit-learn parameter names and values."""
    kw = dict(
        hidden_layer_sizes=(hidden,),
        learning_rate_init=1e-3,
        batch_size="auto",
        alpha=1e-4,
        tol=0.0,
        n_iter_no_change=epochs,
        max_iter=epochs,
        random_state=seed,
        **SETTINGS[setting],
    )
    return {"npmlp": NpMLPClassifier(**kw), "sklearn": MLPClassifier(**kw)}


def compare(name: str, seeds: list[int], hidden: int, epochs: int, setting: str) -> dict:
    X, y = DATASETS[name](return_X_y=True)
    acc = {"npmlp": [], "sklearn": []}
    secs = {"npmlp": 0.0, "sklearn": 0.0}
    for seed in seeds:
        X_tr, X_te, y_tr, y_te = train_test_split(
            X, y, test_size=0.25, stratify=y, random_state=seed
        )
        for key, clf in models(hidden, epochs, seed, setting).items():
            pipe = make_pipeline(StandardScaler(), clf)
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                pipe.fit(X_tr, y_tr)
            secs[key] += time.perf_counter() - t0
            acc[key].append(pipe.score(X_te, y_te))
    return {"acc": {k: np.array(v) for k, v in acc.items()}, "secs": secs}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--hidden", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads (same for both)")
    ap.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    args = ap.parse_args(argv)
    threadpool_limits(args.threads)
    seeds = list(range(args.seeds))
    print(
        f"hidden_layer_sizes=({args.hidden},), learning_rate_init=1e-3, batch_size='auto', "
        f"alpha=1e-4, max_iter={args.epochs}, tol=0, seeds {seeds}, test 25% stratified, "
        f"{args.threads} BLAS thread"
    )
    print(
        f"| {'setting':<10} | {'data set':<13} | {'npmlp':>15} | {'MLPClassifier':>15} | "
        f"{'diff':>7} | fit s npmlp / sklearn |"
    )
    print("|---|---|---|---|---|---|")
    for setting in args.settings:
        for name in args.datasets:
            r = compare(name, seeds, args.hidden, args.epochs, setting)
            a, b = r["acc"]["npmlp"], r["acc"]["sklearn"]
            print(
                f"| {setting:<10} | {name:<13} | {a.mean():.4f} ± {a.std():.4f} | "
                f"{b.mean():.4f} ± {b.std():.4f} | {a.mean() - b.mean():>+.4f} | "
                f"{r['secs']['npmlp']:.2f} / {r['secs']['sklearn']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
