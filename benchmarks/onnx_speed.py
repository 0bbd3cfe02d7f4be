"""ONNX Runtime against npmlp's own ``predict_proba`` on the exported digits model, one run.

Trains digits at ``npmlp train``'s defaults (L=3, H=256, float32), exports it with
:func:`npmlp.export_onnx`, then times the probabilities of the same rows both ways: in bulk
(the digits rows tiled to ``--rows`` rows, one call) and one row per call (a serving loop).
Each figure is the median of ``--repeats`` timings; both libraries use their default threads.
Prints rows per second and the ratio ONNX Runtime / npmlp (above 1: ONNX Runtime is faster),
after checking that both give the same probabilities (within 1e-5).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/onnx_speed.py
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

import npmlp
from npmlp.jobs.job import RunSettings, train_run


def median_seconds(fn, repeats: int) -> float:
    fn()  # warm-up: first-call allocations and thread start-up are not timed
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000, help="rows in the bulk call")
    ap.add_argument("--single", type=int, default=2_000, help="one-row calls per timing")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    result = train_run(RunSettings(data="digits"))
    net = result.net
    X = np.asarray(result.dataset.X, dtype=np.float32)
    bulk = np.resize(X, (args.rows, X.shape[1]))  # the digits rows, repeated
    with tempfile.TemporaryDirectory() as tmp:
        path = npmlp.export_onnx(net, Path(tmp) / "digits.onnx")
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    P_onnx = session.run(["probabilities"], {"X": bulk})[0]
    diff = float(np.abs(P_onnx - net.predict_proba(bulk)).max())
    assert diff <= 1e-5, f"ONNX Runtime and npmlp disagree by {diff}"

    rows = X[: args.single]
    one_rows = [rows[i : i + 1] for i in range(len(rows))]
    figures = {
        "bulk": (
            args.rows,
            median_seconds(lambda: net.predict_proba(bulk), args.repeats),
            median_seconds(lambda: session.run(["probabilities"], {"X": bulk}), args.repeats),
        ),
        "one row per call": (
            len(one_rows),
            median_seconds(lambda: [net.predict_proba(r) for r in one_rows], args.repeats),
            median_seconds(
                lambda: [session.run(["probabilities"], {"X": r}) for r in one_rows], args.repeats
            ),
        ),
    }
    print(
        f"digits model D={net.D} H={net.H} L={net.L} C={net.C} {net.dtype.name}, "
        f"test accuracy {result.metrics['test_accuracy']:.4f}; max |P_onnx - P_npmlp| {diff:.1e}"
    )
    print(f"numpy {np.__version__}, onnxruntime {ort.__version__}, median of {args.repeats}")
    print(f"{'':18}{'npmlp rows/s':>14}{'ONNX Runtime rows/s':>21}{'ratio':>8}")
    for name, (n, t_npmlp, t_onnx) in figures.items():
        print(f"{name:18}{n / t_npmlp:14,.0f}{n / t_onnx:21,.0f}{t_npmlp / t_onnx:7.2f}x")


if __name__ == "__main__":
    main()
