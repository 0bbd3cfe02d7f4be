"""Property tests: whatever bytes or text a file holds, every loader either returns a data set
or raises the project's DataError, never anything else."""

from __future__ import annotations

import gzip
import io
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import npmlp.data.files as data_files
from npmlp.core.errors import DataError
from npmlp.data import Dataset, load_dataset

EXAMPLES = int(os.environ.get("NPMLP_HYPOTHESIS_EXAMPLES", "60"))  # raise it to fuzz longer
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
SUFFIXES = [
    "d.csv",
    "d.tsv",
    "d.txt",
    "d.npz",
    "X.npy",
    "a-images-idx3-ubyte",
    "a-images-idx3-ubyte.gz",
]


def outcome(name: str, content: bytes, label=None, *, extra=None) -> str:
    """Write ``content`` to a file called ``name`` and load it: 'ok' or 'error'."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / name
        path.write_bytes(content)
        for other, data in (extra or {}).items():
            (Path(d) / other).write_bytes(data)
        try:
            ds = load_dataset(str(path), label=label)
        except DataError as e:
            assert str(e) and "\n" not in str(e)
            return "error"
        assert isinstance(ds, Dataset) and ds.X.shape[0] == ds.y.shape[0] >= 2
        return "ok"


def _npy_bytes(a) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


Y_NPY = _npy_bytes(np.array([0, 1, 0, 1]))
LABELS = {
    "a-labels-idx1-ubyte": b"\0\0\x08\x01\0\0\0\x02\0\x01",
    "a-labels-idx1-ubyte.gz": gzip.compress(b"\0\0\x08\x01\0\0\0\x02\0\x01"),
    "y.npy": Y_NPY,
}


@SETTINGS
@given(name=st.sampled_from(SUFFIXES), content=st.binary(max_size=400))
def test_random_bytes(name, content):
    outcome(name, content, extra=LABELS)


@SETTINGS
@given(
    name=st.sampled_from(["X.npy", "a-images-idx3-ubyte", "a-images-idx3-ubyte.gz"]),
    content=st.binary(max_size=400),
    stream=st.booleans(),
)
def test_random_bytes_after_a_valid_magic(name, content, stream, monkeypatch_module):
    monkeypatch_module.setattr(data_files, "STREAM_BYTES", 0 if stream else 256 << 20)
    if name.endswith(".npy"):
        head = b"\x93NUMPY\x01\x00"
    else:
        head = b"\0\0" + bytes([content[0] if content else 8])
        if name.endswith(".gz"):
            outcome(name, gzip.compress(head + content), extra=LABELS)
            return
    outcome(name, head + content, extra=LABELS)


@SETTINGS
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6),
    kind=st.sampled_from(["npz", "npy", "idx"]),
)
@example(flips=[(292902, 10)], kind="npz")  # a member named "\n": its name quoted, one line
def test_damaged_valid_files(flips, kind):
    """Start from a good file, overwrite a few bytes."""
    X = np.arange(12, dtype=np.float32).reshape(4, 3)
    if kind == "npz":
        buf = io.BytesIO()
        np.savez(buf, X=X, y=np.array([0, 1, 0, 1]))
        name, raw = "d.npz", bytearray(buf.getvalue())
    elif kind == "npy":
        name, raw = "X.npy", bytearray(_npy_bytes(X))
    else:
        name = "a-images-idx3-ubyte"
        raw = bytearray(b"\0\0\x08\x03\0\0\0\x02\0\0\0\x02\0\0\0\x02" + bytes(range(8)))
    for pos, value in flips:
        raw[pos % len(raw)] = value
    outcome(name, bytes(raw), extra=LABELS)


CSV_ALPHABET = "0123456789.-+eE,;\t\n\r \"'abcxyzNnaIif_"


@SETTINGS
@given(
    text=st.text(alphabet=CSV_ALPHABET, max_size=300),
    name=st.sampled_from(["d.csv", "d.tsv", "d.txt"]),
    label=st.sampled_from([None, "0", "-1", "2", "label", "x"]),
)
def test_random_csv_text(text, name, label):
    outcome(name, text.encode(), label)


@SETTINGS
@given(
    rows=st.lists(
        st.lists(
            st.one_of(
                st.floats(allow_nan=True, allow_infinity=True),
                st.integers(-5, 5),
                st.sampled_from(["a", "b", ""]),
            ),
            min_size=1,
            max_size=4,
        ),
        min_size=1,
        max_size=8,
    ),
    header=st.booleans(),
)
def test_random_csv_tables(rows, header):
    lines = (["f0,f1,f2,label"] if header else []) + [",".join(map(str, r)) for r in rows]
    result = outcome("d.csv", "\n".join(lines).encode())
    rows = [r for r in rows if r != [""]]  # a lone empty field is a blank line: skipped
    if not rows:
        assert result == "error"
        return
    width = len(rows[0])
    ragged = any(len(r) != width for r in rows) or (header and width != 4)
    if ragged or width < 2:
        assert result == "error"


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()
