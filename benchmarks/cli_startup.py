"""Wall time of short ``npmlp`` commands: the command line must answer at once.

Each command runs ``--repeat`` times as a fresh ``python -m npmlp`` process (the way a shell
runs the ``npmlp`` script); the table shows the median and the fastest run, in seconds. The
target is under 0.3 s for ``--help``, ``--version``, ``summary``, ``graph --help`` and
``data list``: none of them imports scikit-learn, matplotlib or SciPy
(``tests/test_cli_startup.py`` checks the imports; this file measures the time).

``--old PATH`` times another checkout's ``src`` too (side by side), e.g. the commit before the
change: ``git worktree add /tmp/old 4cd6793`` then ``--old /tmp/old/src``. ``--train`` adds
``npmlp train --data digits --quiet`` (the default training run, a few repeats).

    nice python benchmarks/cli_startup.py --old /tmp/old/src --train
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
COMMANDS = (
    ["--help"],
    ["--version"],
    ["summary", "-D", "64", "-H", "256", "-L", "3", "-C", "10"],
    ["summary", "{model}"],
    ["graph", "--help"],
    ["data", "list"],
)
TRAIN = ["train", "--data", "digits", "--quiet"]


def wall(src: Path, args: list[str], repeat: int) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = subprocess.run(
            [sys.executable, "-m", "npmlp", *args], env=env, capture_output=True, text=True
        )
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            return [float("nan")]  # the command does not exist in that checkout
    return times


def model_file(folder: Path) -> Path:
    """A small saved model for ``summary MODEL`` (written with this checkout)."""
    path = folder / "model.npz"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    subprocess.run(
        [sys.executable, "-m", "npmlp", "train", "--data", "iris", "--epochs", "2", "--quiet"]
        + ["--out", str(folder), "--no-pictures"],
        env=env,
        check=True,
        capture_output=True,
    )
    return path


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--old", type=Path, default=None, help="another checkout's src folder")
    ap.add_argument("--train", action="store_true", help="also time 'npmlp train --data digits'")
    args = ap.parse_args(argv)
    trees = {"this": SRC} | ({"old": args.old} if args.old else {})
    with tempfile.TemporaryDirectory() as tmp:
        model = model_file(Path(tmp))
        commands = [[a.format(model=model) for a in c] for c in COMMANDS]
        if args.train:
            commands.append(TRAIN)
        head = "".join(f" {name + ' median':>12} {name + ' min':>9}" for name in trees)
        print(f"{'command':<44}{head}")
        for c in commands:
            name = f"npmlp {' '.join(c)}".replace(str(model), "MODEL")
            row = (name if len(name) <= 44 else name[:41] + "...").ljust(44)
            for src in trees.values():
                t = wall(src, c, 3 if c is TRAIN else args.repeat)
                row += f" {statistics.median(t):>12.3f} {min(t):>9.3f}"
            print(row, flush=True)


if __name__ == "__main__":
    main()
