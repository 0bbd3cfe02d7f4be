"""npmlp's speed against the BLAS limit, a minimal NumPy loop, scikit-learn and PyTorch.

The main setting (the training loop): N=20,000 random rows, D=784, two hidden layers of H
(128, 512, 1024, 2048), C=10, batch 256, plain SGD, float32. Every contender trains one epoch
in turn, in an order rotated each round, and keeps the median of its rounds:

- ``floor``: the GEMM floor, exactly the eight matrix products of one step at the real shapes
  (3 forward, 3 ``dW``, 2 ``dX``: the first layer's is not needed), back to back, once per
  batch, at the default threads;
- ``minimal``: the least a NumPy loop does: those products, a random-row gather into a
  preallocated buffer, two in-place ReLUs and ``W -= lr * dW`` per layer (no bias, no loss);
- ``npmlp`` (``npmlp.fit``), ``estimator`` (``NpMLPClassifier(..., solver="sgd",
  momentum=0, dtype="float32").partial_fit``), scikit-learn's ``MLPClassifier`` in float32 and
  PyTorch eager on the CPU when it is installed (with its own floor through ``torch.matmul``).

Then a per-operation profile of npmlp's step (each call timed in its place, fastest of many
steps: robust on a busy machine), the digits set at ``npmlp train``'s defaults (tiny matrices:
overhead-bound), inference on 60,000 rows against its own GEMM floor, and the peak memory of
training and inference, each in a fresh subprocess. ``--grid`` adds the older sweep (H 64-2048
x batch 32/256/1024, and full batch, with the straightforward baseline and scikit-learn
float64). Writes ``results/bench.json`` and ``results/bench.png``.

Run ``make bench`` (``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE make bench`` for NumPy's own
core detection), ``make bench-quick`` or ``python benchmarks/bench.py --quick`` (H 128 and 512).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baseline  # noqa: E402

from npmlp import MLP, TrainConfig, fit  # noqa: E402
from npmlp.core.architecture import Architecture, fc_indices, n_parameters  # noqa: E402
from npmlp.core.atomic import atomic_write  # noqa: E402
from npmlp.core.threads import training_threads  # noqa: E402
from npmlp.nn.inference import CHUNK, plan  # noqa: E402

D, L, C = 784, 5, 10
HS = (64, 128, 512, 1024, 2048)
BATCHES = (32, 256, 1024)
LR = 0.01
# Seconds of rest before each timed epoch. After a parallel region, OpenBLAS's and OpenMP's
# worker threads keep spinning on the cores for up to ~0.1 s (scikit-learn brings SciPy's own
# OpenBLAS, PyTorch its OpenMP pool): without a rest, whoever runs next shares the cores.
SETTLE = 0.3
N_INFER = 60_000
RESULTS = Path(__file__).resolve().parent / "results"


# ----------------------------------------------------------------------------- helpers
def median_time(fn, reps: int) -> float:
    """Median wall time of ``reps`` calls of ``fn`` (after one warm-up call)."""
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def random_data(N: int, H: int = 0, seed: int = 0, dtype=np.float32):
    """Rows X : (N, D) and labels y : (N,) drawn once, float32 (cast for float64 peers)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D), dtype=np.float32).astype(dtype, copy=False)
    return X, rng.integers(0, C, N)


def step_flops(H, B: int, training: bool = True) -> float:
    """Flops of one step on B rows: ``B (6P - 2DH)`` for training, ``2 B P`` for inference."""
    sizes = Architecture.of(D, H, L, C).sizes
    macs = sum(sizes[i - 1] * sizes[i] for i in fc_indices(L))
    return B * (6 * macs - 2 * D * sizes[1]) if training else 2 * B * macs


def gemm_step(H, B: int, dtype=np.float32, training: bool = True, use_torch: bool = False):
    """A function doing exactly the matrix products of one step on B rows, nothing else.

    ``use_torch``: the same products with ``torch.matmul`` (PyTorch's own BLAS, MKL in its
    CPU wheels), the floor PyTorch's loop can be held to.
    """
    rng = np.random.default_rng(1)
    sizes = Architecture.of(D, H, L, C).sizes
    fcs = fc_indices(L)

    def rand(*shape):
        return (rng.standard_normal(shape) * 0.1).astype(dtype)

    W = {i: rand(sizes[i - 1], sizes[i]) for i in fcs}
    x_in = {i: rand(B, sizes[i - 1]) for i in fcs}  # inputs of each FC layer
    z = {i: np.empty((B, sizes[i]), dtype) for i in fcs}  # forward outputs
    dz = {i: rand(B, sizes[i]) for i in fcs}  # upstream gradients
    dW = {i: np.empty_like(W[i]) for i in fcs}
    dx = {i: np.empty((B, sizes[i - 1]), dtype) for i in fcs if i > 1}
    matmul = np.matmul
    if use_torch:
        import torch

        W, x_in, z, dz, dW, dx = (
            {i: torch.from_numpy(a) for i, a in d.items()} for d in (W, x_in, z, dz, dW, dx)
        )
        matmul = torch.matmul

    def run():
        for i in fcs:
            matmul(x_in[i], W[i], out=z[i])  # X W
        if not training:
            return
        for i in reversed(fcs):
            matmul(x_in[i].T, dz[i], out=dW[i])  # X^T dZ
            if i > 1:
                matmul(dz[i], W[i].T, out=dx[i])  # dZ W^T

    return run


def peak_rates(reps: int) -> dict:
    """GFLOP/s of the largest products the network uses (B=1024, H=2048), float32 and float64."""
    out = {}
    for dtype in (np.float32, np.float64):
        rng = np.random.default_rng(0)
        best = 0.0
        for m, k, n in ((1024, D, 2048), (1024, 2048, 2048)):
            A = rng.standard_normal((m, k)).astype(dtype)
            Bm = rng.standard_normal((k, n)).astype(dtype)
            Cm = np.empty((m, n), dtype)
            t = median_time(lambda A=A, Bm=Bm, Cm=Cm: np.matmul(A, Bm, out=Cm), reps)
            best = max(best, 2 * m * k * n / t / 1e9)
        out[np.dtype(dtype).name] = best
    return out


# ----------------------------------------------------------------------------- epochs
# Each ``*_runner`` prepares a model and returns a function that trains one more epoch and
# returns its seconds, so that the contenders can take turns epoch by epoch (a burst of load
# from elsewhere then hits them all alike) and each keeps the median of its epochs.
def timed(fn):
    def run() -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    return run


def floor_runner(
    H, B: int, n_steps: int, threads: int | None, training: bool = True, use_torch: bool = False
):
    """The GEMM-only floor: ``n_steps`` steps of matrix products alone, at ``threads``.

    ``use_torch``: PyTorch's own floor, the same products through ``torch.matmul`` (its own
    thread pool, which the BLAS limit does not touch).
    """
    step = gemm_step(H, B, training=training, use_torch=use_torch)

    def run() -> float:
        with threadpool_limits(threads, user_api="blas"):
            t0 = time.perf_counter()
            for _ in range(n_steps):
                step()
            return time.perf_counter() - t0

    return run


def epoch_floor_runner(H, B: int, N: int, use_torch: bool = False):
    """The floor of one epoch of N rows: the eight products of a step at the real shapes, once
    per batch (``N // B`` full ones and the last, smaller one), back to back, default threads.

    ``use_torch``: the same products through ``torch.matmul`` (PyTorch's own floor)."""
    full = gemm_step(H, B, use_torch=use_torch)
    rest = gemm_step(H, N % B, use_torch=use_torch) if N % B else (lambda: None)

    def run() -> float:
        t0 = time.perf_counter()
        for _ in range(N // B):
            full()
        rest()
        return time.perf_counter() - t0

    return run


def minimal_runner(X, H, B: int, lr: float = 1e-7):
    """The least a NumPy training loop does: the eight products, a random-row gather into a
    preallocated batch buffer, two in-place ReLUs and a plain ``W -= lr * dW`` per layer; no
    bias, no softmax, no loss (``dl/ds`` is taken as ``s`` itself; ``lr`` small enough that
    the weights stay finite). The ReLUs run against a zero row, as npmlp's do (NumPy's fast
    path), so that the loop is as cheap as it can be."""
    N = X.shape[0]
    rng = np.random.default_rng(0)
    sizes = (D, H, H, C)
    W = [
        (rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(np.float32)
        for a, b in zip(sizes[:-1], sizes[1:], strict=True)
    ]
    dW = [np.empty_like(w) for w in W]
    x = {n: [np.empty((n, s), np.float32) for s in sizes] for n in {B, N % B} - {0}}
    dx = {n: [np.empty((n, H), np.float32) for _ in range(3)] for n in x}
    zero = np.zeros(H, np.float32)
    order = np.arange(N)

    def epoch():
        rng.shuffle(order)
        for start in range(0, N, B):
            rows = order[start : start + B]
            xs, dxs = x[rows.shape[0]], dx[rows.shape[0]]
            np.take(X, rows, axis=0, out=xs[0], mode="clip")
            for i in range(3):
                np.matmul(xs[i], W[i], out=xs[i + 1])
                if i < 2:
                    np.maximum(xs[i + 1], zero, out=xs[i + 1])
            d = xs[3]
            for i in (2, 1, 0):
                np.matmul(xs[i].T, d, out=dW[i])
                if i:
                    d = np.matmul(d, W[i].T, out=dxs[i])
            for w, g in zip(W, dW, strict=True):
                w -= lr * g

    return timed(epoch)


def estimator_runner(X, y, H, B: int):
    """``NpMLPClassifier(hidden_layer_sizes=(H, H), solver="sgd", momentum=0, float32)``, one
    ``partial_fit`` (one epoch, with its input checks) per call."""
    from npmlp import NpMLPClassifier

    clf = NpMLPClassifier(
        (H, H),
        solver="sgd",
        momentum=0.0,
        batch_size=B,
        learning_rate_init=LR,
        alpha=0.0,
        dtype="float32",
        random_state=0,
    )
    classes = np.arange(C)
    return timed(lambda: clf.partial_fit(X, y, classes=classes))


def npmlp_runner(X, y, H, B, optimizer="sgd", lr=LR, weight_decay=0.0, L_=L):
    """``npmlp.fit`` one epoch at a time, continuing the same optimiser (its own timing)."""
    from npmlp.train.optim import make_optimizer

    net = MLP(X.shape[1], H, L_, C, seed=0)
    opt = make_optimizer(optimizer, net.params)
    config = TrainConfig(  # the loop alone: no validation rows, no early stopping
        epochs=1,
        batch_size=B,
        lr=lr,
        optimizer=optimizer,
        weight_decay=weight_decay,
        seed=0,
        val_fraction=0.0,
        early_stopping=None,
    )
    return lambda: fit(net, X, y, config, optimizer=opt).records[-1]["seconds"]


def baseline_runner(X, y, H, B):
    params = baseline.init_params(D, H, L, C, seed=0)
    rng, order = np.random.default_rng(0), np.arange(X.shape[0])
    return timed(lambda: baseline.train_epoch(params, X, y, B, LR, rng, order))


def sklearn_runner(X, y, H, B, dtype, solver="sgd", lr=LR, alpha=0.0, n_hidden=2):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        (H,) * n_hidden,
        solver=solver,
        learning_rate_init=lr,
        momentum=0.0,
        nesterovs_momentum=False,
        batch_size=B,
        alpha=alpha,
        shuffle=True,
        random_state=0,
    )
    Xd, classes = X.astype(dtype), np.arange(C)

    def epoch():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.partial_fit(Xd, y, classes=classes)

    return timed(epoch)


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def torch_runner(X, y, H, B, optimizer="sgd", lr=LR, weight_decay=0.0, n_hidden=2):
    import torch

    torch.manual_seed(0)
    layers, d = [], X.shape[1]
    for _ in range(n_hidden):
        layers += [torch.nn.Linear(d, H), torch.nn.ReLU()]
        d = H
    model = torch.nn.Sequential(*layers, torch.nn.Linear(d, C))
    params = model.parameters()
    opt = (
        torch.optim.SGD(params, lr=lr)
        if optimizer == "sgd"
        else torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    )
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    N = X.shape[0]

    def epoch():
        perm = torch.randperm(N)
        for s in range(0, N, B):
            idx = perm[s : s + B]
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()

    return timed(epoch)


def race(runners: dict, reps: int) -> dict:
    """One warm-up epoch each, then ``reps`` rounds in turn; the median seconds of each.

    Each round starts one contender further along, so that no contender always runs right
    after the same other one (whatever it leaves behind, in caches or threads, is shared out).
    """
    for run in runners.values():
        run()
    names = list(runners)
    times = {name: [] for name in names}
    for r in range(reps):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            time.sleep(SETTLE)  # the previous contender's idle threads stop spinning
            times[name].append(runners[name]())
    out = {name: float(np.median(t)) for name, t in times.items()}
    out.update({f"{name}_min": float(np.min(t)) for name, t in times.items()})
    return out


# ----------------------------------------------------------------------------- sections
def choose_N(H, B, target_s: float, peak: float) -> int:
    """Rows per epoch so that the GEMM floor of one epoch is about ``target_s`` seconds."""
    N = target_s * peak * 1e9 / step_flops(H, 1)
    return int(np.clip(round(N / B), 8, max(8, 30_000 // B)) * B)


def bench_config(H, B, N, reps, peak32, with_torch) -> dict:
    X, y = random_data(N)
    row = {
        "H": H,
        "batch": B if B < N else "full",
        "N": N,
        "n_parameters": n_parameters(D, H, L, C),
    }
    runners = {
        "floor_1thread": floor_runner(H, B, N // B, 1),
        "floor_default": floor_runner(H, B, N // B, None),
        "npmlp": npmlp_runner(X, y, H, B),
        "baseline": baseline_runner(X, y, H, B),
    }
    if B < N:  # scikit-learn and PyTorch: minibatch SGD only
        runners["sklearn_float32"] = sklearn_runner(X, y, H, B, np.float32)
        runners["sklearn_float64"] = sklearn_runner(X, y, H, B, np.float64)
        if with_torch:
            runners["torch"] = torch_runner(X, y, H, B)
            runners["torch_floor"] = floor_runner(H, B, N // B, None, use_torch=True)
    row.update(race(runners, reps))
    # the floor under npmlp's own thread setting (npmlp.core.threads); the best of both for reference
    one = training_threads(Architecture.of(D, H, L, C), B) == 1
    row["threads"] = 1 if one else "default"
    row["floor"] = row["floor_1thread"] if one else row["floor_default"]
    row["floor_best"] = min(row["floor_1thread"], row["floor_default"])
    row["roofline"] = N * step_flops(H, 1) / (peak32 * 1e9)
    return row


def bench_loop(H, N: int, B: int, reps: int, with_torch: bool) -> dict:
    """The training loop against its floor: one epoch of N random rows, batch B, plain SGD,
    float32, every contender in turn (``race``): the GEMM floor, the minimal loop, npmlp through
    ``npmlp.fit`` and through ``NpMLPClassifier``, scikit-learn float32 and PyTorch eager."""
    X, y = random_data(N)
    runners = {
        "floor": epoch_floor_runner(H, B, N),
        "minimal": minimal_runner(X, H, B),
        "npmlp": npmlp_runner(X, y, H, B),
        "estimator": estimator_runner(X, y, H, B),
        "sklearn_float32": sklearn_runner(X, y, H, B, np.float32),
    }
    if with_torch:
        runners["torch"] = torch_runner(X, y, H, B)
        runners["torch_floor"] = epoch_floor_runner(H, B, N, use_torch=True)
    return {"H": H, "batch": B, "N": N, **race(runners, reps)}


# The categories of a step's operations in the profile, in the order they are printed.
CATEGORIES = ("products", "gather", "bias", "activation", "loss", "activation'", "update")


def step_ops(net, ws, opt, X, y, rng) -> list:
    """npmlp's training step (``training.fit``'s batch: ``gather_batch``, ``MLP.forward_backward``,
    ``SGD.step``) as ``(name, category, call)`` triples, one per call it makes into NumPy,
    ``layers``, ``loss`` or the optimiser, in its order, so that each can be timed in its place.
    ReLU network, no dropout, no weight decay. Running them all leaves in ``ws.grads`` what
    ``forward_backward`` leaves (``tests/test_speed.py`` checks it)."""
    from npmlp.nn.layers import relu_backward, relu_forward
    from npmlp.nn.loss import softmax_cross_entropy
    from npmlp.train.loop import gather_batch

    N, B, L_ = X.shape[0], ws.N, net.L
    order, st = np.arange(N), {"at": N}
    p, g, x = net.params, ws.grads, ws.x

    def gather():
        if st["at"] + B > N:
            rng.shuffle(order)
            st["at"] = 0
        gather_batch(net, X, y, order[st["at"] : st["at"] + B], ws)
        st["at"] += B

    def loss():
        k = x[L_].argmax(axis=1)
        st["correct"] = int(np.count_nonzero(k == ws.y))
        st["d"] = softmax_cross_entropy(x[L_], ws.y, out=x[L_], argmax=k)[1]

    def dx(i):  # eq. 23, kept apart until dW and db have read dl/dx^(i)
        st["dX"] = np.matmul(st["d"], p[f"W{i}"].T, out=ws.dx[i])

    def relu_back(i):
        st["d"] = relu_backward(st["dX"], x[i - 1], st["dX"], ws.scratch[i])

    ops = [("gather", "gather", gather)]
    for i in fc_indices(L_):
        ops.append((f"x W{i}", "products", lambda i=i: np.matmul(x[i - 1], p[f"W{i}"], out=x[i])))
        ops.append((f"+ b{i}", "bias", lambda i=i: np.add(x[i], p[f"b{i}"], out=x[i])))
        if i < L_:
            ops.append((f"ReLU{i + 1}", "activation", lambda i=i: relu_forward(x[i], out=x[i])))
    ops.append(("softmax CE + accuracy", "loss", loss))
    for i in reversed(fc_indices(L_)):
        if i > 1:
            ops.append((f"dx{i - 1}", "products", lambda i=i: dx(i)))
        ops.append(
            (f"dW{i}", "products", lambda i=i: np.matmul(x[i - 1].T, st["d"], out=g[f"W{i}"]))
        )
        ops.append((f"db{i}", "bias", lambda i=i: np.matmul(ws.ones, st["d"], out=g[f"b{i}"])))
        if i > 1:
            ops.append((f"ReLU{i - 1}'", "activation'", lambda i=i: relu_back(i)))
    ops.append(("SGD step", "update", lambda: opt.step(g, LR)))
    return ops


def bench_ops(H, B: int, steps: int, N: int = 20_000) -> dict:
    """Where a step's time goes, robustly on a busy machine: each operation of npmlp's step
    (``step_ops``) timed in its place, over ``steps`` steps; each keeps its fastest time (a
    burst of load elsewhere spoils a few steps, not the fastest). Beside them, the fastest
    whole step as ``fit`` runs it and the fastest GEMM-floor step, timed in between."""
    from npmlp.nn.model import Workspace
    from npmlp.train.loop import gather_batch
    from npmlp.train.optim import make_optimizer

    X, y = random_data(N)
    net = MLP(D, H, L, C, seed=0)
    ws, opt = Workspace(net, B), make_optimizer("sgd", net.params)
    ops = step_ops(net, ws, opt, X, y, np.random.default_rng(0))
    floor = gemm_step(H, B)
    order = np.random.default_rng(1).permutation(N)
    pc = time.perf_counter
    T = np.empty((steps, len(ops)))
    whole, floor_t = np.empty(steps), np.empty(steps)
    for s in range(steps):
        for j, (_, _, call) in enumerate(ops):
            t0 = pc()
            call()
            T[s, j] = pc() - t0
        rows = order[(s * B) % (N - B) :][:B]  # random rows, as fit draws them
        t0 = pc()
        gather_batch(net, X, y, rows, ws)
        net.forward_backward(ws)
        opt.step(ws.grads, LR)
        t1 = pc()
        floor()
        whole[s], floor_t[s] = t1 - t0, pc() - t1
    us = T[steps // 10 :].min(axis=0) * 1e6
    by_cat = {
        c: float(sum(u for u, (_, k, _) in zip(us, ops, strict=True) if k == c)) for c in CATEGORIES
    }
    return {
        "H": H,
        "batch": B,
        "ops_us": {name: float(u) for u, (name, _, _) in zip(us, ops, strict=True)},
        "categories_us": by_cat,
        "sum_us": float(us.sum()),
        "step_us": float(whole[steps // 10 :].min() * 1e6),
        "floor_us": float(floor_t[steps // 10 :].min() * 1e6),
    }


def print_ops(profile: list) -> None:
    print("\nwhere a step's time goes (each operation's fastest time in its place, microseconds):")
    for p in profile:
        c = p["categories_us"]
        f = c["products"]
        parts = ", ".join(f"{k} {c[k]:.0f}" for k in CATEGORIES)
        print(
            f"  H={p['H']} batch {p['batch']}: {parts}; sum {p['sum_us']:.0f} = "
            f"{p['sum_us'] / f:.2f}x its products; the whole step {p['step_us']:.0f}, "
            f"GEMM floor {p['floor_us']:.0f} (step / floor {p['step_us'] / p['floor_us']:.2f})"
        )
        print("    " + ", ".join(f"{k} {v:.0f}" for k, v in p["ops_us"].items()))


def bench_digits(reps, with_torch) -> dict:
    """``npmlp train``'s defaults on digits (L=3, H=256, batch 64, Adam, weight decay 1e-3),
    training epochs only, on the 1,293 rows its default splits train on."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = ((X - X.mean(0)) / (X.std(0) + 1e-8)).astype(np.float32)[:1293]
    y = y[:1293]
    peer = dict(solver="adam", lr=2e-3, alpha=1e-3, n_hidden=1)
    runners = {
        "npmlp": npmlp_runner(X, y, 256, 64, "adam", 2e-3, 1e-3, L_=3),
        "sklearn_float32": sklearn_runner(X, y, 256, 64, np.float32, **peer),
        "sklearn_float64": sklearn_runner(X, y, 256, 64, np.float64, **peer),
    }
    if with_torch:
        runners["torch"] = torch_runner(X, y, 256, 64, "adam", 2e-3, 1e-3, n_hidden=1)
    return {"H": 256, "batch": 64, "N": X.shape[0], "data": "digits", **race(runners, 5 * reps)}


def bench_inference(H, reps, N: int = N_INFER) -> dict:
    """``predict_proba`` on N rows (its workers, and as one worker) against its GEMM floor: the
    three products of each chunk of CHUNK rows, at one thread and at the library's default."""
    X, _ = random_data(N, seed=2)
    net = MLP(D, H, L, C, seed=0)
    n_full, rest = divmod(N, CHUNK)
    full = gemm_step(H, CHUNK, training=False)
    part = gemm_step(H, rest, training=False) if rest else (lambda: None)

    def gemms(threads):
        def run():
            with threadpool_limits(threads, user_api="blas"):
                t0 = time.perf_counter()
                for _ in range(n_full):
                    full()
                part()
                return time.perf_counter() - t0

        return run

    def one_worker():  # called from another thread, prediction runs as one worker
        # (npmlp.nn.inference.plan): the chunks one after the other, each product on every thread
        out = {}
        thread = threading.Thread(target=lambda: out.setdefault("P", net.predict_proba(X)))
        thread.start()
        thread.join()
        return out["P"]

    t = race(
        {
            "floor_1thread": gemms(1),
            "floor_default": gemms(None),
            "predict_proba": timed(lambda: net.predict_proba(X)),
            "one_worker": timed(one_worker),
        },
        reps,
    )
    return {
        "H": H,
        "N": N,
        "chunk": CHUNK,
        "workers": plan(net, X)[0],
        "predict_proba": t["predict_proba"],
        "one_worker": t["one_worker"],
        "fastest_ratio": t["predict_proba_min"] / t["floor_default_min"],
        "one_worker_fastest_ratio": t["one_worker_min"] / t["floor_default_min"],
        "floor": t["floor_default"],
        "floor_best": min(t["floor_1thread"], t["floor_default"]),
        "rows_per_s": N / t["predict_proba"],
    }


def rss_mb(field: str = "VmRSS") -> float:
    """Current (``VmRSS``) or peak (``VmHWM``) resident set size of this process (Linux), MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(kind: str, H: int, B: int, N: int) -> None:
    """Run in a fresh process: print JSON with the RSS before and the peak RSS after."""
    X, y = random_data(N, seed=3)
    net = MLP(D, H, L, C, seed=0)
    try:  # reset the peak to the current size, so the peak is this step's alone
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    before = rss_mb()
    if kind == "train":
        bare = dict(val_fraction=0.0, early_stopping=None, weight_decay=0.0)
        fit(net, X, y, TrainConfig(epochs=1, batch_size=B, lr=LR, optimizer="sgd", seed=0, **bare))
    else:
        net.predict_proba(X)
    peak = rss_mb("VmHWM")
    print(
        json.dumps(
            {
                "kind": kind,
                "H": H,
                "batch": B,
                "N": N,
                "rss_before_mb": before,
                "peak_mb": peak,
                "data_mb": X.nbytes / 2**20,
            }
        )
    )


def bench_memory(H: int, B: int) -> list:
    out = []
    for kind in ("train", "infer"):
        res = subprocess.run(
            [sys.executable, __file__, "--child", kind, str(H), str(B), str(N_INFER)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(res.stdout.strip().splitlines()[-1])
        P = n_parameters(D, H, L, C) * 4 / 2**20
        sizes = Architecture.of(D, H, L, C).sizes
        if kind == "train":  # params, grads, SGD scratch; batch in, x^(i), dx, masks
            acts = B * (D + sum(sizes[1::2]) + 1.25 * sum(sizes[1:-2:2])) * 4 / 2**20
            row["expected_extra_mb"] = 3 * P + acts
        else:  # output + one chunk's workspace
            row["expected_extra_mb"] = (N_INFER * C + CHUNK * (D + sum(sizes[1::2]))) * 4 / 2**20
        row["extra_mb"] = row["peak_mb"] - row["rss_before_mb"]
        out.append(row)
    return out


# ----------------------------------------------------------------------------- output
PEERS = ("npmlp", "baseline", "sklearn_float32", "sklearn_float64", "torch")


def print_table(rows: list, title: str) -> None:
    """One line per (H, batch): npmlp's epoch, then everyone's time as a multiple of the floor."""
    print(f"\n{title}")
    print(
        f"{'H':>5} {'batch':>5} {'N':>6} {'thr':>3} {'floor s':>8} | {'npmlp s':>8} "
        f"{'rows/s':>9} {'x floor':>7} {'x roof':>6} | x floor: {'base':>5} {'skl32':>5} "
        f"{'skl64':>5} {'torch':>5} | npmlp faster: {'skl32':>5} {'torch':>5} | "
        f"torch x own floor, its floor / npmlp's"
    )

    def cell(r, key, ref="floor"):
        return f"{r[key] / r[ref]:5.2f}" if key in r else f"{'-':>5}"

    for r in rows:
        thr = "1" if r["threads"] == 1 else "all"
        faster = [
            f"{r[p] / r['npmlp']:5.2f}" if p in r else f"{'-':>5}"
            for p in ("sklearn_float32", "torch")
        ]
        print(
            f"{r['H']:>5} {r['batch']!s:>5} {r['N']:>6} {thr:>3} {r['floor']:8.4f} | "
            f"{r['npmlp']:8.4f} {r['N'] / r['npmlp']:9,.0f} {r['npmlp'] / r['floor']:7.2f} "
            f"{r['npmlp'] / r['roofline']:6.2f} | {'':9}{cell(r, 'baseline')} "
            f"{cell(r, 'sklearn_float32')} {cell(r, 'sklearn_float64')} {cell(r, 'torch')} | "
            f"{'':14}{faster[0]} {faster[1]} | {cell(r, 'torch', 'torch_floor')}, "
            f"{cell(r, 'torch_floor')}"
        )


def plot(rows: list, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    batches = sorted({r["batch"] for r in rows}, key=lambda b: (isinstance(b, str), b))
    fig, axes = plt.subplots(1, len(batches), figsize=(4.2 * len(batches), 4), sharey=True)
    for ax, B in zip(np.atleast_1d(axes), batches, strict=True):
        sub = sorted((r for r in rows if r["batch"] == B), key=lambda r: r["H"])
        Hs = [r["H"] for r in sub]
        for key, style in (
            ("roofline", "k:"),
            ("floor", "k--"),
            ("npmlp", "o-"),
            ("baseline", "s-"),
            ("sklearn_float32", "^-"),
            ("sklearn_float64", "v-"),
            ("torch", "d-"),
        ):
            if all(key in r for r in sub):
                ax.loglog(Hs, [r[key] / r["N"] * 1e6 for r in sub], style, label=key)
        ax.set_title(f"batch {B}")
        ax.set_xticks(Hs, [str(h) for h in Hs])
        ax.minorticks_off()
        ax.set_xlabel("hidden width H (D=784, L=5, C=10)")
        ax.grid(True, which="both", alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("microseconds per training row (one epoch)")
    np.atleast_1d(axes)[0].legend(fontsize=8)
    fig.tight_layout()
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format="png", dpi=110)
    plt.close(fig)


LOOP_HS = (128, 512, 1024, 2048)
LOOP_N, LOOP_B = 20_000, 256
# the issue's targets for npmlp / floor at batch 256 (H=128, else H >= 512)
TARGET = {128: 1.30}
TARGET_LARGE = 1.12


def print_loop(rows: list) -> None:
    print(
        f"\nthe training loop, N={LOOP_N:,} random rows, D={D}, two hidden layers of H, C={C}, "
        f"batch {LOOP_B}, SGD, float32 (median seconds per epoch; x the GEMM floor):"
    )
    print(
        f"{'H':>5} {'floor s':>8} | {'minimal':>7} {'npmlp':>6} {'estim.':>6} {'skl32':>6} "
        f"{'torch':>6} | {'target':>6} | npmlp faster: {'skl32':>5} {'torch':>5} | "
        "torch x its own floor"
    )
    for r in rows:
        f = r["floor"]

        def x(k, r=r, f=f):
            return f"{r[k] / f:6.2f}" if k in r else f"{'-':>6}"

        faster = [
            f"{r[k] / r['npmlp']:5.2f}" if k in r else f"{'-':>5}"
            for k in ("sklearn_float32", "torch")
        ]
        own = f"{r['torch'] / r['torch_floor']:.2f}" if "torch" in r else "-"
        fastest = ", ".join(
            f"{k} {r[k + '_min'] / r['floor_min']:.2f}"
            for k in ("minimal", "npmlp", "estimator", "sklearn_float32", "torch")
            if k in r
        )
        print(
            f"{r['H']:>5} {f:8.4f} | {x('minimal'):>7} {x('npmlp')} {x('estimator')} "
            f"{x('sklearn_float32')} {x('torch')} | {TARGET.get(r['H'], TARGET_LARGE):6.2f} | "
            f"{'':14}{faster[0]} {faster[1]} | {own}"
        )
        print(f"{'':6}fastest epoch of each / fastest floor epoch: {fastest}")


def plot_loop(rows: list, path: Path) -> None:
    """Every contender's epoch as a multiple of the GEMM floor, against H: the medians of the
    rounds (left) and the fastest rounds (right: the quiet machine, when load is about)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    Hs = [r["H"] for r in rows]
    for ax, suffix, title in zip(
        axes, ("", "_min"), ("median of the rounds", "fastest round"), strict=True
    ):
        for key, style in (
            ("minimal", "k:"),
            ("npmlp", "o-"),
            ("estimator", "x--"),
            ("sklearn_float32", "^-"),
            ("torch", "d-"),
        ):
            if all(key in r for r in rows):
                ratios = [r[key + suffix] / r["floor" + suffix] for r in rows]
                ax.semilogx(Hs, ratios, style, label=key)
        ax.axhline(1.0, color="k", lw=0.8)
        targets = [TARGET.get(h, TARGET_LARGE) for h in Hs]
        ax.plot(Hs, targets, "r_", ms=14, mew=2, label="target")
        ax.set_title(f"seconds per epoch / GEMM floor: {title}", fontsize=10)
        ax.set_xticks(Hs, [str(h) for h in Hs])
        ax.minorticks_off()
        ax.set_xlabel(f"hidden width H (D={D}, two hidden layers, C={C}, batch {LOOP_B})")
        ax.grid(True, alpha=0.3)
    axes[0].set_ylim(bottom=0.9)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format="png", dpi=110)
    plt.close(fig)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="H in 128, 512 only; fewer rounds (about 2 minutes)"
    )
    ap.add_argument("--reps", type=int, default=3, help="timed rounds of every race")
    ap.add_argument(
        "--grid",
        action="store_true",
        help="also the older grid: H 64-2048 x batch 32/256/1024 and full batch (+10 minutes)",
    )
    ap.add_argument(
        "--seconds",
        type=float,
        default=0.05,
        help="--grid: GEMM-floor seconds per epoch that sets N for each configuration",
    )
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        kind, H, B, N = args.child
        return child(kind, int(H), int(B), int(N))

    t_start = time.perf_counter()
    reps = 2 if args.quick and args.reps == 3 else args.reps
    hs = (128, 512) if args.quick else LOOP_HS
    with_torch = torch_available()
    info = _info(with_torch)
    print(
        f"npmlp benchmark: {info['cpu']}, {info['cores']} cores, numpy {info['numpy']}, "
        f"torch {info['torch']}\nenvironment: {info['env']}"
    )
    for lib in info["blas"]:
        print(
            f"  {lib['internal_api']} {lib['version']} core type {lib['architecture']}, "
            f"{lib['num_threads']} threads: {lib['filepath']}"
        )
    peak = peak_rates(3)
    print(
        f"peak matrix-product rate: float32 {peak['float32']:.1f} GFLOP/s, "
        f"float64 {peak['float64']:.1f} GFLOP/s"
    )

    loop = []
    for H in hs:
        loop.append(bench_loop(H, LOOP_N, LOOP_B, reps, with_torch))
        r = loop[-1]
        print(
            f"  H={H}: floor {r['floor']:.4f} s/epoch, npmlp {r['npmlp']:.4f} "
            f"({r['npmlp'] / r['floor']:.2f}x), estimator {r['estimator'] / r['floor']:.2f}x, "
            f"minimal {r['minimal'] / r['floor']:.2f}x",
            flush=True,
        )
    ops = [bench_ops(H, LOOP_B, 100 if args.quick else 300) for H in (128, 512)]
    digits = bench_digits(reps, with_torch)
    infer = [bench_inference(H, reps) for H in hs]
    memory = [] if args.quick else bench_memory(512, 256)
    rows, full = [], []
    if args.grid:
        for H in HS:
            for B in BATCHES:
                N = choose_N(H, B, args.seconds, peak["float32"])
                rows.append(bench_config(H, B, N, reps, peak["float32"], with_torch))
        for H in HS:  # full-batch gradient descent, as the seed does it
            full.append(bench_config(H, 4096, 4096, reps, peak["float32"], False))

    print_loop(loop)
    print_ops(ops)
    if rows:
        print_table(rows, "grid, minibatch SGD: seconds per epoch, x floor (GEMM-only), x roofline")
        print_table(full, "grid, full-batch gradient descent (N=4096)")
    print(
        "\ndigits, npmlp train defaults (L=3, H=256, batch 64, Adam), s/epoch: "
        + ", ".join(f"{p} {digits[p]:.4f}" for p in PEERS if p in digits)
        + "; npmlp faster by "
        + ", ".join(f"{digits[p] / digits['npmlp']:.1f}x vs {p}" for p in PEERS[2:] if p in digits)
    )
    print("\ninference (predict_proba, 60,000 rows, a workspace of", CHUNK, "rows):")
    for r in infer:
        print(
            f"  H={r['H']:>5}: {r['predict_proba']:.4f} s, {r['rows_per_s']:,.0f} rows/s, "
            f"{r['predict_proba'] / r['floor']:.2f}x its GEMM floor ({r['floor']:.4f} s, "
            f"{r['predict_proba'] / r['floor_best']:.2f}x the best of 1 and all threads); "
            f"{r['workers']} workers; as one worker {r['one_worker'] / r['floor']:.2f}x; "
            f"fastest rounds {r['fastest_ratio']:.2f}x (one worker "
            f"{r['one_worker_fastest_ratio']:.2f}x)"
        )
    if memory:
        print(
            "\npeak memory (fresh process, 60,000 x 784 float32 rows = "
            f"{memory[0]['data_mb']:.0f} MB of data, H=512, batch 256):"
        )
    for m in memory:
        print(
            f"  {m['kind']:5}: {m['rss_before_mb']:.0f} MB before (imports, data, model), "
            f"peak {m['peak_mb']:.0f} MB: +{m['extra_mb']:.1f} MB "
            f"(expected +{m['expected_extra_mb']:.1f} MB)"
        )
    elapsed = time.perf_counter() - t_start
    print(f"\ntotal {elapsed:.0f} s")
    args.out.mkdir(parents=True, exist_ok=True)
    result = {
        "info": info,
        "peak_gflops": peak,
        "loop": loop,
        "profile": ops,
        "grid": rows,
        "full_batch": full,
        "digits": digits,
        "inference": infer,
        "memory": memory,
        "seconds": elapsed,
    }
    name = "bench-quick" if args.quick else "bench"
    with atomic_write(args.out / f"{name}.json", "w") as f:
        json.dump(result, f, indent=1)
    plot_loop(loop, args.out / f"{name}.png")
    print(f"wrote {args.out / (name + '.json')} and {args.out / (name + '.png')}")


def _info(with_torch: bool) -> dict:
    torch = None
    if with_torch:
        import torch

        torch = f"{torch.__version__} ({torch.get_num_threads()} threads)"
    env = {
        k: os.environ.get(k)
        for k in (
            "OPENBLAS_CORETYPE",
            "OPENBLAS_L2_SIZE",
            "OPENBLAS_NUM_THREADS",
            "OMP_NUM_THREADS",
        )
    }
    return {
        "numpy": np.__version__,
        "python": platform.python_version(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "env": env,
        "blas": [
            {
                k: lib.get(k)
                for k in ("internal_api", "version", "architecture", "num_threads", "filepath")
            }
            for lib in threadpool_info()
        ],
        "torch": torch,
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
