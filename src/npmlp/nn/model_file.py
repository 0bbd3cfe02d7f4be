"""The model file format: one ``.npz`` archive per model.

A model is one ``.npz`` archive (no pickle) holding:

- the parameters ``W1, b1, W3, b3, ..., WL, bL`` in the model's dtype;
- ``classes``: the (C,) class labels (numbers or text);
- ``preprocessing_shift`` and ``preprocessing_scale`` when the model scales its inputs;
- ``table_encoder`` when the model was trained on a table: a JSON text of its
  :class:`~npmlp.encoding.TableEncoder` (column names, kinds, fill values, categories, label
  column); files without it load as before;
- ``metadata``: a JSON text with the format version, the architecture, the dtype, the seed,
  the preprocessing kind, the training settings, any caller-given entries and the version of
  npmlp that wrote it.

Files are read without pickle, and checked before anything is allocated (see :func:`load`);
they are written with :func:`npmlp.core.atomic.atomic_write`.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .._version import __version__
from ..core.architecture import Architecture
from ..core.atomic import atomic_write
from ..core.errors import ModelFileError, NpmlpError
from ..core.safeio import (
    MAX_ARRAY_BYTES,
    SPECIAL,
    FileRefused,
    file_kind,
    human_bytes,
    inspect_npz,
    open_npz,
    open_regular,
    read_member,
)
from ..encoding import TableEncoder, encoder_of
from .layers import ACTIVATIONS
from .loss import HEADS
from .model import INITS, MLP
from .preprocessing import KINDS, Preprocessing

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
            "loss": net.loss,
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
    if encoder_of(net) is not None:
        arrays["table_encoder"] = np.array(json.dumps(encoder_of(net).to_dict()))
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


_PICKLED = (
    "holds pickled objects, which npmlp refuses to load because they can run code; "
    "re-save the model with npmlp"
)
MAX_METADATA_CHARS = 1 << 20  # the JSON text; npmlp writes a few KB
MAX_CLASS_BYTES = 64 << 20
MAX_ENCODER_CHARS = 8 << 20  # the table encoder's JSON: names, fills, categories


def load(path) -> MLP:
    """Read a model written by :func:`save`; raises :class:`ModelFileError` on any problem.

    Nothing is allocated before the file has been checked: the archive's members are listed
    (names the format does not know are refused), each array's ``.npy`` header is read
    without its data and checked against the member's size, the metadata is parsed with a
    cap on its length and every field type-checked, and the shapes it implies are compared
    with the headers. Only then is the model built and each array read straight into it.
    Non-finite weights, a non-finite shift and a zero or non-finite scale are refused.
    """
    path = Path(path)
    _check_kind(path)
    try:
        with open_regular(path) as f:
            magic = f.read(4)
            if magic != b"PK\x03\x04":
                if magic[:1] == b"\x80":  # the start of a pickle stream
                    raise _bad(path, _PICKLED)
                raise _bad(path, "is not an npmlp model file (not an .npz archive)")
            f.seek(0)
            with open_npz(f) as zf:
                return _read_model(zf, path)
    except ModelFileError:
        raise
    except FileRefused as e:
        if e.kind == "pickle":
            raise _bad(path, _PICKLED) from None
        if e.kind in ("memory", "special"):
            raise _bad(path, str(e)) from None
        raise _bad(path, f"is truncated or corrupted ({e}); train or copy it again") from None
    except MemoryError:
        raise _bad(path, "needs more memory than this machine can give") from None
    except (
        zipfile.BadZipFile,
        NotImplementedError,  # zipfile: a member of a version or method it does not read
        OSError,
        EOFError,
        zlib.error,
        ValueError,
        struct.error,
    ) as e:
        raise _bad(
            path, f"is truncated or corrupted ({type(e).__name__}: {e}); train or copy it again"
        ) from None


def _check_kind(path: Path) -> None:
    """A regular file: a missing path, a folder or a special file is refused in one line."""
    try:
        kind, _ = file_kind(path)
    except OSError as e:
        raise _bad(path, f"cannot read it ({e.strerror})") from None
    if kind == "missing":
        raise _bad(path, "model file not found; train one with 'npmlp train --out DIR'")
    if kind == "folder":
        raise _bad(path, "is a folder; give the model file inside it (e.g. DIR/model.npz)")
    if kind == "special":
        raise _bad(path, SPECIAL)


def _read_model(zf, path) -> MLP:
    """The model in the open archive ``zf``: its members and metadata checked against each
    other first (:func:`_check_members`), then the arrays read into a new :class:`MLP`."""
    members = inspect_npz(zf, cap=MAX_ARRAY_BYTES)
    if "metadata" not in members:
        raise _bad(path, "is not an npmlp model file (no metadata entry)")
    meta = _read_metadata(zf, members.pop("metadata"), path)
    spec = _check_metadata(meta, path)
    expected = _check_members(members, spec, path)
    encoder = None
    if "table_encoder" in members:
        encoder = _read_encoder(zf, members["table_encoder"], spec["D"], path)
    try:  # allocated only now that every size is known to be consistent
        net = _new_model(spec)
    except (MemoryError, NpmlpError):  # NpmlpError: memory.check_fits
        total = sum(members[k].header.nbytes for k in expected)
        raise _bad(
            path, f"needs {human_bytes(total)} for its weights, more memory than this machine has"
        ) from None
    _read_weights(zf, members, spec, net, path)
    net.classes = _read_classes(zf, members["classes"], spec["C"], path)
    net.encoder = encoder
    if spec["preprocessing"]:
        net.preprocessing = _read_preprocessing(zf, members, spec["preprocessing"], path)
    for k in _SPEC_KEYS:
        meta.pop(k, None)
    net.metadata = meta
    return net


_SPEC_KEYS = (
    "format",
    "format_version",
    "architecture",
    "activation",
    "loss",
    "dtype",
    "seed",
    "init",
    "preprocessing",
)  # what the metadata says of the network itself


def _check_members(members: dict, spec: dict, path) -> dict:
    """The archive's arrays are exactly those the metadata implies, each with its shape and
    dtype; returns ``{name: (shape, dtype or None)}``."""
    D, L, C = spec["D"], spec["L"], spec["C"]
    known = {"classes", "table_encoder"} | (
        {"preprocessing_shift", "preprocessing_scale"} if spec["preprocessing"] else set()
    )
    unknown = sorted(k for k in members if k not in known and not _is_param(k, L))
    if unknown:
        raise _inconsistent(path, f"holds arrays the format does not know: {', '.join(unknown)}")
    # W, b; classes; shift, scale; the table encoder
    n_arrays = L + 1 + 1 + (2 if spec["preprocessing"] else 0) + ("table_encoder" in members)
    if len(members) != n_arrays:  # before any list of L entries is built
        raise _inconsistent(
            path, f"the metadata implies {n_arrays} arrays (L={L}), the file holds {len(members)}"
        )
    expected = _expected_arrays(spec, D, C)
    for key, (shape, dt) in expected.items():
        h = members[key].header
        if h.shape != shape or (dt is not None and h.dtype != dt) or h.fortran:
            want = f"{shape} {dt.name if dt is not None else ''}".rstrip()
            raise _inconsistent(
                path, f"{key} has shape {h.shape} and dtype {h.dtype}, the metadata says {want}"
            )
    for key in ("preprocessing_shift", "preprocessing_scale"):
        if key in members and members[key].header.dtype.kind != "f":
            raise _inconsistent(path, f"{key} holds {members[key].header.dtype}, not floats")
    cls = members["classes"].header
    if cls.dtype.kind not in "iufbU" or cls.nbytes > MAX_CLASS_BYTES:
        raise _inconsistent(path, f"classes hold {cls.dtype}; npmlp writes numbers or text")
    return expected


def _expected_arrays(spec: dict, D: int, C: int) -> dict:
    """``{name: (shape, dtype or None)}`` of every array the metadata implies."""
    dtype = np.dtype(spec["dtype"])
    expected = {}
    for i, d_in, d_out in spec["arch"].fc_layers:
        expected[f"W{i}"] = ((d_in, d_out), dtype)
        expected[f"b{i}"] = ((1, d_out), dtype)
    if spec["preprocessing"]:
        expected["preprocessing_shift"] = ((D,), None)
        expected["preprocessing_scale"] = ((D,), None)
    expected["classes"] = ((C,), None)
    return expected


def _read_weights(zf, members: dict, spec: dict, net: MLP, path) -> None:
    """Every W and b read straight into the model's packed views; non-finite ones refused."""
    for i, _, _ in spec["arch"].fc_layers:
        for key in (f"W{i}", f"b{i}"):
            read_member(zf, members[key], out=net.params[key])
            if not _finite(net.params[key]):
                raise _bad(path, f"has NaN or infinite weights in {key}; train it again")


def _read_classes(zf, member, C: int, path) -> np.ndarray:
    """The (C,) class labels: finite and distinct."""
    classes = read_member(zf, member)
    if classes.dtype.kind == "f" and not np.isfinite(classes).all():
        raise _bad(path, "has NaN or infinite class labels; train it again")
    if len(np.unique(classes)) != C:
        raise _bad(path, "lists a class label twice; train it again")
    return classes


def _read_preprocessing(zf, members: dict, kind: str, path) -> Preprocessing:
    """The input scaling: a finite (D,) shift and a finite, non-zero (D,) scale."""
    shift = read_member(zf, members["preprocessing_shift"])
    scale = read_member(zf, members["preprocessing_scale"])
    if not (np.isfinite(shift).all() and np.isfinite(scale).all() and np.all(scale != 0)):
        raise _bad(
            path,
            "has a NaN or infinite input shift, or a zero or non-finite input "
            "scale; train it again",
        )
    return Preprocessing(kind, shift, scale)


def _is_param(key: str, L: int) -> bool:
    """Whether ``key`` names a parameter of an L-layer model: W1, b1, W3, ..., WL, bL."""
    m = re.fullmatch(r"[Wb]([1-9][0-9]*)", key)
    return m is not None and int(m.group(1)) % 2 == 1 and int(m.group(1)) <= L


def _inconsistent(path, why: str) -> ModelFileError:
    return _bad(path, f"is inconsistent ({why}); train or copy it again")


def _new_model(spec: dict) -> MLP:
    """The one call into the model's constructor (the adapter to re-point if MLP changes)."""
    return MLP.empty(
        spec["D"],
        spec["H"],
        spec["L"],
        spec["C"],
        dtype=spec["dtype"],
        seed=spec["seed"],
        init=spec["init"],
        activation=spec["activation"],
        loss=spec["loss"],
    )


def _finite(a: np.ndarray) -> bool:
    """Whether every value of ``a`` is finite, a block at a time (no full-size temporary)."""
    flat = a.reshape(-1)
    step = 1 << 20
    return all(np.isfinite(flat[i : i + step]).all() for i in range(0, flat.size, step))


def _read_metadata(zf, member, path) -> dict:
    h = member.header
    if h.shape != () or h.dtype.kind != "U" or h.dtype.itemsize > 4 * MAX_METADATA_CHARS:
        raise _bad(
            path, f"has corrupted metadata (a {h.dtype} array of shape {h.shape}, not a JSON text)"
        )
    text = str(read_member(zf, member)[()])
    try:
        meta = json.loads(text)
    except RecursionError:
        raise _bad(path, "has corrupted metadata (JSON nested too deeply)") from None
    except ValueError as e:  # JSONDecodeError, or an integer of too many digits
        raise _bad(path, f"has corrupted metadata ({str(e)[:160]})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _bad(path, "is not an npmlp model file (wrong format tag)")
    return meta


def _read_encoder(zf, member, D: int, path) -> TableEncoder:
    """The table encoder's JSON text, its length checked before it is read, then every field."""
    h = member.header
    if h.shape != () or h.dtype.kind != "U" or h.dtype.itemsize > 4 * MAX_ENCODER_CHARS:
        raise _inconsistent(path, f"table_encoder is a {h.dtype} array of shape {h.shape}")
    try:
        return TableEncoder.from_dict(json.loads(str(read_member(zf, member)[()])), D)
    except RecursionError:
        raise _inconsistent(path, "table_encoder is JSON nested too deeply") from None
    except ValueError as e:  # JSONDecodeError, or a field that is wrong
        raise _inconsistent(path, f"table_encoder: {str(e)[:160]}") from None


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _choices(meta: dict, path) -> dict:
    """The network's named choices in ``meta``, each checked, with the default of a file
    written before the choice existed: He init, the seed's ReLU, the classifier's loss."""
    spec = {
        "init": meta.get("init", "he"),
        "activation": meta.get("activation", "relu"),
        "loss": meta.get("loss", "cross_entropy"),
    }
    if spec["init"] not in INITS:
        raise _inconsistent(path, f"init {spec['init']!r} is not one of {', '.join(INITS)}")
    if spec["activation"] not in ACTIVATIONS:
        raise _inconsistent(path, f"unknown activation {spec['activation']!r}")
    if spec["loss"] not in HEADS:
        raise _inconsistent(path, f"unknown loss {spec['loss']!r}")
    return spec


def _check_metadata(meta: dict, path) -> dict:
    """The architecture and settings the metadata declares, every field type-checked."""
    version = meta.get("format_version")
    if not _is_int(version) or version != FORMAT_VERSION:
        raise _bad(
            path,
            f"uses model format version {version}, but npmlp {__version__} reads "
            f"version {FORMAT_VERSION}; re-train or convert it with a matching "
            "npmlp",
        )
    arch = meta.get("architecture")
    if not isinstance(arch, dict) or not all(k in arch for k in "DHLC"):
        raise _inconsistent(path, "the metadata has no architecture D, H, L, C")
    D, H, L, C = arch["D"], arch["H"], arch["L"], arch["C"]
    widths = H if isinstance(H, list) else [H]
    if not all(_is_int(v) for v in [D, L, C, *widths]):
        got = json.dumps(arch)[:120]
        raise _inconsistent(path, f"architecture D, H, L, C must be integers, got {got}")
    try:
        spec = {"D": D, "H": H, "L": L, "C": C, "arch": Architecture.of(D, H, L, C, min_C=1)}
    except NpmlpError as e:
        raise _inconsistent(path, str(e)) from None
    spec["dtype"] = meta.get("dtype")
    if spec["dtype"] not in ("float32", "float64"):
        raise _inconsistent(path, f"dtype {spec['dtype']!r} is not float32 or float64")
    spec["seed"] = meta.get("seed", 0)
    if not _is_int(spec["seed"]) or not 0 <= spec["seed"] < 2**128:
        raise _inconsistent(path, f"seed {spec['seed']!r} is not an integer >= 0")
    spec.update(_choices(meta, path))
    spec["preprocessing"] = meta.get("preprocessing")
    if spec["preprocessing"] is not None and spec["preprocessing"] not in KINDS:
        raise _inconsistent(path, f"unknown preprocessing {spec['preprocessing']!r}")
    _check_run_entries(meta, path)
    return spec


def _check_run_entries(meta: dict, path) -> None:
    """The entries 'npmlp train' writes and 'npmlp evaluate --split test' reads back."""
    if "data" in meta and not isinstance(meta["data"], str):
        raise _inconsistent(path, f"data {json.dumps(meta['data'])[:80]} is not a text")
    split = meta.get("split")
    if split is None:
        return
    fraction = split.get("test_fraction") if isinstance(split, dict) else None
    seed = split.get("seed") if isinstance(split, dict) else None
    if not (
        isinstance(fraction, (int, float))
        and not isinstance(fraction, bool)
        and 0 <= fraction < 1
        and _is_int(seed)
        and seed >= 0
    ):
        raise _inconsistent(
            path, f"split {json.dumps(split)[:80]} is not {{test_fraction in [0, 1), seed >= 0}}"
        )
