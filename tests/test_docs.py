"""The documentation cannot rot: docs/derivations.md and docs/tutorial.md are checked here.

derivations.md: every "Checked by:" test exists and passes, every "In the code:" name is a real
attribute of npmlp (and every quoted line is still in its source), every answer has both
lines, every figure exists and is made by docs/make_figures.py, every link anchor resolves.

tutorial.md: every ```bash, ```console and ```python block is executed, in order, in one
temporary folder (console blocks also compare the output, "..." matching anything);
```text blocks are not executed, but the make targets and npmlp commands they name must exist.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
DERIVATIONS = DOCS / "derivations.md"
TUTORIAL = DOCS / "tutorial.md"
NODE_ID = re.compile(r"^tests/[\w/]+\.py::\w+$")
CODE_REF = re.compile(r"`(npmlp(?:\.\w+)+)`(?:,\s*line\s+`([^`]+)`)?")


# ------------------------------------------------------------------------------ helpers
def _lines_starting(text: str, prefix: str) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.startswith(prefix)]


def checked_by_ids(text: str) -> list[str]:
    """The node ids of every "Checked by:" line, in order, without repeats."""
    ids: list[str] = []
    for n, line in _lines_starting(text, "Checked by:"):
        found = re.findall(r"`([^`]+)`", line)
        assert found, f"derivations.md:{n}: 'Checked by:' names no test"
        for node in found:
            assert NODE_ID.match(node), f"derivations.md:{n}: {node!r} is not a test node id"
            if node not in ids:
                ids.append(node)
    return ids


def code_refs(text: str) -> list[tuple[int, str, str | None]]:
    """(line number, dotted name, quoted source line or None) of every "In the code:" line."""
    refs = []
    for n, line in _lines_starting(text, "In the code:"):
        matches = list(CODE_REF.finditer(line))
        assert matches, f"derivations.md:{n}: 'In the code:' names nothing"
        used = sum(m.group(0).count("`") // 2 for m in matches)
        assert used == line.count("`") // 2, (
            f"derivations.md:{n}: a backticked item is neither `npmlp.module.name` nor "
            f"', line `source fragment`': {line}"
        )
        refs += [(n, m.group(1), m.group(2)) for m in matches]
    return refs


def resolve(dotted: str):
    """Import the longest module prefix of ``dotted`` and get the remaining attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) for every ## and ### heading."""
    parts = re.split(r"^(#{2,3} .*)$", text, flags=re.M)
    return [(parts[i].lstrip("#").strip(), parts[i + 1]) for i in range(1, len(parts), 2)]


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def fenced_blocks(text: str) -> list[tuple[int, str, str]]:
    """(line number, info string, body) of every fenced block."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if m:
            start, body = i + 1, []
            i += 1
            while not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            blocks.append((start, m.group(1), "\n".join(body) + "\n"))
        i += 1
    return blocks


# ------------------------------------------------------------------------- derivations.md
def test_every_answer_has_in_the_code_and_checked_by():
    text = DERIVATIONS.read_text(encoding="utf-8")
    answers = [(h, b) for h, b in sections(text) if h not in ("Notation", "Summary")]
    assert len(answers) >= 14  # every Travail of the seed, plus dc/dW and eqs. 22-25
    for heading, body in answers:
        assert "\nIn the code: `" in body, f"section {heading!r} has no 'In the code:' line"
        assert "\nChecked by: `" in body, f"section {heading!r} has no 'Checked by:' line"
    quoted = [h for h, b in answers if b.lstrip().startswith("> *")]
    assert len(quoted) >= 12, "each seed exercise is quoted (> *Travail ...*) above its answer"


def test_in_the_code_names_resolve_and_quoted_lines_exist():
    refs = code_refs(DERIVATIONS.read_text(encoding="utf-8"))
    assert len(refs) >= 20
    for n, dotted, fragment in refs:
        try:
            obj = resolve(dotted)
        except (ImportError, AttributeError) as e:
            pytest.fail(f"derivations.md:{n}: {dotted} does not exist ({e})")
        if fragment is not None:
            source = inspect.getsource(obj)
            assert fragment in source, f"derivations.md:{n}: {fragment!r} is not in {dotted}"


def test_checked_by_tests_exist_and_pass():
    ids = checked_by_ids(DERIVATIONS.read_text(encoding="utf-8"))
    assert len(ids) >= 18
    assert not any(i.startswith("tests/test_docs.py") for i in ids)  # no recursion
    for node in ids:
        path, name = node.split("::")
        assert (ROOT / path).is_file(), f"{path} does not exist"
        assert re.search(rf"^def {name}\(", (ROOT / path).read_text(), re.M), (
            f"{node}: no such test function"
        )
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts="]
    collect = subprocess.run(
        cmd + ["--collect-only", *ids], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert collect.returncode == 0, collect.stdout + collect.stderr
    collected = [line for line in collect.stdout.splitlines() if "::" in line]
    for node in ids:
        assert any(c == node or c.startswith(node + "[") for c in collected), (
            f"pytest does not collect {node}"
        )
    run = subprocess.run(cmd + ids, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert re.search(rf"\b{len(collected)} passed\b", run.stdout), run.stdout[-2000:]


def test_figures_exist_and_are_made_by_the_script(tmp_path, monkeypatch):
    text = DERIVATIONS.read_text(encoding="utf-8")
    shown = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(shown) == 5
    for rel in shown:
        assert (DOCS / rel).is_file(), f"derivations.md shows {rel}, which does not exist"
    import matplotlib.image as mpimg

    monkeypatch.syspath_prepend(str(DOCS))
    make_figures = importlib.import_module("make_figures")
    # playground.png is a screenshot made by tests/test_playground_browser.py
    committed = {p.name for p in (DOCS / "figures").glob("*.png")} - {"playground.png"}
    assert set(make_figures.FIGURE_FUNCTIONS) == committed == {Path(r).name for r in shown}
    monkeypatch.setattr(make_figures, "FIGURES", tmp_path)
    for name, make in make_figures.FIGURE_FUNCTIONS.items():
        assert make() == tmp_path / name
        new, old = mpimg.imread(tmp_path / name), mpimg.imread(DOCS / "figures" / name)
        # same drawing: same size to a few pixels (fonts differ a little between platforms)
        assert abs(new.shape[0] - old.shape[0]) <= 6 and abs(new.shape[1] - old.shape[1]) <= 6


def test_links_between_docs_resolve():
    for doc in (DERIVATIONS, TUTORIAL):
        text = doc.read_text(encoding="utf-8")
        for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]+))?\)", text):
            path = (doc.parent / target) if target else doc
            if target.startswith("http"):
                continue
            assert path.exists(), f"{doc.name} links to {target}, which does not exist"
            if anchor:
                slugs = {github_slug(h) for h, _ in sections(path.read_text(encoding="utf-8"))}
                assert anchor in slugs, f"{doc.name}: no heading #{anchor} in {path.name}"


def test_parsers_reject_bad_references():
    """The checks above can fail: a wrong node id or an unknown name is caught."""
    with pytest.raises(AssertionError, match="not a test node id"):
        checked_by_ids("Checked by: `test_derivations.py::test_dc_db_is_dc_dz`\n")
    with pytest.raises(AssertionError, match="neither"):
        code_refs("In the code: `npmlp.nn.layers.fc_backward`, `fc_forward`\n")
    with pytest.raises(AttributeError):
        resolve("npmlp.nn.layers.fc_backwards")
    assert code_refs("In the code: `npmlp.nn.loss.softmax`, line `S.max(`\n") == [
        (1, "npmlp.nn.loss.softmax", "S.max(")
    ]
    assert github_slug("Is the derivative defined at 0? npmlp's convention") == (
        "is-the-derivative-defined-at-0-npmlps-convention"
    )


# ----------------------------------------------------------------------------- tutorial.md
def _shims(tmp_path: Path) -> dict:
    """An environment whose PATH has ``npmlp`` and ``python`` for this interpreter."""
    bin_dir = tmp_path / "_bin"
    bin_dir.mkdir()
    for name, args in (("npmlp", "-m npmlp"), ("python", "")):
        shim = bin_dir / name
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" {args} "$@"\n')
        shim.chmod(0o755)
    env = dict(
        os.environ,
        PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        MPLBACKEND="Agg",
        COLUMNS="100",
    )
    return env


def _run(command: str, cwd: Path, env: dict, where: str) -> str:
    proc = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, (
        f"{where}: `{command.strip()}` exited {proc.returncode}\n"
        f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    )
    return proc.stdout


def console_commands(body: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs of a console block."""
    pairs: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        else:
            assert pairs, f"console block starts with output, not '$ ': {line!r}"
            pairs[-1][1].append(line)
    return [(cmd, "\n".join(out) + "\n" if out else "") for cmd, out in pairs]


def _output_matches(expected: str, got: str) -> bool:
    if not expected:
        return True
    got = "\n".join(line.rstrip() for line in got.splitlines()) + "\n"
    return doctest.OutputChecker().check_output(expected, got, doctest.ELLIPSIS)


@pytest.mark.slow
def test_tutorial_runs(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    text = TUTORIAL.read_text(encoding="utf-8")
    blocks = fenced_blocks(text)
    env = _shims(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    namespace: dict = {"__name__": "__tutorial__"}
    ran = {"bash": 0, "console": 0, "python": 0}
    for line, kind, body in blocks:
        where = f"tutorial.md:{line}"
        if kind == "bash":
            _run(body, work, env, where)
        elif kind == "console":
            for command, expected in console_commands(body):
                got = _run(command, work, env, where)
                assert _output_matches(expected, got), (
                    f"{where}: `{command}` printed\n{got}\nbut the tutorial shows\n{expected}"
                )
        elif kind == "python":
            try:
                exec(compile(body, where, "exec"), namespace)
            except Exception as e:  # noqa: BLE001 - reported with the block's line
                pytest.fail(f"{where}: python block failed: {type(e).__name__}: {e}")
        else:
            assert kind == "text", f"{where}: unknown block type {kind!r}; use text to skip it"
            continue
        ran[kind] += 1
    plt.close("all")
    assert ran["bash"] >= 3 and ran["console"] >= 4 and ran["python"] >= 5, ran
    assert (work / "runs" / "digits" / "model.npz").is_file()
    assert (work / "curves.png").is_file()


def test_tutorial_text_blocks_name_real_targets_and_commands():
    """Blocks that are not run (install, MNIST, figures) still name things that exist."""
    from npmlp.cli import cli

    makefile = (ROOT / "Makefile").read_text()
    text_blocks = [b for _, kind, b in fenced_blocks(TUTORIAL.read_text("utf-8")) if kind == "text"]
    assert text_blocks
    seen = set()
    for body in text_blocks:
        for line in body.splitlines():
            words = line.split("#")[0].split()
            if words[:1] == ["make"]:
                assert re.search(rf"^{words[1]}:", makefile, re.M), f"no make target {words[1]}"
                seen.add("make")
            if words[:1] == ["npmlp"]:
                assert words[1] in cli.list_commands(None), f"npmlp has no command {words[1]!r}"
                seen.add("npmlp")
            if words[:3] == ["pip", "install", "-e"]:
                assert (ROOT / "pyproject.toml").is_file()
                seen.add("pip")
    assert {"make", "pip"} <= seen  # the install block stays checked
    assert 'npmlp = "npmlp.cli:main"' in (ROOT / "pyproject.toml").read_text()


def test_console_parser_and_output_matching():
    pairs = console_commands("$ echo a\na\n$ true\n")
    assert pairs == [("echo a", "a\n"), ("true", "")]
    assert _output_matches("total: ...\n", "total: 4810  \n")
    assert not _output_matches("total: 4810\n", "total: 4811\n")
