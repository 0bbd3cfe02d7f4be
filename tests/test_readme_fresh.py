"""Every README block runs as a user runs it: in a fresh virtual environment holding only what
the README tells the user to install (npmlp, and each ``pip install ...`` it names).

``make test-docs`` runs this file (``.ci/run`` too); ``make test`` leaves it out (marker
``fresh_env``): the environment takes a minute or two to build. The ``bash`` and ``python``
blocks run in order in one folder, the python blocks in one namespace, as in a notebook; the
Quickstart's ``make`` block is the one left out (``tests/test_readme.py`` checks it). A
package the README forgets to name (``onnxruntime`` once) fails the test.
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
# `pip install` lines the README names for something none of its blocks runs.
OPTIONAL = {'"npmlp[dask]"': "a Dask cluster", "torch==2.13.0": "the benchmark"}
DRIVER = """
import json, subprocess, sys
namespace = {"__name__": "__readme__"}
for where, kind, body in json.load(open(sys.argv[1])):
    print(f"--- {where} ({kind})", flush=True)
    if kind == "bash":
        subprocess.run(["bash", "-e", "-o", "pipefail", "-c", body], check=True)
    else:
        exec(compile(body, where, "exec"), namespace)
"""

pytestmark = pytest.mark.fresh_env


def readme_blocks(text: str) -> list[tuple[str, str, str]]:
    """``(README.md:line, kind, body)`` of every bash and python block but the Quickstart's."""
    out = []
    for m in re.finditer(r"^```(\w+)\n(.*?)^```", text, re.S | re.M):
        line = text.count("\n", 0, m.start()) + 1
        if m.group(1) in ("bash", "python") and not m.group(2).startswith("make demo"):
            out.append((f"README.md:{line}", m.group(1), m.group(2)))
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
    assert readme_blocks(text) == [("README.md:5", "python", "print(1)\n")]
    assert install_specs(text) == ["pandas", f"{ROOT}[onnx]"]


def test_every_readme_block_runs_in_a_fresh_environment(tmp_path):
    text = README.read_text(encoding="utf-8")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, str(ROOT), *install_specs(text)], check=True, timeout=600)
    work = tmp_path / "work"  # the README's paths are the checkout's: its data file is copied
    (work / "tests" / "data").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "data" / "penguins.csv", work / "tests" / "data")
    (tmp_path / "blocks.json").write_text(json.dumps(readme_blocks(text)))
    (tmp_path / "driver.py").write_text(DRIVER)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", MPLBACKEND="Agg")
    done = subprocess.run(
        [str(venv / "bin" / "python"), str(tmp_path / "driver.py"), str(tmp_path / "blocks.json")],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "ONNX Runtime and npmlp agree on 1797 rows" in done.stdout
