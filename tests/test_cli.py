"""The npmlp command line: the main job, every command, and one-line errors with exit code 2."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from npmlp import load
from npmlp.cli import main
from npmlp.core.defaults import TRAIN

NPMLP = str(Path(sys.executable).with_name("npmlp"))


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def iris_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("iris")
    assert (
        main(
            ["train", "--data", "iris", "-H", "16", "--epochs", "200", "--quiet", "--out", str(out)]
        )
        == 0
    )
    return out / "model.npz"


def test_train_defaults_reach_0975_on_digits_and_write_the_run(tmp_path, capsys):
    code, out, err = run(capsys, "train", "--out", str(tmp_path), "--json")
    assert code == 0
    metrics = json.loads(out.strip().splitlines()[-1])  # the last line of stdout
    assert metrics["test_accuracy"] >= 0.975
    assert metrics["n_parameters"] == 64 * 256 + 256 + 256 * 10 + 10
    assert 1 <= metrics["epochs"] <= TRAIN["epochs"] and metrics["data"] == "digits"
    assert {"train_loss", "val_loss", "test_loss", "train_accuracy", "val_accuracy"} <= set(metrics)
    assert sorted(os.listdir(tmp_path)) == [
        "checkpoint.npz",
        "confusion.png",
        "curves.png",
        "health.png",
        "history.csv",
        "metrics.json",
        "misclassified.png",
        "model.npz",
        "report.html",
        "run.json",
        "weights.png",
    ]
    assert json.loads((tmp_path / "metrics.json").read_text()) == metrics
    assert metrics["interrupted"] is False and len(metrics["run_id"]) == 32
    rows = (tmp_path / "history.csv").read_text().splitlines()
    assert rows[0].startswith(
        "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,l2_penalty,train_objective,"
        "seconds,"
        "FC1_dead,FC1_act_rms,FC1_grad_norm,FC1_update_ratio"
    )
    assert len(rows) == metrics["epochs"] + 1
    net = load(tmp_path / "model.npz")
    assert (
        net.preprocessing.kind == "standard"
        and net.metadata["training"]["batch_size"] == TRAIN["batch_size"]
    )


def test_train_prints_a_table_and_the_test_accuracy(capsys):
    code, out, err = run(
        capsys,
        "train",
        "--data",
        "iris",
        "-H",
        "8",
        "--epochs",
        "5",
        "--early-stopping",
        "off",
        "--seed",
        "3",
    )
    assert code == 0
    assert "split" in out and "test" in out and "accuracy" in out
    assert out.strip().splitlines()[-1].startswith("test accuracy: ")
    assert "iteration 5/5" in err  # the progress bar counts L-BFGS (auto on iris) iterations


def test_the_table_is_shown_before_the_pictures_are_drawn(capsys, tmp_path, monkeypatch):
    """The pictures and report.html never delay the result: when write_pictures starts, the
    table (and its test row) is on stdout and no file is in --out yet; the folder comes whole,
    with "wrote ..." and the test accuracy last."""
    import npmlp.outputs.plots

    draw, seen = npmlp.outputs.plots.write_pictures, {}

    def watched(result, out):
        seen["stdout"] = capsys.readouterr().out
        seen["published"] = (tmp_path / "run").exists()
        return draw(result, out)

    monkeypatch.setattr(npmlp.outputs.plots, "write_pictures", watched)
    args = ("train", "--data", "iris", "-H", "4", "--epochs", "3", "--out", str(tmp_path / "run"))
    code, out, _ = run(capsys, *args)
    assert code == 0 and seen["published"] is False
    table = seen["stdout"]
    assert "split" in table and "test" in table and "accuracy" in table and "wrote" not in table
    lines = out.strip().splitlines()
    assert (
        lines[-2].startswith(f"wrote {tmp_path / 'run'}/model.npz") and "report.html" in lines[-2]
    )
    assert lines[-1].startswith("test accuracy: ")
    assert (tmp_path / "run" / "curves.png").exists() and (tmp_path / "run" / "run.json").exists()


def test_full_batch_gradient_descent_from_the_cli(capsys):
    code, out, _ = run(
        capsys,
        "train",
        "--data",
        "iris",
        "--batch-size",
        "full",
        "--optimizer",
        "sgd",
        "--lr",
        "0.5",
        "--epochs",
        "50",
        "-H",
        "16",
        "--early-stopping",
        "off",
        "--json",
    )
    assert code == 0 and json.loads(out.splitlines()[-1])["test_accuracy"] >= 0.9


def test_init_option_reaches_the_model_file(tmp_path, capsys):
    args = ["train", "--data", "iris", "-H", "16", "--epochs", "200", "--quiet", "--json"]
    code, out, _ = run(capsys, *args, "--init", "glorot", "--out", str(tmp_path))
    assert code == 0 and json.loads(out.splitlines()[-1])["test_accuracy"] >= 0.9
    assert load(tmp_path / "model.npz").init == "glorot"


def test_evaluate_scores_the_held_out_test_rows_unless_told_all(iris_model, capsys):
    code, out, _ = run(capsys, "evaluate", str(iris_model), "--data", "iris", "--json")
    assert code == 0
    res = json.loads(out)
    assert res["n"] == 30 and res["accuracy"] > 0.8  # the 20 % that 'npmlp train' held out
    assert res["scored"] == (
        "the 30 test rows 'npmlp train' held out (test fraction 0.2, seed 0); "
        "--split all scores every row"
    )
    assert np.array(res["confusion_matrix"]).sum() == 30
    assert set(res["per_class"]) == {"0", "1", "2"}
    code, out, _ = run(capsys, "evaluate", str(iris_model), "--data", "iris", "--split", "test")
    assert out.splitlines()[0] == "scored: " + res["scored"]
    code, test, _ = run(
        capsys, "evaluate", str(iris_model), "--data", "iris", "--split", "test", "--json"
    )
    assert json.loads(test) == res  # no --split is --split test
    code, out, _ = run(capsys, "evaluate", str(iris_model), "--data", "iris", "--split", "all")
    lines = out.splitlines()
    assert lines[0] == "scored: all 150 rows of iris"
    assert lines[1].startswith("accuracy: ") and lines[1].endswith("rows: 150")
    assert "confusion matrix" in out and "precision" in out


def test_evaluate_of_a_model_without_a_split_scores_every_row_and_says_so(tmp_path, capsys):
    from npmlp import MLP, save

    save(MLP(4, 5, 3, 3, seed=0), tmp_path / "lib.npz")
    code, out, _ = run(capsys, "evaluate", str(tmp_path / "lib.npz"), "--data", "iris")
    assert code == 0
    assert (
        out.splitlines()[0] == "scored: all 150 rows of iris (the model records no split of them)"
    )


def test_predict_labels_and_probabilities(iris_model, tmp_path, capsys):
    from sklearn.datasets import load_iris

    X = load_iris().data[:5]
    np.save(tmp_path / "rows.npy", X)
    code, out, _ = run(capsys, "predict", str(iris_model), str(tmp_path / "rows.npy"))
    assert code == 0 and out.split() == ["0"] * 5
    (tmp_path / "rows.csv").write_text("a,b,c,d\n" + "\n".join(",".join(map(str, r)) for r in X))
    code, out, _ = run(capsys, "predict", str(iris_model), str(tmp_path / "rows.csv"), "--proba")
    lines = out.strip().splitlines()
    assert lines[0] == "0,1,2" and len(lines) == 6
    assert all(abs(sum(map(float, r.split(","))) - 1) < 1e-4 for r in lines[1:])


def test_predict_prints_labels_as_csv_with_control_characters_escaped(tmp_path, capsys):
    from npmlp import MLP, save

    net = MLP(2, 4, 3, 3, seed=0)
    net.classes = np.array(["two\nlines", 'say "hi", twice', "\x1b[31mred"])
    save(net, tmp_path / "m.npz")
    X = np.array([[0.0, 0.0], [1.0, -1.0], [-3.0, 2.0], [5.0, 5.0]])
    np.save(tmp_path / "rows.npy", X)
    code, out, _ = run(capsys, "predict", str(tmp_path / "m.npz"), str(tmp_path / "rows.npy"))
    shown = dict(zip(net.classes, ["two\\nlines", '"say ""hi"", twice"', "\\x1b[31mred"]))
    assert code == 0 and out.splitlines() == [shown[label] for label in net.predict(X)]
    assert len(set(net.predict(X))) > 1
    code, out, _ = run(
        capsys, "predict", str(tmp_path / "m.npz"), str(tmp_path / "rows.npy"), "--proba"
    )
    assert code == 0 and len(out.splitlines()) == 5
    assert out.splitlines()[0] == 'two\\nlines,"say ""hi"", twice",\\x1b[31mred'


def test_printable_and_listing():
    from npmlp.core.errors import listing, printable

    assert printable("a\tb\x1b[0m\u2028") == "a\\tb\\x1b[0m\\u2028"
    assert printable("x" * 50, 10) == "xxxxxxxxxx... (40 more characters)"
    names = ["a", "b" * 3_000_000, *"cdefgh"]
    assert listing(names, limit=3, width=4) == "a, bbbb... (2999996 more characters), c and 5 more"
    assert listing(["a", "b"]) == "a, b"


def test_summary_and_gradcheck(capsys):
    code, out, _ = run(
        capsys, "summary", "-D", "784", "-H", "512", "-L", "5", "-C", "10", "-N", "256"
    )
    assert code == 0 and "x^(0)          256 x 784" in out
    assert out.strip().endswith(
        f"total parameters: {784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10}"
    )
    code, out, _ = run(capsys, "gradcheck", "-L", "7")
    assert code == 0 and out.strip().splitlines()[-1].startswith("PASS")
    code, out, _ = run(capsys, "gradcheck", "--threshold", "1e-30")
    assert code == 1 and out.strip().splitlines()[-1].startswith("FAIL")


@pytest.mark.parametrize("cmd", ["train", "evaluate", "predict", "summary", "gradcheck"])
def test_every_command_has_help_with_examples(cmd, capsys):
    code, out, _ = run(capsys, cmd, "--help")
    assert code == 0 and "Example" in out and "npmlp " + cmd in out


def write_csv(path, text):
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    "args,message",
    [
        (["train", "--data", "nope.csv"], "nope.csv: file not found; check the path"),
        (
            ["train", "--data", "mnistt"],
            "unknown data set 'mnistt'; use one of digits, iris, wine, "
            "breast_cancer, moons, circles, blobs, spirals, xor, mnist, "
            "fashion-mnist, kmnist or a file (.csv, .tsv, .npz, .npy, "
            "IDX); 'npmlp data list' shows them",
        ),
        (
            ["train", "-L", "4"],
            "Invalid value for '-L' / '--layers': L must be odd and >= 3 (FC and "
            "ReLU alternate, first and last layers are FC), got 4; use 3 for one "
            "hidden layer, 5 for two, ... (see 'npmlp train --help')",
        ),
        (
            ["train", "--lr", "-1"],
            "Invalid value for '--lr': learning rate must be a positive number, got -1.0 "
            "(see 'npmlp train --help')",
        ),
        (
            ["train", "--init", "xavier"],
            "Invalid value for '--init': unknown init 'xavier'; choose one of he, glorot "
            "(see 'npmlp train --help')",
        ),
        (
            ["train", "--batch-size", "many"],
            "Invalid value for '--batch-size': batch size must be 'full' or an integer >= 0, "
            "got 'many' (see 'npmlp train --help')",
        ),
        (
            ["train", "--val-fraction", "0", "--data", "iris"],
            "early stopping on val_loss needs validation rows: set a validation fraction > 0 "
            "(--val-fraction), pass X_val and y_val, or turn early stopping off "
            "(--early-stopping off)",
        ),
        (
            ["evaluate", "missing.npz", "--data", "iris"],
            "missing.npz: model file not found; train one with 'npmlp train --out DIR'",
        ),
    ],
)
def test_user_errors_are_one_line_with_exit_code_2(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *args)
    assert code == 2
    assert err == f"npmlp: error: {message}\n"
    assert os.listdir(tmp_path) == []  # nothing written


def test_data_errors(tmp_path, capsys, iris_model):
    nan = write_csv(tmp_path / "nan.csv", "a,b,label\n1,2,0\nnan,3,1\n4,5,1\n")
    args = ("train", "--data", nan, "--out", str(tmp_path / "run"), "--missing", "error")
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err == (
        f"npmlp: error: {nan}: line 3, column 'a': missing value 'nan'; fill or remove it, "
        "or leave out --missing error to impute it\n"
    )
    assert not (tmp_path / "run").exists()
    code, _, err = run(capsys, "evaluate", str(iris_model), "--data", "wine")
    assert (code, err) == (2, "npmlp: error: wine has 13 features but the model expects D=4\n")
    bad = write_csv(tmp_path / "bad.csv", "a,b,c,d,label\n1,2,3,4,7\n1,2,3,4,0\n")
    code, _, err = run(capsys, "evaluate", str(iris_model), "--data", bad)
    assert (code, err) == (
        2,
        "npmlp: error: labels 7 are not classes of this model (its classes: 0, 1, 2)\n",
    )
    rows = write_csv(tmp_path / "rows.csv", "1,2,3\n")
    code, _, err = run(capsys, "predict", str(iris_model), rows)
    assert (code, err) == (
        2,
        f"npmlp: error: {rows}: rows have 3 features but the model expects D=4\n",
    )


def test_divergence_is_one_line_and_writes_nothing(tmp_path, capsys):
    code, _, err = run(
        capsys,
        "train",
        "--data",
        "iris",
        "--optimizer",
        "sgd",
        "--lr",
        "1e9",
        "--out",
        str(tmp_path / "run"),
        "--quiet",
        "--early-stopping",
        "off",
    )
    assert code == 2
    assert re.fullmatch(
        r"npmlp: error: training diverged at epoch \d+, batch \d+: the loss "
        r"became nan; the model keeps its last finite weights\. Use a smaller "
        r"learning rate \(now 1e\+09, try 1e\+08\)\n",
        err,
    )
    assert not (tmp_path / "run").exists()


def test_console_script_exits_2_without_traceback(tmp_path):
    p = subprocess.run(
        [NPMLP, "evaluate", str(tmp_path / "m.npz"), "--data", "iris"],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 2
    assert p.stderr == (
        f"npmlp: error: {tmp_path / 'm.npz'}: model file not found; train one "
        "with 'npmlp train --out DIR'\n"
    )
    assert "Traceback" not in p.stderr


def test_evaluate_split_test_reproduces_the_held_out_rows(tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, _ = run(
        capsys,
        "train",
        "--data",
        "wine",
        "-H",
        "16",
        "--epochs",
        "40",
        "--no-pictures",
        "--out",
        str(out),
        "--json",
        "--seed",
        "4",
    )
    assert code == 0
    metrics = json.loads(stdout.splitlines()[-1])
    code, stdout, _ = run(
        capsys, "evaluate", str(out / "model.npz"), "--data", "wine", "--split", "test", "--json"
    )
    res = json.loads(stdout)
    assert code == 0 and res["n"] == metrics["n_test"] == 36
    assert res["accuracy"] == metrics["test_accuracy"]
    assert res["loss"] == pytest.approx(metrics["test_loss"], rel=1e-6)
    code, _, err = run(
        capsys, "evaluate", str(out / "model.npz"), "--data", "iris", "--split", "test"
    )
    assert (code, err) == (
        2,
        "npmlp: error: --split test needs the data the model was "
        "trained on (--data wine), got --data iris\n",
    )


def test_evaluate_split_test_needs_a_model_from_npmlp_train(tmp_path, capsys):
    from npmlp import MLP, save

    save(MLP(4, 5, 3, 3, seed=0), tmp_path / "lib.npz")
    code, _, err = run(
        capsys, "evaluate", str(tmp_path / "lib.npz"), "--data", "iris", "--split", "test"
    )
    assert (code, err) == (
        2,
        "npmlp: error: this model file does not record its training "
        "split (it was not written by 'npmlp train'); use --split all\n",
    )


def test_activation_dropout_and_lbfgs_from_the_command_line(tmp_path, capsys):
    base = ["train", "--data", "iris", "-H", "16", "--quiet", "--json", "--no-pictures"]
    args = [
        "--activation",
        "tanh",
        "--dropout",
        "0.2",
        "--epochs",
        "200",
        "--early-stopping",
        "off",
    ]
    code, out, _ = run(capsys, *base, *args, "--out", str(tmp_path / "a"))
    assert code == 0 and json.loads(out.splitlines()[-1])["test_accuracy"] >= 0.9
    net = load(tmp_path / "a" / "model.npz")
    assert net.activation == "tanh" and net.metadata["training"]["dropout"] == 0.2
    code, out, _ = run(capsys, *base, "--optimizer", "lbfgs", "--out", str(tmp_path / "b"))
    assert code == 0 and json.loads(out.splitlines()[-1])["test_accuracy"] >= 0.9
    assert load(tmp_path / "b" / "model.npz").metadata["training"]["optimizer"] == "lbfgs"
    code, _, err = run(capsys, *base, "--dropout", "1")
    assert (
        code == 2
        and "Invalid value for '--dropout': dropout must be a number in [0, 1), got 1.0" in err
    )
