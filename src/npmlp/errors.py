"""The project's own error types. Each message is one line: what is wrong and how to fix it."""

from __future__ import annotations

__all__ = ["NpmlpError", "DataError", "ModelFileError", "TrainingDiverged"]


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
