"""How much memory this process may still take, and the one size check of a network against it.

:func:`check_fits` refuses, in one line with the figures, a size (in bytes) that exceeds
:func:`available`: the smaller of the machine's ``MemAvailable`` (``/proc/meminfo``) and what
the process's address-space limit (``RLIMIT_AS``) leaves. :class:`~npmlp.nn.model.MLP` calls it
for its parameters with their training copies, :class:`~npmlp.nn.workspace.Workspace` for a
batch's buffers, so every network (command line, checkpoint, estimator, playground) is checked
before anything is allocated. A leaf module (it imports only :mod:`npmlp.core.errors`).
"""

from __future__ import annotations

import resource

from .errors import NpmlpError

__all__ = ["available", "check_fits", "human_bytes", "TRAINING_COPIES"]

# the weights, their gradients, up to three optimiser arrays each (Adam: m, v and a scratch),
# early stopping's best weights and the epoch's first weights (checkpoints)
TRAINING_COPIES = 7


def human_bytes(n: int) -> str:
    """``1536`` -> ``"1.5 KB"`` (powers of 1024)."""
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1024 or unit == "PB":
            return f"{n} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PB"  # pragma: no cover


def _meminfo(key: str) -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def _address_space_left() -> int | None:
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            used = next(int(ln.split()[1]) * 1024 for ln in f if ln.startswith("VmSize:"))
    except (OSError, ValueError, StopIteration):
        used = 0
    return max(0, soft - used)


def available() -> int | None:
    """Bytes this process can still allocate, or None where nothing says (not Linux)."""
    known = [v for v in (_meminfo("MemAvailable"), _address_space_left()) if v is not None]
    return min(known) if known else None


def check_fits(nbytes: int, what: str, fix: str) -> None:
    """Raise :class:`NpmlpError` when ``nbytes`` exceeds :func:`available`:
    ``"<what> needs <n>, more than the <m> this machine has free; <fix>"``."""
    free = available()
    if free is not None and nbytes > free:
        raise NpmlpError(
            f"{what} needs {human_bytes(nbytes)}, more than the {human_bytes(free)} this "
            f"machine has free; {fix}"
        )
