"""Kill trials of ``npmlp train --out DIR``: SIGINT, SIGTERM and SIGKILL, ``--trials`` each.

Each trial (``tests/kill_support.py``) starts ``npmlp train --data digits -H 32 --epochs 30
--no-pictures --checkpoint-every 0`` into a folder that holds a previous whole run, sends the
signal at a random moment (uniform over the run, 3 trials in 5; or right as a checkpoint or the
run's files start being written), then checks that the folder holds one whole run (previous or
new, by ``run.json``'s sha256 of every file and the run id in ``metrics.json``), that handled
signals left no temporary file or lock, and that ``--resume`` (or a new run, if no checkpoint
was written yet) ends bit-identical to the run left alone. Any failed check stops the script.

    PYTHONPATH=src .venv/bin/python benchmarks/kill_trials.py --trials 30
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from kill_support import VARIANTS, Harness  # noqa: E402

MOMENTS = ("uniform", "checkpoint", "uniform", "files", "uniform")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=30, help="trials per signal")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--exec",
        action="store_true",
        help="start each run as 'python -m npmlp' (a new interpreter) instead of forking this one",
    )
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        harness = Harness(Path(tmp), exec_=args.exec)
        print(
            "runs left alone: "
            + ", ".join(f"{' '.join(v)}: {s:.2f} s" for v, s in zip(VARIANTS, harness.seconds))
        )
        results = []
        for sig in ("SIGINT", "SIGTERM", "SIGKILL"):
            for n in range(args.trials):
                results.append(harness.trial(len(results), sig, MOMENTS[n % len(MOMENTS)], rng))
    print(f"\n{len(results)} trials in {time.perf_counter() - t_start:.0f} s; all checks passed\n")
    cols = [
        "signal",
        "trials",
        "exit codes",
        "DIR after the signal",
        "left beside DIR",
        "then",
        "bit-identical",
    ]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for sig in ("SIGINT", "SIGTERM", "SIGKILL"):
        rs = [r for r in results if r["signal"] == sig]

        def count(key, rs=rs):
            c = collections.Counter(r[key] for r in rs)
            return ", ".join(f"{k}: {v}" for k, v in sorted(c.items(), key=str))

        left = sum(r["leftovers"] > 0 for r in rs)
        row = [
            sig,
            str(len(rs)),
            count("code"),
            count("dir_after_kill"),
            f"{left} trials (temporary folder, lock)" if left else "nothing",
            count("then"),
            f"{sum(r['identical'] for r in rs)}/{len(rs)}",
        ]
        print("| " + " | ".join(row) + " |")
    by_moment = collections.Counter((r["signal"], r["moment"]) for r in results)
    print("\nmoments: " + ", ".join(f"{s} {m}: {n}" for (s, m), n in sorted(by_moment.items())))


if __name__ == "__main__":
    main()
