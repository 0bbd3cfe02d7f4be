"""``npmlp graph``: the seed's figure with every shape, and the same as a table."""

from __future__ import annotations

import numpy as np
import pytest

from npmlp.cli import main
from npmlp.core.architecture import summarise
from npmlp.outputs.plots import graph_rows, plot_graph
from plots_support import assert_picture


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_graph_prints_the_table_and_writes_a_png(tmp_path, capsys):
    out = tmp_path / "g.png"
    assert (
        main(
            ["graph", "-D", "64", "-H", "32", "-L", "5", "-C", "10", "-N", "16", "--out", str(out)]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert captured.out == str(summarise(64, 32, 5, 10, 16)) + f"\nwrote {out}\n"
    assert captured.err == ""
    a = assert_picture(out, max_size=(3000, 3000))
    assert a.shape[1] > a.shape[0]  # one wide row for L = 5


def test_graph_writes_svg(tmp_path, capsys):
    out = tmp_path / "g.svg"
    assert main(["graph", "-D", "4", "-H", "3", "-L", "3", "-C", "2", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text


def test_the_figure_labels_every_variable_with_its_shape():
    s = summarise(64, 32, 5, 10, 16)
    texts = "\n".join(_texts(plot_graph(s)))
    for label in (
        "$x^{(0)}$\n16×64",
        "$x^{(1)}$\n16×32",
        "$x^{(4)}$\n16×32",
        "$x^{(L)} = s$\n16×10",
        r"$\partial l/\partial x^{(0)}$" + "\n16×64",
        r"$\partial l/\partial s$" + "\n16×10",
        "$W^{(1)}$: 64×32\n$b^{(1)}$: 1×32",
        "$W^{(5)}$: 32×10\n$b^{(5)}$: 1×10",
        r"$\partial l/\partial W^{(3)}$: 32×32" + "\n"
        r"$\partial l/\partial b^{(3)}$: 1×32",
        "$l(y, s)$\nscalar\n$y$: 16",
        "FC1",
        "ReLU2",
        "FC3",
        "ReLU4",
        "FC5",
        r"$\widetilde{\mathrm{ReLU}}$4",
        "3466 parameters",
    ):
        assert label in texts, label


@pytest.mark.parametrize("L,rows", [(3, 1), (5, 1), (7, 2), (11, 2), (13, 3), (15, 3)])
def test_long_networks_fold_onto_rows_and_keep_their_font_size(L, rows):
    assert graph_rows(L) == rows
    fig = plot_graph(summarise(10, 8, L, 3, 4))
    assert min(t.get_fontsize() for ax in fig.axes for t in ax.texts) >= 9
    w, h = fig.get_size_inches()
    assert w <= 14  # never wider than one row of seven variables
    assert h == pytest.approx(0.6 * (rows * 6.2 + 0.9))
    # every variable appears once, plus once more per fold (the repeated one at a row start)
    n_x = sum(t.startswith("$x^{(") for t in _texts(fig))
    assert n_x == L + 1 + (rows - 1)  # x^(0) ... x^(L-1) and x^(L) = s


def test_widths_listed_per_layer_when_unequal():
    fig = plot_graph(summarise(5, [7, 3], 5, 4, 2))
    texts = _texts(fig)
    assert "$W^{(3)}$: 7×3\n$b^{(3)}$: 1×3" in texts
    assert np.asarray(fig.get_size_inches()).min() > 2


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--out", "g.jpg"],
            "npmlp: error: --out g.jpg: give a file name ending in .png or .svg\n",
        ),
        (
            ["-L", "4"],
            "npmlp: error: Invalid value for '-L': L must be odd and >= 3 (FC and ReLU "
            "alternate, first and last layers are FC), got 4; use 3 for one hidden layer, "
            "5 for two, ... (see 'npmlp graph --help')\n",
        ),
        (
            ["-L", "3001"],
            "npmlp: error: L=3001: npmlp graph draws networks of at most L=41 (its picture "
            "grows with L); 'npmlp summary' lists every shape of a deeper one\n",
        ),
    ],
)
def test_bad_arguments_are_one_line_and_write_nothing(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    base = {"-D": "4", "-H": "3", "-L": "3", "-C": "2"}
    for k, v in zip(args[::2], args[1::2], strict=True):
        base[k] = v
    argv = ["graph"] + [x for kv in base.items() for x in kv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == message and captured.out == ""
    assert list(tmp_path.iterdir()) == []
