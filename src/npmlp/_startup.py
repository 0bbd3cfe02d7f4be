"""Ctrl-C or SIGTERM while ``npmlp`` starts (its imports take a second or two): one line.

Python turns a SIGINT into ``KeyboardInterrupt`` wherever it lands; during the imports that
run before :func:`npmlp.cli.main`, nothing could catch it cleanly (NumPy even turns it into an
``ImportError`` with a page of advice). So when the process is the ``npmlp`` command (the
console script or ``python -m npmlp``), :func:`hold_interrupts`, called first thing by the
package, makes SIGINT and SIGTERM only be noted; :func:`release_interrupts`, called first
thing by ``main``, puts the usual handlers back and returns the signal that came, if one did
(``main`` then prints ``npmlp: interrupted`` and exits 130 or 143). Imported as a library,
npmlp leaves signals alone.
(The first few milliseconds of the interpreter's own start-up stay Python's.) A leaf module.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

__all__ = ["hold_interrupts", "release_interrupts", "is_command"]

_noted: list[int] = []


def is_command() -> bool:
    """True when this process is the ``npmlp`` command (not a program importing npmlp)."""
    argv = list(getattr(sys, "orig_argv", ()))
    by_module = any(a == "-m" and b == "npmlp" for a, b in zip(argv, argv[1:]))
    return by_module or os.path.basename(sys.argv[0]) == "npmlp"


def _note(signum, frame) -> None:
    _noted.append(signum)


_USUAL = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}


def hold_interrupts() -> None:
    """In the ``npmlp`` command, note SIGINT and SIGTERM instead of acting on them, until
    ``main`` runs (a signal the process was started to ignore stays ignored)."""
    if is_command() and threading.current_thread() is threading.main_thread():
        for signum, usual in _USUAL.items():
            if signal.getsignal(signum) is usual:
                signal.signal(signum, _note)


def release_interrupts() -> int | None:
    """The usual handlers back (where :func:`hold_interrupts` set its own); the first signal
    that came in between, or None."""
    for signum, usual in _USUAL.items():
        if signal.getsignal(signum) is _note:
            signal.signal(signum, usual)
    return _noted[0] if _noted else None
