"""Files written whole or not at all.

Every write goes to a temporary file in the target folder that is renamed over the target only
when complete, so a crash never leaves a half-written file and never destroys the previous one.
A target that is a FIFO, a device or a socket is refused (:class:`SpecialTarget`) before
anything is written: renaming over it would replace the node itself (as root, ``/dev/null``).
A symbolic link at the target is replaced by the file, never followed. A leaf module: it
imports only :mod:`npmlp.core.errors`. A full disk's OSError names the target.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from .errors import NpmlpError

__all__ = ["atomic_write", "atomic_path", "current_umask", "check_target", "SpecialTarget"]


_NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class SpecialTarget(NpmlpError):
    """The path to write is a FIFO, a device or a socket."""


def check_target(path) -> None:
    """Refuse (:class:`SpecialTarget`) a ``path`` that is a FIFO, a device or a socket
    (``lstat``: a link is not followed, it is what gets replaced)."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode) or stat.S_ISDIR(mode)):
        raise SpecialTarget(
            f"{path}: is a FIFO, device or socket, not a file npmlp may replace; "
            "give the name of a regular file"
        )


def current_umask() -> int:
    """The process umask, read without changing it (``/proc``); ``0o022`` where unreadable.

    ``os.umask`` can only be read by setting it, which for a moment changes the permissions
    of files that other threads create: not done here.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


@contextlib.contextmanager
def _temporary(path: Path, prefix: str, suffix: str):
    """Yield ``(fd, tmp)`` for a new file beside ``path``; rename it over ``path`` on success."""
    check_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600; give the usual permissions
    try:
        yield fd, tmp
        check_target(path)  # a FIFO put there while the file was written
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if e.filename is None and e.errno in _NO_SPACE:  # name the file it was for
            raise OSError(e.errno, e.strerror, str(path)) from e
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", **kwargs):
    """Open a temporary file next to ``path``; on success rename it over ``path``.

    On any exception the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    with _temporary(path, f".{path.name}.", ".tmp") as (fd, _):
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path with ``path``'s suffix, renamed over ``path`` on success.

    For writers that want a file name (matplotlib's movie writers) rather than a file object.
    """
    path = Path(path)
    with _temporary(path, f".{path.stem}.", path.suffix) as (fd, tmp):
        os.close(fd)
        yield tmp
