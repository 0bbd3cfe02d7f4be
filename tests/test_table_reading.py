"""The reading rules of a table (issue 28): the header line, missing labels, column names.

Each rule with its exact outcome: which line is the header, which rows are left out, which
names a column gets, and the one line that refuses what cannot be read.
"""

import pytest

from npmlp.cli import main
from npmlp.data import TableOptions, load_dataset
from npmlp.data.table import looks_like_header
from npmlp.errors import DataError

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
