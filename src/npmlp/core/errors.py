"""The project's own error types. Each message is one line: what is wrong and how to fix it.

:func:`printable` and :func:`listing` keep a message one short line whatever texts a file
puts into it (control characters escaped, long names and long lists cut with a count).
"""

from __future__ import annotations

__all__ = ["NpmlpError", "DataError", "ModelFileError", "TrainingDiverged", "printable", "listing"]


def printable(text, width: int | None = None) -> str:
    """``text`` with control characters (newlines, terminal escapes) written as ``\\n``,
    ``\\x1b``...; cut to ``width`` characters with ``...`` and the count left out."""
    text = str(text)
    cut = ""
    if width is not None and len(text) > width:
        text, cut = text[:width], f"... ({len(text) - width} more characters)"
    if text.isprintable():
        return text + cut
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text) + cut


def listing(items, limit: int = 6, width: int = 40) -> str:
    """``"a, b, c and 94 more"``: at most ``limit`` items, each :func:`printable` in ``width``."""
    items = list(items)
    shown = ", ".join(printable(v, width) for v in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


class NpmlpError(ValueError):
    """A user-facing error: bad argument, bad data, bad file. The CLI prints it and exits 2."""


class DataError(NpmlpError):
    """The data cannot be used as given (missing file, wrong shape, NaN, bad labels...)."""


class ModelFileError(NpmlpError):
    """A model file cannot be read (missing, truncated, corrupted, wrong version, pickle)."""


class TrainingDiverged(NpmlpError):
    """The loss or a parameter became non-finite; the model keeps its last finite weights.

    ``history`` holds the epochs completed before the failure.
    """

    def __init__(self, message: str, history=None):
        super().__init__(message)
        self.history = history
