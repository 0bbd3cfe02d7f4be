"""Fixtures for the data tests, generated on the fly (no binary files in the repository)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import threading
from pathlib import Path

import numpy as np

from npmlp.data.idx import write_idx

IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def make_idx_set(
    folder: Path, n_train: int = 60, n_test: int = 20, side: int = 6, C: int = 3, seed: int = 0
) -> dict:
    """Small MNIST-like IDX files (gzipped) in ``folder``: class c lights up row c of the image.

    Returns ``{file name: SHA-256}``.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    sums = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        y = (np.arange(n) % C).astype(np.uint8)
        X = rng.integers(0, 40, (n, side, side)).astype(np.uint8)
        X[np.arange(n), y, :] = 250
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", X)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", y)
    for name in IDX_FILES:
        sums[name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    return sums


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@contextlib.contextmanager
def http_server(root: Path):
    """Serve ``root`` on http://127.0.0.1:PORT in a thread; yields the base address."""
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def write_csv(path: Path, header, rows) -> Path:
    lines = ([",".join(header)] if header else []) + [",".join(map(str, r)) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def iris_csv(path: Path) -> Path:
    """The iris table with text species names in a column called ``species``."""
    from sklearn.datasets import load_iris

    d = load_iris()
    names = np.array(["setosa", "versicolor", "virginica"])[d.target]
    rows = [[*x, n] for x, n in zip(d.data, names, strict=True)]
    return write_csv(path, ["sepal_l", "sepal_w", "petal_l", "petal_w", "species"], rows)
