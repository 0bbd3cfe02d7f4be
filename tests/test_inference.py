"""npmlp.nn.inference: chunks of rows, dealt out to workers with one BLAS thread each."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import scipy.sparse as sp

import npmlp.nn.inference as inference
from npmlp import MLP, DataError
from npmlp.core.threads import blas_thread_count, blas_threads
from npmlp.nn.preprocessing import Preprocessing
from npmlp.nn.workspace import Workspace


def rows(N, D=7, seed=0):
    return np.random.default_rng(seed).standard_normal((N, D)).astype(np.float32)


def net_with_biases(D=7, H=10, L=5, C=3, seed=2):
    net = MLP(D, H, L, C, seed=seed)
    rng = np.random.default_rng(seed)
    for k, v in net.params.items():
        if k[0] == "b":
            v[...] = rng.standard_normal(v.shape) * 0.3
    return net


@pytest.fixture
def four_workers(monkeypatch):
    """A BLAS of 4 threads, chunks of 16 // 4 = 4 rows, any chunk worth a worker."""
    monkeypatch.setattr(inference, "CHUNK", 16)
    monkeypatch.setattr(inference, "SMALL_STEP", 0)
    monkeypatch.setattr(inference, "blas_thread_count", lambda: 4)


def test_the_plan_by_threads_rows_and_work(monkeypatch):
    net = MLP(784, 512, 5, 10, seed=0)  # 784 x 512 + 512 x 512 + 512 x 10 multiply-adds a row
    X = np.zeros((60_000, 784), np.float32)
    monkeypatch.setattr(inference, "blas_thread_count", lambda: 2)
    assert inference.plan(net, X) == (2, 2048)
    assert inference.plan(net, X[:2049]) == (2, 2048)  # two chunks: both workers
    assert inference.plan(net, X[:2048]) == (1, 4096)  # one chunk: the calling thread alone
    monkeypatch.setattr(inference, "blas_thread_count", lambda: 16)
    monkeypatch.setattr(inference.os, "cpu_count", lambda: 16)
    assert inference.plan(net, X) == (16, 256)
    assert inference.plan(net, X[:600]) == (3, 256)  # no more workers than chunks
    tiny = MLP(4, 16, 3, 3, seed=0)  # 256 rows x 112 multiply-adds: not worth a thread
    assert inference.plan(tiny, np.zeros((60_000, 4), np.float32)) == (1, 4096)
    monkeypatch.setattr(inference, "blas_thread_count", lambda: 1)
    assert inference.plan(net, X) == (1, 4096)
    asked = []  # rows no worker count could split: the library is not asked (a ~20 ms scan)
    monkeypatch.setattr(inference, "blas_thread_count", lambda: asked.append(1) or 16)
    assert inference.plan(net, X[:256]) == (1, 4096) and asked == []
    assert inference.plan(net, X[:257]) == (2, 256) and asked == [1]


def test_blas_thread_count_reads_the_limit_in_force():
    n = blas_thread_count()
    assert n >= 1
    with blas_threads(1):
        assert blas_thread_count() == 1
    assert blas_thread_count() == n


def test_workers_give_every_chunk_at_its_place(four_workers, monkeypatch):
    net, X = net_with_biases(), rows(70)
    seen, threads, sizes = [], set(), []
    real_init = Workspace.__init__

    def counting_init(self, *args, **kwargs):
        sizes.append(args[1])
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(Workspace, "__init__", counting_init)

    def each(start, S):
        seen.append(start)
        threads.add(threading.current_thread())
        assert blas_thread_count() == 1  # one BLAS thread per worker
        return start, S.copy()

    out = inference.map_chunks(net, X, each)
    assert sizes == [4, 4, 4, 4]  # four workspaces of 4 rows: 16 rows in all, as one of 16
    assert [r[0] for r in out] == list(range(0, 70, 4))  # in the order of the rows
    assert sorted(seen) == list(range(0, 70, 4)) and len(threads) == 4
    S = np.concatenate([r[1] for r in out])
    np.testing.assert_allclose(S, net.forward(X), rtol=1e-5, atol=1e-6)
    assert blas_thread_count() >= 1


def test_the_model_predicts_and_evaluates_alike_with_one_worker_or_four(monkeypatch):
    net, X = net_with_biases(), rows(70)
    y = np.random.default_rng(1).integers(0, 3, 70)
    w = np.random.default_rng(2).random(70)
    monkeypatch.setattr(inference, "CHUNK", 16)
    monkeypatch.setattr(inference, "blas_thread_count", lambda: 1)
    one = (net.predict_proba(X), net.predict(X), net.evaluate(X, y), net.evaluate(X, y, w))
    monkeypatch.setattr(inference, "SMALL_STEP", 0)
    monkeypatch.setattr(inference, "blas_thread_count", lambda: 4)
    four = (net.predict_proba(X), net.predict(X), net.evaluate(X, y), net.evaluate(X, y, w))
    np.testing.assert_allclose(four[0], one[0], rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(four[1], one[1])
    for a, b in zip(four[2:], one[2:], strict=True):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-6)
        assert a["accuracy"] == b["accuracy"]
    again = net.evaluate(X, y, w)  # the chunks' sums are added in row order: same bits
    assert again == four[3]
    assert {type(v) for ev in four[2:] for v in ev.values()} == {float}  # not NumPy scalars


def test_scaled_cast_and_sparse_rows_go_through_each_workers_buffer(four_workers):
    net, X = net_with_biases(), rows(30)
    P = net.predict_proba(X)
    np.testing.assert_array_equal(net.predict_proba(X.astype(np.float64)), P)
    np.testing.assert_allclose(net.predict_proba(sp.csr_matrix(X)), P, rtol=1e-6)
    prep = Preprocessing.fit("standard", X)
    P_scaled = net.predict_proba(prep.apply(X.copy()))
    net.preprocessing = prep
    np.testing.assert_allclose(net.predict_proba(X), P_scaled, rtol=1e-6)


@pytest.mark.parametrize(
    "at, error",
    [(2, ValueError), (4, KeyboardInterrupt)],  # chunk k is worker k % 4's; 0 is the caller
)
def test_a_failing_chunk_stops_the_other_workers_and_raises(four_workers, at, error):
    net, X = net_with_biases(), rows(400)
    done = []

    def each(start, S):
        if start == at * 4:  # chunks of 4 rows
            assert (threading.current_thread() is threading.main_thread()) == (at % 4 == 0)
            raise error(f"chunk {at}")
        done.append(start)

    before = blas_thread_count()
    with pytest.raises(error, match=f"chunk {at}"):
        inference.map_chunks(net, X, each)
    assert len(done) < 99  # the 100 chunks were not all run
    assert blas_thread_count() == before  # the one-thread limit is lifted


def test_non_finite_rows_are_refused_before_any_worker_starts(four_workers):
    net, X = net_with_biases(), rows(40)
    X[33, 2] = np.nan
    with pytest.raises(
        DataError, match=r"^X contains NaN or infinity in 1 row\(s\) \(first: row 33\)"
    ):
        net.predict_proba(X)


def test_a_call_from_another_thread_runs_as_one_worker(four_workers, monkeypatch):
    """OpenBLAS ignores a thread limit set outside the main thread: a server's thread gets the
    single worker of before, one workspace of CHUNK rows."""
    net, X = net_with_biases(), rows(70)
    sizes, out = [], {}
    real_init = Workspace.__init__

    def counting_init(self, *args, **kwargs):
        sizes.append(args[1])
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(Workspace, "__init__", counting_init)
    t = threading.Thread(target=lambda: out.setdefault("P", net.predict_proba(X)))
    t.start()
    t.join(30)
    assert sizes == [16]
    np.testing.assert_allclose(out["P"], net.predict_proba(X), rtol=1e-6, atol=1e-7)
    assert sizes == [16, 4, 4, 4, 4]  # from the main thread: four workers
