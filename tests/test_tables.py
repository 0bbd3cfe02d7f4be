"""Real-world tables: the Palmer penguins (text and missing features), columns by name.

``tests/data/penguins.csv`` is ``data/penguins.csv`` of the ``palmerpenguins`` package (MIT,
licence beside it): 344 rows, ``species, island, bill_length_mm, bill_depth_mm,
flipper_length_mm, body_mass_g, sex, year``, ``NA`` where a value is missing.
"""

import csv
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from npmlp import load
from npmlp.cli import main
from npmlp.core.errors import DataError
from npmlp.data import TableOptions, load_dataset
from npmlp.encoding import TableEncoder

PENGUINS = Path(__file__).parent / "data" / "penguins.csv"
README = Path(__file__).resolve().parents[1] / "README.md"
COLUMNS = [
    "species",
    "island",
    "bill_length_mm",
    "bill_depth_mm",
    "flipper_length_mm",
    "body_mass_g",
    "sex",
    "year",
]
FILLED = (
    "19 missing values filled as in training (bill_length_mm 2, bill_depth_mm 2, "
    "flipper_length_mm 2, body_mass_g 2, sex 11)"
)


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def rows_of(path=PENGUINS):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def write_rows(path, rows):
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.fixture(scope="module")
def penguins_run(tmp_path_factory):
    """``npmlp train --data penguins.csv --label species`` (seed 0), written to a folder."""
    out = tmp_path_factory.mktemp("penguins")
    args = ["train", "--data", str(PENGUINS), "--label", "species", "--json", "--out", str(out)]
    assert main([*args, "--no-pictures"]) == 0
    return out


def test_the_penguins_file_is_the_published_one():
    rows = rows_of()
    assert rows[0] == COLUMNS and len(rows) == 345
    assert sum(r.count("NA") for r in rows) == 19  # 2 rows without measurements; 11 sexes
    licence = (PENGUINS.parent / "penguins.LICENSE").read_text()
    assert licence.startswith("MIT License") and "Muhammad Chenariyan Nakhaee" in licence


def test_penguins_train_with_no_other_option_reaches_097_over_five_seeds(capsys):
    accuracies = []
    for seed in range(5):
        code, out, err = run(
            capsys, "train", "--data", PENGUINS, "--label", "species", "--seed", seed, "--json"
        )
        assert code == 0, err
        metrics = json.loads(out.splitlines()[-1])
        accuracies.append(metrics["test_accuracy"])
        assert metrics["n_test"] == 69 and metrics["architecture"]["D"] == 15
        assert metrics["imputed"] == {
            "bill_length_mm": 2,
            "bill_depth_mm": 2,
            "flipper_length_mm": 2,
            "body_mass_g": 2,
            "sex": 11,
        }
    assert np.mean(accuracies) >= 0.97, accuracies
    assert min(accuracies) >= 0.95, accuracies
    # the README says what they are
    said = re.search(r"test accuracies ([0-9., ]+)\s+\(mean ([0-9.]+)\)", README.read_text())
    assert said.group(1) == ", ".join(f"{a:.3f}" for a in accuracies)
    assert said.group(2) == f"{np.mean(accuracies):.3f}"


def test_the_summary_reports_the_encoding_and_the_cells_filled(capsys):
    code, out, _ = run(capsys, "train", "--data", PENGUINS, "--label", "species", "--epochs", "2")
    assert code == 0
    assert "table: 7 feature columns -> D=15 (one-hot: island 3, sex 2); label 'species'\n" in out
    assert (
        "missing values filled with the training split's median (numbers) or most frequent "
        "value (text), each such column with a '(missing)' column: 19 (bill_length_mm 2, "
        "bill_depth_mm 2, flipper_length_mm 2, body_mass_g 2, sex 11)\n"
    ) in out


def test_the_model_stores_names_kinds_categories_fills_and_the_label(penguins_run):
    net = load(penguins_run / "model.npz")
    enc = net.encoder
    assert (enc.label, enc.header, enc.names) == ("species", True, COLUMNS[1:])
    assert [c.kind for c in enc.columns] == ["category"] + ["number"] * 4 + ["category", "number"]
    assert enc.columns[0].categories == ("Biscoe", "Dream", "Torgersen")
    assert enc.columns[5].categories == ("female", "male")
    assert enc.output_names[:4] == [
        "island=Biscoe",
        "island=Dream",
        "island=Torgersen",
        "bill_length_mm",
    ]
    # the fills are the training split's: recompute them from the rows npmlp trained on
    from npmlp.data.splits import hold_out, split_dataset
    from npmlp.train.train_config import TrainConfig, validation_plan

    ds = load_dataset(PENGUINS, label="species")
    train_idx, _ = split_dataset(ds, 0.2, 0)
    X_train = ds.X[train_idx]
    val_fraction, _ = validation_plan(TrainConfig(), len(train_idx))  # none if too few rows
    if val_fraction:
        (X_train, _, _), _ = hold_out(X_train, ds.y[train_idx], None, val_fraction, 0)
    for k in (1, 2, 3, 4, 6):
        assert enc.columns[k].fill == float(np.nanmedian(X_train[:, k]))
    sexes = [ds.table.values[5][int(c)] for c in X_train[:, 5] if not np.isnan(c)]
    assert enc.columns[5].fill == max(("female", "male"), key=sexes.count)
    assert TableEncoder.from_dict(json.loads(json.dumps(enc.to_dict())), net.D) == enc


def test_predict_on_the_training_file_with_columns_shuffled_equals_the_clean_rows(
    penguins_run, tmp_path, capsys
):
    model = penguins_run / "model.npz"
    rows = rows_of()
    order = [3, 7, 0, 5, 1, 6, 2, 4]  # the label column among the others
    shuffled = write_rows(tmp_path / "shuffled.csv", [[r[i] for i in order] for r in rows])
    clean = write_rows(tmp_path / "clean.csv", [r[1:] for r in rows])
    code, out_shuffled, err = run(capsys, "predict", model, shuffled)
    assert (code, err) == (0, f"npmlp: warning: {shuffled}: {FILLED}\n")
    code, out_clean, err = run(capsys, "predict", model, clean)
    assert (code, err) == (0, f"npmlp: warning: {clean}: {FILLED}\n")
    code, out_file, _ = run(capsys, "predict", model, PENGUINS)
    assert out_shuffled == out_clean == out_file
    names = out_clean.split()
    assert len(names) == 344 and set(names) == {"Adelie", "Chinstrap", "Gentoo"}
    truth = [r[0] for r in rows[1:]]
    assert np.mean(np.array(names) == np.array(truth)) >= 0.97
    # the same row, columns reversed: the same answer (before, another species and exit 0)
    one = write_rows(tmp_path / "one.csv", [COLUMNS[1:], rows[1][1:]])
    rev = write_rows(tmp_path / "rev.csv", [COLUMNS[1:][::-1], rows[1][1:][::-1]])
    assert run(capsys, "predict", model, one)[1] == run(capsys, "predict", model, rev)[1]
    code, out, _ = run(capsys, "predict", model, shuffled, "--proba")
    assert out.splitlines()[0] == "Adelie,Chinstrap,Gentoo" and len(out.splitlines()) == 345


def test_an_island_unseen_in_training_predicts_all_zeros_with_a_warning(
    penguins_run, tmp_path, capsys
):
    model = penguins_run / "model.npz"
    rows = [COLUMNS[1:], ["Atlantis", "39.1", "18.7", "181", "3750", "male", "2007"]]
    path = write_rows(tmp_path / "atlantis.csv", rows)
    code, out, err = run(capsys, "predict", model, path)
    assert code == 0
    assert err == (
        f"npmlp: warning: {path}: 1 value unseen in training, encoded as all zeros "
        "(island: 'Atlantis' 1)\n"
    )
    net = load(model)
    x = np.array([[0, 0, 0, 39.1, 0, 18.7, 0, 181, 0, 3750, 0, 0, 1, 0, 2007]])  # island 0s
    assert out == f"{net.predict(x)[0]}\n"
    code, out, err = run(capsys, "predict", model, path, "--unknown", "error")
    assert (code, out) == (2, "")
    assert err == (
        f"npmlp: error: {path}: line 2, column 'island': 'Atlantis' was not seen in training "
        "(its categories: Biscoe, Dream, Torgersen); leave out --unknown error to encode it "
        "as all zeros\n"
    )


def test_predict_refusals(penguins_run, tmp_path, capsys):
    model = penguins_run / "model.npz"
    rows = rows_of()
    cases = []
    no_sex = write_rows(tmp_path / "no_sex.csv", [r[:6] + r[7:] for r in rows[:4]])
    cases.append(
        (
            no_sex,
            (),
            f"{no_sex}: no column 'sex'; the model reads 7 named columns: island, "
            "bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year",
        )
    )
    bare = write_rows(tmp_path / "bare.csv", rows[1:4])  # no header, the label too
    cases.append(
        (
            bare,
            (),
            f"{bare}: has 8 columns but the model reads 7 (island, bill_length_mm, "
            "bill_depth_mm, flipper_length_mm, body_mass_g, sex, year); give a header line "
            "to match columns by name",
        )
    )
    word = write_rows(tmp_path / "word.csv", [rows[0], [*rows[1][:3], "deep", *rows[1][4:]]])
    cases.append(
        (
            word,
            (),
            f"{word}: line 2, column 'bill_depth_mm': 'deep' is not a number, and the model "
            "reads this column as numbers",
        )
    )
    cases.append(
        (
            PENGUINS,
            ("--missing", "error"),
            f"{PENGUINS}: line 5, column 'bill_length_mm': missing value 'NA'; fill or remove "
            "it, or leave out --missing error to impute it",
        )
    )
    for path, extra, message in cases:
        code, out, err = run(capsys, "predict", model, path, *extra)
        assert (code, out, err) == (2, "", f"npmlp: error: {message}\n")


def test_a_file_without_a_header_is_read_by_position(penguins_run, tmp_path, capsys):
    model = penguins_run / "model.npz"
    rows = rows_of()
    named = write_rows(tmp_path / "named.csv", [r[1:] for r in rows[:40]])
    bare = write_rows(tmp_path / "bare.csv", [r[1:] for r in rows[1:40]])
    code, out_bare, _ = run(capsys, "predict", model, bare)
    assert code == 0 and len(out_bare.split()) == 39
    assert run(capsys, "predict", model, named)[:2] == (0, out_bare)


def test_evaluate_reads_the_label_by_its_stored_name_and_replays_the_test_split(
    penguins_run, tmp_path, capsys
):
    model = penguins_run / "model.npz"
    metrics = json.loads((penguins_run / "metrics.json").read_text())
    code, out, _ = run(capsys, "evaluate", model, "--data", PENGUINS, "--split", "test", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["n"] == 69 and result["accuracy"] == metrics["test_accuracy"]
    rows = rows_of()
    order = [7, 6, 5, 4, 3, 2, 1, 0]
    shuffled = write_rows(tmp_path / "shuffled.csv", [[r[i] for i in order] for r in rows])
    code, out, err = run(capsys, "evaluate", model, "--data", shuffled, "--json")
    assert (code, err) == (0, f"npmlp: warning: {shuffled}: {FILLED}\n")
    code, whole, _ = run(capsys, "evaluate", model, "--data", PENGUINS, "--split", "all", "--json")
    out, whole = json.loads(out), json.loads(whole)  # another file: every row, as --split all
    assert out.pop("scored") == f"all 344 rows of {shuffled} (the model records no split of them)"
    assert whole.pop("scored") == f"all 344 rows of {PENGUINS}"
    assert out == whole and out["n"] == 344


def _table(tmp_path, extra_name, extra_values):
    """penguins.csv with one more column."""
    rows = rows_of()
    rows[0].append(extra_name)
    for r, v in zip(rows[1:], extra_values, strict=True):
        r.append(v)
    return write_rows(tmp_path / "t.csv", rows)


REFUSALS = {
    "mixed": (
        [str(i) for i in range(343)] + ["lost"],
        (),
        "column 'name' holds numbers but also 'lost' (line 345); fix that cell, list it with "
        "--na-values, or drop the column with --drop name",
    ),
    "empty": (
        ["NA"] * 344,
        (),
        "column 'name' has no values (every cell is missing); drop it with --drop name",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_train_refuses_columns_it_cannot_use_and_writes_nothing(case, tmp_path, capsys):
    values, extra, message = REFUSALS[case]
    path = _table(tmp_path, "name", values)
    out = tmp_path / "run"
    args = ["train", "--data", path, "--label", "species", "--epochs", "2", "--out", out, *extra]
    code, _, err = run(capsys, *args)
    assert (code, err) == (2, f"npmlp: error: {path}: {message}\n")
    assert not out.exists()
    code, _, err = run(capsys, *args, "--drop", "name")
    assert code == 0, err


def test_a_text_column_of_unique_values_is_left_out_with_a_note(tmp_path, capsys):
    path = tmp_path / "small.csv"
    path.write_text("who,x,label\na,1,0\nb,3,1\nc,2,0\nd,4,1\ne,5,0\nf,5,1\n")
    assert load_dataset(path).table.kinds == ["id", "number"]
    code, out, err = run(capsys, "train", "--data", path, "--epochs", "1")
    assert code == 0, err
    assert (
        "column 'who' left out: every value is unique, so it identifies rows; keep it with "
        "--keep who\n"
    ) in out
    kept = load_dataset(path, table=TableOptions(keep=("who",)))
    assert kept.table.kinds == ["category", "number"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--drop", "wings"), "--drop: no column 'wings'; columns are: " + ", ".join(COLUMNS)),
        (
            ("--features", "island,beak"),
            "--features: no column 'beak'; columns are: " + ", ".join(COLUMNS),
        ),
        (
            ("--drop", "species"),
            "--drop: 'species' is the label column; choose the label with --label",
        ),
        (
            ("--drop", ",".join(COLUMNS[1:])),
            "no feature column is left to read besides the label",
        ),
        (
            ("--missing", "error"),
            "line 5, column 'bill_length_mm': missing value 'NA'; fill or remove it, or leave "
            "out --missing error to impute it",
        ),
    ],
)
def test_train_option_refusals(args, message, tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, err = run(
        capsys, "train", "--data", PENGUINS, "--label", "species", "--out", out, *args
    )
    assert (code, stdout, err) == (2, "", f"npmlp: error: {PENGUINS}: {message}\n")
    assert not out.exists()


def test_drop_and_features_choose_the_columns(capsys):
    ds = load_dataset(PENGUINS, label="species", table=TableOptions(drop=("island", "year")))
    assert ds.table.names == [
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "sex",
    ]
    only = TableOptions(features=("sex", "bill_length_mm"))
    ds = load_dataset(PENGUINS, label="species", table=only)
    assert ds.table.names == ["sex", "bill_length_mm"] and ds.X.shape == (344, 2)
    code, out, _ = run(
        capsys, "train", "--data", PENGUINS, "--label", "species", "--drop", "island",
        "--drop", "sex,year", "--epochs", "2", "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(out.splitlines()[-1])["architecture"]["D"] == 8


def test_na_values_say_what_is_missing(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n1,x,0\n-999,y,1\n3,-,0\n4,x,1\n5,y,0\n6,x,1\n")
    ds = load_dataset(path, table=TableOptions(na_values=("-999", "-")))
    np.testing.assert_array_equal(ds.X[:, 0], [1, np.nan, 3, 4, 5, 6])
    assert ds.table.missing == [1, 1] and ds.table.values[1] == ["x", "y"]
    ds = load_dataset(path, table=TableOptions(na_values=()), check_columns=False)
    assert ds.table.kinds == ["number", "category"] and ds.table.values[1] == ["x", "y", "-"]
    with pytest.raises(DataError, match="every cell is missing"):
        load_dataset(path, table=TableOptions(features=("b",), na_values=("x", "y", "-")))


def test_a_column_all_missing_in_the_training_split_is_refused():
    from npmlp.encoding import RawColumns

    raw = RawColumns(["a", "b"], ["number", "number"], [[], []], [2, 0], source="d.csv")
    X = np.array([[np.nan, 1.0], [np.nan, 2.0]])
    with pytest.raises(DataError) as e:
        TableEncoder.fit(raw, X)
    assert str(e.value) == (
        "d.csv: column 'a' has no value in the training split; drop it with --drop a"
    )


def test_a_column_that_turns_to_text_in_a_later_chunk_is_read_again(tmp_path, monkeypatch):
    import npmlp.data.table as table_mod

    path = tmp_path / "d.csv"
    grades = ["1", "2", "3", "K"] * 25
    path.write_text(
        "grade,x,label\n" + "".join(f"{g},{2 * i},{i % 2}\n" for i, g in enumerate(grades))
    )
    whole = load_dataset(path)
    monkeypatch.setattr(table_mod, "CHUNK_CELLS", 6)  # two rows a chunk: 'K' in the second
    chunked = load_dataset(path)
    assert whole.table.kinds == chunked.table.kinds == ["category", "number"]
    assert chunked.table.values[0] == ["1", "2", "3", "K"]
    np.testing.assert_array_equal(whole.X, chunked.X)
    np.testing.assert_array_equal(chunked.X[:4, 0], [0, 1, 2, 3])


def test_a_text_column_keeps_at_most_max_texts_values_in_memory(tmp_path, monkeypatch):
    import npmlp.data.columns as columns_mod

    monkeypatch.setattr(columns_mod, "MAX_TEXTS", 100)
    path = _table(tmp_path, "name", [f"bird {i % 200}" for i in range(344)])
    ds = load_dataset(path, label="species", check_columns=False)
    k = ds.table.names.index("name")
    assert ds.table.kinds[k] == "id" and ds.table.values[k] == []
    assert ds.table.notes[k]["distinct"] is None and ds.table.notes[k]["present"] == 344


def test_data_info_shows_every_column(capsys):
    code, out, err = run(capsys, "data", "info", PENGUINS, "--label", "species")
    assert code == 0, err
    fill = "; 2 missing filled with the training split's median, and a column '{} (missing)'"
    assert out.splitlines() == [
        f"penguins: {PENGUINS}",
        "header: line 1 holds the column names (detected; --no-header reads it as data)",
        "344 rows; features D=15, classes C=3 (label 'species') after one-hot encoding",
        "column             kind       missing distinct  what train does",
        "species            label            0        3  the label: Adelie 152, Chinstrap 68, Gentoo 124",
        "island             category         0        3  one-hot: 3 columns",
        f"bill_length_mm     number           2      164  number, scaled{fill.format('bill_length_mm')}",
        f"bill_depth_mm      number           2       80  number, scaled{fill.format('bill_depth_mm')}",
        f"flipper_length_mm  number           2       55  number, scaled{fill.format('flipper_length_mm')}",
        f"body_mass_g        number           2       94  number, scaled{fill.format('body_mass_g')}",
        "sex                category        11        2  one-hot: 2 columns; 11 missing filled "
        "with the training split's most frequent value, and a column 'sex (missing)'",
        "year               number           0        3  number, scaled",
    ]


def test_data_info_shows_what_train_refuses(tmp_path, capsys):
    path = _table(tmp_path, "name", [str(i) for i in range(343)] + ["lost"])
    code, out, _ = run(capsys, "data", "info", path, "--label", "species", "--drop", "year")
    assert code == 0
    lines = out.splitlines()
    assert (
        lines[-2]
        == "year               -                -        -  left out (--drop / --features)"
    )
    assert lines[-1] == (
        "name               text             0      344  refused: it holds numbers but also "
        "'lost' (line 345); fix that cell, list it with --na-values, or drop the column with "
        "--drop name"
    )


def test_a_dataframe_is_read_as_the_csv_is():
    pd = pytest.importorskip("pandas")
    from npmlp.jobs.job import RunSettings, default_config, train_run

    df = pd.read_csv(PENGUINS)
    a, b = load_dataset(df, label="species"), load_dataset(PENGUINS, label="species")
    np.testing.assert_array_equal(a.X, b.X)
    assert (a.table.kinds, a.table.values, a.table.missing) == (
        b.table.kinds,
        b.table.values,
        b.table.missing,
    )
    assert a.y.tolist() == b.y.tolist()
    config = default_config(epochs=3)
    r1 = train_run(RunSettings(data=df, label="species", config=config))
    r2 = train_run(RunSettings(data=str(PENGUINS), label="species", config=config))
    assert r1.net.encoder == r2.net.encoder
    np.testing.assert_array_equal(r1.net.params["W1"], r2.net.params["W1"])
    gap = load_dataset(df.assign(species=df.species.where(df.index != 3)), label="species")
    assert (len(gap.y), gap.table.unlabelled) == (343, 1)
    np.testing.assert_array_equal(gap.X, np.delete(b.X, 3, axis=0))


def test_the_table_encoder_in_the_model_file_is_checked(penguins_run, tmp_path):
    import io
    import zipfile

    from npmlp.core.errors import ModelFileError

    good = penguins_run / "model.npz"
    before = sorted(os.listdir(penguins_run))
    with zipfile.ZipFile(good) as z:
        members = {n: z.read(n) for n in z.namelist()}
    assert "table_encoder.npy" in members

    def rewrite(name, value):
        buf = io.BytesIO()
        np.save(buf, value)
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as z:
            for n, data in members.items():
                z.writestr(n, buf.getvalue() if n == "table_encoder.npy" else data)
        return path

    def refusal(name, value):
        path = rewrite(name, value)
        with pytest.raises(ModelFileError) as e:
            load(path)
        return (
            str(e.value)
            .removeprefix(f"{path}: is inconsistent (")
            .removesuffix("); train or copy it again")
        )

    enc = load(good).encoder.to_dict()
    assert load(rewrite("same.npz", np.array(json.dumps(enc)))).encoder == load(good).encoder

    def changed(change):
        d = json.loads(json.dumps(enc))
        change(d)
        return np.array(json.dumps(d))

    unsorted = changed(
        lambda d: d["columns"][0].update(categories=["Dream", "Biscoe", "Torgersen"])
    )
    assert refusal("unsorted.npz", unsorted) == (
        "table_encoder: column 'island': categories not sorted and distinct, or fill not one"
    )
    short = changed(lambda d: d["columns"].pop())
    assert refusal("short.npz", short) == (
        "table_encoder: the table encoder's columns make 14 inputs, the model has 15"
    )
    nan = changed(lambda d: d["columns"][1].update(fill=float("nan")))
    assert refusal("nan.npz", nan) == (
        "table_encoder: column 'bill_length_mm': fill nan is not a finite number"
    )
    assert refusal("floats.npz", np.zeros(3)) == "table_encoder is a float64 array of shape (3,)"
    assert refusal("text.npz", np.array("{")).startswith("table_encoder: Expecting property")
    assert sorted(os.listdir(penguins_run)) == before  # the refusals wrote nothing there


def test_readme_penguins_commands_run_and_print_what_it_shows(tmp_path, monkeypatch, capsys):
    import shlex
    import shutil

    text = README.read_text()
    block = re.search(r"A real table, end to end:.*?```bash\n(.*?)```", text, re.S).group(1)
    shown = re.search(r"A real table, end to end:.*?```text\n(.*?)```", text, re.S).group(1)
    (tmp_path / "tests" / "data").mkdir(parents=True)
    shutil.copy(PENGUINS, tmp_path / "tests" / "data" / "penguins.csv")
    monkeypatch.chdir(tmp_path)
    printed = []
    for line in block.strip().splitlines():
        args = shlex.split(line.split("#")[0])
        assert args[0] == "npmlp"
        code, out, err = run(capsys, *args[1:])
        assert code == 0, err
        printed += out.splitlines()
    assert (tmp_path / "runs" / "penguins" / "model.npz").exists()
    expected = [s for s in shown.splitlines() if s and s != "..."]
    assert [s for s in expected if s not in printed] == []


def test_readme_column_transformer_example_runs(monkeypatch, capsys):
    pytest.importorskip("pandas")
    code = re.search(r"are: a `ColumnTransformer`.*?```python\n(.*?)```", README.read_text(), re.S)
    monkeypatch.chdir(README.parent)
    exec(compile(code.group(1), "README.md", "exec"), {})
    assert float(capsys.readouterr().out) >= 0.97


def test_a_column_with_no_value_in_the_training_split_is_one_line(tmp_path, capsys):
    from npmlp.data.splits import split_dataset

    ds = load_dataset(PENGUINS, label="species")
    _, test_idx = split_dataset(ds, 0.2, 0)
    rare = ["NA"] * 344
    rare[int(test_idx[0])] = "7"  # its only value falls in the test split
    path = _table(tmp_path, "rare", rare)
    out = tmp_path / "run"
    code, stdout, err = run(capsys, "train", "--data", path, "--label", "species", "--out", out)
    assert (code, stdout) == (2, "")
    assert err == (
        f"npmlp: error: {path}: column 'rare' has no value in the training split; drop it "
        "with --drop rare\n"
    )
    assert not out.exists()


def test_more_refusals_of_predict_evaluate_and_train(penguins_run, tmp_path, capsys):
    model = penguins_run / "model.npz"
    clean = write_rows(tmp_path / "clean.csv", [r[1:] for r in rows_of()])
    npy = tmp_path / "rows.npy"
    np.save(npy, np.zeros((2, 7)))
    cases = [
        (
            ("evaluate", model, "--data", clean),
            f"{clean}: no label column 'species'; columns are: " + ", ".join(COLUMNS[1:]),
        ),
        (
            ("predict", model, npy),
            f"{npy}: this model reads a table of 7 named columns (island, bill_length_mm, "
            "bill_depth_mm, flipper_length_mm, body_mass_g, sex, year); give a CSV",
        ),
        (
            ("train", "--data", "iris", "--drop", "a", "--out", tmp_path / "run"),
            "iris: --drop and --features choose columns of a table (CSV)",
        ),
    ]
    atlantis = write_rows(
        tmp_path / "a.csv", [rows_of()[0], ["Adelie", "Atlantis", *"1234", "male", "2007"]]
    )
    cases.append(
        (
            ("evaluate", model, "--data", atlantis, "--unknown", "error"),
            f"{atlantis}: line 2, column 'island': 'Atlantis' was not seen in training (its "
            "categories: Biscoe, Dream, Torgersen); leave out --unknown error to encode it as "
            "all zeros",
        )
    )
    for args, message in cases:
        code, out, err = run(capsys, *args)
        assert (code, out, err) == (2, "", f"npmlp: error: {message}\n")
    assert not (tmp_path / "run").exists()
    code, out, err = run(capsys, "evaluate", model, "--data", atlantis, "--json")
    assert code == 0 and json.loads(out)["n"] == 1
    assert err == (
        f"npmlp: warning: {atlantis}: 1 value unseen in training, encoded as all zeros "
        "(island: 'Atlantis' 1)\n"
    )


def test_export_says_the_graph_takes_the_encoded_columns(penguins_run, tmp_path, capsys):
    pytest.importorskip("onnx")
    code, out, err = run(capsys, "export", penguins_run / "model.npz", "-o", tmp_path / "p.onnx")
    assert code == 0 and (tmp_path / "p.onnx").exists()
    assert err == (
        f"npmlp: warning: {penguins_run / 'model.npz'} reads a table; the ONNX graph takes its "
        "15 encoded columns (island=Biscoe, island=Dream, island=Torgersen, bill_length_mm, "
        "bill_length_mm (missing), bill_depth_mm and 9 more): one-hot encode and fill rows as "
        "npmlp does first\n"
    )


def test_the_table_options_travel_in_a_checkpoint():
    from npmlp.jobs.job import RunSettings

    s = RunSettings(
        data=str(PENGUINS),
        label="species",
        table=TableOptions(drop=("year",), features=None, na_values=("NA", "-"), missing="error"),
    )
    back = RunSettings.from_dict(json.loads(json.dumps(s.to_dict())))
    assert back == s and back.table.drop == ("year",) and back.table.na_values == ("NA", "-")
