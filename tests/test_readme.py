"""The README's Python example runs as written, and its Quickstart is the two make commands."""

import re
from pathlib import Path

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
