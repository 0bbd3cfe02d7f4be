"""The fast path keeps the seed's numbers: dtypes, no per-batch allocations, no first-layer dX,
the same results as the straightforward baseline of ``benchmarks/baseline.py``, BLAS threads."""

from __future__ import annotations

import importlib.util
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import npmlp.nn.inference as inference
import npmlp.nn.model as model_mod
from conftest import loop_config
from npmlp import MLP, NpmlpError, TrainConfig, fit, gradcheck
from npmlp.callbacks import LambdaCallback
from npmlp.core.architecture import Architecture
from npmlp.core.threads import SMALL_STEP, blas_threads, training_threads
from npmlp.nn.model import Workspace
from npmlp.train.optim import make_optimizer

ROOT = Path(__file__).resolve().parents[1]


def load_baseline():
    spec = importlib.util.spec_from_file_location("baseline", ROOT / "benchmarks" / "baseline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def blobs(N=96, D=7, C=3, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, C, N)
    X = rng.standard_normal((N, D)) + 2.0 * np.eye(C, D)[y]
    return X.astype(dtype), y


# ------------------------------------------------------------------------ dtypes
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adam"])
def test_float32_training_keeps_float32_everywhere(optimizer):
    """float64 rows, float64 weights and L2 must not upcast any buffer, parameter or state."""
    X, y = blobs(dtype=np.float64)
    net = MLP(7, (12, 9), 5, 3, dtype=np.float32, seed=1)
    opt = make_optimizer(optimizer, net.params)
    fit(
        net,
        X,
        y,
        loop_config(
            epochs=2, batch_size=40, lr=0.01, optimizer=optimizer, weight_decay=1e-3, seed=0
        ),
        sample_weight=np.linspace(0.5, 2.0, len(y)),
        optimizer=opt,
    )
    for k, v in net.params.items():
        assert v.dtype == np.float32, k
    for k, v in opt.state().items():
        assert v.dtype == np.float32, k
    for v in getattr(opt, "scratch", {}).values():
        assert v.dtype == np.float32
    ws = Workspace(net, 40)
    ws.X[...] = X[:40]
    ws.y[...] = y[:40]
    net.forward_backward(ws, np.ones(40), l2=1e-3)  # float64 weights and l2 given
    buffers = ws.x + list(ws.dx.values()) + list(ws.grads.values()) + [ws.decay]
    assert {b.dtype for b in buffers} == {np.dtype(np.float32)}
    assert net.predict_proba(X).dtype == np.float32
    assert net.forward(X).dtype == np.float32


# ------------------------------------------------------------------------ allocations
def test_training_loop_allocates_nothing_batch_sized():
    """Per epoch only parameter-sized copies (the divergence snapshot) may be allocated;
    one batch's activation (512 x 512 float32 = 1 MiB) dwarfs the parameters (23 KiB)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((512 * 8, 8)).astype(np.float32)
    y = rng.integers(0, 3, len(X))
    net = MLP(8, 512, 3, 3, seed=0)
    param_bytes = sum(v.nbytes for v in net.params.values())
    growth = []

    def callback(loop, record):
        current, peak = tracemalloc.get_traced_memory()
        growth.append(peak - current)
        tracemalloc.reset_peak()

    built = []
    real_init = Workspace.__init__

    def counting_init(self, *args, **kwargs):
        built.append(args[1])
        real_init(self, *args, **kwargs)

    tracemalloc.start()
    try:
        Workspace.__init__ = counting_init
        fit(
            net,
            X,
            y,
            loop_config(
                epochs=3, batch_size=512, lr=0.01, optimizer="adam", weight_decay=1e-4, seed=0
            ),
            callbacks=[LambdaCallback(on_epoch_end=callback)],
        )
    finally:
        Workspace.__init__ = real_init
        tracemalloc.stop()
    assert built == [512]  # one workspace for the 8 batches of every epoch
    batch_bytes = 512 * 512 * 4
    assert param_bytes < 30_000
    # epochs 2 and 3 ran 8 batches each: nothing close to one batch's activations
    assert max(growth[1:]) < param_bytes + 64_000 < batch_bytes / 10


def test_inference_reuses_one_chunk_workspace(monkeypatch):
    monkeypatch.setattr(inference, "CHUNK", 16)
    X, y = blobs(N=70)
    net = MLP(7, 10, 5, 3, seed=2)
    built = []
    real_init = Workspace.__init__

    def counting_init(self, *args, **kwargs):
        built.append((args[1], kwargs.get("backward", True)))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(Workspace, "__init__", counting_init)
    P = net.predict_proba(X)
    assert built == [(16, False)]
    S = net.forward(X)  # unchunked, allocating: the reference
    E = np.exp(S - S.max(axis=1, keepdims=True))
    np.testing.assert_allclose(P, E / E.sum(axis=1, keepdims=True), rtol=1e-6)
    np.testing.assert_array_equal(net.predict(X), S.argmax(axis=1))
    ev = net.evaluate(X.astype(np.float64), y)  # a converted chunk goes through the buffer
    assert ev["accuracy"] == pytest.approx(np.mean(S.argmax(axis=1) == y))


# ------------------------------------------------------------------------ first-layer dX
def test_first_layer_input_gradient_is_skipped(monkeypatch):
    calls = []
    real = model_mod.fc_backward

    def spy(dZ, X, W, *, need_dX=True, dX=None, **buffers):
        calls.append((W.shape, need_dX, dX is None))
        return real(dZ, X, W, need_dX=need_dX, dX=dX, **buffers)

    monkeypatch.setattr(model_mod, "fc_backward", spy)
    net = MLP(7, 6, 5, 3, seed=0)
    X, y = blobs(N=10)
    net.loss_and_grads(X, y)
    assert calls == [((6, 3), True, False), ((6, 6), True, False), ((7, 6), False, True)]
    assert sorted(Workspace(net, 10).dx) == [3, 5]  # no buffer for dl/dx^(0)


# ------------------------------------------------------------------------ same numbers
def test_gradients_still_pass_gradcheck():
    X, y = blobs(N=12, seed=3)
    net = MLP(7, (5, 4), 5, 3, seed=3)
    report = gradcheck(net, X, y, sample_weight=np.linspace(0.2, 1.5, 12), l2=0.1)
    assert report.passed, str(report)
    assert report.max_rel_error < 1e-7


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-10), (np.float32, 2e-4)])
def test_fixed_seed_training_matches_the_straightforward_baseline(dtype, rtol):
    baseline = load_baseline()
    X, y = blobs(N=100, D=9, C=4, seed=5, dtype=dtype)
    net = MLP(9, 16, 5, 4, dtype=dtype, seed=11)
    history = fit(net, X, y, loop_config(epochs=4, batch_size=32, lr=0.05, optimizer="sgd", seed=7))
    params = baseline.init_params(9, 16, 5, 4, seed=11, dtype=dtype)
    rng, order = np.random.default_rng(7), np.arange(100)
    losses = [baseline.train_epoch(params, X, y, 32, 0.05, rng, order) for _ in range(4)]
    np.testing.assert_allclose(history.column("train_loss"), losses, rtol=rtol)
    for i, (W, b) in zip((1, 3, 5), params, strict=True):
        np.testing.assert_allclose(net.params[f"W{i}"], W, rtol=rtol, atol=rtol * 1e-2)
        np.testing.assert_allclose(net.params[f"b{i}"], b, rtol=rtol, atol=rtol * 1e-2)
    assert losses[-1] < 0.7 * losses[0]  # it trained


def test_large_finite_values_pass_the_finite_check_and_nan_is_found():
    net = MLP(3, 4, 3, 2, seed=0)
    X = np.full((4, 3), 3e38, np.float32)  # the sum overflows; every value is finite
    assert net.check_input(X, finite=True) is X
    X[2, 1] = np.nan
    with pytest.raises(
        NpmlpError, match=r"X contains NaN or infinity in 1 row\(s\) \(first: row 2\)"
    ):
        net.check_input(X, finite=True)


# ------------------------------------------------------------------------ threads
def blas_threads_now():
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_training_threads_rule():
    assert (
        training_threads(Architecture.of(64, 256, 3, 10), 64) == 1
    )  # digits: 64*64*256 < SMALL_STEP
    assert 64 * 64 * 256 < SMALL_STEP <= 256 * 784 * 512
    assert (
        training_threads(Architecture.of(784, 512, 5, 10), 256) is None
    )  # large: the library decides
    assert training_threads(Architecture.of(784, 512, 5, 10), 256, threads=3) == 3
    with pytest.raises(NpmlpError, match=r"^threads must be an integer >= 1, got 0$"):
        training_threads(Architecture.of(784, 512, 5, 10), 256, threads=0)
    with pytest.raises(NpmlpError, match=r"^threads must be an integer >= 1, got 0$"):
        TrainConfig(threads=0).validate()


def test_blas_threads_limits_and_restores():
    before = blas_threads_now()
    with blas_threads(1):
        assert blas_threads_now() == {1}
    assert blas_threads_now() == before
    with blas_threads(None):
        assert blas_threads_now() == before


def test_fit_runs_under_the_thread_setting_and_restores_it():
    X, y = blobs()
    before = blas_threads_now()
    seen = []
    fit(
        MLP(7, 8, 3, 3, seed=0),
        X,
        y,
        loop_config(epochs=1, batch_size=32, threads=1),
        callbacks=[LambdaCallback(on_epoch_end=lambda loop, logs: seen.append(blas_threads_now()))],
    )
    assert seen == [{1}]
    assert blas_threads_now() == before


def test_cli_threads_option(capsys):
    import json

    from npmlp.cli import main

    assert main(["train", "--threads", "0"]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        "npmlp: error: Invalid value for '--threads': threads must be an integer >= 1, got 0 "
        "(see 'npmlp train --help')\n"
    )
    assert main(["train", "--threads", "1", "--epochs", "2", "--quiet", "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metrics["test_accuracy"] > 0.8


def test_benchmark_profile_runs_the_step_fit_runs():
    """``bench.step_ops`` (the profile's step, one call at a time) leaves the gradients that
    ``MLP.forward_backward`` leaves on the same batch, so the profile times npmlp's real step."""
    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    X, y = bench.random_data(64)
    net = MLP(bench.D, 8, 5, 10, seed=0)
    ws, opt = Workspace(net, 16), make_optimizer("sgd", net.params)
    ops = bench.step_ops(net, ws, opt, X, y, np.random.default_rng(0))
    assert [name for name, _, _ in ops] == [
        "gather", "x W1", "+ b1", "ReLU2", "x W3", "+ b3", "ReLU4", "x W5", "+ b5",
        "softmax CE + accuracy", "dx4", "dW5", "db5", "ReLU4'", "dx2", "dW3", "db3", "ReLU2'",
        "dW1", "db1", "SGD step",
    ]  # fmt: skip
    for _, _, call in ops[:-1]:
        call()
    grads = {k: v.copy() for k, v in ws.grads.items()}
    net.forward_backward(ws)  # the same batch, still in ws.X and ws.y
    for k, g in grads.items():
        np.testing.assert_array_equal(g, ws.grads[k], err_msg=k)
    W1 = net.params["W1"].copy()
    ops[-1][2]()  # the SGD step
    np.testing.assert_array_equal(net.params["W1"], W1 - np.float32(bench.LR) * ws.grads["W1"])


def test_benchmark_pieces_run_at_tiny_sizes():
    """``make bench`` is not part of the tests; its building blocks are, so it cannot rot."""
    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.SETTLE = 0.0  # no threads worth waiting for at these sizes
    X, y = bench.random_data(64)
    assert X.dtype == np.float32 and X.shape == (64, bench.D)
    calls = []
    bench.race({k: lambda k=k: calls.append(k) or 1.0 for k in "abc"}, reps=3)
    assert calls == list("abc" + "abc" + "bca" + "cab")  # warm-up, then each round rotated
    profile = bench.bench_ops(8, 16, steps=3, N=64)
    assert set(profile["categories_us"]) == set(bench.CATEGORIES)
    assert all(t > 0 for t in profile["categories_us"].values())
    assert profile["sum_us"] == pytest.approx(sum(profile["ops_us"].values()))
    loop = bench.bench_loop(8, 40, 16, reps=1, with_torch=False)
    assert {"floor", "minimal", "npmlp", "estimator", "sklearn_float32"} <= set(loop)
    assert all(loop[k] > 0 for k in ("floor", "minimal", "npmlp", "estimator"))
    times = bench.race(
        {
            "floor": bench.floor_runner(8, 16, 4, 1),
            "npmlp": bench.npmlp_runner(X, y, 8, 16),
            "baseline": bench.baseline_runner(X, y, 8, 16),
        },
        reps=2,
    )
    assert set(times) == {"floor", "npmlp", "baseline", "floor_min", "npmlp_min", "baseline_min"}
    assert all(t > 0 for t in times.values())
    # 6P - 2DH flops per training row, 2P per inference row (P: weights of the seed's FC layers)
    P = 784 * 8 + 8 * 8 + 8 * 10
    assert bench.step_flops(8, 1) == 6 * P - 2 * 784 * 8
    infer = bench.bench_inference(512, 1, N=3000)  # 3,000 rows of 784 x 512: two workers or one
    assert (infer["workers"] > 1) == (inference.blas_thread_count() > 1) and infer["N"] == 3000
    keys = ("predict_proba", "one_worker", "floor", "floor_best", "fastest_ratio")
    assert all(infer[k] > 0 for k in keys)
    assert bench.step_flops(8, 3, training=False) == 2 * 3 * P


# ------------------------------------------------------------------------ optimiser updates
@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam"])
def test_optimiser_steps_follow_the_documented_formulas(name):
    rng = np.random.default_rng(1)
    W0 = rng.standard_normal((3, 4))
    grads = [rng.standard_normal((3, 4)) for _ in range(3)]
    params = {"W1": W0.copy()}
    opt = make_optimizer(name, params, momentum=0.9)
    lr, mu, b1, b2, eps = 0.1, 0.9, 0.9, 0.999, 1e-8
    W, v, m, s = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), np.zeros_like(W0)
    for t, g in enumerate(grads, start=1):
        opt.step({"W1": g}, lr)
        if name == "sgd":
            W = W - lr * g
        elif name in ("momentum", "nesterov"):
            v = mu * v + g
            W = W - lr * (g + mu * v if name == "nesterov" else v)
        else:
            m = b1 * m + (1 - b1) * g
            s = b2 * s + (1 - b2) * g**2
            W = W - lr * (m / (1 - b1**t)) / (np.sqrt(s / (1 - b2**t)) + eps)
        np.testing.assert_allclose(params["W1"], W, rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------------ input checks once
def test_estimator_reads_its_rows_once_for_checks(monkeypatch):
    """``NpMLPClassifier`` checks X itself (scikit-learn's ``validate_data``), so ``fit`` is
    called with ``check_input=False`` and does not scan X a second time; the weights are the
    same as with the check."""
    from npmlp import NpMLPClassifier

    X, y = blobs(N=64)
    scanned = []
    real = MLP.check_input

    def spy(self, X, *, finite=False):
        scanned.append(X.shape)
        return real(self, X, finite=finite)

    monkeypatch.setattr(MLP, "check_input", spy)
    clf = NpMLPClassifier((6,), solver="sgd", batch_size=16, max_iter=3, random_state=0)
    clf.partial_fit(X, y, classes=[0, 1, 2])
    assert scanned == []
    net = MLP(7, 6, 3, 3, seed=4)
    twin = net.copy()
    config = TrainConfig(epochs=2, batch_size=16, lr=0.05, optimizer="sgd", seed=1)
    fit(net, X, y, config)
    assert scanned == [(64, 7)]
    fit(twin, X, y, config, check_input=False)
    assert scanned == [(64, 7)]
    for k, v in net.params.items():
        np.testing.assert_array_equal(v, twin.params[k], err_msg=k)


def test_inference_reads_rows_of_the_model_dtype_in_place(monkeypatch):
    """Rows already in the model's dtype, without preprocessing, go to the first product as
    they are (no copy into the workspace); others are cast there. Same probabilities."""
    monkeypatch.setattr(inference, "CHUNK", 16)
    X, _ = blobs(N=40)
    net = MLP(7, 10, 5, 3, seed=2)
    copied = []
    real = MLP.scale_input

    def spy(self, X, out=None):
        copied.append(X.shape)
        return real(self, X, out=out)

    monkeypatch.setattr(MLP, "scale_input", spy)
    P32 = net.predict_proba(X)
    assert copied == []
    P64 = net.predict_proba(X.astype(np.float64))
    assert copied == [(16, 7), (16, 7), (8, 7)]
    np.testing.assert_array_equal(P32, P64)
