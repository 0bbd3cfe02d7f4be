"""``npmlp train``: the training job of :mod:`npmlp.job` with a progress bar and a summary.

Every default comes from :data:`npmlp.defaults.TRAIN`, the table the Python job reads too.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.core import ParameterSource

from ..data import DATA_HELP
from ..defaults import TRAIN
from ..errors import NpmlpError
from ..layers import ACTIVATIONS
from ..model import INITS
from ..optim import OPTIMIZERS, SCHEDULES
from ..preprocessing import KINDS
from ..training import MONITORS
from .options import CONTEXT, BatchSize, check_layers, fraction, positive


@click.command(context_settings=CONTEXT)
@click.option("--data", default=TRAIN["data"], show_default=True, help=DATA_HELP)
@click.option(
    "--label",
    default=None,
    help="CSV label column (name or 0-based index), or the labels file of .npy/IDX.",
)
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
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=TRAIN["seed"], show_default=True)
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
    "--resume",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Continue the stopped run of this --out folder from its checkpoint, with its settings "
    "(only --out, --quiet and --json may be added).",
)
@click.option(
    "--checkpoint-every",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    help="With --out: seconds between checkpoints (at an epoch's end, inside longer epochs, "
    "and on Ctrl-C or SIGTERM).",
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
    resume,
    checkpoint_every,
):
    """Train an MLP and report train/validation/test loss and accuracy.

    \b
    Examples:
      npmlp train                                    # digits with the defaults
      npmlp train --data wine -L 5 -H 64 --epochs 100 --out runs/wine
      npmlp train --data my.csv --label species --json
      npmlp train --data spirals:arms=3,n=600,noise=0.2 -H 64
      npmlp train --data mnist -H 128 --epochs 10    # downloaded once, then cached
      npmlp train --batch-size full --optimizer sgd --lr 0.5   # the seed's gradient descent
      npmlp train --resume runs/wine                 # after Ctrl-C, SIGTERM or a crash
    """
    from ..interrupt import Signals

    with Signals() as signals:  # from here on, Ctrl-C and SIGTERM remove what they cut short
        if resume is not None:
            _refuse_settings_with_resume(click.get_current_context())
            from ..runner import read_checkpoint

            settings, options, state = read_checkpoint(resume)
            out = resume if out is None else out
        else:
            (settings, options), state = _settings(**locals()), None
        return _run(settings, options, state, out, quiet, as_json, signals)


def _settings(
    data,
    label,
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
    seed,
    val_fraction,
    test_fraction,
    early_stopping,
    patience,
    scaling,
    dtype,
    threads,
    no_pictures,
    checkpoint_every,
    **_,
):
    from ..job import RunSettings, default_config
    from ..runner import JobOptions

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
        val_fraction=val_fraction,
        patience=patience,
        seed=seed,
        threads=threads,
        early_stopping=None if early_stopping == "off" else early_stopping,
    )
    settings = RunSettings(
        data=data,
        label=label,
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
    return settings, JobOptions(pictures=not no_pictures, checkpoint_every=checkpoint_every)


def _refuse_settings_with_resume(ctx):
    given = [
        max(p.opts, key=len)
        for p in ctx.command.params
        if p.name not in ("resume", "out", "quiet", "as_json")
        and ctx.get_parameter_source(p.name) not in (ParameterSource.DEFAULT, None)
    ]
    if given:
        raise NpmlpError(
            f"--resume takes every setting from the checkpoint; drop {', '.join(given)} "
            "(only --out, --quiet and --json go with --resume)"
        )


def _run(settings, options, state, out, quiet, as_json, signals):
    """Load the data, train (with checkpoints and the run folder when ``out``), report."""
    from rich.console import Console

    from ..data import load_dataset
    from ..health import health_warnings, loss_warnings
    from ..rundir import RunFolder
    from ..runner import check_job

    if out is not None:
        RunFolder(out).check()  # a bad --out fails before the data is loaded
    dataset = load_dataset(settings.data, label=settings.label)  # before the progress bar
    options = check_job(settings, dataset, None, options, state)  # (--out checked above)
    console = Console(stderr=True, quiet=quiet or as_json)
    done = _train_with_progress(settings, options, state, out, console, dataset, signals)
    result = done.result
    lines = health_warnings(result.history.records)
    lines += loss_warnings(result.history.records, result.net.C, settings.config.lr)
    for line in lines:
        click.echo(f"npmlp: warning: {line}", err=True)
    _print_result(result, out if done.files else None, quiet or as_json, not options.pictures)
    if as_json:
        click.echo(json.dumps(result.metrics))
    if done.signal is None:
        return 0
    epochs = len(result.history)
    if out is None:
        click.echo(f"npmlp: interrupted by {done.signal} after {epochs} epochs", err=True)
    else:
        e, b = done.saved
        at = f"after epoch {e}" + (f" and {b} batches of epoch {e + 1}" if b else "")
        click.echo(
            f"npmlp: interrupted by {done.signal}; checkpoint saved {at}: continue with "
            f"'npmlp train --resume {out}'",
            err=True,
        )
    return 128 + signals.received


def _train_with_progress(settings, options, state, out, console, dataset, signals):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ..runner import run_job

    columns = (
        TextColumn("epoch {task.completed}/{task.total}"),
        BarColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        start = 0 if state is None else state.epoch
        task = progress.add_task("train", total=settings.config.epochs, completed=start, status="")

        def on_epoch(record, net):
            status = f"loss {record['train_loss']:.4f} acc {record['train_accuracy']:.3f}"
            if record["val_loss"] is not None:
                status += f" | val loss {record['val_loss']:.4f} acc {record['val_accuracy']:.3f}"
            progress.update(task, completed=record["epoch"], status=status)

        return run_job(
            settings,
            dataset,
            out,
            options=options,
            resume=state,
            callback=on_epoch,
            signals=signals,
        )


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
        if result.history.stopped_early:
            click.echo(f"early stopping: best epoch {result.history.best_epoch} restored")
        if out is not None:
            click.echo(
                f"wrote {out}/model.npz, history.csv, metrics.json"
                + ("" if no_pictures else ", the pictures and report.html")
            )
    if not quiet and "test_accuracy" in m:
        click.echo(f"test accuracy: {m['test_accuracy']:.4f}")
