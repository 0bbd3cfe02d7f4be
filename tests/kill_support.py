"""Kill trials of ``npmlp train --out DIR``: a signal at a random moment, then the checks.

Used by ``tests/test_kill.py`` (a few trials per signal) and ``benchmarks/kill_trials.py`` (30
per signal, with a table). Each run is a child process forked from this one, which has npmlp
imported already: the child runs ``npmlp.cli.main(argv)`` and exits with its code, so a run
costs its work, not Python's start-up (two seconds of imports on a busy machine), and the
signals are real signals to a real process.

A trial: DIR holds a previous whole run (a moons run with pictures: a file list the new run
does not have); ``npmlp train`` starts into DIR and gets SIGINT, SIGTERM or SIGKILL at a random
moment (uniform over the run, or right when it starts writing a checkpoint or its run files);
then DIR must be one whole run (``run.json`` lists exactly its files with their sha256, and
``metrics.json`` has its id): the previous one or the new one. Then ``--resume DIR`` (or a new
run, when no checkpoint was written yet) must end with the weights and history of the run left
alone, bit for bit.
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import signal
import sys
import time
from pathlib import Path

import numpy as np

import npmlp.cli.train  # noqa: F401  (the command's modules: loaded once here, as matplotlib)
import npmlp.outputs.plots  # noqa: F401  (matplotlib: imported once here, not by every child)
from npmlp.cli import main
from npmlp.core.rundir import check_run

BASE = ["train", "--data", "digits", "-H", "32", "--epochs", "30", "--no-pictures", "--quiet"]
BASE += ["--checkpoint-every", "0"]  # as often as the cost rule allows: many checkpoints
VARIANTS = [
    ["--optimizer", "adam", "--dtype", "float32"],
    ["--optimizer", "sgd", "--lr", "0.05", "--dtype", "float64"],
    ["--optimizer", "momentum", "--lr", "0.02", "--dtype", "float32", "--early-stopping", "off"],
    ["--optimizer", "adam", "--dtype", "float64", "--patience", "3"],  # stops early
]
SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM, "SIGKILL": signal.SIGKILL}
EXPECTED_CODE = {"SIGINT": 130, "SIGTERM": 143, "SIGKILL": -9}


def spawn(argv: list[str], log: Path) -> int:
    """Fork a child that runs ``npmlp`` with ``argv`` (stdout and stderr into ``log``)."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 70
    try:  # the child: never return into the caller's code
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # as in a new process (main installs its own)
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        code = main([str(a) for a in argv])
    except BaseException:  # noqa: BLE001
        import traceback

        traceback.print_exc()
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, (signal.SIGINT, signal.SIGTERM))
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def spawn_exec(argv: list[str], log: Path) -> int:
    """Start ``python -m npmlp`` with ``argv``: a whole new process (imports included)."""
    src = Path(__file__).resolve().parents[1] / "src"
    env = dict(os.environ, PYTHONPATH=f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    with open(log, "wb") as f:
        argv = [sys.executable, "-m", "npmlp", *map(str, argv)]
        return os.posix_spawn(
            sys.executable,
            argv,
            env,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, f.fileno(), 1),
                (os.POSIX_SPAWN_DUP2, f.fileno(), 2),
            ],
        )


def wait(pid: int) -> int:
    """The child's exit code; ``-N`` when signal N killed it."""
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def run(argv, log) -> int:
    return wait(spawn(argv, log))


def weights(folder: Path) -> dict:
    with np.load(folder / "model.npz", allow_pickle=False) as z:
        return {k: z[k] for k in z.files if k[0] in "Wb" and k[1:].isdigit()}


def history(folder: Path) -> list[dict]:
    with open(folder / "history.csv", newline="") as f:
        return [{k: v for k, v in r.items() if k != "seconds"} for r in csv.DictReader(f)]


def same_run(a: Path, b: Path) -> bool:
    wa, wb = weights(a), weights(b)
    same = list(wa) == list(wb) and all(
        wa[k].dtype == wb[k].dtype and np.array_equal(wa[k], wb[k]) for k in wa
    )
    return same and history(a) == history(b)


def run_id(folder: Path) -> str:
    """The id of the whole run in ``folder``; AssertionError if it is not one whole run."""
    manifest = check_run(folder)  # exactly the files listed, each with its sha256
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["run_id"] == manifest["run_id"], (metrics["run_id"], manifest["run_id"])
    return manifest["run_id"]


def leftovers(out: Path) -> list[str]:
    """What the killed run left beside DIR other than its checkpoint."""
    parent, name = out.parent, out.name
    left = [
        p.name
        for p in parent.iterdir()
        if p.name.startswith(f".{name}.") and not p.name.endswith(".ckpt")
    ]
    ckpt = parent / f".{name}.ckpt"
    if ckpt.is_dir():
        left += [f"{ckpt.name}/{p.name}" for p in ckpt.iterdir() if p.name != "checkpoint.npz"]
    return sorted(left)


class Harness:
    """References (each variant left alone) and the previous run, made once in ``base``."""

    def __init__(self, base: Path, exec_: bool = False):
        """``exec_``: trials start ``python -m npmlp`` (imports and all) instead of forking."""
        self.base = Path(base)
        self.spawn = spawn_exec if exec_ else spawn
        self.exec = exec_
        self.previous = self.base / "previous"
        assert (
            run(
                [
                    "train",
                    "--data",
                    "moons",
                    "-H",
                    "8",
                    "--epochs",
                    "5",
                    "--quiet",
                    "--out",
                    self.previous,
                ],
                self.base / "prev.log",
            )
            == 0
        )
        self.previous_id = run_id(self.previous)
        self.references, self.seconds = [], []
        for i, variant in enumerate(VARIANTS):
            ref = self.base / f"reference{i}"
            for _ in range(2):  # the second time is the one timed (the first warms caches up)
                t0 = time.perf_counter()
                assert wait(self.spawn(BASE + variant + ["--out", ref], self.base / "ref.log")) == 0
            self.seconds.append(time.perf_counter() - t0)
            self.references.append(ref)

    def trial(self, n: int, sig: str, moment: str, rng: random.Random) -> dict:
        """One trial; returns what happened (asserting everything that must hold)."""
        v = n % len(VARIANTS)
        folder = self.base / f"t{n}-{sig}"  # SIGTERM and SIGKILL trials share numbers
        folder.mkdir()
        out = folder / "run"
        shutil.copytree(self.previous, out)
        log = folder / "kill.log"
        pid = self.spawn(BASE + VARIANTS[v] + ["--out", out], log)
        t0 = time.perf_counter()
        if moment == "uniform":
            # (exec: the first ~50 ms are Python's own start-up, before any npmlp code runs)
            time.sleep(rng.uniform(0.1 if self.exec else 0.005, 1.1 * self.seconds[v]))
        else:  # the moment a checkpoint or the run's files start being written
            watch = (
                (lambda: any((folder / ".run.ckpt").glob(".checkpoint.npz.*")))
                if moment == "checkpoint"
                else (lambda: (folder / f".run.tmp-{pid}").exists())
            )
            while not watch() and time.perf_counter() - t0 < 5 * self.seconds[v] + 5:
                time.sleep(0.0002)
            time.sleep(rng.uniform(0, 0.01))
        at = time.perf_counter() - t0
        os.kill(pid, SIGNALS[sig])
        code = wait(pid)
        text = log.read_text()
        assert "Traceback" not in text, text
        rid = run_id(out)  # one whole run: the previous one or the new one
        if rid == self.previous_id:
            state = "previous"
        else:
            manifest = json.loads((out / "run.json").read_text())
            state = "new, interrupted" if manifest["interrupted"] else "new, finished"
            assert "boundary.png" not in os.listdir(out)  # nothing of the previous run
        left = leftovers(out)
        if sig != "SIGKILL":  # handled signals remove their temporary files and the lock
            assert left == [], left
        has_checkpoint = (folder / ".run.ckpt" / "checkpoint.npz").exists()
        allowed = {0, EXPECTED_CODE[sig]}
        if self.exec and not has_checkpoint and text in ("", "npmlp: interrupted\n"):
            # a new interpreter outside npmlp's handlers: still starting (DIR untouched), or
            # tearing down after the run was published; the signal's default action ends it
            if state in ("previous", "new, finished"):
                allowed.add(-SIGNALS[sig])
        assert code in allowed, (code, text, state)
        if code == EXPECTED_CODE[sig] and sig != "SIGKILL":  # one line, naming --resume
            assert text.startswith("npmlp: interrupted") and text.count("\n") == 1, text
            assert ("npmlp train --resume" in text) == has_checkpoint, text
        if has_checkpoint:
            how = "resumed"
            argv = ["train", "--resume", out, "--quiet"]
        elif state == "new, finished" and not left:
            how = "finished"
            argv = None
        elif state == "new, finished":  # SIGKILL after the swap: the next run clears what is left
            how = "finished, then ran again"
            argv = BASE + VARIANTS[v] + ["--out", out]
        else:
            how = "ran again"  # killed before its first checkpoint
            argv = BASE + VARIANTS[v] + ["--out", out]
        if argv is not None:
            again = wait(self.spawn(argv, folder / "resume.log"))
            assert again == 0, (folder / "resume.log").read_text()
        assert run_id(out) != self.previous_id
        assert json.loads((out / "run.json").read_text())["interrupted"] is False
        identical = same_run(out, self.references[v])
        assert identical, f"trial {n}: not bit-identical to the run left alone"
        assert leftovers(out) == [] and not (folder / ".run.ckpt").exists()
        shutil.rmtree(folder)
        return {
            "signal": sig,
            "moment": moment,
            "at_s": round(at, 4),
            "code": code,
            "dir_after_kill": state,
            "leftovers": len(left),
            "then": how,
            "identical": identical,
        }
