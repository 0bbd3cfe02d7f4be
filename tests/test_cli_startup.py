"""The command line answers at once: what it imports, and the commands that read a saved model.

Speed itself is measured in ``benchmarks/cli_startup.py``; here only the imports are checked
(a heavy library imported at start is what made every command take over a second).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from npmlp import MLP, save
from npmlp.cli import main
from npmlp.core.architecture import summarise

SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = ("sklearn", "scipy", "matplotlib", "pandas")
PROBE = """
import json, sys
from npmlp.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as e:
    code = e.code
print(json.dumps([code, sorted(m for m in {heavy} if m in sys.modules)]), file=sys.stderr)
"""


def imports_of(*args: str) -> tuple[int, list[str]]:
    """Exit code and the heavy libraries loaded by ``npmlp ARGS`` in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    probe = PROBE.format(heavy=HEAVY + ("rich",))
    p = subprocess.run(
        [sys.executable, "-c", probe, *args], env=env, capture_output=True, text=True
    )
    return tuple(json.loads(p.stderr.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "model.npz"
    net = MLP(64, (32, 16), 5, 10, seed=0, activation="tanh")
    save(net, path)
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("--version",),
        ("train", "--help"),
        ("graph", "--help"),
        ("summary", "-D", "64", "-H", "256", "-L", "3", "-C", "10"),
    ],
)
def test_short_commands_import_no_heavy_library(args):
    assert imports_of(*args) == (0, [])


@pytest.mark.parametrize("args", [("--help",), ("--version",)])
def test_help_and_version_import_neither_numpy_nor_any_command(args):
    probe = PROBE.format(heavy=("numpy", "npmlp.nn.model", "npmlp.cli.options", "npmlp.cli.train"))
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    p = subprocess.run(
        [sys.executable, "-c", probe, *args], env=env, capture_output=True, text=True
    )
    assert json.loads(p.stderr.strip().splitlines()[-1]) == [0, []]


def test_every_listed_command_loads_under_its_name_and_help_lists_the_table(capsys):
    from npmlp.cli import COMMANDS, cli

    for name in COMMANDS:
        command = cli.get_command(None, name)
        assert command.name == name and command.short_help == COMMANDS[name][1]
    assert cli.get_command(None, "nope") is None
    assert main(["--help"]) == 0
    listing = capsys.readouterr().out.split("Commands:\n")[1].splitlines()
    assert [line.split(None, 1) for line in listing] == [[n, COMMANDS[n][1]] for n in COMMANDS]
    assert main(["nope"]) == 2
    assert capsys.readouterr().err == (
        "npmlp: error: No such command 'nope'. (see 'npmlp --help')\n"
    )


def test_bare_npmlp_prints_its_help_and_exits_0(capsys):
    assert main([]) == 0
    bare = capsys.readouterr()
    assert main(["--help"]) == 0
    assert bare.out == capsys.readouterr().out and bare.err == ""
    assert bare.out.startswith("Usage: npmlp [OPTIONS] COMMAND [ARGS]...\n")


def test_summary_of_a_model_and_data_list_import_no_heavy_library(model_path):
    assert imports_of("summary", str(model_path)) == (0, [])
    assert imports_of("data", "list") == (0, ["rich"])  # its table; no scikit-learn


def test_train_and_evaluate_of_a_table_import_only_what_they_use(tmp_path):
    """A quiet run without pictures: SciPy for L-BFGS only (a small table: no validation
    split), no scikit-learn (the splits and the scaling are NumPy's), no matplotlib (no
    pictures, no boundary frames: the table is not 2-D), no pandas; evaluate none of them."""
    data = Path(__file__).parent / "data" / "penguins.csv"
    out = tmp_path / "run"
    train = ("train", "--data", str(data), "--label", "species", "--no-pictures", "--quiet")
    assert imports_of(*train, "--out", str(out)) == (0, ["rich", "scipy"])
    assert imports_of(*train, "--optimizer", "adam", "--epochs", "2") == (0, ["rich"])
    evaluate = ("evaluate", str(out / "model.npz"), "--data", str(data), "--split", "all")
    assert imports_of(*evaluate) == (0, [])


def test_the_package_imports_scikit_learn_only_for_the_estimator():
    code = (
        "import sys, npmlp; a = 'sklearn' in sys.modules; npmlp.NpMLPClassifier; "
        "print(a, 'sklearn' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["False", "True"]


# ------------------------------------------------------------------ summary and graph of a model
def test_summary_reads_a_saved_model(model_path, capsys):
    assert main(["summary", str(model_path), "-N", "4"]) == 0
    out = capsys.readouterr().out
    title = f"{model_path}: D=64 H=32,16 L=5 C=10, tanh, float32"
    assert out == title + "\n" + str(summarise(64, (32, 16), 5, 10, 4)) + "\n"


def test_graph_reads_a_saved_model(model_path, tmp_path, capsys):
    out = tmp_path / "g.png"
    assert main(["graph", str(model_path), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("D=64 H=32,16 L=5 C=10, tanh, float32")
    assert lines[-1] == f"wrote {out}" and out.stat().st_size > 1000


@pytest.mark.parametrize(
    "args,message",
    [
        (["summary"], "give a saved model (MODEL.npz) or the network with -D, -H and -C "),
        (["summary", "-D", "4", "-C", "3"], "(missing: -H)"),
        (["summary", "MODEL", "-D", "4"], "give a saved model or -D, not both"),
        (
            ["summary", "-D", "4", "-H", "8,x", "-C", "3"],
            "hidden width must be an integer >= 1, or one per hidden layer separated by commas (64,32), got '8,x'",
        ),
        (["summary", "-D", "4", "-H", "8,4", "-L", "3", "-C", "3"], "-H gives 2 hidden widths"),
        (
            ["graph", "-D", "4", "-H", "0", "-C", "3"],
            "hidden width must be an integer >= 1, or one per hidden layer separated by commas (64,32), got 0",
        ),
    ],
)
def test_summary_and_graph_refuse_a_network_they_cannot_read(args, message, model_path, capsys):
    args = [str(model_path) if a == "MODEL" else a for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("npmlp: error: ") and message in err and len(err.splitlines()) == 1


def test_one_width_per_hidden_layer_everywhere_h_is_taken(tmp_path, capsys):
    assert main(["summary", "-D", "4", "-H", "8,6", "-C", "3"]) == 0
    assert capsys.readouterr().out == str(summarise(4, (8, 6), 5, 3)) + "\n"
    out = tmp_path / "run"
    args = ["train", "--data", "iris", "-H", "8,6", "--epochs", "2", "--quiet", "--out", str(out)]
    assert main([*args, "--no-pictures"]) == 0
    assert tuple(json.loads((out / "metrics.json").read_text())["architecture"]["H"]) == (8, 6)
    assert main(["gradcheck", "-H", "4,3,5", "-N", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split()[:2] for ln in lines[1:7:2]] == [["W1", "6x4"], ["W3", "4x3"], ["W5", "3x5"]]


# ----------------------------------------------------------------------------------- gradcheck
def test_gradcheck_exits_1_when_a_tensor_is_not_checked(monkeypatch, capsys):
    gc = sys.modules["npmlp.train.gradcheck"]  # the module (npmlp.gradcheck is the function)
    real = gc.gradcheck
    monkeypatch.setattr(gc, "gradcheck", lambda *a, **k: real(*a, **{**k, "retries": 0}))
    assert main(["gradcheck"]) == 1  # the defaults put every b3 entry on a kink
    out = capsys.readouterr().out.splitlines()
    assert out[-2].startswith("PASS: max relative error") and out[-1].startswith("NOT CHECKED: b3")
    assert main(["gradcheck", "--allow-unchecked"]) == 0
    assert "not checked" in capsys.readouterr().out
    monkeypatch.undo()
    assert main(["gradcheck"]) == 0  # retried at another point: every tensor is checked
    assert "not checked" not in capsys.readouterr().out
