"""Package-wide rules: no autograd library in src/, no pickle-enabled loads."""

import ast
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
    # npmlp now reads .npy/.npz through npmlp.data.safeio (headers checked, object dtypes
    # refused before any data is read: tests/test_hostile.py); any np.load left must refuse
    assert all(v == "False" for _, v in calls), calls
