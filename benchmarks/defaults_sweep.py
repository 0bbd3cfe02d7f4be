"""Choosing ``npmlp train``'s defaults by measurement: candidates against MLPClassifier().

Every candidate is a setting of the optimisation knobs of :class:`npmlp.TrainConfig`
(optimiser, learning rate, batch size, epochs, L2, the early-stopping rule -- what it watches,
its patience, whether it restores the best epoch -- and ``min_val_rows``, the smallest
validation split worth stopping on). Each one trains through ``npmlp.jobs.job.train_run`` -- exactly
the path of ``npmlp train``, with the table's network (``npmlp.core.defaults.TRAIN``: 3 layers of
256 ReLU units, He initialisation, standard scaling, float32) -- on every set below, for
``--seeds`` seeds, and is scored by its test accuracy. The reference is scikit-learn's
``make_pipeline(StandardScaler(), MLPClassifier(random_state=seed))`` with MLPClassifier's own
defaults, fitted on the same training rows and scored on the same test rows.

Sets: the bundled digits, iris, wine and breast_cancer (a stratified 80/20 split, seeded);
the synthetic 2-D moons, circles, blobs, xor and spirals (600 rows drawn with the seed, the
same split); and ``digits28``: every digit upscaled to 28 x 28 and drawn 6 times with a random
small rotation, scale and shift plus pixel noise (10,782 rows of 784 features). Its split
is made on the 1,797 source digits, so the 6 drawings of one digit are all in training or all
in test.

The defaults (the row ``defaults``) are read from ``npmlp.core.defaults.TRAIN``; they are required
to match or beat MLPClassifier() on every set's mean test accuracy, and to lose no more than
0.005 to the best candidate on any set. The report ranks the candidates by those two tests;
docs/defaults.md shows it and why the winner won.

    nice python benchmarks/defaults_sweep.py --jobs 2          # the full sweep: ~45 min, 2 cores
    nice python benchmarks/defaults_sweep.py --quick --jobs 2  # the defaults, the old ones, the
                                                               # reference: 86 s on 2 cores

Every result is written to ``benchmarks/results/defaults_sweep.json`` as it comes;
``--resume`` continues from that file instead of starting again (only valid if the code has not
changed; a changed candidate is a new key). One BLAS thread for everyone.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import multiprocessing
import sys
import time
import warnings
from contextlib import nullcontext
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from npmlp.core.defaults import TRAIN
from npmlp.data import Dataset, load_dataset
from npmlp.data.splits import split_dataset
from npmlp.jobs.job import RunSettings, train_run
from npmlp.train.train_config import TrainConfig

SETS = (
    "digits",
    "iris",
    "wine",
    "breast_cancer",
    "moons",
    "circles",
    "blobs",
    "xor",
    "spirals",
    "digits28",
)
SYNTHETIC = ("moons", "circles", "blobs", "xor", "spirals")
KNOBS = (
    "optimizer",
    "lr",
    "batch_size",
    "epochs",
    "weight_decay",
    "early_stopping",
    "restore_best",
    "patience",
    "min_val_rows",
    "val_fraction",
)
OLD = dict(  # the defaults before this sweep (commit 4cd6793)
    optimizer="adam",
    lr=2e-3,
    batch_size=64,
    epochs=60,
    weight_decay=1e-3,
    early_stopping="val_loss",
    restore_best=True,
    patience=15,
    min_val_rows=0,
    val_fraction=0.1,
)
BASE = dict(  # the centre of the search: each candidate below changes one or two knobs
    optimizer="adam",
    lr=1e-3,
    batch_size=64,
    epochs=100,
    weight_decay=1e-4,
    early_stopping="val_accuracy",
    restore_best=True,
    patience=20,
    min_val_rows=50,
    val_fraction=0.1,
)
CHANGES = {
    "base": {},
    "es val_loss": {"early_stopping": "val_loss"},
    "es val_loss, last": {"early_stopping": "val_loss", "restore_best": False},
    "es val_accuracy, last": {"restore_best": False},
    "es train_loss (no val)": {"early_stopping": "train_loss", "val_fraction": 0.0},
    "no es (no val)": {"early_stopping": None, "val_fraction": 0.0},
    "min_val_rows 0": {"min_val_rows": 0},
    "min_val_rows 200": {"min_val_rows": 200},
    "lr 2e-3": {"lr": 2e-3},
    "lr 5e-4": {"lr": 5e-4},
    "batch 32": {"batch_size": 32},
    "batch 128": {"batch_size": 128},
    "epochs 60": {"epochs": 60},
    "epochs 200": {"epochs": 200},
    "wd 0": {"weight_decay": 0.0},
    "wd 1e-3": {"weight_decay": 1e-3},
    "patience 10": {"patience": 10},
    "sgd momentum lr 1e-2": {"optimizer": "momentum", "lr": 1e-2},
}
# round 2: a grid over what round 1 showed to matter -- the learning rate, L2, the epochs and
# the early-stopping rule (validation loss, best epoch restored, with a validation split of at
# least 50 or 200 rows, else the training loss; or no validation split at all)
RULES = {
    "val_loss, >= 50 val rows": {"early_stopping": "val_loss", "min_val_rows": 50},
    "val_loss, >= 200 val rows": {"early_stopping": "val_loss", "min_val_rows": 200},
    "no val, train_loss": {"early_stopping": "train_loss", "val_fraction": 0.0},
}
GRID = {
    f"lr {lr:g}, wd {wd:g}, {epochs} epochs, {rule}": {
        **BASE,
        "lr": lr,
        "weight_decay": wd,
        "epochs": epochs,
        **RULES[rule],
    }
    for lr in (1e-3, 2e-3)
    for wd in (1e-3, 3e-3)
    for epochs in (100, 200)
    for rule in RULES
}
# round 3: round 2's best (lr 2e-3, L2 1e-3, 200 epochs, val_loss) with early stopping on
# validation splits of 30 rows or more: the synthetic sets (48 rows) and breast_cancer (46)
# stop on their validation loss, iris (12) and wine (15) fall back on the training loss
ROUND3 = {
    f"lr 0.002, wd 0.001, {epochs} epochs, val_loss, >= 30 val rows, patience {patience}": {
        **BASE,
        "lr": 2e-3,
        "weight_decay": 1e-3,
        "epochs": epochs,
        "early_stopping": "val_loss",
        "min_val_rows": 30,
        "patience": patience,
    }
    for epochs in (100, 200)
    for patience in (20, 40)
}
# round 4: the optimiser by the size of the set. ``defaults`` is ``auto``: full-batch L-BFGS
# where too few rows are left for a validation split (iris, wine), Adam elsewhere; the round-3
# candidate with patience 20 and 100 epochs is the same with Adam on every set
ROUND4 = {
    "lbfgs on every set": {
        **BASE,
        "optimizer": "lbfgs",
        "weight_decay": 1e-3,
        "early_stopping": "val_loss",
        "min_val_rows": 30,
    },
}
# round 5: the L2 penalty of L-BFGS. Round 4's defaults used Adam's 1e-3 for it too, and were
# one test row behind MLPClassifier() on wine; L-BFGS goes to the minimum of the penalised loss,
# where Adam stops early, so it is tried with more. The defaults' ``weight_decay="auto"`` takes
# the winner for L-BFGS and keeps 1e-3 for Adam (npmlp.core.defaults.WEIGHT_DECAY_AUTO)
ROUND5 = {
    "round 4 defaults (L2 1e-3 with L-BFGS too)": {
        **{k: TRAIN[k] for k in KNOBS},
        "weight_decay": 1e-3,
    },
    **{
        f"lbfgs on every set, L2 {wd:g}": {**ROUND4["lbfgs on every set"], "weight_decay": wd}
        for wd in (1e-2, 3e-2, 5e-2, 1e-1)
    },
}
MIN_TEST_ROWS = 600  # test rows per set over its seeds: the synthetic sets' 120 x 5
RESULTS = Path(__file__).resolve().parent / "results" / "defaults_sweep.json"


def candidates(quick: bool) -> dict[str, dict]:
    """Name -> the knobs' values: the table's defaults, the old ones, rounds 1 to 5."""
    out = {"defaults": {k: TRAIN[k] for k in KNOBS}, "old defaults": OLD}
    if not quick:
        out.update({name: {**BASE, **c} for name, c in CHANGES.items()})
        out.update(GRID)
        out.update(ROUND3)
        out.update(ROUND4)
        out.update(ROUND5)
    return out


def seeds_of(name: str, seeds: int) -> range:
    """Seeds ``0..n-1`` for a set: at least ``seeds``, and enough for :data:`MIN_TEST_ROWS` test
    rows in all, so that the 0.005 margin is three test rows on every set (on iris's 30 test
    rows, five seeds make one row 0.0067: the margin would be less than one row)."""
    per_seed = len(load_set(name, 0).y_test)
    return range(max(seeds, math.ceil(MIN_TEST_ROWS / per_seed)))


# ------------------------------------------------------------------------------------ data
def digits28(seed: int, copies: int = 6) -> Dataset:
    """Digits upscaled to 28 x 28, each drawn ``copies`` times (rotation, scale, shift, noise);
    the test split is made on the source digits, so no drawing leaks from test to train."""
    from scipy import ndimage
    from sklearn.datasets import load_digits

    d = load_digits()
    rng = np.random.default_rng(seed + 1000)
    big = np.stack([ndimage.zoom(im / 16.0, 3.5, order=1) for im in d.images])  # (n, 28, 28)
    big = np.clip(big, 0, 1)
    X = np.empty((len(big) * copies, 28 * 28), np.float32)
    y = np.repeat(d.target, copies)
    centre = np.array([13.5, 13.5])
    for i, im in enumerate(np.repeat(big, copies, axis=0)):
        a = np.deg2rad(rng.uniform(-12, 12))
        s = rng.uniform(0.85, 1.1)
        M = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) / s
        shift = rng.uniform(-2, 2, 2)
        offset = centre - M @ (centre + shift)
        out = ndimage.affine_transform(im, M, offset=offset, order=1)
        X[i] = np.clip(out + rng.normal(0, 0.1, out.shape), 0, 1).ravel()
    src = Dataset("digits", d.data, d.target)
    train_src, test_src = split_dataset(src, 0.2, seed)
    rows = np.arange(len(y)).reshape(-1, copies)
    tr, te = rows[train_src].ravel(), rows[test_src].ravel()
    return Dataset("digits28", X[tr], y[tr], X[te], y[te], image_shape=(28, 28), source="sweep")


def load_set(name: str, seed: int) -> Dataset:
    """The set for one seed, with its test rows given (the same for npmlp and scikit-learn)."""
    if name == "digits28":
        return digits28(seed)
    ds = load_dataset(f"{name}:seed={seed}" if name in SYNTHETIC else name)
    train, test = split_dataset(ds, TRAIN["test_fraction"], seed)
    return Dataset(
        ds.name, ds.X[train], ds.y[train], ds.X[test], ds.y[test], image_shape=ds.image_shape
    )


# ------------------------------------------------------------------------------------ runs
def run_npmlp(ds: Dataset, seed: int, knobs: dict) -> dict:
    config = TrainConfig(**knobs, seed=seed, threads=1)
    t0 = time.perf_counter()
    r = train_run(RunSettings(data=ds.name, seed=seed, config=config), dataset=ds)
    return {
        "accuracy": r.metrics["test_accuracy"],
        "epochs": r.metrics["epochs"],
        "best_epoch": r.metrics["best_epoch"],
        "seconds": time.perf_counter() - t0,
    }


def run_sklearn(ds: Dataset, seed: int) -> dict:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(StandardScaler(), MLPClassifier(random_state=seed))
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(ds.X, ds.y)
    return {
        "accuracy": float(pipe.score(ds.X_test, ds.y_test)),
        "epochs": int(pipe[-1].n_iter_),
        "best_epoch": None,
        "seconds": time.perf_counter() - t0,
    }


def key(name: str, seed: int, knobs: dict | None) -> str:
    what = "MLPClassifier()" if knobs is None else json.dumps(knobs, sort_keys=True)
    return f"{name}|{seed}|{what}"


@functools.lru_cache(maxsize=2)
def _loaded(name: str, seed: int) -> Dataset:
    return load_set(name, seed)


def _one(task):
    """Run one (set, seed, knobs) in this process, one BLAS thread; knobs None: MLPClassifier()."""
    name, seed, knobs = task
    ds = _loaded(name, seed)
    with threadpool_limits(1):
        r = run_sklearn(ds, seed) if knobs is None else run_npmlp(ds, seed, knobs)
    return task, r


def sweep(sets, seeds, cands, cache: dict, path: Path, log, jobs: int = 1) -> None:
    """Run every missing (set, seed, candidate), saving each result as it comes; ``jobs``
    processes of one BLAS thread each (tasks go out set by set and seed by seed, so that each
    process loads a set for a seed once)."""
    todo = [None] + list(cands.values())
    tasks = [
        (name, seed, knobs)
        for name in sets
        for seed in seeds[name]
        for knobs in todo
        if key(name, seed, knobs) not in cache
    ]
    with multiprocessing.get_context("fork").Pool(jobs) if jobs > 1 else nullcontext() as pool:
        results = pool.imap(_one, tasks) if pool is not None else map(_one, tasks)
        for (name, seed, knobs), r in results:
            cache[key(name, seed, knobs)] = r
            log(
                f"{name:<14} seed {seed} {r['accuracy']:.4f} {r['epochs']:>4} epochs "
                f"{r['seconds']:6.1f} s  {'MLPClassifier()' if knobs is None else knobs}"
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(cache, indent=0))
            tmp.replace(path)


# ---------------------------------------------------------------------------------- report
def table(sets, seeds, cands, cache) -> tuple[dict, dict]:
    """Mean test accuracy: ``acc[candidate][set]`` and the reference ``ref[set]``."""
    acc = {c: {n: mean_of(cache, n, seeds[n], k) for n in sets} for c, k in cands.items()}
    ref = {n: mean_of(cache, n, seeds[n], None) for n in sets}
    return acc, ref


def mean_of(cache, name, seeds, knobs) -> float:
    return float(np.mean([cache[key(name, s, knobs)]["accuracy"] for s in seeds]))


def epochs_of(cache, name, seeds, knobs) -> float:
    return float(np.mean([cache[key(name, s, knobs)]["epochs"] for s in seeds]))


def _diff(x: float, rows: int) -> str:
    """``+0.0067 (+12)``: a difference of mean accuracy and of test rows over all seeds."""
    k = round(x * rows)
    return f"{k / rows:+.4f} ({k:+d})"  # from the whole rows: no -0.0000


def report(sets, seeds, cands, cache, margin: float = 0.005) -> str:
    acc, ref = table(sets, seeds, cands, cache)
    best = {n: max(acc[c][n] for c in cands) for n in sets}
    rows = {n: len(load_set(n, 0).y_test) * len(seeds[n]) for n in sets}  # all seeds' test rows
    lines = [
        "mean test accuracy over each set's seeds (0 to n-1: n in the test rows column); MLPClassifier() = scikit-learn's defaults "
        "after a StandardScaler; best = the best candidate on that set; in brackets, the "
        "difference in test rows over all seeds",
        "",
        "| set | test rows | MLPClassifier() | defaults | old defaults | best candidate | "
        "defaults - MLPClassifier() | defaults - best |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in sets:
        winner = max(cands, key=lambda c: acc[c][n])
        d = acc["defaults"][n]
        ok_ref = "" if d >= ref[n] else " **below**"
        ok_best = "" if d >= best[n] - margin - 1e-9 else " **over 0.005**"
        lines.append(
            f"| {n} | {rows[n] // len(seeds[n])} x {len(seeds[n])} | {ref[n]:.4f} | {d:.4f} | "
            f"{acc['old defaults'][n]:.4f} | {best[n]:.4f} ({winner}) | "
            f"{_diff(d - ref[n], rows[n])}{ok_ref} | {_diff(d - best[n], rows[n])}{ok_best} |"
        )
    lines += [
        "",
        "epochs run (mean): "
        + ", ".join(
            f"{n} {epochs_of(cache, n, seeds[n], cands['defaults']):.0f} "
            f"(MLPClassifier() {epochs_of(cache, n, seeds[n], None):.0f})"
            for n in sets
        ),
    ]
    lines += [
        "",
        "ranking: sets where a candidate is below MLPClassifier() / more than 0.005 "
        "below the best, then its mean accuracy over the sets",
        "",
    ]
    lines += [
        "| candidate | below MLPClassifier() | over 0.005 below best | worst vs "
        "MLPClassifier() | mean accuracy | settings |",
        "|---|---|---|---|---|---|",
    ]
    rank = []
    for c in cands:
        below = [n for n in sets if acc[c][n] < ref[n]]
        far = [n for n in sets if acc[c][n] < best[n] - margin - 1e-9]  # 3/600 is 0.005
        worst = min(acc[c][n] - ref[n] for n in sets)
        rank.append((len(below) + len(far), -np.mean(list(acc[c].values())), c, below, far, worst))
    for _, neg_mean, c, below, far, worst in sorted(rank):
        lines.append(
            f"| {c} | {', '.join(below) or '-'} | {', '.join(far) or '-'} | {worst:+.4f} | "
            f"{-neg_mean:.4f} | {json.dumps(cands[c])} |"
        )
    lines += ["", "every candidate on every set (mean test accuracy):", ""]
    lines.append("| candidate | " + " | ".join(sets) + " |")
    lines.append("|---|" + "---|" * len(sets))
    lines.append("| MLPClassifier() | " + " | ".join(f"{ref[n]:.4f}" for n in sets) + " |")
    for c in cands:
        lines.append(f"| {c} | " + " | ".join(f"{acc[c][n]:.4f}" for n in sets) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the defaults and the old ones")
    ap.add_argument(
        "--seeds",
        type=int,
        default=5,
        help=f"at least seeds 0..n-1 (and {MIN_TEST_ROWS} test rows)",
    )
    ap.add_argument("--jobs", type=int, default=1, help="processes (one BLAS thread each)")
    ap.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    ap.add_argument("--cache", type=Path, default=RESULTS, help="results file (JSON)")
    ap.add_argument(
        "--resume", action="store_true", help="keep the results already in --cache (same code!)"
    )
    args = ap.parse_args(argv)
    seeds = {n: seeds_of(n, args.seeds) for n in args.sets}
    cands = candidates(args.quick)
    cache = json.loads(args.cache.read_text()) if args.resume and args.cache.exists() else {}
    t0 = time.perf_counter()
    log = lambda s: print(s, file=sys.stderr)  # noqa: E731
    sweep(args.sets, seeds, cands, cache, args.cache, log, args.jobs)
    print(report(args.sets, seeds, cands, cache))
    print(f"\n{time.perf_counter() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
