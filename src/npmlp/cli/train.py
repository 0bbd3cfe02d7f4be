"""``npmlp train``: the training job of :mod:`npmlp.job` with a progress bar and a summary.

Every default comes from :data:`npmlp.defaults.TRAIN`, the table the Python job reads too.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..data import DATA_HELP
from ..defaults import TRAIN
from ..errors import NpmlpError
from ..layers import ACTIVATIONS
from ..model import INITS
from ..optim import OPTIMIZERS, SCHEDULES
from ..preprocessing import KINDS
from ..training import MONITORS
from .options import CONTEXT, BatchSize, check_layers, fraction, positive, table_options


@click.command(context_settings=CONTEXT)
@click.option("--data", default=TRAIN["data"], show_default=True, help=DATA_HELP)
@click.option(
    "--label",
    default=None,
    help="CSV label column (name or 0-based index), or the labels file of .npy/IDX.",
)
@table_options
@click.option(
    "-L",
    "--layers",
    type=int,
    default=TRAIN["layers"],
    show_default=True,
    callback=check_layers,
    help="Number of layers L (odd, >= 3).",
)
@click.option(
    "-H",
    "--hidden",
    type=click.IntRange(min=1),
    default=TRAIN["hidden"],
    show_default=True,
    help="Hidden width H.",
)
@click.option(
    "--init",
    type=click.Choice(INITS),
    default=TRAIN["init"],
    show_default=True,
    help="Initial weights: he = N(0, 2/d_in); glorot = U(+-sqrt(6/(d_in+d_out))). Biases 0.",
)
@click.option(
    "--activation",
    type=click.Choice(tuple(ACTIVATIONS)),
    default=TRAIN["activation"],
    show_default=True,
    help="Hidden activation (the seed's is relu).",
)
@click.option("--epochs", type=click.IntRange(min=1), default=TRAIN["epochs"], show_default=True)
@click.option(
    "--batch-size",
    type=BatchSize(),
    default=str(TRAIN["batch_size"]),
    show_default=True,
    help="Rows per update; 'full' (or 0) for full-batch gradient descent.",
)
@click.option(
    "--lr",
    type=float,
    default=TRAIN["lr"],
    show_default=True,
    callback=positive,
    help="Learning rate.",
)
@click.option(
    "--optimizer", type=click.Choice(OPTIMIZERS), default=TRAIN["optimizer"], show_default=True
)
@click.option("--momentum", type=float, default=TRAIN["momentum"], show_default=True)
@click.option(
    "--schedule",
    type=click.Choice(SCHEDULES),
    default=TRAIN["schedule"],
    show_default=True,
    help="Learning-rate schedule.",
)
@click.option(
    "--weight-decay",
    type=click.FloatRange(min=0),
    default=TRAIN["weight_decay"],
    show_default=True,
    help="L2 penalty on the weights.",
)
@click.option(
    "--dropout",
    type=click.FloatRange(0, 1, max_open=True),
    default=TRAIN["dropout"],
    show_default=True,
    help="Share of hidden units zeroed at each training step (inverted dropout).",
)
@click.option("--seed", type=int, default=TRAIN["seed"], show_default=True)
@click.option(
    "--val-fraction",
    type=float,
    default=TRAIN["val_fraction"],
    show_default=True,
    callback=fraction,
)
@click.option(
    "--test-fraction",
    type=float,
    default=TRAIN["test_fraction"],
    show_default=True,
    callback=fraction,
)
@click.option(
    "--early-stopping",
    type=click.Choice(("off",) + MONITORS),
    default=TRAIN["early_stopping"],
    show_default=True,
    help="Metric to stop on (restores the best weights).",
)
@click.option(
    "--patience", type=click.IntRange(min=1), default=TRAIN["patience"], show_default=True
)
@click.option(
    "--scaling",
    type=click.Choice(KINDS),
    default=TRAIN["scaling"],
    show_default=True,
    help="Input scaling fitted on the training split.",
)
@click.option(
    "--dtype",
    type=click.Choice(("float32", "float64")),
    default=TRAIN["dtype"],
    show_default=True,
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for model.npz, history.csv, metrics.json, pictures, report.html.",
)
@click.option(
    "--no-pictures", is_flag=True, help="With --out: write no pictures and no report.html (faster)."
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the final metrics as one JSON line (the last line of stdout).",
)
@click.option("--quiet", is_flag=True, help="No progress bar or table.")
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=None,
    help="BLAS threads for training [default: 1 for small layers, else all cores].",
)
def train(
    data,
    label,
    drop,
    features,
    na_values,
    missing,
    layers,
    hidden,
    init,
    activation,
    epochs,
    batch_size,
    lr,
    optimizer,
    momentum,
    schedule,
    weight_decay,
    dropout,
    seed,
    val_fraction,
    test_fraction,
    early_stopping,
    patience,
    scaling,
    dtype,
    out,
    no_pictures,
    as_json,
    quiet,
    threads,
):
    """Train an MLP and report train/validation/test loss and accuracy.

    \b
    Examples:
      npmlp train                                    # digits with the defaults
      npmlp train --data wine -L 5 -H 64 --epochs 100 --out runs/wine
      npmlp train --data penguins.csv --label species --out runs/penguins
      npmlp train --data my.csv --label species --drop name,id --json
      npmlp train --data spirals:arms=3,n=600,noise=0.2 -H 64
      npmlp train --data mnist -H 128 --epochs 10    # downloaded once, then cached
      npmlp train --batch-size full --optimizer sgd --lr 0.5   # the seed's gradient descent
    """
    from rich.console import Console

    from ..job import RunSettings, default_config, write_run

    if early_stopping not in ("off", "train_loss") and val_fraction == 0:
        raise NpmlpError(
            "--early-stopping needs validation rows: set --val-fraction > 0 or --early-stopping off"
        )
    config = default_config(
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        optimizer=optimizer,
        momentum=momentum,
        schedule=schedule,
        weight_decay=weight_decay,
        dropout=dropout,
        val_fraction=val_fraction,
        patience=patience,
        seed=seed,
        threads=threads,
        early_stopping=None if early_stopping == "off" else early_stopping,
    )
    from ..data import TableOptions

    table = TableOptions(drop=drop, features=features, na_values=na_values, missing=missing)
    settings = RunSettings(
        data=data,
        label=label,
        table=table,
        layers=layers,
        hidden=hidden,
        activation=activation,
        init=init,
        test_fraction=test_fraction,
        scaling=scaling,
        dtype=dtype,
        seed=seed,
        config=config,
    )
    from ..data import load_dataset

    # bad data fails before the progress bar shows
    dataset = load_dataset(data, label=label, table=table)
    console = Console(stderr=True, quiet=quiet or as_json)
    result = _train_with_progress(settings, console, dataset)
    from ..health import health_warnings

    for line in health_warnings(result.history.records):
        click.echo(f"npmlp: warning: {line}", err=True)
    if out is not None:
        write_run(result, out, pictures=not no_pictures)
    _print_result(result, out, quiet or as_json, no_pictures)
    if as_json:
        click.echo(json.dumps(result.metrics))


def _train_with_progress(settings, console, dataset):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ..job import train_run

    columns = (
        TextColumn("epoch {task.completed}/{task.total}"),
        BarColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
    )
    progress = Progress(*columns, console=console, transient=False)
    tasks = []  # the bar shows from the first epoch on: an error before it is one line

    def on_epoch(record, net):
        if not tasks:
            progress.start()
            tasks.append(progress.add_task("train", total=settings.config.epochs, status=""))
        status = f"loss {record['train_loss']:.4f} acc {record['train_accuracy']:.3f}"
        if record["val_loss"] is not None:
            status += f" | val loss {record['val_loss']:.4f} acc {record['val_accuracy']:.3f}"
        progress.update(tasks[0], completed=record["epoch"], status=status)

    try:
        return train_run(settings, callback=on_epoch, dataset=dataset)
    finally:
        if tasks:
            progress.stop()


def _print_result(result, out, quiet, no_pictures=False):
    from rich.console import Console
    from rich.table import Table

    m = result.metrics
    if not quiet:
        click.echo(f"npmlp on {m['data']}: {m['epochs']} epochs, {m['n_parameters']} parameters")
        table = Table()
        for col in ("split", "loss", "accuracy"):
            table.add_column(col, justify="right" if col != "split" else "left")
        for name in ("train", "val", "test"):
            if f"{name}_loss" in m:
                table.add_row(name, f"{m[f'{name}_loss']:.4f}", f"{m[f'{name}_accuracy']:.4f}")
        Console().print(table)
        if result.net.encoder is not None:
            from ..encoding import summary_lines

            for line in summary_lines(result.net.encoder, result.extras["table_notes"]):
                click.echo(line)
        if result.history.stopped_early:
            click.echo(f"early stopping: best epoch {result.history.best_epoch} restored")
        if out is not None:
            click.echo(
                f"wrote {out}/model.npz, history.csv, metrics.json"
                + ("" if no_pictures else ", the pictures and report.html")
            )
    if not quiet:
        click.echo(f"test accuracy: {m['test_accuracy']:.4f}")
