"""The network on any number of rows: chunk by chunk, the chunks shared out among threads.

Prediction runs :meth:`MLP.forward <npmlp.nn.model.MLP.forward>` on chunks of rows in one
workspace of :data:`CHUNK` rows, so memory is bounded for any ``N``. When the BLAS library may
use several threads and a chunk is worth it (at least :data:`~npmlp.core.threads.SMALL_STEP`
multiply-adds), the chunks are dealt out to as many workers as that, each running its
products on **one** BLAS thread. A two-thread product leaves a core idle during every
element-wise pass that follows it (the ``+ b``, the ReLU, the softmax: single-threaded in
NumPy); two one-thread workers keep both cores on products and passes alike
(`docs/performance.md`, "Inference"). The workers' workspaces hold :data:`CHUNK` rows between
them, as the one workspace of a single worker does.

Results do not depend on the order the workers finish in: each chunk's result is kept at the
chunk's place. They may differ from a single worker's in the last bits, as any two BLAS thread
counts do.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from ..core.rows import is_streamed
from ..core.threads import SMALL_STEP, blas_thread_count, blas_threads
from .workspace import Workspace

__all__ = ["CHUNK", "map_chunks", "plan"]

CHUNK = 4096  # rows of workspace per call, shared among the workers: bounds memory for any N


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def plan(net, X) -> tuple[int, int]:
    """``(workers, rows per chunk)`` for the rows X : (N, D) of ``net``: one worker with
    :data:`CHUNK` rows, unless the BLAS library has ``n > 1`` threads, X is in memory (not
    streamed from a file) and holds more than one chunk of ``CHUNK // n`` rows (and more than
    ``CHUNK // cores``, checked first), each of at least :data:`~npmlp.core.threads.SMALL_STEP`
    multiply-adds, and the call comes from the main thread: OpenBLAS ignores a thread limit set
    from another thread once the main thread has set one (seen with NumPy 2.4's OpenBLAS
    0.3.31), and calls from several threads would each change the one process-wide setting."""
    N, per_row = X.shape[0], sum(d_in * d_out for _, d_in, d_out in net.arch.fc_layers)
    least = CHUNK // (os.cpu_count() or 1)  # the rows of a chunk when every core is a worker
    if is_streamed(X) or N <= least or N * per_row < 2 * SMALL_STEP or not _in_main_thread():
        return 1, CHUNK  # decided before asking the library (its first scan takes ~20 ms)
    n = blas_thread_count()
    rows = max(CHUNK // n, 1)
    if n == 1 or N <= rows or rows * per_row < SMALL_STEP:
        return 1, CHUNK
    return min(n, -(-N // rows)), rows


def map_chunks(net, X, each) -> list:
    """``each(start, S)`` for every chunk of the checked rows X : (N, D), in the order of the
    rows: ``S`` (n, C) holds the scores of rows ``start ... start + n - 1`` (scaled as the
    model scales them), a view into a workspace, valid during the call only. Returns what
    ``each`` returned, chunk by chunk. With several workers ``each`` runs in their threads, at
    the same time for different chunks: it may write only to its own rows of an output.
    """
    workers, rows = plan(net, X)
    starts = range(0, X.shape[0], rows)
    results = [None] * len(starts)
    as_is = net.preprocessing is None and isinstance(X, np.ndarray) and X.dtype == net.dtype
    stop = threading.Event()  # set when a worker fails or the caller is interrupted

    def work(first: int) -> None:
        ws = Workspace(net, min(rows, X.shape[0]), backward=False)
        for k in range(first, len(starts), workers):
            if stop.is_set():
                return
            chunk = X[starts[k] : starts[k] + rows]
            if not as_is:  # scaled, cast or densified into the workspace (else read in place)
                chunk = net.scale_input(chunk, out=ws.X[: chunk.shape[0]])
            results[k] = each(starts[k], net.forward(chunk, ws))

    if workers == 1:
        work(0)
    else:
        _in_workers(work, workers, stop)
    return results


def _in_workers(work, workers: int, stop: threading.Event) -> None:
    """``work(w)`` for ``w`` in ``0 .. workers - 1``, the first in the calling thread, each on
    one BLAS thread; the first failure anywhere sets ``stop`` and is raised here."""
    failed = []

    def run(first: int) -> None:
        try:
            work(first)
        except BaseException as e:  # noqa: BLE001 - raised again in the calling thread
            failed.append(e)
            stop.set()

    others = [threading.Thread(target=run, args=(w,), daemon=True) for w in range(1, workers)]
    with blas_threads(1):
        for t in others:
            t.start()
        try:
            work(0)  # the calling thread is the first worker
            for t in others:
                t.join()
        except BaseException:  # a failure here, or Ctrl-C: the others stop at their next chunk
            stop.set()
            for t in others:
                t.join()
            raise
    if failed:
        raise failed[0]
