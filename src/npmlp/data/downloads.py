"""Benchmarks fetched from their official mirrors: ``mnist``, ``fashion-mnist``, ``kmnist``.

Each file is downloaded once into the cache folder (``$NPMLP_DATA``, default the platform's
user cache folder, e.g. ``~/.cache/npmlp`` on Linux), under ``<cache>/<set>/<file>``, with a
progress bar. It is written to a temporary file, its SHA-256 is checked against the
published sum, and only then renamed into place; a file whose sum does not match is deleted.
Files already in the cache are verified and used without any network access. With no network,
the error says which files to download by hand and where to put them.

``$NPMLP_MIRROR`` replaces every set's base address by ``$NPMLP_MIRROR/<set>/`` (a mirror, a
local copy of the files served on this machine, or a test server).

Only ``https://`` addresses are fetched; plain ``http://`` only from this machine (127.0.0.1,
::1, localhost), where nothing on the way can tamper with it. Each file is capped at its
published size (a server sending more is cut off and the partial file deleted) and must
arrive within :func:`deadline_for` its size, with a per-read timeout as well. A SIGTERM during
a download removes the partial file before the process ends, like Ctrl-C.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import os
import signal
import threading
import time
import urllib.parse  # urllib.request (http.client, email: 30 ms) only when downloading
from dataclasses import dataclass, field
from pathlib import Path

from ..core.atomic import atomic_write
from ..core.errors import DataError
from ..core.safeio import SPECIAL, file_kind, open_regular
from .base import Dataset
from .idx import load_idx_pair

__all__ = [
    "REMOTE",
    "RemoteSet",
    "cache_dir",
    "fetch",
    "load_remote",
    "sha256_of",
    "check_url",
    "deadline_for",
]

READ_TIMEOUT = 30.0  # seconds without a byte before a read gives up
MIN_RATE = 64 << 10  # bytes per second, on average over a whole file, or the mirror is dropped
DEFAULT_MAX_BYTES = 64 << 20  # the cap of a file whose size is not published

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
    sizes: dict = field(default_factory=dict)  # published size in bytes of each file

    def max_bytes(self, fname: str) -> int:
        return self.sizes.get(fname, DEFAULT_MAX_BYTES)


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
        sizes={
            "train-images-idx3-ubyte.gz": 9912422,
            "train-labels-idx1-ubyte.gz": 28881,
            "t10k-images-idx3-ubyte.gz": 1648877,
            "t10k-labels-idx1-ubyte.gz": 4542,
        },
    ),
    "fashion-mnist": RemoteSet(
        urls=(
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
        ),
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
        sizes={
            "train-images-idx3-ubyte.gz": 26421880,
            "train-labels-idx1-ubyte.gz": 29515,
            "t10k-images-idx3-ubyte.gz": 4422102,
            "t10k-labels-idx1-ubyte.gz": 5148,
        },
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
        sizes={
            "train-images-idx3-ubyte.gz": 18165135,
            "train-labels-idx1-ubyte.gz": 29497,
            "t10k-images-idx3-ubyte.gz": 3041136,
            "t10k-labels-idx1-ubyte.gz": 5120,
        },
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
    with open_regular(path) as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def deadline_for(nbytes: int) -> float:
    """Seconds a whole file of ``nbytes`` may take: a minute, plus 1 s per 64 KB."""
    return 60.0 + nbytes / MIN_RATE


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, allow_http: bool = False) -> None:
    """Refuse anything but ``https://`` (``http://`` only to this machine, or ``allow_http``)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and (allow_http or _loopback(parts.hostname or "")):
        return
    raise DataError(
        f"{url}: npmlp downloads only https:// addresses (plain http only from this machine); "
        "give an https mirror in NPMLP_MIRROR"
    )


def _safe_opener(allow_http: bool):
    """``urlopen`` whose redirects are checked like the first address (no https -> http)."""
    import urllib.request

    class CheckedRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            check_url(newurl, allow_http=allow_http)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return urllib.request.build_opener(CheckedRedirects).open


@contextlib.contextmanager
def _guarded(deadline: float):
    """In the main thread: SIGTERM ends the download like Ctrl-C (the partial file is removed)
    and a timer raises TimeoutError at the deadline, even inside a read that never returns."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum, frame):
        raise KeyboardInterrupt

    def on_alarm(signum, frame):
        raise TimeoutError(f"the download took more than {deadline:g} s")

    old = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGALRM)}
    mine = {signal.SIGTERM: on_term, signal.SIGALRM: on_alarm}
    for sig, handler in mine.items():
        if old[sig] in (signal.SIG_DFL, None):  # someone else's handler is left alone
            signal.signal(sig, handler)
    if signal.getsignal(signal.SIGALRM) is on_alarm:
        signal.setitimer(signal.ITIMER_REAL, deadline)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGALRM) is on_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in mine.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, old[sig])


def _download(
    url: str,
    path: Path,
    expected: str,
    console,
    *,
    max_bytes: int,
    deadline: float | None = None,
    read_timeout: float = READ_TIMEOUT,
    opener=None,
    allow_http: bool = False,
) -> None:
    """Stream ``url`` into ``path`` through a temporary file; keep it only if the sum matches.

    At most ``max_bytes`` are accepted, within ``deadline`` seconds (default
    :func:`deadline_for`), each read within ``read_timeout``; otherwise the partial file is
    deleted (DataError for too many bytes, TimeoutError for too slow).
    """
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    check_url(url, allow_http=allow_http)
    if console is None:
        from rich.console import Console

        console = Console(stderr=True)
    opener = opener or _safe_opener(allow_http)
    deadline = deadline_for(max_bytes) if deadline is None else deadline
    start = time.monotonic()
    with _guarded(deadline), opener(url, timeout=min(read_timeout, deadline)) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        if total is not None and total > max_bytes:
            raise DataError(
                f"{url}: the server announces {total} bytes, more than the {max_bytes} of "
                "the published file; nothing was downloaded; try again later"
            )
        read = getattr(response, "read1", None) or response.read  # returns once bytes arrive
        h, got = hashlib.sha256(), 0
        columns = (TextColumn(f"{path.name}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
        with (
            Progress(  # nothing on a log file or a pipe: errors stay one line
                *columns, console=console, transient=True, disable=not console.is_terminal
            ) as progress,
            atomic_write(path) as f,
        ):
            task = progress.add_task("download", total=total or max_bytes)
            for block in iter(lambda: read(1 << 16), b""):
                got += len(block)
                if got > max_bytes:
                    raise DataError(
                        f"{url}: the server sent more than the {max_bytes} bytes of the "
                        "published file; the download was deleted; try again later"
                    )
                if time.monotonic() - start > deadline:
                    raise TimeoutError(f"the download took more than {deadline:g} s")
                h.update(block)
                f.write(block)
                progress.advance(task, len(block))
            if h.hexdigest() != expected:
                raise DataError(
                    f"{url}: checksum mismatch (SHA-256 {h.hexdigest()}, expected "
                    f"{expected}); the download was deleted; try again later"
                )


def _cached(path: Path, expected: str, max_bytes: int, console) -> bool:
    """Whether ``path`` holds the verified file; a wrong one is deleted. A link there is
    refused, never followed (the cache is npmlp's own: it writes regular files only)."""
    if path.is_symlink():
        raise DataError(
            f"{path}: is a link in npmlp's download cache, which npmlp never follows; remove it"
        )
    kind, size = file_kind(path)
    if kind == "missing":
        return False
    if kind != "file":
        raise DataError(f"{path}: {SPECIAL if kind == 'special' else 'is a folder'}; remove it")
    if size <= max_bytes and sha256_of(path) == expected:
        return True
    path.unlink()  # corrupted or stale: fetch it again
    console.print(f"{path}: checksum mismatch in the cache; deleted, downloading again")
    return False


def fetch(name: str, *, console=None) -> dict:
    """Make sure every file of ``REMOTE[name]`` is in the cache and verified; return the paths."""
    from rich.console import Console

    entry = REMOTE[name]
    folder = cache_dir() / name
    console = console or Console(stderr=True)
    urls = _urls(name, entry)
    for base in urls:
        check_url(base)
    paths = {}
    for fname, expected in entry.sha256.items():
        path = folder / fname
        if _cached(path, expected, entry.max_bytes(fname), console):
            paths[fname] = path
            continue
        reasons = []
        for base in urls:
            try:
                _download(base + fname, path, expected, console, max_bytes=entry.max_bytes(fname))
                break
            except (OSError, ValueError) as e:  # urllib's URLError is an OSError
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
