"""SIGINT, SIGTERM and SIGKILL at random moments of ``npmlp train --out DIR``.

After each signal DIR holds one whole run (the previous one or the new one, never a mix), the
handled signals leave no temporary file or lock, and ``--resume DIR`` ends with the weights and
history of the run left alone, bit for bit (see ``tests/kill_support.py``). 30 trials per
signal (``NPMLP_KILL_TRIALS`` changes it), about 2.5 min on 2 cores: marked slow, run by
``make test-full`` (and CI), not by ``make test``;
``benchmarks/kill_trials.py`` runs the same trials and prints the table.
"""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kill_support import Harness

TRIALS = int(os.environ.get("NPMLP_KILL_TRIALS", "30"))
MOMENTS = ("uniform", "checkpoint", "uniform", "files", "uniform")

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the trials fork")


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    return Harness(tmp_path_factory.mktemp("kill"))


@pytest.mark.slow
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGKILL"])
def test_a_signal_at_any_moment_leaves_one_whole_run_and_resumes_bit_identical(harness, sig):
    rng = random.Random(f"{sig}-{TRIALS}")
    seen = []
    for n in range(TRIALS):
        result = harness.trial(n + 100 * len(sig), sig, MOMENTS[n % len(MOMENTS)], rng)
        seen.append(result)
        assert result["identical"]
    if TRIALS >= 3:  # the trials reached the interesting places
        assert {r["then"] for r in seen} & {"resumed"}


def test_a_signal_while_npmlp_starts_is_one_line_and_exit_130_or_143(tmp_path):
    """A real ``python -m npmlp`` process: the signal lands in the imports or, once the command
    runs (0.15 s here: scikit-learn is imported only to load the data), while it loads the
    data; one line either way."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    for delay, sig in ((0.15, signal.SIGINT), (0.6, signal.SIGINT), (0.4, signal.SIGTERM)):
        p = subprocess.Popen(
            [sys.executable, "-m", "npmlp", "train", "--out", str(tmp_path / "run")],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        time.sleep(delay)
        p.send_signal(sig)
        _, err = p.communicate(timeout=60)
        assert p.returncode == 128 + sig, delay
        assert err in ("npmlp: interrupted\n", f"npmlp: interrupted by {sig.name}\n"), delay
    assert os.listdir(tmp_path) == []
