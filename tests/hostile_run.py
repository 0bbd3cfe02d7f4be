"""Running the hostile corpus: each case in a child process under a 512 MB address-space cap.

    python tests/hostile_run.py [--cold] [DIR]   # build the corpus, run every case, print the table

:func:`run_case` measures a case (exit code, stderr, peak resident memory of that child from
``os.wait4``, seconds, files left behind); :func:`check` lists how it breaks the contract.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
LIMIT = 512 << 20  # RLIMIT_AS of every child
# A fork server: one process under the cap imports npmlp once, then forks a child per case
# that runs the CLI's main() exactly as the `npmlp` script does. A forked child starts with
# the server's resident memory as its peak (Linux copies the high-water mark), so its
# ru_maxrss compares directly with `npmlp --version` run the same way; and a case costs its
# own work, not a second of imports on a machine shared by several people.
SERVER = r"""
import json, os, sys, time, traceback
import npmlp.cli
import npmlp.data.downloads as downloads

for line in sys.stdin:
    job = json.loads(line)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    out, err = os.open(job["out"], flags, 0o600), os.open(job["err"], flags, 0o600)
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(out, 1)
            os.dup2(err, 2)
            os.chdir(job["cwd"])
            os.environ.update(job["env"])
            if job["deadline"] is not None:  # the only change to npmlp: a shorter deadline
                downloads.deadline_for = lambda n: job["deadline"]
            rc = npmlp.cli.main(job["argv"])
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 1
        except BaseException:
            traceback.print_exc()
            rc = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(rc if isinstance(rc, int) else 0)
    while True:
        got, status, usage = os.wait4(pid, os.WNOHANG)
        if got:
            break
        if time.monotonic() - t0 > job["timeout"]:
            os.kill(pid, 9)
        time.sleep(0.002)
    seconds = time.monotonic() - t0
    os.close(out)
    os.close(err)
    rc = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps({"rc": rc, "maxrss_mb": usage.ru_maxrss / 1024, "seconds": seconds, "cpu": cpu}))
    sys.stdout.flush()
"""


@dataclass
class Result:
    rc: int
    out: str
    err: str
    maxrss_mb: float
    seconds: float
    leftovers: list
    cpu: float = 0.0  # the child's user + system seconds: its work, whatever else the machine runs


# ------------------------------------------------------------------------------------ running
def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def _snapshot(folder: Path) -> dict:
    return {
        str(p.relative_to(folder)): (p.lstat().st_size if not p.is_symlink() else -1)
        for p in sorted(folder.rglob("*"))
    }


def run_argv(argv: list, env: dict, cwd: Path, timeout: float = 30) -> tuple:
    """Run ``argv`` as a plain child under the cap: ``(rc, stdout, stderr, maxrss MB, (wall s, CPU s))``."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=cwd, preexec_fn=_limit)
        timer = threading.Timer(timeout, p.kill)
        timer.start()
        _, status, usage = os.wait4(p.pid, 0)  # this child's own peak resident memory
        seconds = (time.monotonic() - t0, usage.ru_utime + usage.ru_stime)
        timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = (out.read().decode(errors="replace"), err.read().decode(errors="replace"))
    return p.returncode, *text, usage.ru_maxrss / 1024, seconds


def child_env(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NPMLP_", "PYTEST"))}
    env.update({"PYTHONPATH": str(SRC), "COLUMNS": "100"}, **(extra or {}))
    return env


class ForkServer:
    """A process under the memory cap (set by ``preexec_fn``) that runs cases in forked
    children; :meth:`run` returns ``(rc, stdout, stderr, maxrss MB, (wall s, CPU s))``."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=child_env(),
            preexec_fn=_limit,
            text=True,
        )
        self.tmp = Path(tempfile.mkdtemp(prefix="npmlp-fork-"))

    def run(self, argv, cwd, env=None, deadline=None, timeout=30.0) -> tuple:
        out, err = self.tmp / "out", self.tmp / "err"
        job = {"argv": argv, "cwd": str(cwd), "env": env or {}, "deadline": deadline}
        job.update(out=str(out), err=str(err), timeout=timeout)
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        r = json.loads(self.proc.stdout.readline())
        text = (out.read_text(errors="replace"), err.read_text(errors="replace"))
        return r["rc"], *text, r["maxrss_mb"], (r["seconds"], r["cpu"])

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        for p in self.tmp.iterdir():
            p.unlink()
        self.tmp.rmdir()


def baseline_mb(server: ForkServer, cwd: Path) -> float:
    """Peak memory of ``npmlp --version`` run like the cases: the interpreter with npmlp."""
    return server.run(["--version"], cwd)[3]


def run_case(case, root: Path, server: ForkServer) -> Result:
    folder = root / case.name
    before = _snapshot(folder)
    rc, out, err, mb, seconds = server.run(case.argv, folder, case.env, case.deadline)
    after = _snapshot(folder)
    left = sorted(set(after) - set(before)) + [k for k in before if after.get(k) != before[k]]
    return Result(rc, out, err, mb, seconds[0], left, cpu=seconds[1])


def run_all(cases: list, root: Path, workers: int = 2) -> tuple:
    """``(baseline MB, {case name: Result})``, the cases spread over ``workers`` servers."""
    servers = [ForkServer() for _ in range(workers)]
    try:
        base = baseline_mb(servers[0], root)
        todo = list(enumerate(cases))
        results = {}
        lock = threading.Lock()

        def work(server):
            while True:
                with lock:
                    if not todo:
                        return
                    _, case = todo.pop(0)
                results[case.name] = run_case(case, root, server)

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(work, servers))
        return base, results
    finally:
        for s in servers:
            s.close()


HARNESS = (  # `npmlp` as its own process, with only the download deadline shortened
    "import sys\nimport npmlp.data.downloads as d\n"
    "d.deadline_for = lambda n: float(sys.argv[1])\n"
    "from npmlp.cli import main\nsys.exit(main(sys.argv[2:]))\n"
)


def run_cold(cases: list, root: Path, workers: int = 2) -> tuple:
    """Like :func:`run_all`, each case as a process of its own (``python -m npmlp ...``) and
    the baseline ``python -m npmlp --version`` the same way: slower, the same contract."""

    def one(case):
        folder = root / case.name
        before = _snapshot(folder)
        head = [sys.executable, "-m", "npmlp"]
        if case.deadline is not None:
            head = [sys.executable, "-c", HARNESS, str(case.deadline)]
        rc, out, err, mb, seconds = run_argv([*head, *case.argv], child_env(case.env), folder)
        after = _snapshot(folder)
        left = sorted(set(after) - set(before)) + [k for k in before if after.get(k) != before[k]]
        return Result(rc, out, err, mb, seconds[0], left, cpu=seconds[1])

    base = run_argv([sys.executable, "-m", "npmlp", "--version"], child_env(), root)[3]
    with ThreadPoolExecutor(workers) as pool:
        results = dict(zip([c.name for c in cases], pool.map(one, cases), strict=True))
    return base, results


def check(case, r: Result, base: float) -> list:
    """What is wrong with a case's result (empty when it keeps the contract)."""
    problems = []
    lines = r.err.splitlines()
    if r.rc != case.rc:
        problems.append(f"exit {r.rc}, expected {case.rc}")
    if case.rc != 0:
        if len(lines) != 1 or not r.err.endswith("\n"):
            problems.append(f"{len(lines)} lines on stderr")
        elif case.rc == 2 and not re.fullmatch(
            case.expect, lines[0].removeprefix("npmlp: error: ")
        ):
            problems.append("unexpected message")
        elif case.rc != 2 and not re.fullmatch(case.expect, lines[0]):
            problems.append("unexpected message")
    elif case.stdout and not re.search(case.stdout, r.out):
        problems.append("unexpected output")
    if "Traceback" in r.err:
        problems.append("traceback")
    if r.cpu > 5 or r.seconds > 20:  # its work bounded; the wall clock only against a hang
        problems.append(f"took {r.seconds:.1f} s ({r.cpu:.1f} s of CPU)")
    if r.maxrss_mb - base > 200:
        problems.append(f"used {r.maxrss_mb - base:.0f} MB above the baseline")
    if r.leftovers:
        problems.append(f"left {r.leftovers[:3]}")
    return problems


def table(cases: list, results: dict, base: float) -> str:
    rows = [
        "| case | what | MB above baseline | seconds | exit | stderr |",
        "|---|---|---:|---:|---:|---|",
    ]
    for c in cases:
        r = results[c.name]
        line = (r.err.strip().splitlines() or [""])[-1].replace("|", "/")
        line = re.sub(r"/\S*/hostile[^/]*/", ".../", line)
        rows.append(
            f"| {c.name} | {c.what} | {r.maxrss_mb - base:.0f} | {r.seconds:.2f} | {r.rc} "
            f"| {line[:110]} |"
        )
    return "\n".join(rows)


def main(argv: list) -> int:
    from hostile_corpus import build
    from hostile_server import hostile_server

    cold = "--cold" in argv  # every case as its own process (slow on a busy machine)
    argv = [a for a in argv if a != "--cold"]
    root = Path(argv[0] if argv else tempfile.mkdtemp(prefix="hostile-"))
    root.mkdir(parents=True, exist_ok=True)
    with hostile_server() as url:
        t0 = time.monotonic()
        cases = build(root, url)
        built = time.monotonic() - t0
        base, results = (run_cold if cold else run_all)(cases, root)
        ran = time.monotonic() - t0 - built
    how = "each case its own process" if cold else "forked like the cases"
    print(
        f"built in {built:.1f} s, run in {ran:.1f} s; baseline {base:.0f} MB "
        f"(npmlp --version, {how})\n"
    )
    print(table(cases, results, base))
    bad = {c.name: check(c, results[c.name], base) for c in cases}
    bad = {k: v for k, v in bad.items() if v}
    for name, problems in bad.items():
        print(f"FAIL {name}: {'; '.join(problems)}: {results[name].err[-300:]!r}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main(sys.argv[1:]))
