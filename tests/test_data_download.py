"""Downloads, run for real against a local HTTP server on 127.0.0.1 serving IDX fixtures."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import re

import numpy as np
import pytest

from data_helpers import IDX_FILES, http_server, make_idx_set
from npmlp.cli import main
from npmlp.data import load_dataset
from npmlp.data.downloads import REMOTE, cache_dir, fetch


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A server with small ``mnist`` files, the registry pointed at it, an empty cache."""
    root = tmp_path / "www"
    sums = make_idx_set(root / "mnist", n_train=60, n_test=21, side=6, C=3)
    monkeypatch.setitem(REMOTE, "mnist", dataclasses.replace(REMOTE["mnist"], sha256=sums))
    monkeypatch.setenv("NPMLP_DATA", str(tmp_path / "cache"))
    with http_server(root) as url:
        monkeypatch.setenv("NPMLP_MIRROR", url)
        yield root, sums, tmp_path / "cache" / "mnist"


def _hash(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_train_on_mnist_downloads_verifies_and_caches(served, tmp_path, capsys):
    root, sums, folder = served
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--data",
                "mnist",
                "--epochs",
                "30",
                "-H",
                "16",
                "--lr",
                "0.01",
                "--json",
                "--out",
                str(out),
                "--early-stopping",
                "off",
            ]
        )
        == 0
    )
    m = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert m["data"] == "mnist" and m["n_test"] == 21  # the official test part is respected
    assert m["test_accuracy"] == 1.0  # the fixture's classes light up different image rows
    assert sorted(p.name for p in folder.iterdir()) == sorted(IDX_FILES)  # no temp files
    assert {p.name: _hash(p) for p in folder.iterdir()} == sums
    assert (out / "model.npz").exists()


def test_cache_is_reused_without_network(served, monkeypatch):
    root, sums, folder = served
    first = load_dataset("mnist")
    monkeypatch.setenv("NPMLP_MIRROR", "http://127.0.0.1:9")  # nothing listens there
    again = load_dataset("mnist")
    np.testing.assert_array_equal(first.X, again.X)
    np.testing.assert_array_equal(first.y_test, again.y_test)
    assert again.X.shape == (60, 36) and again.image_shape == (6, 6)


def test_corrupted_download_is_rejected_and_deleted(served, tmp_path, capsys):
    root, sums, folder = served
    bad = root / "mnist" / "train-labels-idx1-ubyte.gz"
    bad.write_bytes(bad.read_bytes()[:-3] + b"xyz")
    out = tmp_path / "run"
    capsys.readouterr()
    assert main(["train", "--data", "mnist", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert re.fullmatch(
        r"npmlp: error: http://127\.0\.0\.1:\d+/mnist/train-labels-idx1-ubyte\.gz: checksum "
        rf"mismatch \(SHA-256 {_hash(bad)}, expected {sums[bad.name]}\); the download was "
        r"deleted; try again later",
        err,
    )
    assert sorted(p.name for p in folder.iterdir()) == ["train-images-idx3-ubyte.gz"]
    assert not out.exists()


def test_corrupted_cache_file_is_replaced(served, capsys):
    root, sums, folder = served
    folder.mkdir(parents=True)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"garbage")
    ds = load_dataset("mnist")
    assert ds.y_test.shape == (21,)
    assert _hash(folder / "t10k-labels-idx1-ubyte.gz") == sums["t10k-labels-idx1-ubyte.gz"]


def test_a_link_in_the_cache_is_refused_not_followed(served, tmp_path, capsys):
    """Even to a file holding the right bytes: npmlp writes regular files there, so a link is
    someone else's, and neither read nor replaced."""
    root, sums, folder = served
    folder.mkdir(parents=True)
    name = "t10k-labels-idx1-ubyte.gz"
    target = tmp_path / "elsewhere.gz"
    target.write_bytes((root / "mnist" / name).read_bytes())
    (folder / name).symlink_to(target)
    assert main(["train", "--data", "mnist", "--epochs", "1", "--quiet"]) == 2
    assert capsys.readouterr().err == (
        f"npmlp: error: {folder / name}: is a link in npmlp's download cache, which npmlp never "
        "follows; remove it\n"
    )
    assert (folder / name).is_symlink() and _hash(target) == sums[name]


def test_offline_machine_gets_one_line_saying_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NPMLP_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("NPMLP_MIRROR", "http://127.0.0.1:9")
    assert main(["train", "--data", "fashion-mnist", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("npmlp: error: cannot download fashion-mnist")
    assert err.endswith(
        "download http://127.0.0.1:9/fashion-mnist/train-images-idx3-ubyte.gz, "
        "http://127.0.0.1:9/fashion-mnist/train-labels-idx1-ubyte.gz, "
        "http://127.0.0.1:9/fashion-mnist/t10k-images-idx3-ubyte.gz, "
        "http://127.0.0.1:9/fashion-mnist/t10k-labels-idx1-ubyte.gz by hand and put them in "
        f"{tmp_path / 'cache' / 'fashion-mnist'} (or set NPMLP_DATA to their folder)\n"
    )
    assert not (tmp_path / "cache" / "fashion-mnist").exists() or not any(
        (tmp_path / "cache" / "fashion-mnist").iterdir()
    )


def test_progress_bar_names_the_file(served):
    from rich.console import Console

    buf = io.StringIO()
    fetch("mnist", console=Console(file=buf, force_terminal=True, width=100))
    assert "train-images-idx3-ubyte.gz" in buf.getvalue()


def test_cache_folder_default_and_override(monkeypatch, tmp_path):
    from platformdirs import user_cache_dir

    monkeypatch.delenv("NPMLP_DATA", raising=False)
    assert str(cache_dir()) == user_cache_dir("npmlp")
    monkeypatch.setenv("NPMLP_DATA", str(tmp_path))
    assert cache_dir() == tmp_path


def test_registry_holds_the_published_checksums():
    assert REMOTE["mnist"].sha256["train-images-idx3-ubyte.gz"] == (
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
    )
    assert REMOTE["fashion-mnist"].sha256["t10k-labels-idx1-ubyte.gz"] == (
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
    )
    for entry in REMOTE.values():
        assert sorted(entry.sha256) == sorted(IDX_FILES)
        assert all(re.fullmatch(r"[0-9a-f]{64}", s) for s in entry.sha256.values())
        assert len(set(entry.sha256.values())) == 4 and len(entry.target_names) == 10
