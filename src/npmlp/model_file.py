"""The model file format: one ``.npz`` archive per model.

A model is one ``.npz`` archive (no pickle) holding:

- the parameters ``W1, b1, W3, b3, ..., WL, bL`` in the model's dtype;
- ``classes``: the (C,) class labels (numbers or text);
- ``preprocessing_shift`` and ``preprocessing_scale`` when the model scales its inputs;
- ``metadata``: a JSON text with the format version, the architecture, the dtype, the seed,
  the preprocessing kind, the training settings, any caller-given entries and the version of
  npmlp that wrote it.

Files are read with ``allow_pickle=False`` and written with :func:`npmlp.atomic.atomic_write`.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from ._version import __version__
from .architecture import Architecture
from .atomic import atomic_write
from .errors import ModelFileError
from .model import MLP
from .preprocessing import Preprocessing

__all__ = ["save", "load", "FORMAT_VERSION"]

FORMAT = "npmlp-model"
FORMAT_VERSION = 1


def save(net: MLP, path, **metadata) -> None:
    """Write ``net`` to ``path`` (``.npz``) atomically. Extra keyword entries go in metadata.

    Metadata values must be JSON-serialisable.
    """
    classes = np.asarray(net.classes)
    if classes.dtype.kind not in "iufUb":
        classes = classes.astype(str)
    meta = dict(net.metadata)
    meta.update(metadata)
    meta.update(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "npmlp_version": __version__,
            "architecture": net.arch.to_dict(),
            "activation": net.activation,
            "dtype": net.dtype.name,
            "seed": net.seed,
            "init": getattr(net, "init", "he"),
            "preprocessing": net.preprocessing.kind if net.preprocessing is not None else None,
        }
    )
    arrays = dict(net.params)
    arrays["classes"] = classes
    if net.preprocessing is not None:
        arrays["preprocessing_shift"] = net.preprocessing.shift
        arrays["preprocessing_scale"] = net.preprocessing.scale
    arrays["metadata"] = np.array(json.dumps(meta, default=_json_default))
    with atomic_write(path) as f:
        np.savez(f, **arrays)


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"metadata value {o!r} is not JSON-serialisable")


def _bad(path, why: str) -> ModelFileError:
    return ModelFileError(f"{path}: {why}")


def load(path) -> MLP:
    """Read a model written by :func:`save`; raises :class:`ModelFileError` on any problem."""
    path = Path(path)
    if not path.exists():
        raise _bad(path, "model file not found; train one with 'npmlp train --out DIR'")
    if path.is_dir():
        raise _bad(path, "is a folder; give the model file inside it (e.g. DIR/model.npz)")
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != b"PK\x03\x04":
        if magic[:1] == b"\x80":  # the start of a pickle stream
            raise _bad(
                path,
                "holds pickled objects, which npmlp refuses to load because "
                "they can run code; re-save the model with npmlp",
            )
        raise _bad(path, "is not an npmlp model file (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise _bad(
                path,
                "holds pickled objects, which npmlp refuses to load because "
                "they can run code; re-save the model with npmlp",
            ) from None
        raise _bad(path, f"is not a readable npmlp model file ({e})") from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as e:
        raise _bad(
            path, f"is truncated or corrupted ({type(e).__name__}: {e}); train or copy it again"
        ) from None
    if not isinstance(arrays, dict) or "metadata" not in arrays:
        raise _bad(path, "is not an npmlp model file (no metadata entry)")
    try:
        meta = json.loads(str(arrays.pop("metadata")))
    except json.JSONDecodeError as e:
        raise _bad(path, f"has corrupted metadata ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _bad(path, "is not an npmlp model file (wrong format tag)")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise _bad(
            path,
            f"uses model format version {version}, but npmlp {__version__} reads "
            f"version {FORMAT_VERSION}; re-train or convert it with a matching "
            "npmlp",
        )
    try:
        arch = meta["architecture"]
        D, L, C = (int(arch[k]) for k in "DLC")
        H = arch["H"] if isinstance(arch["H"], list) else int(arch["H"])
        arch = Architecture.of(D, H, L, C)
        init = meta.get("init", "he")  # files written before the option existed: He
        activation = meta.get("activation", "relu")  # files written before: the seed's ReLU
        net = MLP(
            D,
            H,
            L,
            C,
            dtype=meta["dtype"],
            seed=int(meta["seed"]),
            init=init,
            activation=activation,
        )
        for i, d_in, d_out in arch.fc_layers:
            for key, shape in ((f"W{i}", (d_in, d_out)), (f"b{i}", (1, d_out))):
                a = arrays[key]
                if a.shape != shape or a.dtype != net.dtype:
                    raise ValueError(
                        f"{key} has shape {a.shape} and dtype {a.dtype}, "
                        f"expected {shape} {net.dtype}"
                    )
                net.params[key][...] = a  # into the packed views (npmlp.packing)
        classes = arrays["classes"]
        if classes.shape != (C,):
            raise ValueError(f"classes has shape {classes.shape}, expected ({C},)")
        net.classes = classes
        if meta.get("preprocessing"):
            shift, scale = arrays["preprocessing_shift"], arrays["preprocessing_scale"]
            if shift.shape != (D,) or scale.shape != (D,):
                raise ValueError("preprocessing arrays do not match D")
            net.preprocessing = Preprocessing(meta["preprocessing"], shift, scale)
    except (KeyError, ValueError, TypeError) as e:
        raise _bad(
            path, f"is inconsistent ({type(e).__name__}: {e}); train or copy it again"
        ) from None
    for k in (
        "format",
        "format_version",
        "architecture",
        "activation",
        "dtype",
        "seed",
        "init",
        "preprocessing",
    ):
        meta.pop(k, None)
    net.metadata = meta
    return net
