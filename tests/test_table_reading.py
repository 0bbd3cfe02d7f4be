"""The reading rules of a table (issue 28): the header line, missing labels, column names.

Each rule with its exact outcome: which line is the header, which rows are left out, which
names a column gets, and the one line that refuses what cannot be read.
"""

import numpy as np
import pytest

from npmlp.cli import main
from npmlp.core.errors import DataError
from npmlp.data import TableOptions, load_dataset
from npmlp.data.table import looks_like_header

ALL_TEXT = (
    "name,sex,embarked,survived\n"
    "Allen,female,S,yes\nBob,male,C,no\nCara,female,S,NA\nDan,male,Q,no\n"
    "Eve,female,S,yes\nFay,female,C,yes\nGus,male,S,no\nHal,male,Q,\n"
)


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_all_text_csv_has_its_header_found_and_rows_without_label_left_out(tmp_path):
    path = tmp_path / "titanic.csv"
    path.write_text(ALL_TEXT)
    ds = load_dataset(path, label="survived", check_columns=False)
    assert ds.table.names == ["name", "sex", "embarked"]
    assert (ds.table.header, ds.table.header_how, ds.table.unlabelled) == (True, "detected", 2)
    assert ds.y.tolist() == ["yes", "no", "no", "yes", "yes", "no"]
    assert sorted(set(ds.y.tolist())) == ["no", "yes"]  # NA and the empty cell: no class


def test_a_missing_first_number_does_not_hide_the_header(tmp_path):
    path = tmp_path / "na_first.csv"
    path.write_text("town,price,label\nA,NA,1\nB,2.5,0\nA,3,1\nB,4,0\n")
    ds = load_dataset(path)
    assert (ds.table.names, ds.table.kinds) == (["town", "price"], ["category", "number"])
    assert ds.table.missing == [0, 1]


@pytest.mark.parametrize(
    ("first", "rest", "header"),
    [
        (["a", "b"], [["1", "2"], ["3", "4"]], True),  # text above numbers
        (["1", "2"], [["3", "4"]], False),  # numbers
        (["x", "NA"], [["y", "2"], ["x", "3"]], False),  # 'x' recurs below: a value
        (["town", "kind"], [["A", "u"], ["B", "u"], ["A", "v"]], True),  # never recurs
        (["Ann", "Bob"], [["Cy", "Di"]], True),  # no vote: every cell text
        (["", "a"], [["1", "2"]], True),  # R's blank name above row names
        (["a"], [], False),  # one line: no data below
    ],
)
def test_the_header_rule_column_by_column(first, rest, header):
    assert looks_like_header(first, rest, {"NA"}) is header


def test_header_and_no_header_say_it(tmp_path, capsys):
    path = tmp_path / "n.csv"
    path.write_text("1,2,0\n3,4,1\n5,6,0\n")
    assert load_dataset(path, table=TableOptions(header=True)).table.names == ["1", "2"]
    assert load_dataset(f"{path}:header=no", table=TableOptions(header=True)).X.shape == (3, 2)
    code, out, _ = run(capsys, "data", "info", path, "--header")
    assert (code, out.splitlines()[1]) == (
        0,
        "header: line 1 holds the column names (as told; --no-header reads it as data)",
    )
    code, out, _ = run(capsys, "data", "info", path)
    assert out.splitlines()[1] == (
        "header: none, columns are named by position (detected; --header reads line 1 as names)"
    )


def test_missing_labels_are_one_warning_at_train_and_in_data_info(tmp_path, capsys):
    path = tmp_path / "t.csv"
    path.write_text(ALL_TEXT)
    code, out, _ = run(capsys, "data", "info", path, "--label", "survived")
    warning = (
        "2 rows with a missing label (column 'survived': an empty cell or one of NA, NaN, nan, "
        "?) left out"
    )
    assert (code, out.splitlines()[2]) == (0, warning)
    args = ["train", "--data", path, "--label", "survived", "--drop", "name", "--epochs", "2"]
    code, _, err = run(capsys, *args)
    assert code == 0
    assert err.splitlines()[0] == f"npmlp: warning: {warning}"


def test_no_label_in_any_row_is_one_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,label\n1,\n2,NA\n")
    with pytest.raises(DataError) as e:
        load_dataset(path)
    assert str(e.value) == (
        f"{path}: no row has a label (column 'label' is empty or missing in every row); "
        "choose the label column with --label"
    )


def test_a_blank_header_name_is_named_by_its_position(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('"",x,label\n"1",0.5,a\n"2",0.7,b\n"3",0.1,a\n')
    ds = load_dataset(path, check_columns=False)
    assert ds.table.names == ["Unnamed: 0", "x"]


def test_a_name_given_to_two_columns_is_refused_at_training(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text("x,y,x,y,label\n1,2,3,4,a\n5,6,7,8,b\n")
    code, _, err = run(capsys, "train", "--data", path, "--epochs", "1")
    assert (code, err) == (
        2,
        f"npmlp: error: {path}: the header names more than one column 'x' (columns 0, 2); "
        "'y' (columns 1, 3) (0-based); give each column its own name\n",
    )


def _write(path, header, rows):
    path.write_text("\n".join(",".join(map(str, r)) for r in [header, *rows]) + "\n")
    return path


def test_rare_categories_are_pooled_into_other_stored_and_applied_at_predict(tmp_path):
    from npmlp.jobs.job import RunSettings, default_config, train_run

    states = ["AL"] * 40 + ["CA"] * 30 + ["NY"] * 6 + ["WY"] * 4 + [f"Z{i}" for i in range(3)]
    rows = [[s, i % 7, i % 2] for i, s in enumerate(states)]
    path = _write(tmp_path / "s.csv", ["state", "x", "label"], rows)
    s = RunSettings(data=str(path), config=default_config(epochs=1), test_fraction=0.0)
    enc = train_run(s).net.encoder
    c = enc.columns[0]
    assert (c.categories, c.other, c.fill) == (("AL", "CA", "NY"), True, "AL")
    assert enc.output_names == ["state=AL", "state=CA", "state=NY", "state=(other)", "x"]
    raw = load_dataset(path, encoder=enc).table
    Z, notes = enc.transform(raw, np.array([[3.0, 1.0], [5.0, 2.0]]))  # WY, Z1
    np.testing.assert_array_equal(Z, [[0, 0, 0, 1, 1], [0, 0, 0, 1, 2]])
    assert notes["unseen"] == {}
    few = TableOptions(min_frequency=1, max_categories=3)
    s = RunSettings(data=str(path), config=default_config(epochs=1), test_fraction=0.0, table=few)
    assert train_run(s).net.encoder.columns[0].categories == ("AL", "CA")


def test_data_info_shows_the_pooling(tmp_path, capsys):
    states = ["AL"] * 40 + ["CA"] * 30 + [f"Z{i}" for i in range(51)]
    path = _write(
        tmp_path / "s.csv",
        ["state", "x", "label"],
        [[s, i % 7, i % 2] for i, s in enumerate(states)],
    )
    code, out, _ = run(capsys, "data", "info", path)
    assert code == 0
    assert out.splitlines()[4] == (
        "state   category         0       53  one-hot: 3 columns, 51 rare values pooled into "
        "'(other)'"
    )


def test_dates_and_times_become_numbers():
    import numpy as np

    from npmlp.encoding import RawColumns, TableEncoder

    raw = RawColumns(["when", "clock"], ["date", "time"], [[], []], [0, 1])
    from npmlp.encoding import date_seconds, time_seconds

    assert date_seconds("2012-01-01 06:16:41") == 1325398601.0
    assert date_seconds("2012-01-01") == 1325376000.0 and date_seconds("2012-13-01") is None
    assert (time_seconds("10:30"), time_seconds("9:05 PM"), time_seconds("25:00")) == (
        37800.0,
        75900.0,
        None,
    )
    X = np.array([[1325398601.0, 37800.0], [1325376000.0 + 86400 * 40, np.nan]])
    enc = TableEncoder.fit(raw, X)
    assert enc.output_names == [
        "when:days", "when:weekday", "when:month", "when:hour", "clock:hour", "clock (missing)"
    ]  # fmt: skip
    Z, _ = enc.transform(raw, X)
    np.testing.assert_allclose(
        Z,
        [
            [15340 + 22601 / 86400, 6, 1, 22601 / 3600, 10.5, 0],  # a Sunday in January
            [15380, 4, 2, 0, 10.5, 1],  # 10 February 2012, a Friday
        ],
    )


def test_a_date_column_is_read_and_a_text_below_the_dates_makes_it_a_category(tmp_path):
    rows = [[f"2012-01-{1 + i % 28:02d} 06:16:41", f"{i % 24}:30", i % 2] for i in range(40)]
    path = _write(tmp_path / "d.csv", ["when", "clock", "label"], rows)
    assert load_dataset(path).table.kinds == ["date", "time"]
    path = _write(tmp_path / "e.csv", ["when", "clock", "label"], rows + [["soon", "9:00", 1]])
    assert load_dataset(path).table.kinds == ["category", "time"]


def test_row_numbers_are_left_out_and_kept_with_keep(tmp_path, capsys):
    rows = [[i + 1, (i * 7) % 11, i % 2] for i in range(30)]
    path = _write(tmp_path / "r.csv", ["", "x", "label"], rows)
    assert load_dataset(path).table.kinds == ["id", "number"]
    code, out, _ = run(capsys, "data", "info", path)
    assert out.splitlines()[4] == (
        "Unnamed: 0  id               0       30  left out: it numbers the rows, so it "
        "identifies rows; keep it with --keep Unnamed: 0"
    )
    kept = load_dataset(path, table=TableOptions(keep=("Unnamed: 0",)))
    assert kept.table.kinds == ["number", "number"]


def test_every_column_train_cannot_use_is_named_in_one_line(tmp_path, capsys):
    rows = [["NA", i, "lost" if i == 29 else i * 3, i % 2] for i in range(30)]
    path = _write(tmp_path / "b.csv", ["gone", "x", "odd", "label"], rows)
    code, _, err = run(capsys, "train", "--data", path)
    assert (code, err) == (
        2,
        f"npmlp: error: {path}: 2 columns cannot be used: 'gone' has no values (every cell is "
        "missing); 'odd' holds numbers but also 'lost' (line 31); drop them with --drop "
        "gone,odd (or fix the cells, or list them with --na-values)\n",
    )


def test_indicators_are_added_for_columns_missing_in_training_only():
    import numpy as np

    from npmlp.encoding import RawColumns, TableEncoder

    raw = RawColumns(["a", "b"], ["number", "number"], [[], []], [1, 0])
    X = np.array([[1.0, 5.0], [np.nan, 6.0], [3.0, 7.0]])
    enc = TableEncoder.fit(raw, X)
    assert enc.output_names == ["a", "a (missing)", "b"]
    Z, notes = enc.transform(raw, np.array([[np.nan, np.nan]]))
    np.testing.assert_array_equal(Z, [[2.0, 1.0, 6.0]])
    assert notes["missing"] == {"a": 1, "b": 1}


def test_a_version_1_encoder_reads_as_before():
    from npmlp.encoding import TableEncoder

    old = {
        "label": "y", "header": True, "na_values": ["NA"],
        "columns": [
            {"name": "a", "kind": "number", "fill": 1.5},
            {"name": "c", "kind": "category", "fill": "u", "categories": ["u", "v"]},
        ],
    }  # fmt: skip
    enc = TableEncoder.from_dict(old, 3)
    assert enc.output_names == ["a", "c=u", "c=v"]
    assert TableEncoder.from_dict(enc.to_dict(), 3) == enc
    with pytest.raises(ValueError, match="is of version 3; this npmlp reads versions 1 and 2"):
        TableEncoder.from_dict({**old, "version": 3}, 3)
