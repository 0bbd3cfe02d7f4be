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
    the checkpoint of the run in progress (:mod:`npmlp.train.checkpoint`), where
    ``npmlp train --resume DIR`` finds it; removed once a run is published whole.

Every run folder ends with ``run.json``, written last: the run's id and the sha256 of every
other file. :func:`check_run` checks a folder against it. A folder is replaced only when it is
empty or a whole run (its ``run.json`` checked): a user's folder is never taken for a run.

Nothing beside DIR is trusted: a link or a special file (FIFO, device, socket) at one of the
hidden names above, or as a file of a run being checked, is refused in one line naming it,
never followed, opened or deleted (``lstat`` first, then ``O_NOFOLLOW | O_NONBLOCK``); only
files npmlp writes are ever deleted. A leaf module (it imports only :mod:`npmlp.core.atomic` and
:mod:`npmlp.core.errors`).
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
import stat
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
MAX_MANIFEST = 1 << 20  # npmlp writes a few hundred bytes
_NOFOLLOW = os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def kind_of(path: Path) -> str:
    """``"missing"``, ``"link"``, ``"folder"``, ``"file"`` or ``"special"``; never follows a
    link (``lstat``)."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "special"


def refuse_odd(path: Path, allowed: tuple = ("missing", "folder")) -> str:
    """The kind of ``path`` if it is one of ``allowed``; else :class:`NpmlpError` naming it."""
    kind = kind_of(path)
    if kind in allowed:
        return kind
    what = {
        "link": "a symbolic link",
        "special": "a FIFO, device or socket",
        "file": "a file",
        "folder": "a folder",
    }[kind]
    raise NpmlpError(
        f"{path}: is {what}, not a file npmlp wrote; npmlp neither follows nor removes it: "
        "remove it yourself or give another --out"
    )


def _open_plain(path: Path, flags: int = os.O_RDONLY, mode: int = 0o644) -> int:
    """A descriptor on the regular file ``path``, opened without following a link or blocking
    on a FIFO; OSError (ELOOP for a link) or NpmlpError for anything but a regular file."""
    fd = os.open(path, flags | _NOFOLLOW, mode)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        refuse_odd(path, ())
    return fd


def _is_run_file(path: Path) -> bool:
    """A file ``npmlp train`` writes, or the temporary file of one (a crash's leftover)."""
    return kind_of(path) == "file" and (
        path.name in RUN_FILES or path.name.endswith(PICTURES + (".tmp",))
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with os.fdopen(_open_plain(path), "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_manifest(folder: Path) -> dict:
    """``folder/run.json`` read as a regular file of at most :data:`MAX_MANIFEST` bytes."""
    with os.fdopen(_open_plain(folder / MANIFEST), "rb") as f:
        text = f.read(MAX_MANIFEST + 1)
    if len(text) > MAX_MANIFEST:
        raise ValueError(f"longer than {MAX_MANIFEST} bytes")
    manifest = json.loads(text)
    if not isinstance(manifest, dict) or manifest.get("format") != "npmlp-run":
        raise ValueError("not npmlp's")
    if not isinstance(manifest.get("files"), dict):
        raise TypeError("no list of files")
    return manifest


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
        manifest = _read_manifest(folder)
        listed = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as e:
        why = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
        raise NpmlpError(f"{folder}: no readable {MANIFEST} ({why})") from None
    present = sorted(p.name for p in folder.iterdir() if p.name != MANIFEST)
    if present != sorted(listed):
        raise NpmlpError(f"{folder}: holds {present}, its {MANIFEST} lists {sorted(listed)}")
    for name, digest in listed.items():
        try:
            same = _sha256(folder / name) == digest
        except OSError as e:
            raise NpmlpError(f"{folder}/{name}: cannot read it ({e.strerror})") from None
        if not same:
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
            if names and not foreign and not _whole(self.path):
                foreign = names  # run files without their checked run.json: not a past run
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
        self.check_neighbours()

    def check_neighbours(self) -> None:
        """Refuse a link or a special file at DIR's hidden names (see the module docstring)."""
        refuse_odd(self.lock_path, ("missing", "file"))
        refuse_odd(self.checkpoint_dir)
        refuse_odd(self.checkpoint, ("missing", "file"))
        for p in self._stale(links=True):
            refuse_odd(p)

    def _stale(self, links: bool = False) -> list:
        """The staging and set-aside folders that earlier runs into DIR left (with ``links``:
        anything at those names)."""
        parent, name = self.path.parent, self.path.name
        if not parent.is_dir():
            return []
        prefixes = (f".{name}.tmp-", f".{name}.old-")
        return sorted(
            p
            for p in parent.iterdir()
            if p.name.startswith(prefixes) and (links or kind_of(p) == "folder")
        )

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
            self.check_neighbours()
            self._recover()
            if new_run:
                self.drop_checkpoint()
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
            try:
                fd = _open_plain(self.lock_path, os.O_RDWR | os.O_CREAT)
            except OSError as e:  # ELOOP: a link put there after check_neighbours
                raise NpmlpError(
                    f"{self.lock_path}: cannot take the lock ({e.strerror}); remove it"
                ) from None
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
                same = os.fstat(fd).st_ino == os.lstat(self.lock_path).st_ino
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
        parent = self.path.parent
        stale = self._stale()
        if not self.path.exists():
            whole = [p for p in stale if ".tmp-" in p.name and _whole(p)]
            old = [p for p in stale if ".old-" in p.name]
            if whole or old:
                os.rename((whole or old)[0], self.path)
                _fsync_dir(parent)
        for p in stale:
            shutil.rmtree(p, ignore_errors=True)  # removes links inside, never follows them
        self._remove_partial_checkpoints()

    def _remove_partial_checkpoints(self) -> None:
        """Remove the temporary files of checkpoint writes cut short (and nothing else)."""
        if kind_of(self.checkpoint_dir) != "folder":
            return
        partial = f".{self.checkpoint.name}."
        for p in self.checkpoint_dir.iterdir():
            if p.name.startswith(partial) and p.name.endswith(".tmp") and kind_of(p) == "file":
                p.unlink()

    # ------------------------------------------------------------------ publishing
    def new_stage(self) -> Path:
        """An empty staging folder for the run's files."""
        shutil.rmtree(self.stage, ignore_errors=True)
        self.stage.mkdir()
        return self.stage

    def publish(self, run_id: str, info: dict, blocked=contextlib.nullcontext) -> None:
        """Write the manifest into the staging folder and swap it in as DIR.

        ``info`` goes into the manifest; ``blocked`` is a context manager that holds signals
        back during the swap (:meth:`npmlp.core.interrupt.Signals.blocked`).
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
        """Remove the checkpoint and the checkpoint folder if nothing else is in it."""
        if kind_of(self.checkpoint_dir) != "folder":
            return
        if kind_of(self.checkpoint) == "file":
            self.checkpoint.unlink()
        self._remove_partial_checkpoints()
        with contextlib.suppress(OSError):  # something npmlp did not write: left alone
            self.checkpoint_dir.rmdir()
