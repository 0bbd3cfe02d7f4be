"""Every README and tutorial block runs as a user runs it: in a fresh virtual environment holding
only what the page tells the user to install.

The tutorial (``docs/tutorial.md``) runs first, where only npmlp is installed (its
``pip install -e .``); then each ``pip install ...`` the README names is added and the README runs.

``make test-docs`` runs this file (``.ci/run`` too); ``make test`` leaves it out (marker
``fresh_env``): the environment takes a minute or two to build. The ``bash`` and ``python``
(and ``console``) blocks of a page run in order in one folder, the python blocks in one
namespace, as in a notebook, a console block's output matched as ``tests/test_docs.py``
matches it; the Quickstart's ``make`` block is the one left out (``tests/test_readme.py``
checks it). A package the README forgets to name (``onnxruntime`` once) fails the test.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TUTORIAL = ROOT / "docs" / "tutorial.md"
# `pip install` lines the README names for something none of its blocks runs.
OPTIONAL = {'"npmlp[dask]"': "a Dask cluster", "torch==2.13.0": "the benchmark"}
DRIVER = """
import doctest, json, subprocess, sys
namespace = {"__name__": "__docs__"}

def shell(command, where, expected=""):
    got = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", command], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    print(got, end="")
    got = "\\n".join(line.rstrip() for line in got.splitlines()) + "\\n"
    if expected and not doctest.OutputChecker().check_output(expected, got, doctest.ELLIPSIS):
        sys.exit(f"{where}: {command!r} printed {got!r}, the page shows {expected!r}")

for where, kind, body in json.load(open(sys.argv[1])):
    print(f"--- {where} ({kind})", flush=True)
    if kind == "bash":
        shell(body, where)
    elif kind == "console":
        pairs = []
        for line in body.splitlines():
            if line.startswith("$ "):
                pairs.append([line[2:], []])
            else:
                pairs[-1][1].append(line)
        for command, out in pairs:
            shell(command, where, "\\n".join(out) + "\\n" if out else "")
    else:
        exec(compile(body, where, "exec"), namespace)
"""

pytestmark = pytest.mark.fresh_env


def page_blocks(text: str, page: str = "README.md") -> list[tuple[str, str, str]]:
    """``(page:line, kind, body)`` of every bash, console and python block but the
    Quickstart's ``make``."""
    out = []
    for m in re.finditer(r"^```(\w+)\n(.*?)^```", text, re.S | re.M):
        line = text.count("\n", 0, m.start()) + 1
        if m.group(1) in ("bash", "console", "python") and not m.group(2).startswith("make "):
            out.append((f"{page}:{line}", m.group(1), m.group(2)))
    return out


def install_specs(text: str) -> list[str]:
    """What the README tells the user to ``pip install``, npmlp's extras from this checkout."""
    specs = []
    for spec in dict.fromkeys(re.findall(r'pip install ("[^"]+"|[^`\s)"]+)', text)):
        if spec in OPTIONAL:
            continue
        extra = re.fullmatch(r'"?npmlp\[(\w+)\]"?', spec)
        specs.append(f"{ROOT}[{extra.group(1)}]" if extra else spec.strip('"'))
    return specs


def test_the_parsers_find_the_blocks_and_the_installs():
    text = 'x `pip install pandas`, `pip install "npmlp[onnx]"` (pip install "npmlp[onnx]")\n'
    text += "```bash\nmake demo\n```\n"
    text += "```python\nprint(1)\n```\n```text\nno\n```\n"
    assert page_blocks(text) == [("README.md:5", "python", "print(1)\n")]
    assert install_specs(text) == ["pandas", f"{ROOT}[onnx]"]


def run_page(python: Path, blocks: list, work: Path, env: dict) -> str:
    """The blocks run by the venv's ``python`` in ``work``; its output (fails the test on
    the first block that fails)."""
    listed = work.parent / f"{work.name}.json"
    listed.write_text(json.dumps(blocks))
    driver = work.parent / "driver.py"
    driver.write_text(DRIVER)
    done = subprocess.run(
        [str(python), str(driver), str(listed)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def test_every_readme_and_tutorial_block_runs_in_a_fresh_environment(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q"]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", MPLBACKEND="Agg")
    env["COLUMNS"] = "100"
    # the tutorial: npmlp alone (its `pip install -e .`)
    subprocess.run([*pip, "-e", str(ROOT)], check=True, timeout=600)
    (tmp_path / "tutorial").mkdir()
    tutorial = page_blocks(TUTORIAL.read_text(encoding="utf-8"), "tutorial.md")
    run_page(python, tutorial, tmp_path / "tutorial", env)
    # the README: and what it names
    text = README.read_text(encoding="utf-8")
    specs = install_specs(text)  # npmlp's extras on the editable install of the tutorial
    extras = [a for s in specs for a in (("-e", s) if s.startswith(str(ROOT)) else (s,))]
    subprocess.run([*pip, *extras], check=True, timeout=600)
    work = tmp_path / "readme"  # the README's paths are the checkout's: its data file is copied
    (work / "tests" / "data").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "data" / "penguins.csv", work / "tests" / "data")
    out = run_page(python, page_blocks(text), work, env)
    assert "ONNX Runtime and npmlp agree on 1797 rows" in out
