"""What a training run is given (:class:`TrainConfig`, validated in one place; its defaults are
:data:`npmlp.defaults.TRAIN`, the table ``npmlp train`` reads too) and what it gives back
(:class:`History`, one record per epoch)."""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from .callbacks import Callback
from .defaults import TRAIN, WEIGHT_DECAY_AUTO
from .errors import NpmlpError
from .optim import OPTIMIZERS, SCHEDULES
from .threads import check_threads

__all__ = [
    "TrainConfig",
    "History",
    "MONITORS",
    "HISTORY_COLUMNS",
    "validation_plan",
    "choose_optimizer",
    "choose_weight_decay",
]

MONITORS = ("val_loss", "val_accuracy", "train_loss", "train_objective")


@dataclass
class TrainConfig:
    """Settings of one training run; saved in the model file's metadata.

    batch_size : rows per update; ``0`` or ``None`` means the whole training set (full-batch
        gradient descent, the seed's method).
    optimizer : one of ``sgd``, ``momentum``, ``nesterov``, ``adam`` (``beta1``, ``beta2``,
        ``epsilon``) or ``lbfgs`` (full-batch L-BFGS, :mod:`npmlp.lbfgs`: at most ``epochs``
        iterations and ``max_fun`` loss evaluations, gradient tolerance ``min_delta``; no
        batches, schedule, dropout or early stopping, as in scikit-learn); ``auto`` (the
        default) is ``lbfgs`` on rows too few to hold out a validation split and ``adam``
        otherwise (:func:`npmlp.train_config.choose_optimizer`).
    weight_decay : L2 penalty ``weight_decay/2 * sum ||W||^2`` (biases excluded); ``auto``
        (the default) is 5e-2 when L-BFGS runs on rows too few to hold out a validation split
        and 1e-3 otherwise (:data:`npmlp.defaults.WEIGHT_DECAY_AUTO`,
        :func:`choose_weight_decay`).
    schedule : ``constant``, ``step`` (times ``gamma`` every ``step_size`` epochs),
        ``cosine`` (to ``min_lr`` at the last epoch), or scikit-learn's ``invscaling``
        (``lr / (t + 1) ** power_t``, t the rows seen, counted from ``samples_seen``) and
        ``adaptive`` (divided by 5 instead of stopping when ``patience`` runs out, until it is
        below 1e-6).
    dropout : share of every hidden layer's units zeroed at each training step (inverted
        dropout: the others are scaled by ``1 / (1 - dropout)``; no dropout at prediction).
    val_fraction : share of the training rows held out (stratified) when no validation set is
        given.
    min_val_rows : a held-out share smaller than this many rows is not held out (its
        accuracy moves in steps too coarse to stop on); early stopping on a validation
        quantity then watches ``train_loss`` (see :func:`npmlp.train_config.validation_plan`).
    early_stopping : ``None`` or the record entry to monitor, one of :data:`MONITORS`; see
        :class:`~npmlp.callbacks.EarlyStopping` (``patience`` epochs, possibly ``inf``,
        ``min_delta`` as its ``tol``, ``restore_best``).
    threads : BLAS threads during training; ``None`` picks one thread for small layers and the
        library's default otherwise (see :mod:`npmlp.threads`).
    """

    epochs: int = TRAIN["epochs"]
    batch_size: int | None = TRAIN["batch_size"]
    lr: float = TRAIN["lr"]
    optimizer: str = TRAIN["optimizer"]
    momentum: float = TRAIN["momentum"]
    nesterov: bool = TRAIN["nesterov"]
    beta1: float = TRAIN["beta1"]
    beta2: float = TRAIN["beta2"]
    epsilon: float = TRAIN["epsilon"]
    max_fun: int = TRAIN["max_fun"]
    dropout: float = TRAIN["dropout"]
    weight_decay: float | str = TRAIN["weight_decay"]
    schedule: str = TRAIN["schedule"]
    step_size: int = TRAIN["step_size"]
    gamma: float = TRAIN["gamma"]
    min_lr: float = TRAIN["min_lr"]
    power_t: float = TRAIN["power_t"]
    samples_seen: int = TRAIN["samples_seen"]
    shuffle: bool = TRAIN["shuffle"]
    val_fraction: float = TRAIN["val_fraction"]
    min_val_rows: int = TRAIN["min_val_rows"]
    early_stopping: str | None = TRAIN["early_stopping"]
    patience: int = TRAIN["patience"]
    min_delta: float = TRAIN["min_delta"]
    restore_best: bool = TRAIN["restore_best"]
    threads: int | None = TRAIN["threads"]
    seed: int | None = TRAIN["seed"]

    def validate(self) -> None:
        """Raise :class:`NpmlpError` naming the first bad setting."""
        if not isinstance(self.epochs, int) or self.epochs < 1:
            raise NpmlpError(f"epochs must be an integer >= 1, got {self.epochs!r}")
        if self.batch_size is not None and (
            not isinstance(self.batch_size, int) or self.batch_size < 0
        ):
            raise NpmlpError(
                f"batch size must be >= 1 (or 0 for the full training set), got {self.batch_size!r}"
            )
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            raise NpmlpError(f"learning rate must be a positive number, got {self.lr!r}")
        if self.optimizer not in OPTIMIZERS:
            raise NpmlpError(
                f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}"
            )
        if self.schedule not in SCHEDULES:
            raise NpmlpError(
                f"unknown schedule {self.schedule!r}; choose one of {', '.join(SCHEDULES)}"
            )
        wd = self.weight_decay
        if wd != "auto" and not (isinstance(wd, (int, float)) and math.isfinite(wd) and wd >= 0):
            raise NpmlpError(f"weight decay must be 'auto' or a number >= 0, got {wd!r}")
        if not 0.0 <= self.val_fraction < 1.0:
            raise NpmlpError(f"validation fraction must be in [0, 1), got {self.val_fraction}")
        if self.early_stopping is not None and self.early_stopping not in MONITORS:
            raise NpmlpError(
                f"early stopping monitors one of {', '.join(MONITORS)}, got {self.early_stopping!r}"
            )
        check_threads(self.threads)
        if not self.patience >= 1:
            raise NpmlpError(f"patience must be >= 1 epoch, got {self.patience}")
        if not isinstance(self.min_val_rows, int) or self.min_val_rows < 0:
            raise NpmlpError(f"min_val_rows must be an integer >= 0, got {self.min_val_rows!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise NpmlpError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if self.optimizer == "lbfgs" and self.dropout:
            raise NpmlpError(
                "the lbfgs optimizer runs full-batch without dropout; use sgd or adam for "
                "dropout, or --dropout 0"
            )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


HISTORY_COLUMNS = (
    "epoch",
    "lr",
    "train_loss",
    "train_accuracy",
    "val_loss",
    "val_accuracy",
    "l2_penalty",
    "train_objective",
    "seconds",
)


# ------------------------------------------------------------ what a config means for N rows
def validation_plan(config: TrainConfig, n_rows: int) -> tuple[float, str | None]:
    """``(validation fraction, early-stopping monitor)`` used for ``n_rows`` training rows.

    A validation split of ``ceil(val_fraction * n_rows)`` rows is held out unless that is fewer
    than ``config.min_val_rows``: then none is, and a monitor of validation rows
    (``val_loss``, ``val_accuracy``) becomes ``train_loss``. ``npmlp train`` and
    :func:`npmlp.training.fit` both ask this function, so the two hold out the same rows.
    """
    fraction, monitor = config.val_fraction, config.early_stopping
    if _too_few_to_hold_out(config, n_rows):
        fraction = 0.0
        if monitor is not None and monitor.startswith("val_"):
            monitor = "train_loss"
    return fraction, monitor


def choose_optimizer(config: TrainConfig, n_rows: int, has_val: bool = False) -> str:
    """The optimiser that trains ``n_rows`` rows: ``config.optimizer``, with ``auto`` resolved.

    ``auto`` is full-batch ``lbfgs`` when :func:`validation_plan` finds the rows too few to hold
    out a validation split (and none is given, and no dropout is asked), ``adam`` otherwise:
    on the smallest sets a deterministic full-batch method beats noisy mini-batches
    (docs/defaults.md measures it).
    """
    if config.optimizer != "auto":
        return config.optimizer
    too_few = _too_few_to_hold_out(config, n_rows)
    return "lbfgs" if too_few and not has_val and not config.dropout else "adam"


def choose_weight_decay(config: TrainConfig, solver: str, n_rows: int) -> float:
    """The L2 penalty when ``solver`` trains ``n_rows`` rows: ``config.weight_decay``, with
    ``auto`` resolved (:data:`npmlp.defaults.WEIGHT_DECAY_AUTO`): 5e-2 for L-BFGS where the
    rows are too few to hold out a validation split, 1e-3 otherwise."""
    if config.weight_decay != "auto":
        return float(config.weight_decay)
    few = solver == "lbfgs" and _too_few_to_hold_out(config, n_rows)
    return WEIGHT_DECAY_AUTO["lbfgs on few rows" if few else "others"]


def _too_few_to_hold_out(config: TrainConfig, n_rows: int) -> bool:
    """A validation share is asked for, but it would be fewer than ``min_val_rows`` rows."""
    fraction = config.val_fraction
    return 0 < fraction and math.ceil(fraction * n_rows) < config.min_val_rows


@dataclass(repr=False)
class History(Callback):
    """Per-epoch records; ``train_*`` are running means over the epoch's batches.

    The first callback of every training loop: it records each epoch's logs (the dict itself,
    so columns that later callbacks add are in it) and keeps them in checkpoints.

    ``best_epoch`` is the epoch whose weights the model holds at the end when early stopping
    restored them (else the last epoch); ``stopped_early`` tells whether patience ran out;
    ``monitor`` is the quantity early stopping watched (see
    :func:`npmlp.train_config.validation_plan`).
    """

    records: list[dict] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    interrupted: bool = False  # stopped inside the run by a signal or a batch callback
    best_value: float | None = None  # of the early-stopping monitor, when there is one
    no_improvement: int = 0  # epochs without improvement at the end (the monitor's patience count)
    solver: dict = field(default_factory=dict)  # lbfgs: scipy's iterations, evaluations, status
    optimizer: object = None  # the optimiser, with its state, to continue (partial_fit)
    optimizer_name: str | None = None  # the one that ran (``auto`` resolved)
    weight_decay: float | None = None  # the L2 penalty that ran (``auto`` resolved)
    monitor: str | None = None

    order = -100

    def on_epoch_end(self, loop, logs: dict) -> None:
        self.records.append(logs)
        self.best_epoch = logs["epoch"]

    def state(self) -> dict:
        return {
            "records": [dict(r) for r in self.records],
            "best_epoch": self.best_epoch,
            "stopped_early": self.stopped_early,
            "best_value": self.best_value,
        }

    def load_state(self, state: dict) -> None:
        self.records = [dict(r) for r in state["records"]]
        self.best_epoch, self.stopped_early = state["best_epoch"], state["stopped_early"]
        self.best_value = state["best_value"]

    def column(self, name: str) -> np.ndarray:
        return np.array([r.get(name, np.nan) for r in self.records], dtype=float)

    def __len__(self) -> int:
        return len(self.records)

    # Shown in a notebook: npmlp.notebook draws it (matplotlib, imported when first shown).
    def __repr__(self) -> str:
        from .notebook import history_text

        return history_text(self)

    def _repr_html_(self) -> str:
        from .notebook import history_html

        return history_html(self)

    def plot(self):
        """The curves of ``curves.png``: loss and accuracy per epoch (a matplotlib Figure)."""
        from .plots.curves import plot_curves

        return plot_curves(self)

    def to_frame(self):
        """The records as a pandas DataFrame, one row per epoch, indexed by ``epoch``."""
        import pandas as pd

        return pd.DataFrame.from_records(self.records).set_index("epoch")

    def write_csv(self, f) -> None:
        """Write the records as CSV to an open text file (one row per epoch)."""
        extra = [k for r in self.records[:1] for k in r if k not in HISTORY_COLUMNS]
        writer = csv.DictWriter(
            f, fieldnames=list(HISTORY_COLUMNS) + extra, restval="", lineterminator="\n"
        )
        writer.writeheader()
        for r in self.records:
            writer.writerow({k: ("" if v is None else v) for k, v in r.items()})
