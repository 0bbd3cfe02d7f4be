"""Checkpoints of a training run: the state a training loop (:mod:`npmlp.train.loop`) continues
from exactly.

A :class:`TrainState` holds everything the next update depends on, so that a run stopped at
any batch and resumed from its state ends with the same weights, bit for bit, as the run left
alone: the weights, the optimiser's state (moments, velocities, step count, learning rate and
schedule), the number of epochs and batches done, the random generator's
``bit_generator.state``, the row order (each epoch shuffles the previous order in place),
inside an epoch the epoch's first weights and running sums, and each callback's own state (the
history's records, early stopping's best value, patience count and best weights, the job's
health reference and boundary frames). The job adds its own settings (JSON).

The file is one ``.npz`` of plain arrays (read with ``allow_pickle=False``) written atomically;
its member ``state.json`` (UTF-8 bytes) holds the numbers and texts, the others the arrays:
``params/W1``, ``optimizer/m/W1``, ``order``, ``start/W1``, ``callbacks/<name>/<key>``.

:class:`Checkpointer` is the callback that decides when a state is worth writing and
interrupts the loop when the run is interrupted (see :mod:`npmlp.core.interrupt`).
"""

from __future__ import annotations

import json
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..callbacks import Callback
from ..core.atomic import atomic_write
from ..core.errors import NpmlpError
from ..core.safeio import FileRefused, inspect_npz, open_npz, open_regular, read_member
from ._checkpoint_check import check_state

__all__ = [
    "TrainState",
    "Checkpointer",
    "save_state",
    "load_state",
    "check_arrays",
    "FORMAT",
    "VERSION",
]

FORMAT, VERSION = "npmlp-checkpoint", 2  # 2: the loop's state plus each callback's
COST_FACTOR = 20  # checkpoints at most every 20 x a write's duration: under 5 % of the time


@dataclass
class TrainState:
    """A snapshot of a training loop after ``epoch`` whole epochs and ``batch`` batches of the
    next one (``batch == 0`` at an epoch's end), in a run planned for ``epochs``.

    params, epoch_start : dicts of the model's arrays (``W1`` : (D, H), ...): the weights now,
        and at the start of the unfinished epoch (``batch > 0``).
    optimizer, optimizer_scalars : the optimiser's arrays and numbers (its learning rate and
        schedule included).
    order : (N,) the row order of the unfinished (or last) epoch, N training rows.
    rng : the shuffling generator's ``bit_generator.state``.
    sums : ``{"loss_sum", "penalty_sum", "objective_sum", "correct", "seconds"}`` of the
        unfinished epoch's batches.
    callbacks : ``{name: state}``, each callback's own (:meth:`Callback.state`): the history,
        early stopping's best weights, the job's health and boundary frames, ...
    settings : what the job adds (its run settings, JSON).
    """

    epoch: int
    batch: int
    params: dict
    optimizer: dict
    optimizer_scalars: dict
    rng: dict
    order: np.ndarray
    epochs: int = 0
    epoch_start: dict | None = None
    sums: dict | None = None
    callbacks: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)


def check_arrays(what: str, arrays: dict, like: dict) -> None:
    if set(arrays) != set(like) or any(
        a.shape != like[k].shape or a.dtype != like[k].dtype for k, a in arrays.items()
    ):
        raise NpmlpError(
            f"checkpoint: its {what} are not those of this network "
            f"({', '.join(f'{k} {a.dtype}{a.shape}' for k, a in arrays.items())})"
        )


# ----------------------------------------------------------------------------------- the file
# members: order, params/W1, optimizer/m/W1, start/W1 and callbacks/<name>/<key> for each
# array a callback keeps; state.json holds the rest (a callback's numbers under its name)
_GROUPS = {"params": "params/", "optimizer": "optimizer/", "epoch_start": "start/"}


def save_state(path, state: TrainState) -> None:
    """Write ``state`` to ``path`` (``.npz``) atomically: the old file stays until the new one
    is whole."""
    arrays = {"order": state.order}
    for group, prefix in _GROUPS.items():
        for k, a in (getattr(state, group) or {}).items():
            arrays[prefix + k] = np.asarray(a)
    plain = {}
    for name, values in state.callbacks.items():
        plain[name] = {}
        for k, v in values.items():
            if isinstance(v, np.ndarray):
                arrays[f"callbacks/{name}/{k}"] = v
            else:
                plain[name][k] = v
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "epoch": state.epoch,
        "batch": state.batch,
        "epochs": state.epochs,
        "optimizer_scalars": state.optimizer_scalars,
        "rng": state.rng,
        "has_epoch_start": state.epoch_start is not None,
        "sums": state.sums,
        "callbacks": plain,
        "settings": state.settings,
    }
    text = json.dumps(meta, default=_plain)
    arrays["state.json"] = np.frombuffer(text.encode(), np.uint8)
    with atomic_write(path, "wb") as f:
        np.savez(f, **arrays)


def _plain(v):
    """JSON for NumPy scalars and tuples in records and settings."""
    if isinstance(v, np.generic):
        return v.item()
    raise TypeError(f"cannot write {type(v).__name__} in a checkpoint")


def load_state(path) -> TrainState:
    """Read a checkpoint written by :func:`save_state`; :class:`NpmlpError` if it is not one.

    Read as a model file is (:mod:`npmlp.core.safeio`): a regular file only (a link or a FIFO is
    refused, never followed or opened for long), every member's ``.npy`` header checked against
    its bytes, then :func:`_check_loaded` checks the JSON state and every member against the
    network its settings describe, and the memory it all takes, before any array is read.
    """
    path = Path(path)
    try:
        with open_regular(path, follow=False) as f, open_npz(f) as zf:
            members = inspect_npz(zf)
            meta = _read_state_json(zf, members.pop("state.json", None))
            _check_loaded(meta, members, path)
            arrays = {k: read_member(zf, m) for k, m in members.items()}
    except FileNotFoundError as e:
        raise NpmlpError(f"{path}: no checkpoint there") from e
    except NpmlpError:
        raise
    except FileRefused as e:
        raise _damaged(path, str(e)) from None
    except (*_READ_ERRORS, RecursionError, MemoryError) as e:
        why = str(e).splitlines()[0][:160] if str(e) else ""
        raise _damaged(path, f"{type(e).__name__}: {why}".rstrip(": ")) from None
    _check_finite(arrays, path)
    groups = {g: {} for g in _GROUPS}
    callbacks = {name: dict(values) for name, values in meta.get("callbacks", {}).items()}
    for name, a in arrays.items():
        for g, prefix in _GROUPS.items():
            if name.startswith(prefix):
                groups[g][name[len(prefix) :]] = a
        if name.startswith("callbacks/"):
            owner, _, key = name[len("callbacks/") :].partition("/")
            callbacks.setdefault(owner, {})[key] = a
    return TrainState(
        epoch=meta["epoch"],
        batch=meta["batch"],
        epochs=meta["epochs"],
        params=groups["params"],
        optimizer=groups["optimizer"],
        optimizer_scalars=meta["optimizer_scalars"],
        rng=meta["rng"],
        order=arrays["order"],
        epoch_start=groups["epoch_start"] if meta["has_epoch_start"] else None,
        sums=meta["sums"],
        callbacks=callbacks,
        settings=meta["settings"],
    )


# ------------------------------------------------------------------ checking what was read
_READ_ERRORS = (
    OSError,
    ValueError,
    KeyError,
    EOFError,
    zipfile.BadZipFile,
    NotImplementedError,
    zlib.error,
    struct.error,
    UnicodeDecodeError,
)
MAX_STATE_JSON = 64 << 20  # the numbers, texts and history records: a few KB per epoch


def _damaged(path, why: str) -> NpmlpError:
    """The one line for a checkpoint that cannot be used: the file, why, how to start over."""
    return NpmlpError(
        f"{path}: not a usable npmlp checkpoint ({why}); the run cannot continue from it: start "
        "it over without --resume (that replaces the checkpoint)"
    )


def _read_state_json(zf, member) -> dict:
    if member is None:
        raise FileRefused("no state.json member")
    h = member.header
    if h.dtype != np.uint8 or len(h.shape) != 1 or h.nbytes > MAX_STATE_JSON:
        raise FileRefused(f"state.json is a {h.dtype} array of shape {h.shape}, not a JSON text")
    try:
        meta = json.loads(read_member(zf, member).tobytes().decode())
    except RecursionError:
        raise FileRefused("state.json is nested too deeply") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise FileRefused("state.json is not an npmlp checkpoint's")
    return meta


def _check_loaded(meta: dict, members: dict, path) -> None:
    """The version, then :func:`~npmlp.train._checkpoint_check.check_state` (every field of the JSON
    state and every member's header, ``{name: safeio.Member}``); :class:`NpmlpError` (one line
    naming ``path`` and how to start over) otherwise."""
    if meta.get("version") != VERSION:
        raise NpmlpError(
            f"{path}: checkpoint version {meta.get('version')!r}, this npmlp reads {VERSION}; "
            "start the run again without --resume"
        )
    try:
        check_state(meta, members)
    except (NpmlpError, TypeError, ValueError, KeyError) as e:
        why = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
        raise _damaged(path, why) from None


def _check_finite(arrays: dict, path) -> None:
    for name, a in arrays.items():
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise _damaged(path, f"{name} holds NaN or infinite values")


# ------------------------------------------------------------------------------ when to write
class Checkpointer(Callback):
    """The callback that keeps a run's checkpoint: the loop's :meth:`~npmlp.train.loop.Loop.state`
    written to ``path``

    - at the end of an epoch, when ``every`` seconds have passed since the last write
      (every epoch, at most once per ``every`` seconds);
    - after a batch (not an epoch's last), when ``every`` seconds have passed since the last
      write *and* since the epoch began (long epochs get checkpoints inside them);
    - always at the end of training (the last epoch, or the one after which a callback
      stopped) and when ``interrupted()`` returns true; the loop is then interrupted there.

    Writes never come closer than :data:`COST_FACTOR` times the last write's duration, so
    checkpointing stays under about 5 % of the training time. ``path=None`` writes nothing
    (only the interruption is checked). ``decorate(state)`` adds the job's settings before a
    write. It runs after every other callback (``order`` 100), so it sees their decisions.
    """

    order = 100

    def __init__(self, path=None, every: float = 2.0, interrupted=None, decorate=None):
        self.path = None if path is None else Path(path)
        self.every, self.interrupted, self.decorate = every, interrupted, decorate
        self.last = self.epoch_began = time.monotonic()
        self.cost = 0.0
        self.saved: tuple[int, int] | None = None  # (epoch, batch) of the last write
        self.writes = 0
        self.ended = False  # the end of training is written

    def on_train_begin(self, loop) -> None:
        self.ended = loop.epoch >= loop.config.epochs  # resumed with nothing left to run

    def on_batch_end(self, loop, logs: dict) -> None:
        if logs["batch"] < logs["n_batches"]:  # an epoch's last batch: its end decides
            self._maybe_write(loop, "batch")

    def on_epoch_end(self, loop, logs: dict) -> None:
        self.ended = loop.stop_training or loop.epoch >= loop.config.epochs
        self._maybe_write(loop, "end" if self.ended else "epoch")
        self.epoch_began = time.monotonic()

    def on_train_end(self, loop, logs: dict) -> None:
        if not (self.ended or loop.history.interrupted):  # L-BFGS converged before its limit
            self.ended = True
            self._maybe_write(loop, "end")

    def _maybe_write(self, loop, when: str) -> None:
        stop = bool(self.interrupted and self.interrupted()) and when != "end"
        if self.path is not None:
            now = time.monotonic()
            wait = max(self.every, COST_FACTOR * self.cost)
            due = now - self.last >= wait
            if when == "batch":
                due = due and now - self.epoch_began >= wait
            if stop or when == "end" or due:
                self.write(loop.state())
        if stop:
            loop.interrupt()

    def write(self, state: TrainState) -> None:
        t0 = time.monotonic()
        if self.decorate is not None:
            self.decorate(state)
        save_state(self.path, state)
        self.last = time.monotonic()
        self.cost = self.last - t0
        self.saved, self.writes = (state.epoch, state.batch), self.writes + 1
