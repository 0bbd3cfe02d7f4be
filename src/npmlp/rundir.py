"""A run folder written as one unit: ``--out DIR`` holds one whole run, never a mix of two.

Whatever stops the process (an error, Ctrl-C, SIGTERM, SIGKILL, a power cut after the last
``fsync``), DIR holds either the previous whole run or the new whole run. The pieces live
beside DIR, in its parent folder, hidden and named after it:

``.DIR.lock``
    held with ``flock`` while a run writes DIR; it holds the writer's PID and start time. A
    second run into DIR is refused with those. The kernel drops the lock when its process
    dies, however it dies, so the file a killed run leaves behind is taken over without any
    guess about PIDs (a PID may be reused; ``os.kill(pid, 0)`` cannot tell).
``.DIR.tmp-PID/``
    the new run is written here, then swapped in: ``renameat2(RENAME_EXCHANGE)`` (Linux)
    exchanges the two folders in one step and the old run, now at the temporary name, is
    removed. Where that call is missing, DIR is renamed to ``.DIR.old-PID`` and the new folder
    to DIR: between those two renames DIR does not exist, and the next run into DIR finishes
    the swap (or undoes it) before anything else, from the manifest.
``.DIR.ckpt/checkpoint.npz``
    the checkpoint of the run in progress (:mod:`npmlp.checkpoint`), where
    ``npmlp train --resume DIR`` finds it; removed once a run is published whole.

Every run folder ends with ``run.json``, written last: the run's id and the sha256 of every
other file. :func:`check_run` checks a folder against it. A leaf module (it imports only
:mod:`npmlp.atomic` and :mod:`npmlp.errors`).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from .atomic import atomic_write
from .errors import NpmlpError

__all__ = ["RunFolder", "check_run", "MANIFEST", "RUN_FILES"]

MANIFEST = "run.json"
RUN_FILES = ("model.npz", "history.csv", "metrics.json", "report.html", "checkpoint.npz", MANIFEST)
PICTURES = (".png", ".gif", ".svg")
_RENAME_EXCHANGE = 2


def _is_run_file(path: Path) -> bool:
    """A file ``npmlp train`` writes, or the temporary file of one (a crash's leftover)."""
    return path.is_file() and (path.name in RUN_FILES or path.name.endswith(PICTURES + (".tmp",)))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_cwd = -100
    if renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def check_run(folder) -> dict:
    """The manifest of a whole run folder; :class:`NpmlpError` unless the folder holds exactly
    the files it lists, with their sha256."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        listed = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise NpmlpError(f"{folder}: no readable {MANIFEST} ({e})") from e
    present = sorted(p.name for p in folder.iterdir() if p.name != MANIFEST)
    if present != sorted(listed):
        raise NpmlpError(f"{folder}: holds {present}, its {MANIFEST} lists {sorted(listed)}")
    for name, digest in listed.items():
        if _sha256(folder / name) != digest:
            raise NpmlpError(f"{folder}/{name}: not the file its {MANIFEST} lists (sha256)")
    return manifest


def _whole(folder: Path) -> bool:
    try:
        check_run(folder)
        return True
    except NpmlpError:
        return False


class RunFolder:
    """The folder ``out`` of one run and its hidden neighbours (see the module docstring)."""

    def __init__(self, out):
        self.shown = Path(out)  # as the user wrote it, for messages
        self.path = Path(os.path.realpath(out))  # a link is followed: its target is replaced
        parent, name = self.path.parent, self.path.name
        self.lock_path = parent / f".{name}.lock"
        self.checkpoint_dir = parent / f".{name}.ckpt"
        self.checkpoint = self.checkpoint_dir / "checkpoint.npz"
        self.stage = parent / f".{name}.tmp-{os.getpid()}"
        self._old = parent / f".{name}.old-{os.getpid()}"
        self._lock_fd: int | None = None

    # ------------------------------------------------------------------ before training
    def check(self) -> None:
        """Refuse, in one line, an ``--out`` that cannot take a run (before any training)."""
        out = self.shown
        if self.path.exists() and not self.path.is_dir():
            raise NpmlpError(f"--out {out} is a file; give a folder (new, empty or a past run)")
        if self.path == self.path.parent:
            raise NpmlpError(f"--out {out}: a run folder cannot be the root folder")
        if self.path.is_dir():
            names = sorted(p.name for p in self.path.iterdir())
            foreign = [n for n in names if not _is_run_file(self.path / n)]
            if names and not foreign and not set(names) & set(RUN_FILES):
                foreign = names  # pictures alone (a folder of photos?) are not a run
            if foreign:
                raise NpmlpError(
                    f"--out {out} holds {', '.join(foreign[:3])}"
                    f"{', ...' if len(foreign) > 3 else ''}, not from 'npmlp train'; the run "
                    "replaces the whole folder, so give a new or empty folder or a past run's"
                )
        ancestor = self.path.parent
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise NpmlpError(f"--out {out}: {ancestor} is a file, not a folder")
        try:  # a real write: access() says yes to root on read-only or special file systems
            os.rmdir(tempfile.mkdtemp(prefix=".npmlp-probe-", dir=ancestor))
        except OSError as e:
            raise NpmlpError(f"--out {out}: cannot write in {ancestor} ({e.strerror})") from e

    # ------------------------------------------------------------------ the lock
    @contextlib.contextmanager
    def locked(self, *, new_run: bool, blocked=contextlib.nullcontext):
        """Hold the lock, tidy what a killed run left, and on the way out remove the staging
        folder. ``new_run`` also drops an older run's checkpoint. ``blocked`` (see
        :meth:`publish`) holds signals back while the lock is taken and while it is let go, so
        that a handled signal cannot leave the lock file behind."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with blocked():
                self._acquire()  # another run holds it: NpmlpError, and nothing is ours to undo
            self._recover()
            if new_run:
                shutil.rmtree(self.checkpoint_dir, ignore_errors=True)
            self.checkpoint_dir.mkdir(exist_ok=True)
            yield self
        finally:
            if self._lock_fd is not None:  # ours
                with blocked():  # a signal now is handled once the lock is gone
                    shutil.rmtree(self.stage, ignore_errors=True)
                    with contextlib.suppress(OSError):  # empty: no checkpoint was written
                        self.checkpoint_dir.rmdir()
                    self._release()

    def _acquire(self) -> None:
        while True:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 4096).decode(errors="replace")
                os.close(fd)
                try:
                    info = json.loads(holder)
                    who = f"pid {info['pid']}, started {info['started']}"
                except (ValueError, KeyError, TypeError):
                    who = "starting"
                raise NpmlpError(
                    f"--out {self.shown} is being written by another 'npmlp train' ({who}); "
                    "wait for it to finish or give another --out"
                ) from None
            try:  # the file may have been removed by its last holder before we locked it
                same = os.fstat(fd).st_ino == os.stat(self.lock_path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        self._lock_fd = fd  # held from here on: released on the way out, whatever happens
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "started": started}).encode())

    def _release(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(FileNotFoundError):
                self.lock_path.unlink()  # while still holding it: see _acquire
            os.close(self._lock_fd)
            self._lock_fd = None

    def _recover(self) -> None:
        """Finish or undo the swap of a run killed between two renames; remove leftovers."""
        parent, name = self.path.parent, self.path.name
        stale = sorted(
            p
            for p in parent.iterdir()
            if p.name.startswith((f".{name}.tmp-", f".{name}.old-")) and p.is_dir()
        )
        if not self.path.exists():
            whole = [p for p in stale if ".tmp-" in p.name and _whole(p)]
            old = [p for p in stale if ".old-" in p.name]
            if whole or old:
                os.rename((whole or old)[0], self.path)
                _fsync_dir(parent)
        for p in stale:
            shutil.rmtree(p, ignore_errors=True)
        if self.checkpoint_dir.is_dir():
            for p in self.checkpoint_dir.iterdir():
                if p.name != self.checkpoint.name:
                    p.unlink()  # a write cut short

    # ------------------------------------------------------------------ publishing
    def new_stage(self) -> Path:
        """An empty staging folder for the run's files."""
        shutil.rmtree(self.stage, ignore_errors=True)
        self.stage.mkdir()
        return self.stage

    def publish(self, run_id: str, info: dict, blocked=contextlib.nullcontext) -> None:
        """Write the manifest into the staging folder and swap it in as DIR.

        ``info`` goes into the manifest; ``blocked`` is a context manager that holds signals
        back during the swap (:meth:`npmlp.interrupt.Signals.blocked`).
        """
        files = {p.name: _sha256(p) for p in sorted(self.stage.iterdir())}
        with atomic_write(self.stage / MANIFEST, "w") as f:
            json.dump(
                {"format": "npmlp-run", "run_id": run_id, **info, "files": files}, f, indent=1
            )
            f.write("\n")
        _fsync_dir(self.stage)
        parent = self.path.parent
        with blocked():
            if not self.path.exists():
                os.rename(self.stage, self.path)
            elif not _exchange(self.stage, self.path):
                os.rename(self.path, self._old)  # DIR is missing until the next rename
                os.rename(self.stage, self.path)
                os.rename(self._old, self.stage)
            _fsync_dir(parent)
        shutil.rmtree(self.stage, ignore_errors=True)  # the previous run

    def drop_checkpoint(self) -> None:
        shutil.rmtree(self.checkpoint_dir, ignore_errors=True)
