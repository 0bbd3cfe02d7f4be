"""Every data source loads what it should: synthetic sets, bundled sets, CSV/TSV, npz, a pair
of npy files, IDX; the registry and ``npmlp data list/info``; splits and scaling end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest

from data_helpers import iris_csv, make_idx_set, write_csv
from npmlp.cli import main
from npmlp.data import SYNTHETIC, load_dataset
from npmlp.data.idx import read_idx, write_idx
from npmlp.data.registry import entries
from npmlp.data.synthetic import parse_spec
from npmlp.nn.model_file import load, save

FAST = ["--epochs", "3", "-H", "8", "--quiet"]


# ------------------------------------------------------------------------------- synthetic
@pytest.mark.parametrize(
    "spec, N, C",
    [
        ("moons", 600, 2),
        ("circles:n=300", 300, 2),
        ("blobs:classes=5,n=250", 250, 5),
        ("spirals:arms=4,n=800,noise=0.1", 800, 4),
        ("xor:n=100", 100, 2),
    ],
)
def test_synthetic_sizes_and_classes(spec, N, C):
    ds = load_dataset(spec)
    assert ds.X.shape == (N, 2) and ds.y.shape == (N,)
    assert ds.X.dtype == np.float64
    counts = np.unique(ds.y, return_counts=True)[1]
    assert counts.size == C
    if not spec.startswith(("blobs", "xor")):
        assert counts.min() == N // C  # balanced by construction


def test_synthetic_seed_repeats_and_changes():
    a, b = load_dataset("spirals:seed=3"), load_dataset("spirals:seed=3")
    c = load_dataset("spirals:seed=4")
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.allclose(a.X, c.X)


def test_spirals_arms_are_separated_by_angle():
    ds = load_dataset("spirals:arms=3,n=300,noise=0")
    t = np.hypot(ds.X[:, 0], ds.X[:, 1])
    angle = np.arctan2(ds.X[:, 1], ds.X[:, 0])
    expected = 2 * np.pi * (t + ds.y / 3)  # turns=1: the arm's angle grows with the radius
    np.testing.assert_allclose(np.cos(angle), np.cos(expected), atol=1e-9)


def test_xor_labels_follow_the_quadrants_without_noise():
    ds = load_dataset("xor:n=200,noise=0")
    np.testing.assert_array_equal(ds.y, (ds.X[:, 0] * ds.X[:, 1] > 0).astype(int))


def test_parse_spec():
    assert parse_spec("spirals:arms=3,n=600,noise=0.2") == (
        "spirals",
        {"arms": 3, "n": 600, "noise": 0.2},
    )
    assert parse_spec("Moons") == ("moons", {})


def test_train_on_moons_reaches_high_accuracy(capsys):
    assert (
        main(
            [
                "train",
                "--data",
                "moons:n=400,noise=0.1",
                "--epochs",
                "80",
                "-H",
                "32",
                "--lr",
                "0.01",
                "--json",
                "--early-stopping",
                "off",
            ]
        )
        == 0
    )
    m = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert m["test_accuracy"] >= 0.95
    assert m["data"] == "moons"


# ----------------------------------------------------------------------------------- CSV
def test_csv_string_labels_round_trip_through_the_model_file(tmp_path, capsys):
    csv_path = iris_csv(tmp_path / "iris.csv")
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--data",
                str(csv_path),
                "--label",
                "species",
                "--out",
                str(out),
                "--epochs",
                "150",
                "-H",
                "16",
                "--lr",
                "0.01",
                "--quiet",
                "--early-stopping",
                "off",
            ]
        )
        == 0
    )
    net = load(out / "model.npz")
    assert list(net.classes) == ["setosa", "versicolor", "virginica"]
    rows = tmp_path / "rows.csv"
    ds = load_dataset(str(csv_path), label="species")
    pick = [0, 1, 60, 61, 120, 121]
    write_csv(rows, ["sepal_l", "sepal_w", "petal_l", "petal_w"], ds.X[pick].tolist())
    capsys.readouterr()
    assert main(["predict", str(out / "model.npz"), str(rows)]) == 0
    predicted = capsys.readouterr().out.split()
    assert predicted == ["setosa", "setosa", "versicolor", "versicolor", "virginica", "virginica"]
    assert (
        main(
            [
                "evaluate",
                str(out / "model.npz"),
                "--data",
                str(csv_path),
                "--label",
                "species",
                "--json",
            ]
        )
        == 0
    )
    ev = json.loads(capsys.readouterr().out)
    assert ev["classes"] == ["setosa", "versicolor", "virginica"] and ev["accuracy"] > 0.9


def test_csv_header_detected_given_and_absent(tmp_path):
    rows = [[1.0, 2.0, "a"], [3.0, 4.0, "b"], [5.0, 6.0, "a"]]
    with_header = write_csv(tmp_path / "h.csv", ["f1", "f2", "kind"], rows)
    no_header = write_csv(tmp_path / "n.csv", None, rows)
    ds = load_dataset(str(with_header))
    assert ds.feature_names == ["f1", "f2"] and ds.X.shape == (3, 2)
    ds = load_dataset(str(no_header))
    assert ds.feature_names is None and ds.X.shape == (3, 2)
    np.testing.assert_array_equal(ds.y, ["a", "b", "a"])
    # a header of numbers is only recognised when told
    numeric = write_csv(tmp_path / "num.csv", ["10", "20", "0"], [[1, 2, 0], [3, 4, 1]])
    assert load_dataset(str(numeric)).X.shape == (3, 2)
    assert load_dataset(f"{numeric}:header=yes").X.shape == (2, 2)


def test_csv_label_by_index_and_tsv(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("lab\tx1\tx2\n0\t1.5\t2\n1\t3\t4.25\n1\t0\t0\n")
    ds = load_dataset(str(path), label="0")
    np.testing.assert_array_equal(ds.X, [[1.5, 2], [3, 4.25], [0, 0]])
    np.testing.assert_array_equal(ds.y, [0, 1, 1])
    assert ds.y.dtype.kind == "i"


# ------------------------------------------------------------------------------ npz, npy
def test_npz_with_given_test_set_is_respected(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 3))
    y = (X[:, 0] > 0).astype(int)
    np.savez(tmp_path / "d.npz", X=X, y=y, X_test=X[:17], y_test=y[:17])
    args = ["train", "--data", str(tmp_path / "d.npz"), *FAST, "--json", "--min-val-rows", "0"]
    assert main(args) == 0
    m = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert m["n_test"] == 17
    assert m["n_train"] == 72  # all 80 given rows minus the validation tenth (8)


def test_npy_pair_found_next_to_features_or_given(tmp_path):
    X = np.arange(24, dtype=np.float32).reshape(6, 4)
    y = np.array([0, 1, 0, 1, 2, 2])
    np.save(tmp_path / "train_X.npy", X)
    np.save(tmp_path / "train_y.npy", y)
    ds = load_dataset(str(tmp_path / "train_X.npy"))
    np.testing.assert_array_equal(ds.X, X)
    np.testing.assert_array_equal(ds.y, y)
    np.save(tmp_path / "labels_elsewhere.npy", y[::-1])
    ds = load_dataset(str(tmp_path / "train_X.npy"), label=str(tmp_path / "labels_elsewhere.npy"))
    np.testing.assert_array_equal(ds.y, y[::-1])


# ------------------------------------------------------------------------------------ IDX
@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
def test_idx_round_trip(tmp_path, dtype, name):
    a = (
        (np.arange(60).reshape(5, 3, 4) - 7).astype(dtype)
        if dtype != np.uint8
        else np.arange(60, dtype=np.uint8).reshape(5, 3, 4)
    )
    write_idx(tmp_path / name, a)
    raw = (tmp_path / name).read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == name.endswith(".gz")
    b = read_idx(tmp_path / name)
    assert b.dtype == a.dtype and b.shape == a.shape
    np.testing.assert_array_equal(a, b)


def test_idx_pair_found_by_name_plain_and_gz(tmp_path):
    make_idx_set(tmp_path, n_train=30, n_test=9, side=5, C=3)
    ds = load_dataset(str(tmp_path / "train-images-idx3-ubyte.gz"))
    assert ds.X.shape == (30, 25) and ds.X.dtype == np.uint8 and ds.image_shape == (5, 5)
    np.testing.assert_array_equal(ds.y, np.arange(30) % 3)
    import gzip

    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (tmp_path / name).write_bytes(gzip.decompress((tmp_path / f"{name}.gz").read_bytes()))
    ds = load_dataset(str(tmp_path / "t10k-images-idx3-ubyte"))
    assert ds.X.shape == (9, 25)


# ------------------------------------------------------------------- scaling and splits
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_scaling_is_scikit_learns_scalers_bit_for_bit(dtype):
    """Preprocessing.fit (NumPy) gives StandardScaler's mean_ and scale_ and MinMaxScaler's
    data_min_ and range exactly: wide, offset, constant and nearly constant features."""
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    from npmlp.nn.preprocessing import Preprocessing

    rng = np.random.default_rng(3)
    for N in (1, 2, 7, 150, 1001):
        X = rng.standard_normal((N, 6)) * [1, 1e-3, 1e4, 1, 0, 1] + [0, 5, -3e5, 1e8, 2.5, 0]
        X[:, 5] = 0.1  # constant; column 3 is constant within rounding at 1e8
        X = (X * 100).astype(dtype) if dtype is np.int64 else X.astype(dtype)
        ours = Preprocessing.fit("standard", X)
        theirs = StandardScaler().fit(X)
        np.testing.assert_array_equal(ours.shift, theirs.mean_.astype(np.float64))
        np.testing.assert_array_equal(ours.scale, theirs.scale_.astype(np.float64))
        ours = Preprocessing.fit("minmax", X)
        theirs = MinMaxScaler().fit(X)
        span = (theirs.data_max_ - theirs.data_min_).astype(np.float64)
        span[span == 0] = 1.0
        np.testing.assert_array_equal(ours.shift, theirs.data_min_.astype(np.float64))
        np.testing.assert_array_equal(ours.scale, span)
        assert ours.shift.dtype == ours.scale.dtype == np.float64


def test_scaling_fitted_on_training_split_only_and_saved(tmp_path):
    from npmlp.jobs.job import RunSettings, train_run
    from npmlp.train.train_config import TrainConfig

    cfg = TrainConfig(epochs=2, batch_size=32, val_fraction=0.1, early_stopping=None, seed=0)
    r = train_run(RunSettings(data="wine", hidden=8, scaling="standard", config=cfg))
    X_train = r.splits["train"][0]
    np.testing.assert_allclose(r.net.preprocessing.shift, X_train.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(r.net.preprocessing.scale, X_train.std(axis=0), rtol=1e-12)
    ds = load_dataset("wine")
    assert not np.allclose(r.net.preprocessing.shift, ds.X.mean(axis=0))  # not all the rows
    save(r.net, tmp_path / "m.npz")
    net = load(tmp_path / "m.npz")
    X_test, y_test = r.splits["test"]
    assert net.evaluate(X_test, y_test) == r.net.evaluate(X_test, y_test)
    cfg = TrainConfig(epochs=2, batch_size=32, val_fraction=0.1, early_stopping=None, seed=0)
    r = train_run(RunSettings(data="wine", hidden=8, scaling="minmax", config=cfg))
    X_train = r.splits["train"][0]
    scaled = r.net.preprocessing.apply(X_train)
    assert scaled.min() == 0.0 and scaled.max() == 1.0


def test_splits_are_stratified_and_seeded():
    from npmlp.jobs.job import RunSettings, train_run
    from npmlp.train.train_config import TrainConfig

    def run(seed):
        cfg = TrainConfig(
            epochs=1, val_fraction=0.1, min_val_rows=0, early_stopping=None, seed=seed
        )
        return train_run(RunSettings(data="iris", hidden=4, seed=seed, config=cfg))

    a, b, c = run(1), run(1), run(2)
    np.testing.assert_array_equal(a.splits["test"][0], b.splits["test"][0])
    assert not np.array_equal(a.splits["test"][0], c.splits["test"][0])
    for name, n in (("test", 10), ("val", 4)):  # 30 test rows, 12 validation rows, per class
        np.testing.assert_array_equal(np.bincount(a.splits[name][1]), [n] * 3)


# ------------------------------------------------------------------ registry and the CLI
def test_registry_lists_every_family():
    names = {e.name: e for e in entries()}
    for name in (
        "digits",
        "iris",
        "wine",
        "breast_cancer",
        *SYNTHETIC,
        "mnist",
        "fashion-mnist",
        "kmnist",
    ):
        assert name in names
    assert (names["digits"].rows, names["digits"].classes, names["digits"].features) == (
        1797,
        10,
        64,
    )
    assert (names["mnist"].rows, names["mnist"].features) == (70000, 784)
    for name in ("digits", "iris", "wine", "breast_cancer"):  # the table matches the data
        ds = load_dataset(name)
        assert (len(ds.y), len(ds.classes), ds.n_features) == (
            names[name].rows,
            names[name].classes,
            names[name].features,
        )


def test_cli_data_list(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("NPMLP_DATA", str(tmp_path))
    assert main(["data", "list", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    spirals = next(r for r in rows if r["name"] == "spirals")
    assert (spirals["rows"], spirals["classes"], spirals["features"]) == (600, 3, 2)
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "spirals:arms=3,n=600,noise=0.2" in out and "fashion-mnist" in out


def test_cli_data_info(capsys, tmp_path):
    path = write_csv(
        tmp_path / "d.csv", ["a", "b", "label"], [[1, -2.5, "x"], [2, 0, "y"], [3, 7, "x"]]
    )
    assert main(["data", "info", str(path), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["n_rows"], d["n_features"], d["label"]) == (3, 2, "label")
    assert d["class_counts"] == {"x": 2, "y": 1} and d["classes"] == ["x", "y"]
    number = {"kind": "number", "missing": 0, "distinct": 3, "train": "number, scaled"}
    assert d["columns"] == [
        {"name": "a", **number},
        {"name": "b", **number},
        {
            "name": "label",
            "kind": "label",
            "missing": 0,
            "distinct": 2,
            "train": "the label: x 2, y 1",
        },
    ]
    assert main(["data", "info", "iris"]) == 0
    out = capsys.readouterr().out
    assert "X (150, 4) float64" in out and "class counts: 0: 50, 1: 50, 2: 50" in out
