"""Dropout's effect on digits: test accuracy with and without it, 5 seeds, side by side.

For each seed: a stratified 75/25 split, a ``StandardScaler`` on the training rows, then
``NpMLPClassifier(hidden_layer_sizes=(256, 256), max_iter=100, dropout=p)`` for each rate p.
Prints the mean and standard deviation of the test accuracy per rate.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/dropout_effect.py
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from npmlp import NpMLPClassifier


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--rates", type=float, nargs="+", default=[0.0, 0.2, 0.5])
    ap.add_argument("--epochs", type=int, default=100)
    args = ap.parse_args(argv)
    X, y = load_digits(return_X_y=True)
    print(f"digits, (256, 256) relu, adam, {args.epochs} epochs, seeds 0-{args.seeds - 1}")
    print("| dropout | test accuracy (mean ± sd) | per seed |")
    print("|---|---|---|")
    for rate in args.rates:
        acc = []
        for seed in range(args.seeds):
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.25, stratify=y, random_state=seed
            )
            clf = NpMLPClassifier((256, 256), max_iter=args.epochs, dropout=rate, random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                pipe = make_pipeline(StandardScaler(), clf).fit(X_tr, y_tr)
            acc.append(pipe.score(X_te, y_te))
        a = np.array(acc)
        seeds = " ".join(f"{v:.4f}" for v in a)
        print(f"| {rate:g} | {a.mean():.4f} ± {a.std():.4f} | {seeds} |", flush=True)


if __name__ == "__main__":
    main()
