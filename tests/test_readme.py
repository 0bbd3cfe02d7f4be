"""The README's Python examples run as written, and its Quickstart is the two make commands."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    code = re.search(r"## In Python\n\n```python\n(.*?)```", README.read_text(), re.S).group(1)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert float(out.splitlines()[0]) > 0.9  # validation accuracy after 30 epochs
    assert "PASS: max relative error" in out
    assert (tmp_path / "digits.npz").exists()


def test_readme_scikit_learn_example_runs(capsys):
    text = README.read_text()
    code = re.search(r"## With scikit-learn\n\n```python\n(.*?)```", text, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
    assert float(capsys.readouterr().out) > 0.9  # test accuracy on wine


def test_quickstart_is_make_demo_and_make_test():
    block = re.search(r"## Quickstart\n\n```bash\n(.*?)```", README.read_text(), re.S).group(1)
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == [
        "make demo",
        "make test",
    ]


def test_readme_scikit_learn_callbacks_example_runs(capsys):
    pytest.importorskip("sklearn.callback")
    pytest.importorskip("pandas")
    text = README.read_text()
    setup = re.search(r"## With scikit-learn\n\n```python\n(.*?)```", text, re.S).group(1)
    code = re.search(r"its callbacks \(`sklearn.callback`\).*?```python\n(.*?)```", text, re.S)
    scope = {}
    exec(compile(setup, "README.md", "exec"), scope)
    exec(compile(code.group(1), "README.md", "exec"), scope)
    out = capsys.readouterr().out
    assert "GridSearchCV - fit" in out and "refit-with-best-params | Pipeline - fit" in out
    assert out.splitlines()[-1].split()[1:3] == ["epoch", str(scope["clf"][-1].n_iter_ - 1)]


def test_readme_table_example_predicts_from_a_dataframe(tmp_path, monkeypatch, capsys):
    """The penguins block: a model trained on a DataFrame predicts new rows from one."""
    pytest = __import__("pytest")
    pytest.importorskip("pandas")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    (code,) = [b for b in blocks if 'train_run(RunSettings(data=df, label="species"))' in b]
    (tmp_path / "tests" / "data").mkdir(parents=True)
    data = README.parent / "tests" / "data" / "penguins.csv"
    (tmp_path / "tests" / "data" / "penguins.csv").write_bytes(data.read_bytes())
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("['") and "reads 7 columns by name: island" in out
