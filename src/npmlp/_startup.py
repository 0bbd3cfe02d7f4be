"""Ctrl-C while ``npmlp`` starts (its imports take a second or two): one line, exit 130.

Python turns a SIGINT into ``KeyboardInterrupt`` wherever it lands; during the imports that
run before :func:`npmlp.cli.main`, nothing could catch it cleanly (NumPy even turns it into an
``ImportError`` with a page of advice). So when the process is the ``npmlp`` command (the
console script or ``python -m npmlp``), :func:`quiet_interrupt` holds SIGINT back while the
imports run (the handler only notes it) and then prints ``npmlp: interrupted`` and exits 130.
Imported as a library, npmlp leaves signals alone. A leaf module.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

__all__ = ["quiet_interrupt", "is_command"]


def is_command() -> bool:
    """True when this process is the ``npmlp`` command (not a program importing npmlp)."""
    argv = list(getattr(sys, "orig_argv", ()))
    by_module = any(a == "-m" and b == "npmlp" for a, b in zip(argv, argv[1:]))
    return by_module or os.path.basename(sys.argv[0]) == "npmlp"


@contextlib.contextmanager
def quiet_interrupt():
    """Inside, a SIGINT to the ``npmlp`` command is noted; at the end it exits 130."""
    if (
        not is_command()
        or threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    noted = []
    signal.signal(signal.SIGINT, lambda signum, frame: noted.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if noted:
        sys.stderr.write("npmlp: interrupted\n")
        raise SystemExit(130)
