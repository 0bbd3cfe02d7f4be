"""Checkpoints of a training run: the state :func:`npmlp.training.fit` continues from exactly.

A :class:`TrainState` holds everything the next update depends on, so that a run stopped at
any batch and resumed from its state ends with the same weights, bit for bit, as the run left
alone: the weights, the optimiser's state (moments, velocities, step count), the number of
epochs and batches done, the random generator's ``bit_generator.state``, the row order (each
epoch shuffles the previous order in place), early stopping's best value, patience count and
best weights, the history's records and, inside an epoch, the epoch's first weights and running
sums. The job adds its own settings (JSON) and its epoch callbacks' arrays (``extra``).

The file is one ``.npz`` of plain arrays (read with ``allow_pickle=False``) written atomically;
its member ``state.json`` (UTF-8 bytes) holds the numbers and texts, the others the arrays:
``params/W1``, ``optimizer/m/W1``, ``order``, ``best/W1``, ``start/W1``, ``extra/<name>``.

:class:`Checkpointer` is the ``checkpoint`` callable that ``fit`` calls after every batch and
every epoch: it decides when a state is worth writing and tells ``fit`` to stop when the run is
interrupted (see :mod:`npmlp.interrupt`).
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

from .atomic import atomic_write
from .checkpoint_check import check_state
from .errors import NpmlpError
from .safeio import FileRefused, inspect_npz, open_npz, open_regular, read_member

__all__ = ["TrainState", "Checkpointer", "save_state", "load_state", "FORMAT", "VERSION"]

FORMAT, VERSION = "npmlp-checkpoint", 1
COST_FACTOR = 20  # checkpoints at most every 20 x a write's duration: under 5 % of the time


@dataclass
class TrainState:
    """A snapshot of a training run after ``epoch`` whole epochs and ``batch`` batches of the
    next one (``batch == 0`` at an epoch's end).

    params, epoch_start, best_params : dicts of the model's arrays (``W1`` : (D, H), ...):
        the weights now, at the start of the unfinished epoch (``batch > 0``), the best so far.
    order : (N,) the row order of the unfinished (or last) epoch, N training rows.
    rng : the shuffling generator's ``bit_generator.state``.
    sums : ``{"loss_sum", "penalty_sum", "objective_sum", "correct", "seconds"}`` of the
        unfinished epoch's batches.
    """

    epoch: int
    batch: int
    params: dict
    optimizer: dict
    optimizer_scalars: dict
    rng: dict
    order: np.ndarray
    history: dict
    stopper: dict | None = None
    best_params: dict | None = None
    epoch_start: dict | None = None
    sums: dict | None = None
    settings: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @classmethod
    def capture(cls, net, opt, rng, order, history, stopper, epoch, batch, epoch_start, sums):
        """The state of a running :func:`~npmlp.training.fit` (arrays copied where ``fit``
        changes them in place)."""
        return cls(
            epoch=epoch,
            batch=batch,
            params={k: v.copy() for k, v in net.params.items()},
            optimizer={k: v.copy() for k, v in opt.state().items()},
            optimizer_scalars=dict(opt.scalars()),
            rng=rng.bit_generator.state,
            order=order.copy(),
            history={
                "records": [dict(r) for r in history.records],
                "best_epoch": history.best_epoch,
                "stopped_early": history.stopped_early,
                "best_value": history.best_value,
            },
            stopper=None
            if stopper is None
            else {
                "best": stopper.best,
                "best_epoch": stopper.best_epoch,
                "wait": stopper.wait,
                "lr_scale": stopper.lr_scale,
            },
            best_params=None if stopper is None else stopper.best_params,  # replaced, not changed
            epoch_start=epoch_start if batch else None,  # fit's snapshot: replaced each epoch
            sums=dict(sums) if batch else None,
        )

    def restore(self, net, opt, rng, order, history, stopper) -> None:
        """Put this state back into the objects of a new ``fit``; a :class:`NpmlpError` names
        the first thing that does not match (another network, data set or setting)."""
        _check_arrays("weights", self.params, net.params)
        if order.shape != self.order.shape or not np.array_equal(
            np.sort(self.order), np.arange(order.size)
        ):
            raise NpmlpError(
                f"checkpoint: its row order is for {self.order.size} training rows, this run "
                f"has {order.size}"
            )
        if (stopper is None) != (self.stopper is None):
            raise NpmlpError("checkpoint: early stopping is set in one run and not the other")
        net.set_params(self.params)
        opt.load_state(self.optimizer, self.optimizer_scalars)
        rng.bit_generator.state = self.rng
        order[...] = self.order
        h = self.history
        history.records = [dict(r) for r in h["records"]]
        history.best_epoch, history.stopped_early = h["best_epoch"], h["stopped_early"]
        history.best_value = h["best_value"]
        if stopper is not None:
            s = self.stopper
            stopper.best, stopper.best_epoch, stopper.wait = s["best"], s["best_epoch"], s["wait"]
            stopper.lr_scale = s.get("lr_scale", 1.0)
            if self.best_params is not None:
                _check_arrays("best weights", self.best_params, net.params)
                stopper.best_params = {k: v.copy() for k, v in self.best_params.items()}
        if self.batch:
            _check_arrays("epoch's first weights", self.epoch_start, net.params)


def _check_arrays(what: str, arrays: dict, like: dict) -> None:
    if set(arrays) != set(like) or any(
        a.shape != like[k].shape or a.dtype != like[k].dtype for k, a in arrays.items()
    ):
        raise NpmlpError(
            f"checkpoint: its {what} are not those of this network "
            f"({', '.join(f'{k} {a.dtype}{a.shape}' for k, a in arrays.items())})"
        )


# ----------------------------------------------------------------------------------- the file
_GROUPS = ("params", "optimizer", "best_params", "epoch_start", "extra")
_PREFIX = {"params": "params/", "optimizer": "optimizer/", "best_params": "best/"}
_PREFIX.update({"epoch_start": "start/", "extra": "extra/"})


def save_state(path, state: TrainState) -> None:
    """Write ``state`` to ``path`` (``.npz``) atomically: the old file stays until the new one
    is whole."""
    arrays = {"order": state.order}
    for group in _GROUPS:
        for k, a in (getattr(state, group) or {}).items():
            arrays[_PREFIX[group] + k] = np.asarray(a)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "epoch": state.epoch,
        "batch": state.batch,
        "optimizer_scalars": state.optimizer_scalars,
        "rng": state.rng,
        "history": state.history,
        "stopper": state.stopper,
        "has": [g for g in ("best_params", "epoch_start") if getattr(state, g) is not None],
        "sums": state.sums,
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

    Read as a model file is (:mod:`npmlp.safeio`): a regular file only (a link or a FIFO is
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
    for name, a in arrays.items():
        for g in _GROUPS:
            if name.startswith(_PREFIX[g]):
                groups[g][name[len(_PREFIX[g]) :]] = a
    return TrainState(
        epoch=meta["epoch"],
        batch=meta["batch"],
        params=groups["params"],
        optimizer=groups["optimizer"],
        optimizer_scalars=meta["optimizer_scalars"],
        rng=meta["rng"],
        order=arrays["order"],
        history=meta["history"],
        stopper=meta["stopper"],
        best_params=groups["best_params"] if "best_params" in meta["has"] else None,
        epoch_start=groups["epoch_start"] if "epoch_start" in meta["has"] else None,
        sums=meta["sums"],
        settings=meta["settings"],
        extra=groups["extra"],
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
    """The version, then :func:`~npmlp.checkpoint_check.check_state` (every field of the JSON
    state and every member's header, ``{name: safeio.Member}``); :class:`NpmlpError` (one line
    naming ``path`` and how to start over) otherwise."""
    if meta.get("version") != VERSION:
        raise NpmlpError(
            f"{path}: checkpoint version {meta.get('version')!r}, this npmlp reads {VERSION}"
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
class Checkpointer:
    """The ``checkpoint(capture, when)`` callable of :func:`~npmlp.training.fit`.

    ``fit`` calls it after every batch (``when="batch"``), at the end of every epoch
    (``"epoch"``) and of the last one (``"end"``); ``capture()`` returns the
    :class:`TrainState` of that moment. A state is written to ``path``:

    - at the end of an epoch, when ``every`` seconds have passed since the last write
      (every epoch, at most once per ``every`` seconds);
    - after a batch, when ``every`` seconds have passed since the last write *and* since the
      epoch began (long epochs get checkpoints inside them);
    - always at the end of training and when ``interrupted()`` returns true; the return value
      is then true, which stops ``fit``.

    Writes never come closer than :data:`COST_FACTOR` times the last write's duration, so
    checkpointing stays under about 5 % of the training time. ``path=None`` writes nothing
    (only the interruption is checked). ``decorate(state)`` adds the job's settings and
    arrays before a write.
    """

    def __init__(self, path=None, every: float = 2.0, interrupted=None, decorate=None):
        self.path = None if path is None else Path(path)
        self.every, self.interrupted, self.decorate = every, interrupted, decorate
        self.last = self.epoch_began = time.monotonic()
        self.cost = 0.0
        self.saved: tuple[int, int] | None = None  # (epoch, batch) of the last write
        self.writes = 0

    def __call__(self, capture, when: str) -> bool:
        stop = bool(self.interrupted and self.interrupted())
        if self.path is not None:
            now = time.monotonic()
            wait = max(self.every, COST_FACTOR * self.cost)
            due = now - self.last >= wait
            if when == "batch":
                due = due and now - self.epoch_began >= wait
            if stop or when == "end" or due:
                self.write(capture())
        if when != "batch":
            self.epoch_began = time.monotonic()
        return stop

    def write(self, state: TrainState) -> None:
        t0 = time.monotonic()
        if self.decorate is not None:
            self.decorate(state)
        save_state(self.path, state)
        self.last = time.monotonic()
        self.cost = self.last - t0
        self.saved, self.writes = (state.epoch, state.batch), self.writes + 1
