"""The playground's settings: defaults, the page's limits, and one check for every message.

A page sends settings as a JSON object (any subset of :data:`DEFAULTS`' keys). :func:`merge`
checks each against :data:`LIMITS` and returns the new full settings, or raises
:class:`~npmlp.core.errors.NpmlpError` with one line the page shows as it is. The same limits cap
what one session can cost the server (points, layers, widths).
"""

from __future__ import annotations

import json
import math

from ..core.errors import NpmlpError
from ..data.synthetic import SYNTHETIC
from ..train.optim import OPTIMIZERS
from .engine import activations_offered

__all__ = [
    "DEFAULTS",
    "LIMITS",
    "merge",
    "choices",
    "shown",
    "whole",
    "data_spec",
    "n_classes",
    "train_command",
]

DATASETS = tuple(SYNTHETIC)  # moons, circles, blobs, spirals, xor
OPTIMISERS = tuple(o for o in OPTIMIZERS if o in ("sgd", "momentum", "adam"))
MULTI_CLASS = {"blobs": "classes", "spirals": "arms"}  # the sets whose class count can change

DEFAULTS = {
    "data": "moons",
    "n": 500,
    "noise": 0.2,
    "classes": 3,
    "test_fraction": 0.2,
    "layers": 5,
    "widths": [8, 8],
    "activation": "relu",
    "optimizer": "adam",
    "lr": 0.03,
    "batch_size": 32,  # 0 = the whole training split (full-batch gradient descent)
    "l2": 0.0,
    "seed": 0,
}

# integer settings: (low, high); number settings: (low, high, low excluded)
LIMITS = {
    "n": (20, 2000),
    "classes": (2, 6),
    "layers": (3, 11),
    "width": (1, 64),
    "batch_size": (0, 2000),
    "seed": (0, 2**31 - 1),
    "noise": (0.0, 1.0, False),
    "test_fraction": (0.1, 0.5, False),
    "lr": (0.0, 10.0, True),
    "l2": (0.0, 1.0, False),
    "steps": (1, 200),  # training steps per frame (the page's speed)
}


def shown(value) -> str:
    """A value as the error message quotes it: JSON's spelling for null, true, false."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value[:40] + ("..." if len(value) > 40 else ""))
    if isinstance(value, (list, dict)):
        text = json.dumps(value, separators=(", ", ": "))
        return text if len(text) <= 40 else ("a list" if isinstance(value, list) else "an object")
    return f"{value:g}" if isinstance(value, float) else str(value)


def whole(name: str, value, low: int, high: int) -> int:
    """``value`` if it is a whole number in [low, high], else NpmlpError naming ``name``."""
    ok = isinstance(value, int) and not isinstance(value, bool)
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value, ok = int(value), True
    if not ok or not low <= value <= high:
        raise NpmlpError(f"{name} must be a whole number from {low} to {high}, got {shown(value)}")
    return value


def number(name: str, value, low: float, high: float, open_low: bool) -> float:
    """``value`` if it is a finite number in the range, else NpmlpError naming ``name``."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if open_low else value >= low) and value <= high
    if not ok:
        bracket = "(" if open_low else "["
        raise NpmlpError(
            f"{name} must be a number in {bracket}{low:g}, {high:g}], got {shown(value)}"
        )
    return float(value)


def _choice(name: str, value, options) -> str:
    if value not in options:
        raise NpmlpError(f"{name} must be one of {', '.join(options)}, got {shown(value)}")
    return value


def checked(key: str, value):
    """One setting's value, checked against its rule; raises NpmlpError."""
    if key in ("data", "activation", "optimizer"):
        allowed = {"data": DATASETS, "optimizer": OPTIMISERS}.get(key) or activations_offered()
        return _choice(key, value, allowed)
    if key == "widths":
        if not isinstance(value, list) or not value:
            raise NpmlpError(f"widths must be a list of hidden widths, got {shown(value)}")
        lo, hi = LIMITS["width"]
        return [whole("each hidden width", w, lo, hi) for w in value]
    if key == "layers":
        L = whole(key, value, *LIMITS[key])
        if L % 2 == 0:
            raise NpmlpError(
                f"layers must be odd (FC and activation alternate; the first and last are "
                f"FC), got {L}"
            )
        return L
    if key in ("noise", "test_fraction", "lr", "l2"):
        return number(key, value, *LIMITS[key])
    return whole(key, value, *LIMITS[key])


def merge(current: dict, changes) -> dict:
    """``current`` updated with ``changes``, every value checked; raises NpmlpError."""
    if not isinstance(changes, dict):
        raise NpmlpError(f"config must be a JSON object of settings, got {shown(changes)}")
    unknown = sorted(set(changes) - set(DEFAULTS))
    if unknown:
        raise NpmlpError(f"unknown setting {shown(unknown[0])}; settings are {', '.join(DEFAULTS)}")
    new = dict(current)
    for key, value in changes.items():
        new[key] = checked(key, value)
    if "data" in changes and "noise" not in changes:  # each set's own scale of noise
        new["noise"] = SYNTHETIC[new["data"]][1]
    hidden = (new["layers"] - 1) // 2
    if "widths" in changes and len(new["widths"]) != hidden:
        raise NpmlpError(
            f"widths lists {len(new['widths'])} hidden widths but layers={new['layers']} has "
            f"{hidden} hidden layers"
        )
    widths = new["widths"]  # layers changed alone: keep the widths, repeat the last
    new["widths"] = (widths + [widths[-1]] * hidden)[:hidden]
    return new


def choices() -> dict:
    """The values the page's menus offer."""
    return {
        "data": list(DATASETS),
        "multi_class": MULTI_CLASS,
        "activation": list(activations_offered()),
        "optimizer": list(OPTIMISERS),
    }


def n_classes(cfg: dict) -> int:
    """Classes of the configured set: 2, or ``classes`` for blobs and spirals (their arms)."""
    return cfg["classes"] if cfg["data"] in MULTI_CLASS else 2


def data_spec(cfg: dict) -> str:
    """The ``--data`` spec of :mod:`npmlp.data.synthetic`, e.g. ``spirals:n=500,noise=0.2,...``."""
    spec = f"{cfg['data']}:n={cfg['n']},noise={cfg['noise']:g},seed={cfg['seed']}"
    if cfg["data"] in MULTI_CLASS:
        spec += f",{MULTI_CLASS[cfg['data']]}={cfg['classes']}"
    return spec


def train_command(cfg: dict, epochs: int) -> str:
    """The ``npmlp train`` line that repeats a run of ``epochs`` whole epochs of these settings."""
    widths = cfg["widths"]
    hidden = str(widths[0]) if len(set(widths)) == 1 else ",".join(map(str, widths))
    parts = [
        "npmlp train",
        f"--data {data_spec(cfg)}",
        f"-L {cfg['layers']} -H {hidden}",
        f"--epochs {max(epochs, 1)}",
        f"--batch-size {cfg['batch_size'] or 'full'}",
        f"--optimizer {cfg['optimizer']} --lr {cfg['lr']:g} --weight-decay {cfg['l2']:g}",
        f"--test-fraction {cfg['test_fraction']:g} --val-fraction 0 --early-stopping off",
        "--schedule constant --scaling standard --init he",
        f"--seed {cfg['seed']} --out runs/playground",
    ]
    if cfg["activation"] != "relu":
        parts.insert(3, f"--activation {cfg['activation']}")
    return " ".join(parts)
