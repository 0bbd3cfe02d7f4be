"""Inputs that once printed a traceback: each is now one line and exit 2, before any training
(or trains and draws, for labels that look like matplotlib's mathtext)."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from npmlp.cli import main

SMALL = ["--data", "iris", "-H", "8", "--epochs", "3", "--quiet"]


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--seed", "-1"],
            "Invalid value for '--seed': seed must be an integer in [0, 4294967295], got -1",
        ),
        (
            ["--seed", str(2**32)],
            "Invalid value for '--seed': seed must be an integer in [0, 4294967295], got 4294967296",
        ),
        (
            ["--data", "digits", "--val-fraction", "0.999"],
            "a split of 0.999 keeps 1 of 1437 rows, fewer than the 10 classes; "
            "use a smaller fraction",
        ),
        (
            ["--test-fraction", "0.99"],
            "a split of 0.99 keeps 1 of 150 rows, fewer than the 3 classes; use a smaller fraction",
        ),
    ],
)
def test_seeds_and_fractions_out_of_range_are_one_line(capsys, tmp_path, args, message):
    out = tmp_path / "run"
    code, _, err = run(capsys, "train", *SMALL, *args, "--out", out)
    suffix = " (see 'npmlp train --help')" if message.startswith("Invalid") else ""
    assert (code, err) == (2, f"npmlp: error: {message}{suffix}\n")
    assert os.listdir(tmp_path) == []  # no folder, no lock, no checkpoint


def test_a_run_without_test_rows_prints_and_evaluate_split_test_says_why(capsys, tmp_path):
    out = tmp_path / "run"
    # --min-val-rows 0: keep the 15 validation rows, which the table's 30 would not
    args = [*SMALL[:-1], "--test-fraction", "0", "--min-val-rows", "0", "--out", out]
    code, stdout, err = run(capsys, "train", *args)
    assert code == 0 and "npmlp:" not in err  # (err holds the progress bar)
    assert "test accuracy" not in stdout and "│ test" not in stdout and "│ val" in stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_test"] == 0 and "test_accuracy" not in metrics
    code, _, err = run(capsys, "evaluate", out / "model.npz", "--data", "iris", "--split", "test")
    assert (code, err) == (
        2,
        "npmlp: error: this model was trained with --test-fraction 0: no rows were held out "
        "for a test; use --split all\n",
    )


def test_bad_out_folders_are_refused_before_training(capsys, tmp_path):
    (tmp_path / "file").write_text("x")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("keep me")
    (notes / "model.npz").write_text("old")
    cases = [
        (
            tmp_path / "file",
            f"Invalid value for '--out': Directory '{tmp_path / 'file'}' is a file. "
            "(see 'npmlp train --help')",
        ),
        (
            tmp_path / "file" / "run",
            f"--out {tmp_path / 'file' / 'run'}: {tmp_path / 'file'} is a file, not a folder",
        ),
        (
            notes,
            f"--out {notes} holds todo.txt, not from 'npmlp train'; the run replaces the whole "
            "folder, so give a new or empty folder or a past run's",
        ),
    ]
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "cat.png").write_bytes(b"not ours")
    cases.append(
        (
            photos,
            f"--out {photos} holds cat.png, not from 'npmlp train'; the run replaces the whole "
            "folder, so give a new or empty folder or a past run's",
        )
    )
    if Path("/sys").is_dir():  # not writable, even by root
        cases.append(
            (
                Path("/sys/npmlp-run"),
                "--out /sys/npmlp-run: cannot write in /sys (Operation not permitted)",
            )
        )
    for out, message in cases:
        code, _, err = run(capsys, "train", *SMALL, "--out", out)
        assert (code, err) == (2, f"npmlp: error: {message}\n"), out
    assert sorted(os.listdir(tmp_path)) == ["file", "notes", "photos"]
    assert sorted(os.listdir(notes)) == ["model.npz", "todo.txt"]


def test_labels_that_look_like_mathtext_are_drawn_as_text(capsys, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    labels = np.where(X[:, 0] > 0, "$x^$", "$a$ b")
    csv = tmp_path / "lab.csv"
    csv.write_text("u,v,c\n" + "".join(f"{a},{b},{c}\n" for (a, b), c in zip(X, labels)))
    out = tmp_path / "run"
    code, _, err = run(
        capsys, "train", "--data", csv, "-H", "8", "--epochs", "3", "--quiet", "--out", out
    )
    assert (code, err) == (0, "")
    assert {"boundary.png", "confusion.png", "report.html"} <= set(os.listdir(out))

    from npmlp.outputs.plots import class_names

    assert class_names(["$x^$", "$a$ b"]) == [r"\$x^\$", r"\$a\$ b"]


def test_a_loss_that_grows_by_orders_of_magnitude_warns_about_the_learning_rate(capsys):
    code, _, err = run(
        capsys,
        "train",
        "--data",
        "digits",
        "-H",
        "32",
        "--epochs",
        "5",
        "--lr",
        "1e6",
        "--quiet",
        "--early-stopping",
        "off",
    )
    assert code == 0
    lines = [line for line in err.splitlines() if "training loss" in line]
    assert len(lines) == 1
    assert lines[0].startswith("npmlp: warning: the training loss ended at ")
    assert lines[0].endswith(
        "the learning rate is far too large; try a smaller --lr (now 1e+06, e.g. 10000)"
    )
    code, _, err = run(capsys, "train", *SMALL)
    assert code == 0 and "training loss" not in err
