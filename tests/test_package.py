"""Package-wide rules: no autograd library in src/, no pickle-enabled loads."""

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "npmlp"
FORBIDDEN = {"torch", "jax", "autograd", "tensorflow", "mxnet", "chainer"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_autograd_library_is_imported_anywhere_in_src():
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 20
    offenders = {str(f.relative_to(SRC)): imported_modules(f) & FORBIDDEN for f in files}
    assert {f: m for f, m in offenders.items() if m} == {}


def test_every_np_load_in_src_refuses_pickle():
    calls = []
    for f in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "np.load":
                kw = {k.arg: ast.unparse(k.value) for k in node.keywords}
                calls.append((f.name, kw.get("allow_pickle")))
    # npmlp now reads .npy/.npz through npmlp.core.safeio (headers checked, object dtypes
    # refused before any data is read: tests/test_hostile.py); any np.load left must refuse
    assert all(v == "False" for _, v in calls), calls


def package_imports(path: Path) -> list[tuple[str, bool]]:
    """``(npmlp module, inside a function?)`` for every import of the package in ``path``."""
    module = ".".join(("npmlp", *path.relative_to(SRC).with_suffix("").parts))
    if module.endswith(".__init__"):
        module = module[: -len(".__init__")]
        package = module
    else:
        package = module.rpartition(".")[0]
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                if target.startswith("npmlp"):
                    names = [f"{target}.{a.name}" for a in child.names]
                    found.extend((n if n in MODULES else target, in_function) for n in names)
            elif isinstance(child, ast.Import):
                found.extend(
                    (a.name, in_function) for a in child.names if a.name.startswith("npmlp")
                )
            visit(child, inner)

    visit(ast.parse(path.read_text()), False)
    return found


def _module_name(f: Path) -> str:
    name = ".".join(("npmlp", *f.relative_to(SRC).with_suffix("").parts))
    return name[: -len(".__init__")] if name.endswith(".__init__") else name


MODULES = {_module_name(f) for f in SRC.rglob("*.py")}


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (at the top or inside a function)."""
    graph = {}
    for f in SRC.rglob("*.py"):
        targets = {t for t, _ in package_imports(f)}
        # importing a.b.c runs a/__init__ and a/b/__init__ too
        graph[_module_name(f)] = {
            ".".join(t.split(".")[:k]) for t in targets for k in range(2, len(t.split(".")) + 1)
        } & MODULES
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state, stack = {}, []

    def dfs(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt == node or nxt.startswith(node + "."):
                continue  # a package importing its own submodules is not a cycle
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := dfs(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := dfs(node)):
            return cycle
    return None


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 30 and "npmlp.nn.model" in graph["npmlp.train.training"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_cycle_finder_finds_cycles_through_late_imports():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    late = package_imports(SRC / "cli" / "predict.py")
    assert ("npmlp.nn.model_file", True) in late  # function-level imports are seen


def test_layer_functions_are_called_only_by_the_layers_and_the_model():
    """One network pass: nothing outside layers.py and model.py runs a layer's math itself."""
    import npmlp.nn.layers as layers

    names = {n for n in layers.__all__ if n.endswith(("_forward", "_backward"))}
    assert {"fc_forward", "fc_backward", "relu_backward", "tanh_forward"} <= names
    callers = set()
    for f in SRC.rglob("*.py"):
        if f.name in ("layers.py", "model.py"):
            continue
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Name) and node.id in names:
                callers.add(f"{f.relative_to(SRC)}: {node.id}")
            elif isinstance(node, ast.alias) and node.name in names:
                callers.add(f"{f.relative_to(SRC)}: {node.name}")
    assert callers == set()


def test_every_function_in_src_follows_the_function_rules():
    """ruff's complexity, branch, statement and positional-argument rules (thresholds in
    pyproject.toml) on every function of src/, with no exemption."""
    ruff = Path(sys.executable).with_name("ruff")
    rules = "C901,PLR0912,PLR0915,PLR0917"
    run = subprocess.run(
        [str(ruff), "check", "--preview", "--select", rules, "--output-format", "concise", "src"],
        capture_output=True,
        text=True,
        cwd=SRC.parent.parent,
    )
    assert run.stdout.strip().splitlines()[-1:] == ["All checks passed!"], run.stdout


def test_public_names_are_imported_on_first_use_and_gradcheck_stays_the_function():
    import subprocess
    import sys

    code = (
        "import sys, npmlp\n"
        "print('numpy' in sys.modules, 'npmlp.nn.model' in sys.modules)\n"
        "import npmlp.train.gradcheck\n"  # its module, imported by path: npmlp.gradcheck stays
        "print(npmlp.gradcheck.__name__, type(npmlp.gradcheck).__name__)\n"
        "from npmlp import *\n"
        "print(sorted(n for n in npmlp.__all__ if n not in globals()))\n"
        "print(MLP.__module__, fit.__module__, NpMLPClassifier.__module__, gradcheck.__module__)\n"
        "try:\n    npmlp.nope\nexcept AttributeError as e:\n    print(e)\n"
    )
    env = {"PYTHONPATH": str(SRC.parent), "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.splitlines() == [
        "False False",
        "gradcheck function",
        "[]",
        "npmlp.nn.model npmlp.train.training npmlp.sklearn.classifier npmlp.train.gradcheck",
        "module 'npmlp' has no attribute 'nope'",
    ], out.stderr


# the packages in their layers, lowest first (docs/architecture.md): a package imports only from
# its own layer or lower ones
LAYERS = (
    ("core", "_version", "_startup"),
    ("data", "encoding"),
    ("nn",),
    ("train", "callbacks"),
    ("outputs",),
    ("jobs",),
    ("export", "sklearn", "playground", "cli"),
)
LAYER_OF = {name: k for k, names in enumerate(LAYERS) for name in names}
DISPLAY = ("plot", "_repr_html_", "__repr__")  # a display method may draw with outputs, when called


def upward_imports(root: Path = SRC) -> list[str]:
    """``file:line -> package`` for every import of a higher layer's package."""
    found = []
    for f in root.rglob("*.py"):
        rel = f.relative_to(root).parts
        top = rel[0].removesuffix(".py")
        if top in ("__init__", "__main__"):
            continue
        tree = ast.parse(f.read_text())
        display_lines = {
            n
            for fn in ast.walk(tree)
            if isinstance(fn, ast.FunctionDef) and fn.name in DISPLAY
            for n in range(fn.lineno, fn.end_lineno + 1)
        }
        for node in ast.walk(tree):
            target = _imported_package(node, rel)
            if target in LAYER_OF and LAYER_OF[target] > LAYER_OF[top]:
                if node.lineno not in display_lines:
                    found.append(f"{'/'.join(rel)}:{node.lineno} -> {target}")
    return found


def _imported_package(node, rel) -> str | None:
    """The top-level package of npmlp that an import node reaches, or None."""
    if isinstance(node, ast.ImportFrom) and node.level:
        base = list(rel[:-1])[: len(rel) - node.level]
        parts = [*base, *(node.module or "").split(".")]
        parts = [p for p in parts if p]
        if not parts:
            return node.names[0].name
        return parts[0]
    if isinstance(node, (ast.ImportFrom, ast.Import)):
        names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
        for name in names:
            if name and name.startswith("npmlp."):
                return name.split(".")[1]
    return None


def test_no_package_imports_a_higher_layer():
    assert upward_imports() == []
    assert {name for names in LAYERS for name in names} >= {
        p.name.removesuffix(".py")
        for p in SRC.iterdir()
        if p.name not in ("__init__.py", "__main__.py", "__pycache__")
    }


def test_the_layer_check_finds_an_upward_import(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "x.py").write_text("def f():\n    from ..jobs import job\n")
    assert upward_imports(tmp_path) == ["core/x.py:2 -> jobs"]
