"""Reading files that may come from someone else: sizes checked before anything is allocated.

Every reader in npmlp goes through these helpers:

- :func:`file_kind` / :func:`open_regular`: a path must be a regular file (symlinks are followed,
  then checked). A FIFO, a device or a socket is refused at once instead of blocking forever
  or streaming without end; the open is non-blocking, so a FIFO swapped in after the check
  cannot hang either.
- :func:`read_npy_header`: an ``.npy`` header read with a cap on its length, parsed by NumPy's
  own ``read_array_header_1_0`` / ``2_0``, its declared size computed exactly (Python ints).
- :func:`inspect_npz` / :func:`read_member`: an ``.npz`` archive's members, each header
  checked against the member's uncompressed size, that size against the compressed bytes on
  disk (deflate cannot expand more than 1032 times), all of it capped, before any array is
  allocated; then each member read straight into its array (no second copy).
- :func:`allocate`: ``np.empty`` that turns a MemoryError into a one-line :class:`FileRefused`.

A problem is a :class:`FileRefused` whose text is one line; each caller adds the path and its
own advice (a data file or a model file).
"""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
from dataclasses import dataclass

import numpy as np

from .memory import human_bytes

__all__ = [
    "FileRefused",
    "NpyHeader",
    "Member",
    "file_kind",
    "open_regular",
    "read_npy_header",
    "open_npz",
    "inspect_npz",
    "read_member",
    "read_into",
    "read_exact",
    "allocate",
    "human_bytes",
    "MAX_ARRAY_BYTES",
    "MAX_NPY_HEADER",
    "MAX_MEMBERS",
]

MAX_ARRAY_BYTES = 4 << 30  # one array read whole: more is refused (stream a big .npy instead)
MAX_NPY_HEADER = 1 << 16  # NumPy itself writes headers of a few hundred bytes
MAX_MEMBERS = 4096  # arrays in one .npz
DEFLATE_MAX_RATIO = 1032  # the most a deflate stream can expand
_MAGIC = b"\x93NUMPY"


class FileRefused(ValueError):
    """A file is unusable: ``kind`` is ``"pickle"``, ``"corrupt"``, ``"big"`` or ``"memory"``."""

    def __init__(self, why: str, kind: str = "corrupt"):
        super().__init__(why)
        self.kind = kind


# ------------------------------------------------------------------------ regular files only
def file_kind(path) -> tuple[str, int]:
    """``("file", size)``, or ``("missing" | "folder" | "special", 0)``; symlinks followed.

    ``os.stat`` never opens the file, so a FIFO or a device is recognised without blocking.
    Raises OSError (permission denied on a parent folder, a symlink loop...).
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "missing", 0
    except NotADirectoryError:
        return "missing", 0
    if stat.S_ISDIR(st.st_mode):
        return "folder", 0
    if not stat.S_ISREG(st.st_mode):
        return "special", 0
    return "file", st.st_size


SPECIAL = "is not a regular file (a FIFO, device or socket); give a file"


def open_regular(path, *, follow: bool = True):
    """Open ``path`` for binary reading, refusing anything but a regular file.

    Opened with ``O_NONBLOCK`` (no effect on a regular file) and checked with ``fstat``, so a
    FIFO put in place after :func:`file_kind` still cannot block the open. ``follow=False``
    adds ``O_NOFOLLOW``: a symbolic link is refused (OSError ``ELOOP``), not followed.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags if follow else flags | os.O_NOFOLLOW)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FileRefused(SPECIAL, "special")
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


# ---------------------------------------------------------------------------------- reading
def read_into(f, buf: np.ndarray) -> int:
    """Fill the C-contiguous array ``buf`` from the stream ``f``; returns the bytes read."""
    if buf.nbytes == 0:
        return 0
    view = memoryview(buf.reshape(-1).view(np.uint8))
    done = 0
    while done < len(view):
        got = f.readinto(view[done : done + (8 << 20)])
        if not got:
            break
        done += got
    return done


def read_exact(f, n: int) -> bytes:
    """Up to ``n`` bytes of ``f``: fewer only where the file ends."""
    data = b""
    while len(data) < n:
        chunk = f.read(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def allocate(shape, dtype, order: str = "C") -> np.ndarray:
    """``np.empty(shape, dtype)``; a MemoryError becomes a one-line FileRefused."""
    try:
        return np.empty(shape, dtype, order=order)
    except (MemoryError, ValueError):
        nbytes = int(np.prod([int(s) for s in shape], dtype=object)) * np.dtype(dtype).itemsize
        raise FileRefused(
            f"needs {human_bytes(nbytes)} of memory for an array of shape {tuple(shape)}, "
            "more than this machine can give",
            "memory",
        ) from None


# -------------------------------------------------------------------------------- .npy header
@dataclass
class NpyHeader:
    """What an ``.npy`` header declares; ``offset`` is where the data starts."""

    shape: tuple
    dtype: np.dtype
    fortran: bool
    offset: int
    nbytes: int


def _npy_preamble(f) -> tuple[bytes, tuple, int]:
    """``(bytes read, (major, minor) version, header length)`` of a ``.npy``'s first bytes."""
    head = read_exact(f, 10)
    if len(head) < 10 or head[:6] != _MAGIC:
        raise FileRefused("not a NumPy array (bad .npy magic number)")
    version = (head[6], head[7])
    if version == (1, 0):
        return head, version, struct.unpack("<H", head[8:10])[0]
    if version != (2, 0):
        raise FileRefused(f".npy format version {version[0]}.{version[1]} is not supported")
    head += read_exact(f, 2)
    if len(head) < 12:
        raise FileRefused("the .npy header is cut short")
    return head, version, struct.unpack("<I", head[8:12])[0]


def _declared_bytes(shape, dtype) -> int:
    """The bytes a header's shape and dtype declare; Python objects and bad shapes refused."""
    if dtype.hasobject:
        raise FileRefused("holds Python objects (pickle)", "pickle")
    if any(not isinstance(s, int) or s < 0 for s in shape):
        raise FileRefused(f"bad .npy header (shape {shape})")
    count = 1
    for s in shape:
        count *= s
    return count * dtype.itemsize


def read_npy_header(f, *, cap: int = MAX_ARRAY_BYTES) -> NpyHeader:
    """Read and check the header at the stream's position; the stream is left at the data.

    Refuses (FileRefused): a bad magic, a header longer than :data:`MAX_NPY_HEADER`, Python
    objects (``kind="pickle"``), a declared size over ``cap`` (``kind="big"``).
    """
    head, version, hlen = _npy_preamble(f)
    if hlen > MAX_NPY_HEADER:
        raise FileRefused(f"the .npy header claims {hlen} bytes (at most {MAX_NPY_HEADER})")
    body = read_exact(f, hlen)
    if len(body) < hlen:
        raise FileRefused("the .npy header is cut short")
    buf = io.BytesIO(head + body)
    try:
        np.lib.format.read_magic(buf)
        reader = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, fortran, dtype = reader(buf, max_header_size=MAX_NPY_HEADER)
    except Exception as e:  # NumPy's header parser on untrusted bytes (tokenize, ast...)
        msg = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
        raise FileRefused(f"bad .npy header ({msg})") from None
    nbytes = _declared_bytes(shape, dtype)
    if nbytes > cap:
        raise FileRefused(
            f"declares an array of shape {tuple(shape)} ({human_bytes(nbytes)}), more than "
            f"npmlp reads whole ({human_bytes(cap)})",
            "big",
        )
    return NpyHeader(tuple(shape), dtype, bool(fortran), len(head) + hlen, nbytes)


# -------------------------------------------------------------------------------------- .npz
@dataclass
class Member:
    """One ``.npy`` member of an ``.npz`` archive, its header already checked."""

    info: zipfile.ZipInfo
    header: NpyHeader


def _zip_entry_count(f) -> int | None:
    """Entries declared by the end-of-central-directory record, or None if none is found."""
    f.seek(0, os.SEEK_END)
    size = f.tell()
    f.seek(max(0, size - (1 << 16) - 22))
    tail = f.read()
    pos = tail.rfind(b"PK\x05\x06")
    f.seek(0)
    if pos < 0 or pos + 22 > len(tail):
        return None
    return struct.unpack("<H", tail[pos + 10 : pos + 12])[0]


def open_npz(f) -> zipfile.ZipFile:
    """A ZipFile over ``f`` once its entry count is known to be at most :data:`MAX_MEMBERS`.

    Checked before ``zipfile`` builds one object per entry (a small file can declare many).
    """
    count = _zip_entry_count(f)
    if count is not None and count > MAX_MEMBERS:
        raise FileRefused(f"the archive declares {count} members (at most {MAX_MEMBERS})")
    return zipfile.ZipFile(f)


def inspect_npz(zf: zipfile.ZipFile, names=None, *, cap: int = MAX_ARRAY_BYTES) -> dict:
    """``{array name: Member}`` for the members named ``names`` (all when None).

    Each member must be a ``.npy``, stored or deflated, not encrypted; its header's data size
    must equal the member's uncompressed size, which must be possible from its compressed size.
    Only headers are decompressed (a few hundred bytes per member).
    """
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise FileRefused(f"the archive holds {len(infos)} members (at most {MAX_MEMBERS})")
    seen, out = set(), {}
    for info in infos:
        name = info.filename
        if name in seen:
            raise FileRefused(f"the archive holds {name!r} twice")
        seen.add(name)
        key = name[:-4] if name.endswith(".npy") else name
        if names is not None and key not in names:
            continue  # never decompressed
        _check_entry(info)
        with zf.open(info) as m:
            try:
                header = read_npy_header(m, cap=cap)
            except FileRefused as e:
                raise FileRefused(f"member {key!r}: {e}", e.kind) from None
        if header.offset + header.nbytes != info.file_size:
            raise FileRefused(
                f"member {key!r} declares shape {header.shape} of {header.dtype} "
                f"({header.nbytes} bytes) but holds {info.file_size - header.offset}"
            )
        out[key] = Member(info, header)
    return out


def _check_entry(info: zipfile.ZipInfo) -> None:
    """A ``.npy`` member, stored or deflated, not encrypted, whose size its compression can
    give."""
    name = info.filename
    if not name.endswith(".npy") or info.is_dir():
        raise FileRefused(f"member {name!r} is not a .npy array")
    if info.flag_bits & 0x1:
        raise FileRefused(f"member {name!r} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise FileRefused(
            f"member {name!r} uses compression method {info.compress_type} "
            "(NumPy writes stored or deflated members)"
        )
    bound = info.compress_size * (1 if info.compress_type == zipfile.ZIP_STORED else 1032)
    if info.file_size > bound + 64:
        raise FileRefused(
            f"member {name!r} claims {info.file_size} bytes from "
            f"{info.compress_size} on disk, which its compression cannot give"
        )


def read_member(zf: zipfile.ZipFile, member: Member, out: np.ndarray | None = None) -> np.ndarray:
    """The member's array, read into ``out`` (C-contiguous, its shape and dtype) or a new one.

    The zip layer checks the CRC when the last byte is read.
    """
    h = member.header
    if out is None:
        out = allocate(h.shape, h.dtype, "F" if h.fortran else "C")
    with zf.open(member.info) as f:
        f.read(h.offset)
        target = out.T if h.fortran else out  # Fortran bytes are the C bytes of the transpose
        got = read_into(f, target)
        if got != h.nbytes or f.read(1):
            raise FileRefused(f"member {member.info.filename[:-4]!r} is truncated")
    return out
