"""Big ``.npy`` files streamed from disk: the same results as in memory, bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import npmlp.data.files as data_files
from npmlp.cli import main
from npmlp.core.rows import (
    StreamedRows,
    first_nonfinite_row,
    iter_chunks,
    open_npy,
    subset_rows,
)
from npmlp.data import load_dataset
from npmlp.jobs.job import RunSettings, train_run
from npmlp.train.train_config import TrainConfig


@pytest.fixture
def arr(tmp_path):
    a = np.arange(7 * 5, dtype=np.float32).reshape(7, 5)
    np.save(tmp_path / "a.npy", a)
    return a, open_npy(tmp_path / "a.npy")


def test_streamed_rows_index_like_the_array(arr):
    a, s = arr
    assert isinstance(s, StreamedRows)
    assert (s.shape, s.dtype, s.ndim, len(s)) == (a.shape, a.dtype, 2, 7)
    for key in (
        slice(None),
        slice(2, 5),
        slice(None, None, 3),
        slice(5, 2),
        [6, 0, 6, 3],
        np.array([-1, -7]),
        a[:, 0] > 12,
    ):
        np.testing.assert_array_equal(s[key], a[key])
    np.testing.assert_array_equal(s[3], a[3])
    np.testing.assert_array_equal(s[-2, 1:3], a[-2, 1:3])
    out = np.empty((3, 5), np.float32)
    assert np.take(s, [4, 1, 2], axis=0, out=out) is out
    np.testing.assert_array_equal(out, a[[4, 1, 2]])
    out64 = np.empty((2, 5), np.float64)  # another dtype: converted into the buffer
    np.take(s, [0, 6], axis=0, out=out64)
    np.testing.assert_array_equal(out64, a[[0, 6]])
    with pytest.raises(IndexError):
        s[[7]]
    np.testing.assert_array_equal(np.asarray(s), a)


def test_subsets_of_subsets_stay_lazy(arr):
    a, s = arr
    sub = subset_rows(s, np.array([6, 4, 2, 0]))
    assert isinstance(sub, StreamedRows) and sub.shape == (4, 5)
    subsub = subset_rows(sub, [1, 3])
    np.testing.assert_array_equal(subsub[:], a[[4, 0]])
    np.testing.assert_array_equal(subset_rows(a, [1, 3]), a[[1, 3]])  # arrays: a plain copy
    blocks = [b for _, b in iter_chunks(sub, rows=3)]
    np.testing.assert_array_equal(np.concatenate(blocks), a[[6, 4, 2, 0]])


def test_first_nonfinite_row_by_blocks(tmp_path):
    a = np.zeros((50, 3))
    a[[17, 40], 1] = [np.nan, -np.inf]
    np.save(tmp_path / "a.npy", a)
    assert first_nonfinite_row(open_npy(tmp_path / "a.npy")) == (2, 17)
    assert first_nonfinite_row(a) == (2, 17)
    assert first_nonfinite_row(np.zeros((4, 2), np.int8)) == (0, -1)


def _xy(tmp_path, N=2000, D=12):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((N, D)).astype(np.float32) * 3 + 1
    y = np.where(X[:, 0] + X[:, 1] > 2, "hi", "lo")
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    return tmp_path / "X.npy"


def test_streamed_training_matches_in_memory_training(tmp_path, monkeypatch):
    path = _xy(tmp_path)

    def run():
        cfg = TrainConfig(
            epochs=3, batch_size=50, lr=1e-2, val_fraction=0.1, early_stopping="val_loss", seed=0
        )
        ds = load_dataset(str(path))
        return ds, train_run(RunSettings(hidden=8, config=cfg), dataset=ds)

    ds_mem, mem = run()
    monkeypatch.setattr(data_files, "STREAM_BYTES", 0)  # stream even this small file
    ds_disk, disk = run()
    assert isinstance(ds_disk.X, StreamedRows) and isinstance(ds_mem.X, np.ndarray)
    assert isinstance(disk.splits["train"][0], StreamedRows)
    np.testing.assert_allclose(disk.net.preprocessing.shift, mem.net.preprocessing.shift, rtol=1e-6)
    np.testing.assert_allclose(disk.net.preprocessing.scale, mem.net.preprocessing.scale, rtol=1e-6)
    for k in mem.net.params:
        np.testing.assert_allclose(disk.net.params[k], mem.net.params[k], rtol=1e-5, atol=1e-6)
    assert disk.metrics["test_accuracy"] == mem.metrics["test_accuracy"] > 0.9


def test_predict_and_info_on_a_streamed_file(tmp_path, monkeypatch, capsys):
    path = _xy(tmp_path, N=300)
    out = tmp_path / "run"
    assert (
        main(
            ["train", "--data", str(path), "--out", str(out), "--epochs", "2", "-H", "4", "--quiet"]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["predict", str(out / "model.npz"), str(path)]) == 0
    in_memory = capsys.readouterr().out
    monkeypatch.setattr(data_files, "STREAM_BYTES", 0)
    assert main(["predict", str(out / "model.npz"), str(path)]) == 0
    assert capsys.readouterr().out == in_memory and len(in_memory.split()) == 300
    assert main(["data", "info", str(path)]) == 0
    assert "(streamed from disk)" in capsys.readouterr().out


def test_truncated_streamed_file(tmp_path, monkeypatch, capsys):
    path = _xy(tmp_path, N=100)
    path.write_bytes(path.read_bytes()[:-64])
    monkeypatch.setattr(data_files, "STREAM_BYTES", 0)
    assert main(["train", "--data", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"npmlp: error: {path}: truncated or corrupted NumPy file (the header says"
    )


CHILD = """
import json, sys
from npmlp.cli import main
rc = main(sys.argv[1:])
status = open("/proc/self/status").read()
peak = next(int(l.split()[1]) for l in status.splitlines() if l.startswith("VmHWM"))
print(json.dumps({"rc": rc, "peak_rss_kib": peak}))
"""


@pytest.mark.slow
def test_one_epoch_on_a_1gb_file_keeps_memory_near_one_batch(tmp_path):
    """A 1 GiB float32 .npy, one training epoch in a child process: peak RSS well below."""
    N, D = 262_144, 1024
    path = tmp_path / "X.npy"
    rng = np.random.default_rng(0)
    labels = []
    with open(path, "wb") as f:  # written block by block: this process stays small too
        np.lib.format.write_array_header_1_0(
            f, {"descr": "<f4", "fortran_order": False, "shape": (N, D)}
        )
        for _ in range(N // 16384):
            block = rng.standard_normal((16384, D), dtype=np.float32)
            labels.append((block[:, 0] > 0).astype(np.int64))
            f.write(block.tobytes())
    np.save(tmp_path / "y.npy", np.concatenate(labels))
    size = path.stat().st_size
    assert size >= 1 << 30
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            "train",
            "--data",
            str(path),
            "--epochs",
            "1",
            "-H",
            "16",
            "--batch-size",
            "256",
            "--quiet",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    metrics, child = json.loads(lines[-2]), json.loads(lines[-1])
    peak = child["peak_rss_kib"] * 1024
    print(f"peak RSS {peak / 2**20:.0f} MiB for a {size / 2**20:.0f} MiB file")
    assert child["rc"] == 0 and metrics["test_accuracy"] > 0.9
    assert peak < size / 3  # measured: about 200 MiB (of which ~125 MiB is Python + imports)
