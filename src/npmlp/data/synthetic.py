"""Synthetic 2-D classification sets for learning and pictures, made from a seed and a size.

A spec is a name with optional ``key=value`` settings after a colon::

    moons                       moons:n=1000,noise=0.3,seed=4
    circles:factor=0.4          blobs:classes=5,std=1.5
    spirals:arms=3,n=600,noise=0.2
    xor:n=400

Every set takes ``n`` (rows, default 600), ``noise`` and ``seed`` (default 0). scikit-learn
makes ``moons``, ``circles`` and ``blobs``; ``spirals`` and ``xor`` are drawn here with a
``np.random.Generator``. (scikit-learn is imported when one of its sets is drawn.)
"""

from __future__ import annotations

import numpy as np

from ..core.errors import DataError
from .base import Dataset

__all__ = ["SYNTHETIC", "load_synthetic", "parse_spec", "SPEC_HELP"]

SPEC_HELP = "NAME[:key=value,...], e.g. spirals:arms=3,n=600,noise=0.2,seed=1"


def _moons(n, noise, rng, **_):
    from sklearn import datasets as skd

    return skd.make_moons(n, noise=noise, random_state=_seed(rng))


def _circles(n, noise, rng, factor=0.5, **_):
    from sklearn import datasets as skd

    return skd.make_circles(n, noise=noise, factor=factor, random_state=_seed(rng))


def _blobs(n, noise, rng, classes=3, std=1.0, **_):
    from sklearn import datasets as skd

    return skd.make_blobs(
        n, n_features=2, centers=int(classes), cluster_std=std + noise, random_state=_seed(rng)
    )


def _spirals(n, noise, rng, arms=3, turns=1.0, **_):
    """K interleaved arms: arm k at angle ``2 pi (turns t + k / K)``, radius t in (0, 1]."""
    K = int(arms)
    y = np.arange(n) % K
    t = np.sqrt(rng.uniform(0.02, 1.0, n))  # more points far out, where the arms are longer
    angle = 2 * np.pi * (turns * t + y / K)
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)])
    X += noise * 0.1 * rng.standard_normal(X.shape)
    return X, y


def _xor(n, noise, rng, **_):
    """Uniform points in [-1, 1]^2; the class is whether x1 and x2 have the same sign."""
    X = rng.uniform(-1, 1, (n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    X += noise * rng.standard_normal(X.shape)
    return X, y


def _seed(rng) -> int:
    return int(rng.integers(2**31 - 1))


# name -> (maker, default noise, extra keys with defaults, description)
SYNTHETIC = {
    "moons": (_moons, 0.2, {}, "two interleaving half circles"),
    "circles": (_circles, 0.1, {"factor": 0.5}, "a circle inside a ring"),
    "blobs": (_blobs, 0.0, {"classes": 3, "std": 1.0}, "Gaussian blobs, one per class"),
    "spirals": (_spirals, 0.2, {"arms": 3, "turns": 1.0}, "K interleaved spiral arms"),
    "xor": (_xor, 0.05, {}, "the four quadrants, opposite ones sharing a class"),
}
COMMON = {"n": 600, "seed": 0}
INTEGER_KEYS = {"n", "seed", "arms", "classes"}
FLOAT_KEYS = {"noise", "factor", "std", "turns"}
# every number setting: (what it must be, the test); NaN and infinity are refused first
FLOAT_RULES = {
    "noise": (">= 0", lambda v: v >= 0),
    "factor": ("in (0, 1)", lambda v: 0 < v < 1),
    "std": ("> 0", lambda v: v > 0),
    "turns": ("> 0", lambda v: v > 0),
}


def parse_spec(spec: str) -> tuple[str, dict]:
    """``"spirals:arms=3,n=600"`` -> ``("spirals", {"arms": 3, "n": 600})``."""
    name, _, rest = spec.partition(":")
    settings = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        key = key.strip().lower()
        if not eq or not key:
            raise DataError(f"{spec}: {item!r} is not key=value; use {SPEC_HELP}")
        if key not in INTEGER_KEYS | FLOAT_KEYS:
            settings[key] = value  # reported by load_synthetic with the keys the set takes
            continue
        try:
            settings[key] = int(value) if key in INTEGER_KEYS else float(value)
        except ValueError:
            kind = "an integer" if key in INTEGER_KEYS else "a number"
            raise DataError(f"{spec}: {key}={value!r} is not {kind}") from None
    return name.strip().lower(), settings


def load_synthetic(spec: str) -> Dataset:
    """Generate the set a spec names (see the module docstring) as a :class:`Dataset`."""
    name, settings = parse_spec(spec)
    if name not in SYNTHETIC:
        raise DataError(f"unknown synthetic set {name!r}; use one of {', '.join(SYNTHETIC)}")
    maker, noise, extra, _ = SYNTHETIC[name]
    allowed = {**COMMON, "noise": noise, **extra}
    unknown = sorted(set(settings) - set(allowed))
    if unknown:
        raise DataError(
            f"{spec}: unknown setting {', '.join(unknown)}; {name} takes "
            f"{', '.join(f'{k} (default {v:g})' for k, v in allowed.items())}"
        )
    s = {**allowed, **settings}
    n_classes = int(s.get("arms", s.get("classes", 2)))
    if not 2 <= n_classes <= 100:
        raise DataError(f"{spec}: needs 2 to 100 classes, got {n_classes}")
    if not n_classes <= s["n"] <= 10_000_000:
        raise DataError(f"{spec}: n must be between {n_classes} and 10000000, got {s['n']}")
    for key, (what, ok) in FLOAT_RULES.items():
        if key in s and not (np.isfinite(s[key]) and ok(s[key])):
            raise DataError(f"{spec}: {key} must be a finite number {what}, got {s[key]:g}")
    if s["seed"] < 0:
        raise DataError(f"{spec}: seed must be >= 0, got {s['seed']}")
    rng = np.random.default_rng(s.pop("seed"))
    n, noise = s.pop("n"), s.pop("noise")
    X, y = maker(n, noise, rng, **s)
    return Dataset(
        name=name,
        X=np.asarray(X, np.float64),
        y=np.asarray(y, np.int64),
        feature_names=["x1", "x2"],
        source=f"synthetic ({spec})",
        extra={"settings": {"n": n, "noise": noise, **s}},
    )
