"""A model trained on a table takes a table in Python: a DataFrame, a dict of columns, a CSV
path, its columns found by name exactly as ``npmlp predict`` finds them, after save/load too."""

import warnings
from pathlib import Path

import numpy as np
import pytest

import npmlp
from npmlp.cli import main
from npmlp.core.errors import DataError, NpmlpError
from npmlp.jobs.job import RunSettings, train_run

pd = pytest.importorskip("pandas")

PENGUINS = Path(__file__).parent / "data" / "penguins.csv"


@pytest.fixture(scope="module")
def penguins(tmp_path_factory):
    """``train_run`` on the penguins DataFrame; the model saved and loaded back."""
    df = pd.read_csv(PENGUINS)
    result = train_run(RunSettings(data=df, label="species"))
    path = tmp_path_factory.mktemp("penguins") / "model.npz"
    npmlp.save(result.net, path)
    return df, result, path, npmlp.load(path)


def quiet(function, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args)


def test_predict_from_a_dataframe_after_load_equals_npmlp_predict_on_the_csv(penguins, capsys):
    df, result, path, loaded = penguins
    assert main(["predict", str(path), str(PENGUINS)]) == 0
    cli = capsys.readouterr().out.splitlines()
    new_rows = df.drop(columns="species")
    assert quiet(loaded.predict, new_rows).tolist() == cli
    assert quiet(result.net.predict, new_rows).tolist() == cli
    assert quiet(loaded.predict, str(PENGUINS)).tolist() == cli
    assert len(cli) == len(df)


def test_columns_in_any_order_a_dict_of_columns_and_extra_columns(penguins):
    df, _, _, net = penguins
    rows = df.drop(columns="species").head(20)
    expected = quiet(net.predict, rows)
    shuffled = rows[list(reversed(rows.columns))].assign(notes="x")
    assert quiet(net.predict, shuffled).tolist() == expected.tolist()
    as_dict = {k: list(v) for k, v in rows.to_dict("list").items()}
    assert quiet(net.predict, as_dict).tolist() == expected.tolist()
    P = quiet(net.predict_proba, rows)
    assert P.shape == (20, 3) and np.allclose(P.sum(axis=1), 1, atol=1e-5)


def test_evaluate_reads_the_label_column_and_missing_cells_warn(penguins):
    df, result, _, net = penguins
    with pytest.warns(UserWarning, match="19 missing values filled as in training"):
        scores = net.evaluate(df)
    assert scores["accuracy"] > 0.95
    assert quiet(net.evaluate, str(PENGUINS)) == scores
    y = df["species"].to_numpy()
    assert quiet(net.evaluate, df.drop(columns="species"), y) == scores


def test_a_missing_column_is_named_and_arrays_still_work(penguins):
    df, result, _, net = penguins
    with pytest.raises(DataError, match="no column 'island'"):
        net.predict(df.drop(columns=["species", "island"]))
    X_test, y_test = result.splits["test"]  # encoded rows (N, D): as before
    assert net.predict(X_test).shape == (len(y_test),)
    with pytest.raises(NpmlpError, match="needs the labels y"):
        net.evaluate(X_test)


def test_repr_names_the_columns_and_the_html_draws_the_graph(penguins):
    _, _, _, net = penguins
    text = repr(net)
    assert text.startswith("MLP(D=15, H=256, L=3, C=3, relu, float32; 4,867 parameters")
    assert "reads 7 columns by name: island, bill_length_mm" in text
    assert "\n" not in text and len(text) < 300
    page = net._repr_html_()
    assert "<svg" in page and "W^(1)" in page and "4,867 parameters" in page


def test_a_model_trained_on_arrays_keeps_its_short_repr_and_takes_arrays():
    net = npmlp.MLP(D=64, H=16, L=3, C=10, seed=0)
    assert repr(net) == (
        "MLP(D=64, H=16, L=3, C=10, relu, float32; 1,210 parameters; "
        "classes 0, 1, 2, 3, 4, 5, 6, 7, ... (10 in all))"
    )
    assert net.predict(np.zeros((2, 64))).shape == (2,)
