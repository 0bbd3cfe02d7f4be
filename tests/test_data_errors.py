"""Bad input: one clear line on stderr, exit code 2, and no output folder left behind."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pytest

from data_helpers import make_idx_set, write_csv
from npmlp.cli import main


def train_fails(tmp_path, capsys, data, *extra):
    """Run ``npmlp train --data DATA --out OUT``; return stderr after checking the contract."""
    out = tmp_path / "out"
    capsys.readouterr()
    rc = main(
        [
            "train",
            "--data",
            str(data),
            "--out",
            str(out),
            "--epochs",
            "2",
            "-H",
            "4",
            "--quiet",
            *extra,
        ]
    )
    captured = capsys.readouterr()
    assert rc == 2
    assert captured.err.startswith("npmlp: error: ") and captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
    assert not out.exists()  # nothing written, not even the folder
    return captured.err


def test_missing_file(tmp_path, capsys):
    err = train_fails(tmp_path, capsys, tmp_path / "nope.csv")
    assert err == f"npmlp: error: {tmp_path / 'nope.csv'}: file not found; check the path\n"


def test_folder_instead_of_file(tmp_path, capsys):
    (tmp_path / "d.csv").mkdir()
    err = train_fails(tmp_path, capsys, tmp_path / "d.csv")
    assert err.endswith("d.csv: is a folder, not a data file\n")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path, capsys):
    path = write_csv(tmp_path / "d.csv", None, [[1, 0], [2, 1]])
    path.chmod(0)
    err = train_fails(tmp_path, capsys, path)
    assert "cannot read it (Permission denied); check its permissions" in err


def test_unreadable_file_even_as_root(tmp_path, capsys, monkeypatch):
    import builtins

    import npmlp.data.files as data_files

    path = write_csv(tmp_path / "d.csv", None, [[1, 0], [2, 1]])

    def refuse(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return builtins.open(file, *args, **kwargs)

    monkeypatch.setattr(data_files, "open", refuse, raising=False)
    err = train_fails(tmp_path, capsys, path)
    assert err.endswith("d.csv: cannot read it (Permission denied); check its permissions\n")


def test_binary_file_given_as_csv(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_bytes(b"\xff\xfe\x00\x81" * 10)
    err = train_fails(tmp_path, capsys, path)
    assert err.endswith("d.csv: not a text file (not UTF-8); give a CSV file\n")


@pytest.mark.parametrize("name", ["d.csv", "d.npz", "X.npy", "a-images-idx3-ubyte"])
def test_empty_file(tmp_path, capsys, name):
    (tmp_path / name).write_bytes(b"")
    err = train_fails(tmp_path, capsys, tmp_path / name)
    assert err.endswith(f"{name}: the file is empty\n")


def test_blank_csv(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("\n  \n")
    assert train_fails(tmp_path, capsys, tmp_path / "d.csv").endswith("the file is empty\n")


def test_ragged_rows(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("a,b,label\n1,2,0\n3,1\n")
    err = train_fails(tmp_path, capsys, tmp_path / "d.csv")
    assert err.endswith(
        "d.csv: line 3 has 2 fields but the header has 3; every row needs the "
        "same number of columns\n"
    )


def test_non_numeric_feature(tmp_path, capsys):
    # a text among numbers: too varied for a category, so the cell is named
    (tmp_path / "d.csv").write_text("a,b,label\n1,2,0\n3,abc,1\n")
    err = train_fails(tmp_path, capsys, tmp_path / "d.csv")
    assert err.endswith(
        "d.csv: column 'b' holds numbers but also 'abc' (line 3); fix that cell, list it with "
        "--na-values, or drop the column with --drop b\n"
    )


@pytest.mark.parametrize("bad", ["inf", "-Infinity"])
def test_inf_in_csv(tmp_path, capsys, bad):
    (tmp_path / "d.csv").write_text(f"a,b,label\n1,2,0\n3,4,1\n5,{bad},1\n")
    err = train_fails(tmp_path, capsys, tmp_path / "d.csv")
    assert err.endswith(
        f"d.csv: line 4, column 'b': {bad!r} is not a finite number; fix it, or list it with "
        "--na-values to read it as missing\n"
    )


def test_nan_in_npz(tmp_path, capsys):
    X = np.ones((6, 2))
    X[4, 1] = np.inf
    np.savez(tmp_path / "d.npz", X=X, y=[0, 1] * 3)
    err = train_fails(tmp_path, capsys, tmp_path / "d.npz")
    assert "1 row(s) contain NaN or infinity (first: row 4)" in err


def test_npz_without_x_names_what_it_holds_on_one_line(tmp_path, capsys):
    import io
    import zipfile

    buf = io.BytesIO()
    np.save(buf, np.zeros(2))
    with zipfile.ZipFile(tmp_path / "d.npz", "w") as zf:
        zf.writestr("y.npy", buf.getvalue())
        zf.writestr("feat\nures.npy", buf.getvalue())  # a name with a newline in it
    err = train_fails(tmp_path, capsys, tmp_path / "d.npz")
    assert err.endswith(
        "d.npz: no array named X (found: y, 'feat\\nures'); save it with np.savez(path, X=X, y=y)\n"
    )
    assert err.count("\n") == 1


def test_label_column_that_does_not_exist(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("a,b,kind\n1,2,x\n3,4,y\n")
    err = train_fails(tmp_path, capsys, tmp_path / "d.csv", "--label", "species")
    assert err.endswith("d.csv: no label column 'species'; columns are: a, b, kind\n")


def test_single_class(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("a,label\n1,cat\n2,cat\n3,cat\n")
    err = train_fails(tmp_path, capsys, tmp_path / "d.csv")
    assert err.endswith(
        "d.csv: only one class ('cat') in the labels; a classifier needs at least 2\n"
    )


def test_fewer_rows_than_classes(tmp_path, capsys):
    np.savez(
        tmp_path / "d.npz", X=np.ones((2, 3)), y=[0, 1], X_test=np.ones((3, 3)), y_test=[0, 1, 2]
    )
    err = train_fails(
        tmp_path, capsys, tmp_path / "d.npz", "--val-fraction", "0", "--early-stopping", "off"
    )
    assert err == (
        "npmlp: error: d: the splits leave 2 training rows for 3 classes; give more "
        "rows (at least one per class) or lower --test-fraction / --val-fraction\n"
    )


def test_fewer_training_rows_than_classes_after_splitting(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("a,label\n1,a\n2,b\n3,c\n4,a\n")
    # --min-val-rows 0: hold out the one validation row even so (by default too few to keep)
    err = train_fails(tmp_path, capsys, tmp_path / "d.csv", "--min-val-rows", "0")
    assert "the splits leave 2 training rows for 3 classes" in err


def test_x_and_y_of_different_lengths(tmp_path, capsys):
    np.savez(tmp_path / "d.npz", X=np.ones((10, 2)), y=[0, 1] * 4 + [0])
    err = train_fails(tmp_path, capsys, tmp_path / "d.npz")
    assert err.endswith("d.npz: X has 10 rows but y has 9 labels; they must match\n")
    np.save(tmp_path / "X.npy", np.ones((10, 2)))
    np.save(tmp_path / "y.npy", np.arange(11) % 2)
    err = train_fails(tmp_path, capsys, tmp_path / "X.npy")
    assert err.endswith("X.npy: X has 10 rows but y has 11 labels; they must match\n")


def test_npy_without_labels_file(tmp_path, capsys):
    np.save(tmp_path / "feat.npy", np.ones((4, 2)))
    err = train_fails(tmp_path, capsys, tmp_path / "feat.npy")
    assert err.endswith(
        "feat.npy: no labels file found next to it (e.g. y.npy); give it with --label LABELS.npy\n"
    )


@pytest.mark.parametrize("gz", [False, True])
def test_idx_header_not_matching_the_bytes(tmp_path, capsys, gz):
    make_idx_set(tmp_path, n_train=10, n_test=3, side=6, C=2)
    raw = gzip.decompress((tmp_path / "train-images-idx3-ubyte.gz").read_bytes())[:-60]
    name = "train-images-idx3-ubyte" + (".gz" if gz else "")
    (tmp_path / "train-images-idx3-ubyte.gz").unlink()
    (tmp_path / name).write_bytes(gzip.compress(raw) if gz else raw)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(
        gzip.decompress((tmp_path / "train-labels-idx1-ubyte.gz").read_bytes())
    )
    err = train_fails(tmp_path, capsys, tmp_path / name)
    assert err.endswith(
        f"{name}: IDX header says shape (10, 6, 6) of uint8 (360 bytes of "
        "data) but the file holds 300; the file is truncated or corrupted\n"
    )


def test_truncated_gzip(tmp_path, capsys):
    make_idx_set(tmp_path, n_train=10, n_test=3, side=6, C=2)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-20])
    err = train_fails(tmp_path, capsys, path)
    assert "truncated or corrupted gzip file" in err and err.endswith("download it again\n")


def test_npz_that_needs_pickle(tmp_path, capsys):
    np.savez(tmp_path / "d.npz", X=np.array([[1.0], [2.0]], dtype=object), y=[0, 1])
    err = train_fails(tmp_path, capsys, tmp_path / "d.npz")
    assert err.endswith(
        "d.npz: holds pickled objects, which npmlp refuses to load because "
        "they can run code; save plain numeric arrays\n"
    )


def test_npy_that_needs_pickle(tmp_path, capsys):
    np.save(tmp_path / "X.npy", np.array([[1.0], [2.0]], dtype=object), allow_pickle=True)
    np.save(tmp_path / "y.npy", np.array([0, 1]))
    err = train_fails(tmp_path, capsys, tmp_path / "X.npy")
    assert "X.npy: holds pickled objects, which npmlp refuses to load" in err


def test_unknown_name_and_bad_settings(tmp_path, capsys):
    err = train_fails(tmp_path, capsys, "mnits")
    assert err.startswith("npmlp: error: unknown data set 'mnits'; use one of digits, iris")
    err = train_fails(tmp_path, capsys, "spirals:arms=3,colour=red")
    assert err == (
        "npmlp: error: spirals:arms=3,colour=red: unknown setting colour; spirals "
        "takes n (default 600), seed (default 0), noise (default 0.2), arms (default "
        "3), turns (default 1)\n"
    )
    err = train_fails(tmp_path, capsys, "moons:n=lots")
    assert err == "npmlp: error: moons:n=lots: n='lots' is not an integer\n"
    err = train_fails(tmp_path, capsys, "spirals:arms=1")
    assert err == "npmlp: error: spirals:arms=1: needs 2 to 100 classes, got 1\n"


def test_existing_output_is_kept_when_the_data_is_bad(tmp_path, capsys):
    out = tmp_path / "out"
    assert (
        main(["train", "--data", "iris", "--out", str(out), "--epochs", "1", "-H", "4", "--quiet"])
        == 0
    )
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (tmp_path / "bad.csv").write_text("a,label\n1,x\n")
    assert main(["train", "--data", str(tmp_path / "bad.csv"), "--out", str(out), "--quiet"]) == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_data_info_reports_errors_the_same_way(tmp_path, capsys):
    assert main(["data", "info", str(tmp_path / "nope.npz")]) == 2
    assert capsys.readouterr().err == (
        f"npmlp: error: {tmp_path / 'nope.npz'}: file not found; check the path\n"
    )
