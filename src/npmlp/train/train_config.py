"""What a training run is given (:class:`TrainConfig`, validated in one place; its defaults are
:data:`npmlp.core.defaults.TRAIN`, the table ``npmlp train`` reads too) and what it gives back
(:class:`History`, one record per epoch)."""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from ..callbacks import Callback
from ..core.defaults import WEIGHT_DECAY_AUTO
from ..core.errors import NpmlpError
from ..core.settings import CONFIG, MONITORS

__all__ = [
    "TrainConfig",
    "declared",
    "History",
    "MONITORS",
    "HISTORY_COLUMNS",
    "validation_plan",
    "choose_optimizer",
    "choose_weight_decay",
]


def declared(section):
    """Give the class a dataclass field for each setting of ``section`` (its default as
    declared in :mod:`npmlp.core.settings`), and list them in its docstring."""

    def make(cls):
        own = dict(cls.__dict__.get("__annotations__", {}))
        cls.__annotations__ = {**own, **{s.name: "object" for s in section if s.name not in own}}
        for s in section:
            setattr(cls, s.name, s.default)
        lines = [f"    {s.name} = {s.default!r}: {s.help}" for s in section]
        cls.__doc__ = (cls.__doc__ or "") + "\n    Settings:\n\n" + "\n".join(lines) + "\n"
        return dataclass(cls)

    return make


@declared(CONFIG)
class TrainConfig:
    """Settings of one training run; saved in the model file's metadata. Each field, its
    default, its rule and its help are declared once in :data:`npmlp.core.settings.SETTINGS`.

    ``batch_size`` ``0`` or ``None`` means the whole training set (the seed's full-batch
    gradient descent). ``optimizer="lbfgs"`` is full-batch L-BFGS (:mod:`npmlp.train.lbfgs`: at most
    ``epochs`` iterations and ``max_fun`` loss evaluations, gradient tolerance ``min_delta``;
    no batches, schedule, dropout or early stopping, as in scikit-learn); ``auto`` is
    ``lbfgs`` on rows too few to hold out a validation split and ``adam`` otherwise
    (:func:`choose_optimizer`); ``weight_decay="auto"``: :func:`choose_weight_decay`. The
    schedules are :func:`npmlp.train.optim.learning_rate`'s; ``adaptive`` divides the rate by 5
    instead of stopping when ``patience`` runs out (:class:`npmlp.train.optim.Schedule`).
    ``early_stopping`` (``None`` or one of :data:`MONITORS`, see
    :class:`~npmlp.callbacks.EarlyStopping`) watches ``train_loss`` when the validation split
    would be under ``min_val_rows`` rows (:func:`validation_plan`).
    """

    def validate(self) -> None:
        """Raise :class:`NpmlpError` naming the first bad setting (each setting's own rule,
        then the one rule between two)."""
        for s in CONFIG:
            s.check(getattr(self, s.name))
        if self.optimizer == "lbfgs" and self.dropout:
            raise NpmlpError(
                "the lbfgs optimizer runs full-batch without dropout; use sgd or adam for "
                "dropout, or --dropout 0"
            )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        """The config of :meth:`to_dict` (or its JSON: lists where tuples were)."""
        defaults = {f.name: f.default for f in fields(cls)}
        return cls(
            **{
                k: _tupled(v) if isinstance(defaults[k], tuple) else v
                for k, v in d.items()
                if k in defaults
            }
        )


def _tupled(v):
    """Lists (a JSON round trip's) back into tuples, all the way down."""
    return tuple(_tupled(x) for x in v) if isinstance(v, (list, tuple)) else v


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
    :func:`npmlp.train.training.fit` both ask this function, so the two hold out the same rows.
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
    ``auto`` resolved (:data:`npmlp.core.defaults.WEIGHT_DECAY_AUTO`): 5e-2 for L-BFGS where the
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
    :func:`npmlp.train.train_config.validation_plan`).
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

    # Shown in a notebook: npmlp.outputs.notebook draws it (matplotlib, imported when first shown).
    def __repr__(self) -> str:
        from ..outputs.notebook import history_text

        return history_text(self)

    def _repr_html_(self) -> str:
        from ..outputs.notebook import history_html

        return history_html(self)

    def plot(self):
        """The curves of ``curves.png``: loss and accuracy per epoch (a matplotlib Figure)."""
        from ..outputs.plots.curves import plot_curves

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
