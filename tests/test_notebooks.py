"""The notebooks of ``docs/notebooks`` run top to bottom, their ``assert``s holding, and are
committed with their outputs (so they read well on a repository page).

``make test-docs`` runs this file (``.ci/run`` too; ``make test`` leaves it out, marker
``notebook``: a kernel per notebook takes a minute). ``make notebooks`` (this file run as a
script) executes them again and writes the outputs back.
"""

import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "docs" / "notebooks"
NAMES = ["worksheet.ipynb", "penguins.ipynb"]


def execute(path: Path):
    """The notebook at ``path`` run in a fresh kernel, in its own folder; raises
    ``nbclient.exceptions.CellExecutionError`` naming the first cell that fails."""
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    return nb


def test_every_notebook_is_listed_and_linked_from_the_readme():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)
    readme = (NOTEBOOKS.parents[1] / "README.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert f"(docs/notebooks/{name})" in readme


@pytest.mark.parametrize("name", NAMES)
def test_the_committed_notebook_holds_its_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    assert cells and all(c.execution_count for c in cells), "run `make notebooks` and commit"
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1))
    errors = [o for c in cells for o in c.outputs if o.output_type == "error"]
    assert not errors
    html = [o for c in cells for o in c.outputs if "text/html" in o.get("data", {})]
    assert html, "the displays (model card, history, run) are in the outputs"


@pytest.mark.notebook
@pytest.mark.parametrize("name", NAMES)
def test_the_notebook_runs(name):
    nb = execute(NOTEBOOKS / name)
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")


if __name__ == "__main__":  # make notebooks: run each one again and keep its outputs
    for name in sys.argv[1:] or NAMES:
        nbformat.write(execute(NOTEBOOKS / name), NOTEBOOKS / name)
        print(f"ran {NOTEBOOKS / name}")
