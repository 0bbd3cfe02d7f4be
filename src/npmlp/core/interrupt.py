"""Ctrl-C (SIGINT) and SIGTERM during a job: finish the batch, save, exit ``128 + signal``.

:class:`Signals` installs one handler for both signals for the length of a ``with`` block.
Inside :meth:`Signals.deferred` (the training loop) the first signal only records itself in
:attr:`Signals.received`; the loop looks at it after each batch (through the ``checkpoint``
callable of :func:`npmlp.train.training.fit`), saves a checkpoint and the run's files, and the
command exits 130 (SIGINT) or 143 (SIGTERM). Anywhere else (loading data, writing the files)
and at a second signal, the handler raises :class:`Interrupted` at once, so that ``finally``
blocks remove temporary files on the way out. :meth:`Signals.blocked` holds both signals back
for the few system calls that must not be cut in two (swapping a run folder into place).

A leaf module: it imports nothing from npmlp.
"""

from __future__ import annotations

import contextlib
import signal
import threading

__all__ = ["Signals", "Interrupted", "SIGNALS"]

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """Raised by the handler, like ``KeyboardInterrupt``, for SIGINT and SIGTERM."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)
        self.hint = ""  # what the user can do next (the command adds it)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class Signals:
    """SIGINT / SIGTERM handlers for a ``with`` block. A signal the process was started to
    ignore stays ignored; outside the main thread (where Python cannot install handlers) this
    is a no-op."""

    def __init__(self):
        self.received: int | None = None  # the first signal received while deferred
        self._defer = False
        self._held = 0  # depth of blocked() blocks
        self._pending: int | None = None  # a signal that came inside blocked()
        self._old: dict = {}

    def __enter__(self) -> Signals:
        if threading.current_thread() is threading.main_thread():
            for s in SIGNALS:
                if signal.getsignal(s) is not signal.SIG_IGN:  # nohup, `cmd &` in a script
                    self._old[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for s, handler in self._old.items():
            signal.signal(s, handler)
        self._old.clear()

    def _handle(self, signum, frame) -> None:
        if self._defer and self.received is None:
            self.received = signum  # the loop stops after this batch
            return
        if self._held:  # raised when the block ends
            self._pending = self._pending or signum
            return
        raise Interrupted(signum)

    @property
    def name(self) -> str | None:
        """``"SIGINT"`` or ``"SIGTERM"`` once one was received while deferred."""
        return None if self.received is None else signal.Signals(self.received).name

    @contextlib.contextmanager
    def deferred(self):
        """Inside: the first signal is recorded, not raised."""
        self._defer = True
        try:
            yield self
        finally:
            self._defer = False

    @contextlib.contextmanager
    def blocked(self):
        """Inside: both signals wait; they are handled (and raise) when the block ends.

        The mask keeps them from the main thread; a signal sent to the process can still be
        taken by another thread (OpenBLAS's workers), and Python then runs the handler in the
        main thread all the same: the handler only notes it while a block is open."""
        old = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            signal.pthread_sigmask(signal.SIG_SETMASK, old)  # one that waited is handled here
            if not self._held and self._pending is not None:
                signum, self._pending = self._pending, None
                raise Interrupted(signum)
