"""Benchmarks fetched from their official mirrors: ``mnist``, ``fashion-mnist``, ``kmnist``.

Each file is downloaded once into the cache folder (``$NPMLP_DATA``, default the platform's
user cache folder, e.g. ``~/.cache/npmlp`` on Linux), under ``<cache>/<set>/<file>``, with a
progress bar. It is written to a temporary file, its SHA-256 is checked against the
published sum, and only then renamed into place; a file whose sum does not match is deleted.
Files already in the cache are verified and used without any network access. With no network,
the error says which files to download by hand and where to put them.

``$NPMLP_MIRROR`` replaces every set's base address by ``$NPMLP_MIRROR/<set>/`` (a local copy
of the files, or a test server).
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..atomic import atomic_write
from ..errors import DataError
from .base import Dataset
from .idx import load_idx_pair

__all__ = ["REMOTE", "RemoteSet", "cache_dir", "fetch", "load_remote", "sha256_of"]

TRAIN_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


@dataclass
class RemoteSet:
    """A downloadable set: base addresses tried in order, files with their SHA-256 sums."""

    urls: tuple
    sha256: dict
    description: str
    target_names: list
    rows: int = 70000
    features: int = 784
    image_shape: tuple = (28, 28)


REMOTE = {
    "mnist": RemoteSet(
        urls=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ),
        sha256={
            "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
        description="28x28 handwritten digits (LeCun, Cortes, Burges)",
        target_names=[str(d) for d in range(10)],
    ),
    "fashion-mnist": RemoteSet(
        urls=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        sha256={
            "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
        description="28x28 Zalando clothing images",
        target_names=[
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ],
    ),
    "kmnist": RemoteSet(
        urls=("https://codh.rois.ac.jp/kmnist/dataset/kmnist/",),
        sha256={
            "train-images-idx3-ubyte.gz": "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4",
            "train-labels-idx1-ubyte.gz": "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17",
            "t10k-images-idx3-ubyte.gz": "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5",
            "t10k-labels-idx1-ubyte.gz": "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c",
        },
        description="28x28 Kuzushiji (cursive Japanese) characters",
        target_names=["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"],
    ),
}


def cache_dir() -> Path:
    """``$NPMLP_DATA`` or the platform's user cache folder for npmlp."""
    env = os.environ.get("NPMLP_DATA")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("npmlp"))


def _urls(name: str, entry: RemoteSet) -> tuple:
    mirror = os.environ.get("NPMLP_MIRROR")
    return (f"{mirror.rstrip('/')}/{name}/",) if mirror else entry.urls


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _download(url: str, path: Path, expected: str, console) -> None:
    """Stream ``url`` into ``path`` through a temporary file; keep it only if the sum matches."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    with urllib.request.urlopen(url, timeout=30) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        h = hashlib.sha256()
        columns = (TextColumn(f"{path.name}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
        with (
            Progress(*columns, console=console, transient=True) as progress,
            atomic_write(path) as f,
        ):
            task = progress.add_task("download", total=total)
            for block in iter(lambda: response.read(1 << 16), b""):
                h.update(block)
                f.write(block)
                progress.advance(task, len(block))
            if h.hexdigest() != expected:
                raise DataError(
                    f"{url}: checksum mismatch (SHA-256 {h.hexdigest()}, expected "
                    f"{expected}); the download was deleted; try again later"
                )


def fetch(name: str, *, console=None) -> dict:
    """Make sure every file of ``REMOTE[name]`` is in the cache and verified; return the paths."""
    from rich.console import Console

    entry = REMOTE[name]
    folder = cache_dir() / name
    console = console or Console(stderr=True)
    urls = _urls(name, entry)
    paths = {}
    for fname, expected in entry.sha256.items():
        path = folder / fname
        if path.exists():
            if sha256_of(path) == expected:
                paths[fname] = path
                continue
            path.unlink()  # corrupted or stale: fetch it again
            console.print(f"{path}: checksum mismatch in the cache; deleted, downloading again")
        reasons = []
        for base in urls:
            try:
                _download(base + fname, path, expected, console)
                break
            except (urllib.error.URLError, OSError, ValueError) as e:
                if isinstance(e, DataError):
                    raise
                reasons.append(f"{base}: {getattr(e, 'reason', None) or e}")
        else:
            raise DataError(
                f"cannot download {name} ({'; '.join(map(str, reasons))}); "
                f"download {', '.join(urls[0] + f for f in entry.sha256)} by hand "
                f"and put them in {folder} (or set NPMLP_DATA to their folder)"
            )
        paths[fname] = path
    return paths


def load_remote(name: str, *, console=None) -> Dataset:
    """Fetch (or reuse) a benchmark and read it: the official test set is the given test set."""
    entry = REMOTE[name]
    p = fetch(name, console=console)
    ds = load_idx_pair(
        p[TRAIN_FILES[0]], p[TRAIN_FILES[1]], name=name, test=(p[TEST_FILES[0]], p[TEST_FILES[1]])
    )
    ds.target_names = list(entry.target_names)
    ds.source = _urls(name, entry)[0]
    return ds
