"""Every table ``npmlp train`` accepts gives a model that ``predict``, ``evaluate``,
``summary`` and ``export`` accept (issue 25 and 28), over generated tables: numbers with gaps,
categories common and rare, dates, times, row numbers, blank and missing labels, a blank
header name."""

import csv

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from npmlp.cli import main

WORDS = ["red", "green", "blue", "teal", "x y", "NA", ""]


@st.composite
def tables(draw):
    """(header, rows) of a CSV table whose last column is the label."""
    n = draw(st.integers(8, 30))
    kinds = draw(st.lists(st.sampled_from(["number", "word", "date", "time", "rownum"]),
                          min_size=1, max_size=4))  # fmt: skip
    header = [("" if k == "rownum" else f"c{i}") for i, k in enumerate(kinds)] + ["label"]
    cols = []
    for k in kinds:
        if k == "number":
            cell = st.one_of(st.floats(-1e6, 1e6, allow_nan=False).map(repr), st.just("NA"))
        elif k == "word":
            cell = st.sampled_from(WORDS)
        elif k == "date":
            cell = st.dates().map(lambda d: d.isoformat() if d.year > 1 else "NA")
        elif k == "time":
            cell = st.times().map(lambda t: t.strftime("%H:%M"))
        else:
            cols.append([str(i + 1) for i in range(n)])
            continue
        cols.append(draw(st.lists(cell, min_size=n, max_size=n)))
    labels = draw(st.lists(st.sampled_from(["a", "b", "c", "NA"]), min_size=n, max_size=n))
    labels[:4] = ["a", "a", "b", "b"]  # two classes of two rows at least
    return header, [list(r) for r in zip(*cols, labels, strict=True)]


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(table=tables())
def test_every_model_train_writes_is_read_by_predict_evaluate_summary_export(
    table, tmp_path_factory, capsys
):
    pytest.importorskip("onnx")
    folder = tmp_path_factory.mktemp("t")
    path = folder / "t.csv"
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows([table[0], *table[1]])
    args = ["train", "--data", path, "--epochs", "2", "--out", folder / "run", "--no-pictures"]
    code, _, err = run(capsys, *args)
    assert code in (0, 2) and "Traceback" not in err, err
    if code == 2:  # refused: one line, nothing written
        errors = [line for line in err.splitlines() if not line.startswith("npmlp: warning: ")]
        assert len(errors) == 1 and errors[0].startswith("npmlp: error: "), err
        assert not (folder / "run").exists()
        return
    model = folder / "run" / "model.npz"
    for cmd in (
        ["predict", model, path],
        ["evaluate", model, "--data", path],
        ["evaluate", model, "--data", path, "--split", "all"],
        ["summary", model],
        ["export", model, "-o", folder / "m.onnx"],
    ):
        code, out, err = run(capsys, *cmd)
        assert code == 0, (cmd, err)
