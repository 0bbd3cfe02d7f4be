"""Frictions a new user meets: a model not saved, a mistyped command, predictions written as
CSV, a label that is a quantity, an L-BFGS run's report, accuracies with four decimals."""

import csv
from pathlib import Path

import numpy as np
import pytest

import npmlp
from npmlp.cli import main
from npmlp.cli.train_report import NOT_SAVED
from npmlp.core.errors import DataError
from npmlp.jobs.job import RunSettings, train_run
from npmlp.outputs.report import render_report, settings_that_ran

PENGUINS = Path(__file__).parent / "data" / "penguins.csv"


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_run_without_out_says_the_model_was_not_saved(capsys, tmp_path):
    code, _, err = run(capsys, "train", "--data", "iris", "--epochs", "2")
    assert code == 0 and NOT_SAVED in err and "--out DIR" in NOT_SAVED
    code, _, err = run(capsys, "train", "--data", "iris", "--epochs", "2", "--out", tmp_path / "r")
    assert code == 0 and NOT_SAVED not in err


@pytest.mark.parametrize(
    "typed, hint",
    [("trian", "Did you mean 'train'?"), ("predcit", "Did you mean 'predict'?"), ("zzz", "")],
)
def test_a_mistyped_command_gets_did_you_mean(capsys, typed, hint):
    code, _, err = run(capsys, typed)
    assert code == 2
    assert err == f"npmlp: error: No such command '{typed}'.{' ' + hint if hint else ''} " + (
        "(see 'npmlp --help')\n"
    )


@pytest.fixture(scope="module")
def text_model(tmp_path_factory):
    """A model whose labels hold a comma, a quote and a newline, and its rows with ids."""
    tmp = tmp_path_factory.mktemp("labels")
    rng = np.random.default_rng(0)
    labels = ['a, "b"', "two\nlines", "plain"]
    rows = [["id", "x1", "x2", "kind"]]
    for i in range(90):
        k = i % 3
        rows.append([f"row-{i}", *(rng.normal(size=2) + 3 * k).round(3), labels[k]])
    data = tmp / "rows.csv"
    with open(data, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    settings = RunSettings(
        data=str(data), label="kind", hidden=8, table=npmlp.data.TableOptions(drop=("id",))
    )
    result = train_run(settings)
    npmlp.save(result.net, tmp / "model.npz")
    return tmp / "model.npz", data, result.net


def test_predict_o_writes_quoted_csv_with_the_id_column(capsys, tmp_path, text_model):
    model, data, net = text_model
    out = tmp_path / "pred.csv"
    code, stdout, err = run(capsys, "predict", model, data, "--id", "id", "-o", out)
    assert code == 0 and stdout == "" and "wrote 90 predictions" in err
    with open(out, newline="") as f:
        got = list(csv.reader(f))
    assert got[0] == ["id", "label"] and len(got) == 91
    assert [r[0] for r in got[1:4]] == ["row-0", "row-1", "row-2"]
    assert {r[1] for r in got[1:]} <= {'a, "b"', "two\nlines", "plain"}
    assert '"a, ""b"""' in out.read_text() or '"two\nlines"' in out.read_text()


def test_predict_o_proba_quotes_the_class_header(capsys, tmp_path, text_model):
    model, data, net = text_model
    out = tmp_path / "proba.csv"
    assert run(capsys, "predict", model, data, "--proba", "-o", out)[0] == 0
    with open(out, newline="") as f:
        got = list(csv.reader(f))
    assert got[0] == [str(c) for c in net.classes] and len(got) == 91
    assert np.allclose(np.array(got[1:], float).sum(axis=1), 1, atol=1e-4)


def test_predict_id_needs_a_column_and_o(capsys, tmp_path, text_model):
    model, data, _ = text_model
    code, _, err = run(capsys, "predict", model, data, "--id", "nope", "-o", tmp_path / "p.csv")
    assert code == 2 and "no column 'nope' to copy with --id" in err
    code, _, err = run(capsys, "predict", model, data, "--id", "id")
    assert code == 2 and "--id goes with -o FILE" in err


def test_a_label_of_nearly_distinct_numbers_is_called_a_quantity(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "prices.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["a", "b", "price"])
        for _ in range(120):
            w.writerow([*rng.normal(size=2).round(3), round(rng.normal(50, 10), 1)])
    with pytest.raises(DataError, match="looks like a number to predict .regression., not classes"):
        train_run(RunSettings(data=str(path)))


def test_an_lbfgs_report_counts_iterations_and_lists_only_what_ran():
    result = train_run(RunSettings(data="iris", hidden=8))  # auto: L-BFGS on few rows
    assert result.metrics["optimizer"] == "lbfgs"
    page = render_report(result, [])
    assert "L-BFGS iterations run" in page and "iterations (at most)" in page
    for absent in ("batch_size", ">lr<", "beta1", "beta2", "momentum"):
        assert absent not in page
    assert "Test accuracy <b>" in page
    accuracy = page.split("Test accuracy <b>")[1].split("<")[0]
    assert len(accuracy.split(".")[1]) == 4  # 1.0000, never 1


def test_settings_that_ran_keep_each_optimiser_s_own():
    config = {"lr": 1e-3, "beta1": 0.9, "momentum": 0.9, "schedule": "constant", "gamma": 0.5}
    config.update(epochs=10, batch_size=64, seed=0)
    adam = settings_that_ran(config, "adam", 1e-3)
    assert "beta1" in adam and "momentum" not in adam and "gamma" not in adam
    assert "lr" in settings_that_ran(config, "momentum", 0)
    assert "beta1" not in settings_that_ran(config, "momentum", 0)
