"""Byte builders for the hostile corpus: zips, gzips, ``.npy`` headers and IDX headers written
by hand, and zero streams that are deflated once in 16 MB segments (each flushed, so it can be
repeated), so a 3 GB member costs 3 MB on disk and milliseconds to build; and the
:class:`Case` record each builder returns."""

from __future__ import annotations

import io
import json
import re
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# ----------------------------------------------------------------------------- byte builders
_SEG = 16 << 20
_segments: dict = {}


def _deflate(data: bytes) -> bytes:
    """Raw deflate of ``data``, flushed to a byte boundary with no back-references after."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush(zlib.Z_FULL_FLUSH)


def _zeros(n: int) -> bytes:
    if n not in _segments:
        _segments[n] = _deflate(bytes(n))
    return _segments[n]


@dataclass
class Blob:
    """``prefix`` followed by ``n`` zero bytes, deflated without ever being built."""

    prefix: bytes
    n: int

    @property
    def size(self) -> int:
        return len(self.prefix) + self.n

    def crc(self) -> int:
        crc, z = zlib.crc32(self.prefix), bytes(64 << 20)
        for start in range(0, self.n, len(z)):
            crc = zlib.crc32(z[: min(len(z), self.n - start)], crc)
        return crc

    def deflated(self) -> bytes:
        full, rest = divmod(self.n, _SEG)
        parts = [_deflate(self.prefix)] + [_zeros(_SEG)] * full + ([_zeros(rest)] if rest else [])
        return b"".join(parts) + b"\x03\x00"  # an empty final block ends the stream


def npy_header(descr: str, shape: tuple) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return buf.getvalue()


def npy_bytes(a) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def write_zip(path: Path, members: list, *, file_size: dict | None = None) -> Path:
    """A zip written by hand: ``(name, bytes or Blob, "stored"|"deflated")`` members.

    ``file_size`` overrides a member's declared uncompressed size (a lying archive).
    """
    central = []
    with open(path, "wb") as f:
        for name, data, method in members:
            if isinstance(data, Blob):
                comp, crc, size, meth = data.deflated(), data.crc(), data.size, 8
            elif method == "deflated":
                comp, crc, size, meth = _deflate(data) + b"\x03\x00", zlib.crc32(data), len(data), 8
            else:
                comp, crc, size, meth = data, zlib.crc32(data), len(data), 0
            size = (file_size or {}).get(name, size)
            nm, off = name.encode(), f.tell()
            head = (0x04034B50, 20, 0, meth, 0, 0x21, crc, len(comp), size, len(nm), 0)
            f.write(struct.pack("<IHHHHHIIIHH", *head) + nm + comp)
            entry = (0x02014B50, 20, 20, 0, meth, 0, 0x21, crc, len(comp), size, len(nm))
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", *entry, 0, 0, 0, 0, 0, off) + nm)
        cd, cd_off = b"".join(central), f.tell()
        f.write(cd)
        n = len(central)
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(cd), cd_off, 0))
    return path


def write_gzip(path: Path, blob: Blob) -> Path:
    head = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03"
    tail = struct.pack("<II", blob.crc(), blob.size & 0xFFFFFFFF)
    path.write_bytes(head + blob.deflated() + tail)
    return path


def idx_header(code: int, shape: tuple) -> bytes:
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


# ------------------------------------------------------------------------------------ models
def good_model(path: Path) -> Path:
    """A real model: D=64, H=32, L=3, C=10, standard scaling."""
    import npmlp

    net = npmlp.MLP(64, 32, 3, 10, seed=0)
    net.preprocessing = npmlp.Preprocessing.fit(
        "standard", np.random.default_rng(0).standard_normal((50, 64))
    )
    npmlp.save(net, path)
    return path


def model_arrays(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def rewrite_model(src: Path, dst: Path, change) -> Path:
    """``dst``: the arrays of ``src`` after ``change(arrays, meta)`` (both changed in place);
    the metadata is written back from ``meta`` unless ``change`` replaced the array itself."""
    arrays = model_arrays(src)
    original = arrays["metadata"]
    meta = json.loads(str(original))
    change(arrays, meta)
    if arrays.get("metadata") is original:
        arrays["metadata"] = np.array(json.dumps(meta))
    np.savez(dst, **arrays)
    return dst


def members_of(arrays: dict) -> list:
    return [(f"{k}.npy", npy_bytes(v), "stored") for k, v in arrays.items()]


def rows_csv(path: Path, D: int = 64) -> Path:
    rows = np.random.default_rng(1).standard_normal((3, D))
    path.write_text("\n".join(",".join(f"{v:.4f}" for v in r) for r in rows) + "\n")
    return path


# ------------------------------------------------------------------------------------ cases
@dataclass
class Case:
    name: str
    what: str  # one line for the table
    argv: list  # npmlp's arguments
    expect: str  # regex the single stderr line must match after "npmlp: error: "
    env: dict = field(default_factory=dict)
    rc: int = 2
    deadline: float | None = None  # run through the harness with this download deadline
    stdout: str | None = None  # for a case that must succeed: a regex its output contains


NOT_REGULAR = r"is not a regular file \(a FIFO, device or socket\); give a file"
REDO = "; train or copy it again"


def folder(root: Path, name: str) -> Path:
    d = root / name
    d.mkdir(parents=True, exist_ok=True)
    return d


def esc(path) -> str:
    return re.escape(str(path))


def info_case(name, what, path, expect, **kw) -> Case:
    return Case(name, what, ["data", "info", str(path)], f"{esc(path)}: {expect}", **kw)
