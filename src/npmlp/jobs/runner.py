"""``npmlp train --out DIR`` as one unit that survives Ctrl-C, SIGTERM and SIGKILL.

:func:`run_job` runs :func:`npmlp.jobs.job.train_run` with:

- a :class:`~npmlp.train.checkpoint.Checkpointer` writing DIR's checkpoint (``.DIR.ckpt/``, see
  :mod:`npmlp.core.rundir`) at the end of an epoch, at most every ``checkpoint_every`` seconds
  (and inside epochs longer than that), at the end of training, and on a signal;
- the signals of :mod:`npmlp.core.interrupt` deferred while training: Ctrl-C or SIGTERM finishes the
  batch, writes the checkpoint and then the run's files with ``"interrupted": true`` in
  ``metrics.json``; the command exits 130 or 143;
- the files written into a staging folder and swapped in whole
  (:class:`~npmlp.core.rundir.RunFolder`), ``run.json`` listing each with its sha256 under the
  run's id (also in ``metrics.json``), and DIR's lock held throughout;
- ``shown``, called with the result once training has ended and before any file is written:
  ``npmlp train`` prints its table there, so the pictures and ``report.html`` never delay it.

:func:`read_checkpoint` reads DIR's checkpoint back for ``npmlp train --resume DIR``: the run
settings, the job's options and the :class:`~npmlp.train.checkpoint.TrainState`; a finished run keeps
its last state as ``DIR/checkpoint.npz``, so ``--resume DIR --epochs N`` extends it. The data is loaded
again from the settings and must hash as it did (:func:`data_fingerprint`), so the resumed run
ends with the weights of the run left alone, bit for bit.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.errors import NpmlpError
from ..core.interrupt import Interrupted, Signals
from ..core.rows import iter_chunks
from ..core.rundir import RunFolder
from ..train.checkpoint import Checkpointer, TrainState, load_state
from .job import RunResult, RunSettings, train_run, write_run

__all__ = ["run_job", "check_job", "read_checkpoint", "data_fingerprint", "Outcome", "JobOptions"]


@dataclass
class JobOptions:
    """What ``npmlp train`` adds to :class:`~npmlp.jobs.job.RunSettings`; kept in checkpoints."""

    pictures: bool = True
    checkpoint_every: float = 2.0
    data_sha256: str = ""


@dataclass
class Outcome:
    result: RunResult
    signal: str | None  # "SIGINT" or "SIGTERM" when a signal stopped training
    saved: tuple[int, int] | None  # (epochs, batches of the next epoch) of the last checkpoint
    run_id: str | None
    files: list[Path]  # in DIR once published


def data_fingerprint(ds) -> str:
    """sha256 of the data set's rows, labels and given test part (read by blocks)."""
    h = hashlib.sha256()
    for part in (ds.X, ds.y, ds.X_test, ds.y_test):
        if part is None:
            h.update(b"none")
            continue
        h.update(f"{part.dtype}{tuple(part.shape)}".encode())
        for _, block in iter_chunks(part):
            h.update(np.ascontiguousarray(block).data)
    return h.hexdigest()


FINAL_STATE = "checkpoint.npz"  # a finished run's last state, in its folder: it can be extended


def read_checkpoint(folder) -> tuple[RunSettings, JobOptions, TrainState]:
    """The settings, options and state to continue the run in ``folder``: the checkpoint that
    a stopped run left, or the last state of a finished one (``DIR/checkpoint.npz``);
    :class:`NpmlpError` when there is neither. A link or a FIFO at either is refused."""
    run_folder = RunFolder(folder)
    run_folder.check_neighbours()  # a link or a FIFO there is refused, never followed
    ckpt = run_folder.checkpoint
    if not ckpt.exists():
        ckpt = Path(folder) / FINAL_STATE
    if not ckpt.exists():
        raise NpmlpError(
            f"--resume {folder}: no checkpoint ({RunFolder(folder).checkpoint}) and no finished "
            f"run's {FINAL_STATE}; a run into --out {folder} leaves one when it is stopped or "
            "when it finishes"
        )
    state = load_state(ckpt)
    try:
        settings = RunSettings.from_dict(state.settings["run"])
        options = JobOptions(**dict(state.settings["job"], data_sha256=""))  # see check_job
    except (KeyError, TypeError, ValueError) as e:  # ValueError: NpmlpError of a setting
        why = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
        raise NpmlpError(
            f"{ckpt}: the checkpoint's run settings are not usable ({why}); start the run over "
            "without --resume (that replaces the checkpoint)"
        ) from None
    return settings, options, state


def check_job(settings, dataset, out=None, options=None, resume=None) -> JobOptions:
    """What can be refused before training: a bad ``out`` (:meth:`RunFolder.check`), data that
    changed since ``resume`` was saved. Returns ``options`` with the data's sha256 set."""
    options = options or JobOptions()
    if out is not None:
        RunFolder(out).check()
    options.data_sha256 = data_fingerprint(dataset)
    if resume is not None and resume.settings["job"]["data_sha256"] != options.data_sha256:
        raise NpmlpError(
            f"--resume: the data {settings.data} has changed since the checkpoint; the run "
            "can only continue on the same rows"
        )
    return options


def run_job(
    settings: RunSettings,
    dataset,
    out=None,
    *,
    options: JobOptions | None = None,
    resume: TrainState | None = None,
    callbacks=(),
    signals: Signals | None = None,
    shown=None,
) -> Outcome:
    """Train, checkpoint and (with ``out``) publish the run folder; see the module docstring.

    ``callbacks`` hear the training loop's events (:mod:`npmlp.callbacks`). ``shown(result)``
    is called after training, before the run's files are written (its metrics hold the run id
    and ``interrupted`` already).
    ``signals``: an entered :class:`~npmlp.core.interrupt.Signals` (none: signals act as usual).
    :func:`check_job` runs first unless ``options`` come from it.
    """
    if options is None or not options.data_sha256:
        options = check_job(settings, dataset, out, options, resume)
    signals = signals or Signals()
    folder = RunFolder(out) if out is not None else None
    try:
        return _run(
            settings,
            dataset,
            folder,
            options=options,
            resume=resume,
            callbacks=callbacks,
            signals=signals,
            shown=shown or (lambda result: None),
        )
    except Interrupted as e:  # a second signal, or one while the files were written
        if folder is not None and folder.checkpoint.exists():
            e.hint = f"; its last checkpoint is kept: continue with 'npmlp train --resume {out}'"
        raise
    except OSError as e:
        if folder is None or e.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise
        then = "run it again"
        if folder.checkpoint.exists():
            then = f"continue with 'npmlp train --resume {out}' (its last checkpoint is kept)"
        raise NpmlpError(f"{e.filename}: {e.strerror}; free some space, then {then}") from None


def _run(settings, dataset, folder, *, options, resume, callbacks, signals, shown) -> Outcome:
    job = {"run": settings.to_dict(), "job": vars(options)}
    lock = folder.locked(new_run=resume is None, blocked=signals.blocked) if folder else None
    with lock if lock is not None else contextlib.nullcontext():
        ckpt = Checkpointer(
            folder.checkpoint if folder else None,
            options.checkpoint_every,
            interrupted=lambda: signals.received is not None,
            decorate=lambda state: state.settings.update(job),
        )
        try:
            with signals.deferred():
                result = train_run(settings, [*callbacks, ckpt], dataset, resume=resume)
        except NpmlpError:  # diverged: its checkpoint would diverge again
            if folder is not None and resume is None:
                folder.drop_checkpoint()
            raise
        interrupted = result.history.interrupted
        if signals.received is not None and not interrupted:  # after the last checkpoint
            raise Interrupted(signals.received)
        result.metrics["interrupted"] = interrupted
        run_id, files = None, []
        if folder is not None:
            run_id = result.metrics["run_id"] = uuid.uuid4().hex
        shown(result)
        if folder is not None:
            files = _publish(result, folder, run_id, options=options, ckpt=ckpt, signals=signals)
    return Outcome(result, signals.name if interrupted else None, ckpt.saved, run_id, files)


def _publish(result, folder, run_id, *, options, ckpt, signals) -> list[Path]:
    """Write the run's files into a staging folder and swap it in for DIR whole; their paths
    in DIR. A finished run keeps its last state, to be extended."""
    interrupted = result.metrics["interrupted"]
    stage = folder.new_stage()
    staged = write_run(result, stage, pictures=options.pictures)
    if not interrupted and folder.checkpoint.exists():  # the last state: to extend it
        shutil.copyfile(folder.checkpoint, stage / FINAL_STATE)
        staged.append(stage / FINAL_STATE)
    info = {"interrupted": interrupted, "epochs": len(result.history)}
    if interrupted:
        info["checkpoint"] = {"epoch": ckpt.saved[0], "batch": ckpt.saved[1]}
    folder.publish(run_id, info, blocked=signals.blocked)
    if not interrupted:
        folder.drop_checkpoint()
    return [folder.shown / p.name for p in staged]
