"""Side by side: npmlp's NpMLPClassifier and scikit-learn's MLPClassifier, same network and epochs.

For each data set and seed: a stratified 75/25 split (``random_state=seed``), a
``StandardScaler`` fitted on the training rows, then both classifiers with one hidden layer of
``--hidden`` ReLU units, Adam at learning rate 1e-3, batches of ``min(200, N)`` rows, L2
``alpha=1e-4`` and exactly ``--epochs`` epochs (``tol=0``, no early stop); both start from
Glorot-uniform weights (each library's default). Prints one row per
data set: mean and standard deviation of the test accuracy over the seeds, and the total fit
seconds of each library (BLAS limited to ``--threads`` threads for both).

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


def models(hidden: int, epochs: int, seed: int) -> dict:
    common = dict(
        learning_rate=1e-3,
        batch_size="auto",
        alpha=1e-4,
        tol=0.0,
        n_iter_no_change=epochs,
        random_state=seed,
    )
    return {
        "npmlp": NpMLPClassifier(
            n_layers=3, hidden_size=hidden, optimizer="adam", max_epochs=epochs, **common
        ),
        "sklearn": MLPClassifier(
            hidden_layer_sizes=(hidden,),
            solver="adam",
            learning_rate_init=common["learning_rate"],
            batch_size="auto",
            alpha=1e-4,
            tol=0.0,
            n_iter_no_change=epochs,
            max_iter=epochs,
            random_state=seed,
        ),
    }


def compare(name: str, seeds: list[int], hidden: int, epochs: int) -> dict:
    X, y = DATASETS[name](return_X_y=True)
    acc = {"npmlp": [], "sklearn": []}
    secs = {"npmlp": 0.0, "sklearn": 0.0}
    for seed in seeds:
        X_tr, X_te, y_tr, y_te = train_test_split(
            X, y, test_size=0.25, stratify=y, random_state=seed
        )
        for key, clf in models(hidden, epochs, seed).items():
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
    args = ap.parse_args(argv)
    threadpool_limits(args.threads)
    seeds = list(range(args.seeds))
    print(
        f"one hidden layer of {args.hidden}, Adam lr 1e-3, batch min(200, N), alpha 1e-4, "
        f"{args.epochs} epochs, seeds {seeds}, test 25% stratified, {args.threads} BLAS thread"
    )
    print(
        f"{'data set':<14} {'npmlp accuracy':>18} {'sklearn accuracy':>18} {'diff':>8} "
        f"{'npmlp s':>8} {'sklearn s':>9}"
    )
    for name in args.datasets:
        r = compare(name, seeds, args.hidden, args.epochs)
        a, b = r["acc"]["npmlp"], r["acc"]["sklearn"]
        print(
            f"{name:<14} {a.mean():>10.4f} ± {a.std():.4f} {b.mean():>10.4f} ± {b.std():.4f} "
            f"{a.mean() - b.mean():>+8.4f} {r['secs']['npmlp']:>8.2f} "
            f"{r['secs']['sklearn']:>9.2f}"
        )


if __name__ == "__main__":
    main()
