"""How many threads the BLAS library (NumPy's matrix products) may use while training, and
how many it has now (prediction deals its chunks out to that many workers: npmlp.nn.inference).

An MLP step is a handful of matrix products. A large product runs faster on every core, but a
small one (the digits set: 64 x 64 times 64 x 256) finishes in microseconds, and waking and
joining a second thread then costs more than the product; on a busy machine it can cost ten
times more. So by default (``threads=None``) training uses **one** BLAS thread when the largest
product of a step has fewer than :data:`SMALL_STEP` multiply-adds, and the library's own setting
otherwise. ``threads=n`` sets exactly ``n`` (``npmlp train --threads n``). The setting is
restored when training ends (threadpoolctl).
"""

from __future__ import annotations

import contextlib
import sys

from .settings import SETTINGS

__all__ = ["blas_threads", "blas_thread_count", "training_threads", "check_threads", "SMALL_STEP"]

SMALL_STEP = 1 << 22  # multiply-adds of the largest product below which one thread is faster


def check_threads(threads) -> None:
    """Raise :class:`NpmlpError` unless ``threads`` is ``None`` or an integer >= 1 (the
    declared rule of the setting, :mod:`npmlp.core.settings`)."""
    SETTINGS["threads"].check(threads)


def training_threads(arch, B: int, threads: int | None = None):
    """BLAS threads for training ``arch`` (an :class:`~npmlp.core.architecture.Architecture`) with
    batches of ``B`` rows: ``threads``, or the default above.

    Returns ``None`` to leave the library's own setting unchanged.
    """
    check_threads(threads)
    if threads is not None:
        return threads
    largest = max(B * d_in * d_out for _, d_in, d_out in arch.fc_layers)
    return 1 if largest < SMALL_STEP else None


_controller, _modules_seen = None, 0


def _blas():
    """threadpoolctl's view of the loaded libraries. Scanning them takes about 20 ms, so it is
    done again only when modules were imported since (one may have loaded another BLAS, as
    SciPy's linear algebra does)."""
    global _controller, _modules_seen
    if _controller is None or len(sys.modules) != _modules_seen:
        from threadpoolctl import ThreadpoolController

        _controller, _modules_seen = ThreadpoolController(), len(sys.modules)
    return _controller


def blas_threads(n: int | None):
    """Context manager: limit the BLAS libraries to ``n`` threads (``None``: no change)."""
    if n is None:
        return contextlib.nullcontext()
    return _blas().limit(limits=n, user_api="blas")


def blas_thread_count() -> int:
    """The threads the BLAS libraries may use now: the most any of them is set to (1 if none
    is loaded). Reads their current setting, a limit in force included."""
    libs = _blas().select(user_api="blas").lib_controllers
    return max((lib.num_threads for lib in libs), default=1)
