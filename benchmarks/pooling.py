"""The pooling of rare categories (``--min-frequency``, ``--max-categories``) on the tables of
``benchmarks/real_tables.py`` where it pools anything: npmlp's test accuracy per setting.

The same tables, splits (75/25 on seeds 0-2) and command lines as ``real_tables.py``, with one
pooling option added to ``npmlp train``. Usage::

    OMP_NUM_THREADS=1 python benchmarks/pooling.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import real_tables as rt  # noqa: E402

# the tables with a text column that has a category under 5 rows, or many categories, in
# training (Cars93: Manufacturer, Model, Make, Cylinders; Greene: nation; UScereal:
# vitamins; bacteria: ID, 50 subjects)
POOLED = ("MASS/Cars93", "car/Greene", "MASS/UScereal", "MASS/bacteria")
TABLES = [t for t in rt.TABLES if t[0] in POOLED]
SETTINGS = {
    "min 1 (no pooling)": ["--min-frequency", "1"],
    "min 5, max 50 (defaults)": [],
    "min 20": ["--min-frequency", "20"],
    "max 10": ["--max-categories", "10"],
}


def accuracy(root: Path, name: str, label: str, extra: list) -> tuple[float, int]:
    """Mean test accuracy over the seeds, and how many runs were refused."""
    import pandas as pd

    accs, refused = [], 0
    for seed in rt.SEEDS:
        with tempfile.TemporaryDirectory() as tmp:
            leaks = rt.LEAKS.get(name, ())
            train, test, _ = rt.splits(
                root / f"{name}.csv", label, seed=seed, folder=Path(tmp), leaks=leaks
            )
            n_test = len(pd.read_csv(test))
            r = rt.run_npmlp(train, test, label, seed=seed, n_test=n_test, extra=extra)
        if "accuracy" in r:
            accs.append(r["accuracy"])
        else:
            refused += 1
    return (float(np.mean(accs)) if accs else float("nan")), refused


def main() -> int:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    root = rt.fetch(Path.home() / ".cache" / "npmlp-bench")
    print("| table | " + " | ".join(SETTINGS) + " |")
    print("|---|" + "---:|" * len(SETTINGS))
    for name, label in TABLES:
        cells = []
        for extra in SETTINGS.values():
            acc, refused = accuracy(root, name, label, extra)
            cells.append(f"{acc:.3f}" + (f" ({refused} refused)" if refused else ""))
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
