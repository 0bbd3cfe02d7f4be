"""What a checkpoint's file must hold before any of its arrays is read (see
:func:`npmlp.train.checkpoint.load_state`): :func:`check_state` type-checks every field of its JSON
state and compares every member's ``.npy`` header with the network its settings describe.

The rules, generic on purpose (the state's format may grow): ``epoch``, ``batch`` and ``epochs``
are integers >= 0; ``sums`` and ``optimizer_scalars`` are tables of numbers, ``has_epoch_start``
a boolean, ``callbacks`` a table of each callback's numbers and texts (the history's records and
early stopping's counters with their types); ``rng`` is a PCG64 ``bit_generator.state`` with
integer fields in range; the network is the one ``settings['run']`` gives (``hidden``,
``layers``, ``dtype``; D and C from the weights' headers) or, without a job's settings, the one
the ``params/W<i>`` headers chain into, and it must fit the free memory with its training
copies; every ``params/``, ``optimizer/.../``, ``start/`` and early stopping's
``callbacks/EarlyStopping/best/`` member has its parameter's shape and dtype, ``order`` is 1-D
integers, other ``callbacks/`` members are numbers, and nothing else is there. A problem
raises ValueError, TypeError or :class:`~npmlp.core.errors.NpmlpError` with a short reason.
"""

from __future__ import annotations

import json
import re

import numpy as np

from ..core.architecture import Architecture
from ..core.memory import TRAINING_COPIES, check_fits

__all__ = ["check_state"]

MAX_INT = 2**63
BEST = "callbacks/EarlyStopping/best/"  # early stopping's best weights: the parameters' shapes


def check_state(meta: dict, members: dict) -> None:
    """Check the JSON state ``meta`` and the headers ``members`` (``{name: safeio.Member}``)."""
    _check_numbers(meta)
    _check_callbacks(meta.get("callbacks"))
    _check_rng(meta.get("rng"))
    shapes, dtype = _expected_params(meta.get("settings"), members)
    _check_members(meta, members, shapes, dtype)
    total = sum(m.header.nbytes for m in members.values())
    check_fits(total, "its arrays", "free memory or start over")


def _is_int(v, lo: int = 0, hi: int = MAX_INT) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v < hi


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_numbers(meta: dict) -> None:
    """epoch, batch, epochs, sums, optimizer_scalars, has_epoch_start: types and ranges."""
    for key in ("epoch", "batch", "epochs"):
        if not _is_int(meta.get(key), 0, 2**31):
            raise ValueError(f"{key} {json.dumps(meta.get(key))[:40]} is not an integer >= 0")
    for key in ("sums", "optimizer_scalars"):
        v = meta.get(key)
        if not (v is None and key == "sums") and not (
            isinstance(v, dict) and all(_is_number(x) for x in v.values())
        ):
            raise ValueError(f"{key} is not a table of numbers")
    if not isinstance(meta.get("has_epoch_start"), bool):
        raise ValueError("has_epoch_start is not true or false")


def _check_callbacks(callbacks) -> None:
    """``{name: {key: value}}``; the history's and early stopping's with their own types."""
    if not (isinstance(callbacks, dict) and all(isinstance(v, dict) for v in callbacks.values())):
        raise ValueError("callbacks is not a table of each callback's state")
    h = callbacks.get("History", {})
    if "History" in callbacks and not (
        isinstance(h.get("records"), list)
        and all(isinstance(r, dict) for r in h["records"])
        and (h.get("best_epoch") is None or _is_int(h.get("best_epoch")))
        and isinstance(h.get("stopped_early"), bool)
        and (h.get("best_value") is None or _is_number(h.get("best_value")))
    ):
        raise ValueError(
            "the history is not {records: [...], best_epoch, stopped_early, best_value}"
        )
    s = callbacks.get("EarlyStopping", {})
    if "EarlyStopping" in callbacks and not (
        (s.get("best") is None or _is_number(s.get("best")))
        and (s.get("best_epoch") is None or _is_int(s.get("best_epoch")))
        and _is_int(s.get("wait"))
    ):
        raise ValueError("early stopping's state is not {best, best_epoch, wait}")


def _check_rng(rng) -> None:
    """A PCG64 ``bit_generator.state``: ``{bit_generator, state: {state, inc}, has_uint32,
    uinteger}``, every number an int in range."""
    inner = rng.get("state") if isinstance(rng, dict) else None
    if not (
        isinstance(rng, dict)
        and rng.get("bit_generator") == "PCG64"
        and isinstance(inner, dict)
        and _is_int(inner.get("state"), 0, 2**128)
        and _is_int(inner.get("inc"), 0, 2**128)
        and _is_int(rng.get("has_uint32"), 0, 2)
        and _is_int(rng.get("uinteger"), 0, 2**32)
    ):
        raise ValueError(f"rng {json.dumps(rng)[:80]} is not a PCG64 generator's state")


def _expected_params(settings, members: dict) -> tuple[dict, np.dtype]:
    """``({W1: (D, H), ...}, dtype)`` of the network ``settings['run']`` describes (D and C
    read from the headers of ``params/W1`` and ``params/WL``), or, for a state saved without
    a job's settings (``fit`` called from Python), the one its ``params/`` headers chain into; its
    size checked against the free memory."""
    if isinstance(settings, dict) and "run" not in settings:  # not a job's
        hidden, layers, dtype = _chain(members)
    else:
        run = settings.get("run") if isinstance(settings, dict) else None
        if not isinstance(run, dict) or not isinstance(settings.get("job"), dict):
            raise ValueError("settings hold no run and job")
        hidden, layers, dtype = run.get("hidden"), run.get("layers"), run.get("dtype")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"settings dtype {json.dumps(dtype)[:40]} is not float32 or float64")
    if not isinstance(hidden, (int, list)) or not _is_int(layers, 3, 2**16):
        raise ValueError("settings hidden and layers are not integers")
    first, last = members.get("params/W1"), members.get(f"params/W{layers}")
    if first is None or last is None or len(first.header.shape) != 2:
        raise ValueError(f"no params/W1 and params/W{layers} for layers={layers}")
    arch = Architecture.of(first.header.shape[0], hidden, layers, last.header.shape[-1])
    check_fits(
        TRAINING_COPIES * arch.n_params * np.dtype(dtype).itemsize,
        f"its network {arch}",
        "free memory or start over",
    )
    shapes = {}
    for i, d_in, d_out in arch.fc_layers:
        shapes[f"W{i}"], shapes[f"b{i}"] = (d_in, d_out), (1, d_out)
    return shapes, np.dtype(dtype)


def _chain(members: dict) -> tuple[list, int, str]:
    """``(hidden widths, L, dtype name)`` read from the ``params/W<i>`` headers."""
    weights = sorted(
        (int(k[8:]), m.header) for k, m in members.items() if re.fullmatch(r"params/W\d{1,5}", k)
    )
    if not weights or any(len(h.shape) != 2 for _, h in weights):
        raise ValueError("no weights params/W1, params/W3, ...")
    layers = weights[-1][0]
    return [h.shape[1] for _, h in weights[:-1]], layers, weights[0][1].dtype.name


def _check_members(meta: dict, members: dict, shapes: dict, dtype: np.dtype) -> None:
    """Each member's name known, its header the parameter's shape and dtype (other
    ``callbacks/`` members: any numbers; ``order``: a 1-D integer array); the weights, and the
    epoch's first weights when ``has_epoch_start``, whole."""
    present = set()
    for name, m in members.items():
        h = m.header
        group, _, key = name.partition("/")
        if name.startswith(BEST):
            group, key = "best", name[len(BEST) :]
        key = key.rsplit("/", 1)[-1]
        if name == "order":
            ok = len(h.shape) == 1 and h.dtype.kind in "iu"
        elif group == "callbacks":
            ok = h.dtype.kind in "biuf"
        elif group in ("params", "optimizer", "best", "start"):
            ok = h.shape == shapes.get(key) and h.dtype == dtype and not h.fortran
            present.add((group, key))
        else:
            raise ValueError(f"unknown member {name[:60]!r}")
        if not ok:
            raise ValueError(f"member {name[:60]!r} is {h.dtype}{h.shape}, not what its run has")
    wanted = {"params"} | ({"start"} if meta["has_epoch_start"] else set())
    wanted |= {"best"} if any(g == "best" for g, _ in present) else set()
    for group in wanted:
        if {k for g, k in present if g == group} != set(shapes):
            raise ValueError(f"the {group} arrays are not those of its network")
    if "order" not in members:
        raise ValueError("no order member")
