"""One training job from data to files: what ``npmlp train`` does, usable from Python too.

:func:`train_run` loads the data, splits it (:mod:`npmlp.data.splits`: stratified train /
validation / test, a given test set respected), fits the scaling on the training split only,
trains (:func:`npmlp.train.training.fit`), and evaluates every split. A table (CSV, DataFrame) is
encoded by a :class:`~npmlp.encoding.TableEncoder` fitted on the training split only too
(one-hot categories, missing values filled), stored with the model. :func:`write_run` writes
``model.npz``, ``history.csv`` and ``metrics.json`` atomically, then the pictures
(:mod:`npmlp.outputs.plots`) and ``report.html`` (:mod:`npmlp.outputs.report`).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ..core.atomic import atomic_write
from ..core.defaults import TRAIN
from ..core.errors import DataError
from ..core.labels import check_class_count, encode_labels
from ..core.rows import subset_rows
from ..core.settings import RUN
from ..data import Dataset, TableOptions, load_dataset
from ..data.splits import hold_out, split_dataset
from ..encoding import fit_and_encode
from ..nn.model import MLP
from ..nn.model_file import save
from ..nn.preprocessing import Preprocessing
from ..train.health import HealthMonitor
from ..train.train_config import History, TrainConfig, choose_optimizer, declared, validation_plan
from ..train.training import fit

__all__ = ["RunSettings", "RunResult", "train_run", "write_run", "default_config"]


def default_config(**changes) -> TrainConfig:
    """The optimisation settings of ``npmlp train`` with ``changes``: ``TrainConfig(**changes)``,
    whose defaults are :data:`npmlp.core.defaults.TRAIN`."""
    return TrainConfig(**changes)


@declared(RUN)
class RunSettings:
    """What ``npmlp train`` takes. ``config`` holds the optimisation settings; ``data`` is a
    name, a path or a pandas DataFrame; ``table`` chooses and reads a table's columns; the
    network and the split are declared in :data:`npmlp.core.settings.SETTINGS`."""

    data: str = TRAIN["data"]
    label: str | None = None
    config: TrainConfig = field(default_factory=default_config)
    table: TableOptions = field(default_factory=TableOptions)

    def validate(self) -> None:
        """Raise :class:`NpmlpError` naming the first bad setting (:mod:`npmlp.core.settings`)."""
        for s in RUN:
            s.check(getattr(self, s.name))
        self.config.validate()

    def to_dict(self) -> dict:
        """JSON-ready settings (a checkpoint keeps them); :meth:`from_dict` reads them back."""
        d = asdict(self)
        d["hidden"] = list(self.hidden) if isinstance(self.hidden, tuple) else self.hidden
        return d

    @classmethod
    def from_dict(cls, d: dict) -> RunSettings:
        d = dict(d)
        hidden = d.get("hidden", TRAIN["hidden"])
        d["hidden"] = tuple(hidden) if isinstance(hidden, list) else hidden
        d["config"] = TrainConfig.from_dict(d.get("config", {}))
        table = {k: tuple(v) if isinstance(v, list) else v for k, v in d.get("table", {}).items()}
        d["table"] = TableOptions(**table)
        return cls(**{k: v for k, v in d.items() if k in {f.name for f in fields(cls)}})


@dataclass(repr=False)
class RunResult:
    settings: RunSettings
    dataset: Dataset
    net: MLP
    history: History
    metrics: dict
    splits: dict  # name -> (X, y_idx)
    # "boundary": the BoundaryRecorder (2-D data); "table_notes": cells filled, values unseen
    extras: dict = field(default_factory=dict)

    # Shown in a notebook: npmlp.outputs.notebook draws it (matplotlib, imported when first shown).
    def __repr__(self) -> str:
        from ..outputs.notebook import run_text

        return run_text(self)

    def _repr_html_(self) -> str:
        """The run's report card: metrics, the confusion matrix, the curves."""
        from ..outputs.notebook import run_html

        return run_html(self)


def train_run(
    s: RunSettings,
    callbacks=(),
    dataset: Dataset | None = None,
    *,
    resume=None,
) -> RunResult:
    """Run the whole job; raises :class:`~npmlp.core.errors.NpmlpError` on bad input.

    ``callbacks`` hear the training loop's events (:mod:`npmlp.callbacks`), after the job's
    own: the health monitor and, for 2-D data, the boundary frames. ``resume`` (a
    :class:`~npmlp.train.checkpoint.TrainState` of a run with the same settings, and callbacks that
    keep the same state) goes to :func:`~npmlp.train.training.fit`.
    """
    s.validate()
    ds = dataset or load_dataset(s.data, label=s.label, table=s.table)
    splits, encoder, table_notes = _split(s, ds)
    X_train, y_train = splits["train"]
    net = MLP(
        X_train.shape[1],
        s.hidden,
        s.layers,
        len(ds.classes),
        dtype=s.dtype,
        seed=s.seed,
        init=s.init,
        activation=s.activation,
    )
    net.classes, net.encoder = ds.classes, encoder
    net.preprocessing = Preprocessing.fit(s.scaling, X_train)  # training split only
    X_val, y_val = splits.get("val", (None, None))
    watchers, extras = _watchers(net, X_train, y_train, s.config, X_val is not None)
    if table_notes is not None:
        extras["table_notes"] = table_notes
    t0 = time.perf_counter()
    history = fit(
        net,
        X_train,
        y_train,
        s.config,
        X_val=X_val,
        y_val=y_val,
        callbacks=[*watchers, *callbacks],
        resume=resume,
    )
    metrics = _metrics(
        s, ds, net, history, splits, seconds=time.perf_counter() - t0, table_notes=table_notes
    )
    net.metadata.update(
        {
            "data": s.data if isinstance(s.data, str) else ds.name,
            "label": s.label,
            "scaling": s.scaling,
            "split": {"test_fraction": s.test_fraction, "seed": s.seed},
            "target_names": ds.target_names,
            "image_shape": ds.image_shape,
            "metrics": {k: v for k, v in metrics.items() if k.endswith(("_loss", "_accuracy"))},
        }
    )
    return RunResult(s, ds, net, history, metrics, splits, extras)


def _split(s: RunSettings, ds: Dataset):
    """``({"train", "val" (when held out), "test": (X, y class indices)}, encoder,
    table_notes)``: the test rows, then the validation rows (none if too few,
    :func:`~npmlp.train.train_config.validation_plan`), held out before the scaling is fitted; a
    table's raw columns encoded as fitted on the training split only."""
    classes = ds.classes
    _check_classes(ds, classes, s.data if isinstance(s.data, str) else ds.name)
    train_idx, test_idx = split_dataset(ds, s.test_fraction, s.seed)
    y_all = encode_labels(classes, ds.y)
    # subset_rows: a lazy view of the rows when X is streamed from disk, else a copy
    X_train, y_train = subset_rows(ds.X, train_idx), y_all[train_idx]
    if ds.X_test is not None:
        X_test, y_test = ds.X_test, encode_labels(classes, ds.y_test)
    else:
        X_test, y_test = subset_rows(ds.X, test_idx), y_all[test_idx]
    X_val = y_val = None
    val_fraction, _ = validation_plan(s.config, len(y_train))
    if val_fraction > 0:
        (X_train, y_train, _), (X_val, y_val, _) = hold_out(
            X_train, y_train, None, val_fraction, s.seed
        )
    if len(y_train) < len(classes):
        raise DataError(
            f"{ds.name}: the splits leave {len(y_train)} training rows for "
            f"{len(classes)} classes; give more rows (at least one per class) or "
            "lower --test-fraction / --val-fraction"
        )
    encoder = table_notes = None
    if ds.table is not None:
        encoder, X_train, (X_val, X_test), table_notes = fit_and_encode(
            ds.table, X_train, [X_val, X_test]
        )
    splits = {"train": (X_train, y_train), "test": (X_test, y_test)}
    if X_val is not None:
        splits["val"] = (X_val, y_val)
    return splits, encoder, table_notes


def _metrics(s, ds, net, history, splits, *, seconds, table_notes) -> dict:
    """The run's ``metrics.json``: loss and accuracy of every split, then what ran."""
    metrics = {"data": ds.name}
    for name in ("train", "val", "test"):
        if name in splits and len(splits[name][1]):
            ev = net.evaluate(*splits[name], indices=True)
            metrics[f"{name}_loss"], metrics[f"{name}_accuracy"] = ev["loss"], ev["accuracy"]
    metrics.update(
        {
            "epochs": len(history),
            "best_epoch": history.best_epoch,
            "early_stopping": history.monitor,
            "stopped_early": history.stopped_early,
            "optimizer": history.optimizer_name,
            "weight_decay": history.weight_decay,
            "n_parameters": net.n_params,
            "train_seconds": seconds,
            "n_train": int(len(splits["train"][1])),
            "n_test": int(len(splits["test"][1])),
            "architecture": net.arch.to_dict(),
            "seed": s.seed,
        }
    )
    if table_notes is not None:  # cells filled and values unseen in training, per column
        metrics["imputed"] = table_notes["missing"]
        metrics["unseen"] = {k: sum(v.values()) for k, v in table_notes["unseen"].items()}
    return metrics


def _check_classes(ds: Dataset, classes, where: str) -> None:
    """Refuse a label of numbers that are nearly all distinct (a quantity, not classes) and
    more classes than the rows can teach (:func:`~npmlp.core.labels.check_class_count`)."""
    N, C = len(ds.y), len(classes)
    check_class_count(N, C, where)
    if classes.dtype.kind in "iuf" and C > 20 and C > N / 2:
        column = ds.extra.get("label_column", "label")
        raise DataError(
            f"{ds.name}: the label column {column!r} holds {C} distinct numbers in {N} rows: "
            "this looks like a number to predict (regression), not classes; npmlp sorts rows "
            "into classes: choose another column with --label, or bin the numbers into a few "
            "classes"
        )


def _watchers(net, X_train, y_train, config, has_val):
    """The job's callbacks: health (always), boundary frames (2-D data); and the extras."""
    B = config.batch_size or len(y_train)
    updates = math.ceil(len(y_train) / B)
    if choose_optimizer(config, len(y_train), has_val=has_val) == "lbfgs":
        updates = 1  # one step per iteration
    watchers = [HealthMonitor(net, X_train, y_train, updates, seed=config.seed)]
    extras = {}
    if net.D == 2:  # matplotlib is imported for the frames of 2-D data only
        from ..outputs.plots import boundary_recorder

        extras["boundary"] = boundary_recorder(net, X_train, config.epochs)
        watchers.append(extras["boundary"])
    return watchers, extras


def write_run(result: RunResult, out: Path, pictures: bool = True) -> list[Path]:
    """Write the run's files into ``out`` (created if needed); returns their paths.

    With ``pictures`` (the default) also the pictures of :func:`npmlp.outputs.plots.write_pictures`
    and ``report.html``, which embeds them.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "model.npz", out / "history.csv", out / "metrics.json"]
    save(result.net, written[0])
    with atomic_write(written[1], "w", newline="") as f:
        result.history.write_csv(f)
    with atomic_write(written[2], "w") as f:
        json.dump(result.metrics, f, indent=2)
        f.write("\n")
    if pictures:
        from ..outputs.plots import write_pictures
        from ..outputs.report import write_report

        images = write_pictures(result, out)
        written += images + [write_report(result, out / "report.html", images)]
    return written
