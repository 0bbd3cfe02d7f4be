"""Model files: exact round trips, atomic writes, and clear errors for bad files."""

import json
import os

import numpy as np
import pytest

import npmlp.nn.model_file as files
from npmlp import MLP, ModelFileError, Preprocessing, load


def trained(tmp_path, dtype=np.float32, H=6):
    rng = np.random.default_rng(0)
    net = MLP(5, H, 5, 3, dtype=dtype, seed=11)
    net.classes = np.array(["setosa", "versicolor", "virginica"])
    net.preprocessing = Preprocessing.fit("standard", rng.standard_normal((40, 5)) * 3 + 1)
    net.metadata["training"] = {"lr": 0.01, "epochs": 3}
    path = tmp_path / "model.npz"
    files.save(net, path, data="iris")
    return net, path


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_is_exact(tmp_path, dtype):
    net, path = trained(tmp_path, dtype, H=[6, 4])
    back = load(path)
    assert (back.D, back.H, back.L, back.C, back.dtype, back.seed) == (5, (6, 4), 5, 3, dtype, 11)
    for k in net.params:
        assert back.params[k].dtype == dtype
        np.testing.assert_array_equal(back.params[k], net.params[k])
    np.testing.assert_array_equal(back.classes, net.classes)
    np.testing.assert_array_equal(back.preprocessing.shift, net.preprocessing.shift)
    X = np.random.default_rng(1).standard_normal((50, 5))
    np.testing.assert_array_equal(back.predict_proba(X), net.predict_proba(X))  # bit-identical
    np.testing.assert_array_equal(back.predict(X), net.predict(X))
    assert back.metadata["training"] == {"lr": 0.01, "epochs": 3}
    assert back.metadata["data"] == "iris" and back.metadata["npmlp_version"] == "0.1.0"


def test_file_holds_arrays_and_json_metadata_without_pickle(tmp_path):
    _, path = trained(tmp_path)
    with np.load(path, allow_pickle=False) as z:
        assert sorted(z.files) == [
            "W1",
            "W3",
            "W5",
            "b1",
            "b3",
            "b5",
            "classes",
            "metadata",
            "preprocessing_scale",
            "preprocessing_shift",
        ]
        meta = json.loads(str(z["metadata"]))
    assert meta["format"] == "npmlp-model" and meta["format_version"] == 1
    assert meta["architecture"] == {"D": 5, "H": 6, "L": 5, "C": 3}
    assert meta["dtype"] == "float32" and meta["preprocessing"] == "standard"
    assert meta["init"] == "he"
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_save_is_atomic_and_keeps_the_previous_file_on_failure(tmp_path, monkeypatch):
    net, path = trained(tmp_path)
    before = path.read_bytes()

    def crash(f, **arrays):
        f.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(files.np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        files.save(net, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]  # no temporary file left behind


def expect_error(path, text):
    with pytest.raises(ModelFileError) as e:
        load(path)
    assert str(e.value) == f"{path}: {text}"


def test_truncated_file(tmp_path):
    _, path = trained(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match=r"is truncated or corrupted \(BadZipFile: "):
        load(path)


def test_corrupted_file(tmp_path):
    _, path = trained(tmp_path)
    data = bytearray(path.read_bytes())
    data[200:260] = b"\x00" * 60  # damage the first member's bytes: CRC mismatch
    path.write_bytes(bytes(data))
    with pytest.raises(
        ModelFileError,
        match=r"^.*model.npz: is (truncated or corrupted|"
        r"not a readable npmlp model file)",
    ):
        load(path)


def test_wrong_version(tmp_path):
    net, path = trained(tmp_path)
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["metadata"]))
    meta["format_version"] = 99
    arrays["metadata"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    expect_error(
        path,
        "uses model format version 99, but npmlp 0.1.0 reads version 1; "
        "re-train or convert it with a matching npmlp",
    )


def test_init_round_trips_and_an_older_file_without_it_reads_as_he(tmp_path):
    net = MLP(5, 6, 3, 3, seed=2, init="glorot")
    path = tmp_path / "g.npz"
    files.save(net, path)
    assert load(path).init == "glorot"
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["metadata"]))
    del meta["init"]
    arrays["metadata"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    back = load(path)
    assert back.init == "he"
    np.testing.assert_array_equal(back.params["W1"], net.params["W1"])  # weights as saved


def test_pickle_bearing_file_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, W1=np.array([{"run": "code"}], dtype=object), metadata=np.array("{}"))
    expect_error(
        path,
        "holds pickled objects, which npmlp refuses to load because they can "
        "run code; re-save the model with npmlp",
    )


def test_missing_and_foreign_files(tmp_path):
    expect_error(
        tmp_path / "nope.npz", "model file not found; train one with 'npmlp train --out DIR'"
    )
    other = tmp_path / "other.npz"
    np.savez(other, X=np.zeros(3))
    expect_error(other, "is not an npmlp model file (no metadata entry)")
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    expect_error(text, "is not an npmlp model file (not an .npz archive)")
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(b"\x80\x04\x95" + b"\x00" * 20)
    expect_error(
        pickled,
        "holds pickled objects, which npmlp refuses to load because they "
        "can run code; re-save the model with npmlp",
    )


def test_activation_round_trips_and_an_older_file_without_it_reads_as_relu(tmp_path):
    net = MLP(5, 6, 5, 3, seed=2, activation="tanh")
    path = tmp_path / "t.npz"
    files.save(net, path)
    back = load(path)
    assert back.activation == "tanh" and "activation" not in back.metadata
    X = np.random.default_rng(0).normal(size=(7, 5))
    np.testing.assert_array_equal(back.predict_proba(X), net.predict_proba(X))
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["metadata"]))
    del meta["activation"]
    arrays["metadata"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    assert load(path).activation == "relu"
    meta["activation"] = "swish"
    arrays["metadata"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    expect_error(path, "is inconsistent (unknown activation 'swish'); train or copy it again")
