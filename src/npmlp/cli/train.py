"""``npmlp train``: the training job of :mod:`npmlp.job` with a progress bar and a summary.

Every default comes from :data:`npmlp.defaults.TRAIN`, the table the Python job reads too.
"""

from __future__ import annotations

from pathlib import Path

import click
from click.core import ParameterSource

from ..data import DATA_HELP
from ..defaults import TRAIN, WEIGHT_DECAY_AUTO
from ..errors import NpmlpError
from ..layers import ACTIVATIONS
from ..model import INITS
from ..optim import OPTIMIZERS, SCHEDULES
from ..preprocessing import KINDS
from ..training import MONITORS
from .options import (
    CONTEXT,
    BatchSize,
    WeightDecay,
    Widths,
    check_layers,
    fraction,
    layers_for,
    positive,
    table_options,
    table_settings,
)
from .train_report import run_and_report


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
    default=None,
    callback=check_layers,
    help=f"Number of layers L (odd, >= 3) [default: {TRAIN['layers']}, or 2 x the widths of "
    "-H + 1].",
)
@click.option(
    "-H",
    "--hidden",
    type=Widths(),
    default=str(TRAIN["hidden"]),
    show_default=True,
    help="Hidden width H, or one width per hidden layer: 64,32.",
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
    "--optimizer",
    type=click.Choice(OPTIMIZERS),
    default=TRAIN["optimizer"],
    show_default=True,
    help="auto: full-batch L-BFGS when the training rows are too few for a validation split "
    "(--val-fraction of them under --min-val-rows), else Adam.",
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
    type=WeightDecay(),
    default=TRAIN["weight_decay"],
    show_default=True,
    help="L2 penalty on the weights; auto: "
    f"{WEIGHT_DECAY_AUTO['lbfgs on few rows']:g} when L-BFGS runs on rows too few for a "
    f"validation split, else {WEIGHT_DECAY_AUTO['others']:g}.",
)
@click.option(
    "--dropout",
    type=click.FloatRange(0, 1, max_open=True),
    default=TRAIN["dropout"],
    show_default=True,
    help="Share of hidden units zeroed at each training step (inverted dropout).",
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
    default=TRAIN["early_stopping"] or "off",
    show_default=True,
    help="Quantity to stop on when it stops improving for --patience epochs.",
)
@click.option(
    "--patience", type=click.IntRange(min=1), default=TRAIN["patience"], show_default=True
)
@click.option(
    "--restore-best/--keep-last",
    default=TRAIN["restore_best"],
    show_default=True,
    help="After early stopping, put back the weights of the best epoch, or keep the last.",
)
@click.option(
    "--min-val-rows",
    type=click.IntRange(min=0),
    default=TRAIN["min_val_rows"],
    show_default=True,
    help="A validation split smaller than this is not held out; early stopping then "
    "watches the training loss.",
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
def train(**given):
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
      npmlp train --resume runs/wine                 # after Ctrl-C, SIGTERM or a crash
    """
    from ..interrupt import Signals

    resume, out = given["resume"], given["out"]
    with Signals() as signals:  # from here on, Ctrl-C and SIGTERM remove what they cut short
        if resume is not None:
            _refuse_settings_with_resume(click.get_current_context())
            from ..runner import read_checkpoint

            settings, options, state = read_checkpoint(resume)
            out = resume if out is None else out
        else:
            (settings, options), state = _settings(table_settings(given), **given), None
        quiet, as_json = given["quiet"], given["as_json"]
        return run_and_report(settings, options, state, out, quiet, as_json, signals)


def _settings(
    table,
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
    dropout,
    seed,
    val_fraction,
    test_fraction,
    early_stopping,
    patience,
    restore_best,
    min_val_rows,
    scaling,
    dtype,
    threads,
    no_pictures,
    checkpoint_every,
    **_,
):
    from ..job import RunSettings, default_config
    from ..runner import JobOptions

    if early_stopping.startswith("val_") and val_fraction == 0:
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
        restore_best=restore_best,
        min_val_rows=min_val_rows,
        seed=seed,
        threads=threads,
        early_stopping=None if early_stopping == "off" else early_stopping,
    )
    settings = RunSettings(
        data=data,
        label=label,
        table=table,
        layers=layers_for(layers, hidden, TRAIN["layers"]),
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
