"""The ``npmlp`` command line.

Every user error (missing file, bad flag value, data that cannot be used) is printed as one line
``npmlp: error: ...`` on stderr with exit code 2 and no traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import numpy as np

from . import __version__
from .data import DATA_HELP
from .errors import NpmlpError
from .model import INITS
from .optim import OPTIMIZERS, SCHEDULES
from .preprocessing import KINDS
from .training import MONITORS, TrainConfig

CONTEXT = {"help_option_names": ["--help"], "max_content_width": 100}


class BatchSize(click.ParamType):
    """A positive integer, or ``full`` / ``0`` for the whole training set."""

    name = "N|full"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            n = value
        elif str(value).lower() == "full":
            return 0
        else:
            try:
                n = int(value)
            except ValueError:
                self.fail(
                    f"{value!r} is not a batch size; give a positive integer or 'full'", param, ctx
                )
        if n < 0:
            self.fail(f"{n} is negative; give a positive integer or 'full'", param, ctx)
        return n


def _check_layers(ctx, param, value):
    if value is not None and (value < 3 or value % 2 == 0):
        raise click.BadParameter(
            f"L must be odd and >= 3 (FC and ReLU alternate, first and last layers are FC), "
            f"got {value}; use 3 for one hidden layer, 5 for two, ..."
        )
    return value


def _fraction(ctx, param, value):
    if value is not None and not 0.0 <= value < 1.0:
        raise click.BadParameter(f"must be in [0, 1), got {value}")
    return value


def _positive(ctx, param, value):
    if value is not None and value <= 0:
        raise click.BadParameter(f"must be > 0, got {value}")
    return value


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="npmlp")
def cli():
    """npmlp: a multilayer perceptron in NumPy with hand-derived backpropagation.

    \b
    Examples:
      npmlp train                          # digits, defaults, prints test accuracy
      npmlp train --data iris -H 32 --out runs/iris
      npmlp evaluate runs/iris/model.npz --data iris
      npmlp summary -D 64 -H 256 -L 3 -C 10 -N 32
    """


# --------------------------------------------------------------------------------------- train
@cli.command(context_settings=CONTEXT)
@click.option("--data", default="digits", show_default=True, help=DATA_HELP)
@click.option(
    "--label",
    default=None,
    help="CSV label column (name or 0-based index), or the labels file of .npy/IDX.",
)
@click.option(
    "-L",
    "--layers",
    type=int,
    default=3,
    show_default=True,
    callback=_check_layers,
    help="Number of layers L (odd, >= 3).",
)
@click.option(
    "-H",
    "--hidden",
    type=click.IntRange(min=1),
    default=256,
    show_default=True,
    help="Hidden width H.",
)
@click.option(
    "--init",
    type=click.Choice(INITS),
    default="he",
    show_default=True,
    help="Initial weights: he = N(0, 2/d_in); glorot = U(+-sqrt(6/(d_in+d_out))). Biases 0.",
)
@click.option("--epochs", type=click.IntRange(min=1), default=60, show_default=True)
@click.option(
    "--batch-size",
    type=BatchSize(),
    default="64",
    show_default=True,
    help="Rows per update; 'full' (or 0) for full-batch gradient descent.",
)
@click.option(
    "--lr", type=float, default=2e-3, show_default=True, callback=_positive, help="Learning rate."
)
@click.option("--optimizer", type=click.Choice(OPTIMIZERS), default="adam", show_default=True)
@click.option("--momentum", type=float, default=0.9, show_default=True)
@click.option(
    "--schedule",
    type=click.Choice(SCHEDULES),
    default="constant",
    show_default=True,
    help="Learning-rate schedule.",
)
@click.option(
    "--weight-decay",
    type=click.FloatRange(min=0),
    default=1e-3,
    show_default=True,
    help="L2 penalty on the weights.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--val-fraction", type=float, default=0.1, show_default=True, callback=_fraction)
@click.option("--test-fraction", type=float, default=0.2, show_default=True, callback=_fraction)
@click.option(
    "--early-stopping",
    type=click.Choice(("off",) + MONITORS),
    default="val_loss",
    show_default=True,
    help="Metric to stop on (restores the best weights).",
)
@click.option("--patience", type=click.IntRange(min=1), default=15, show_default=True)
@click.option(
    "--scaling",
    type=click.Choice(KINDS),
    default="standard",
    show_default=True,
    help="Input scaling fitted on the training split.",
)
@click.option(
    "--dtype", type=click.Choice(("float32", "float64")), default="float32", show_default=True
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
    layers,
    hidden,
    init,
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
    """
    from rich.console import Console

    from .run import RunSettings, write_run

    if early_stopping != "off" and val_fraction == 0:
        raise NpmlpError(
            "--early-stopping needs validation rows: set --val-fraction > 0 or --early-stopping off"
        )
    config = TrainConfig(
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
        init=init,
        test_fraction=test_fraction,
        scaling=scaling,
        dtype=dtype,
        seed=seed,
        config=config,
    )
    from .data import load_dataset

    dataset = load_dataset(data, label=label)  # bad data fails before the progress bar shows
    console = Console(stderr=True, quiet=quiet or as_json)
    result = _train_with_progress(settings, console, dataset)
    from .health import health_warnings

    for line in health_warnings(result.history.records):
        click.echo(f"npmlp: warning: {line}", err=True)
    if out is not None:
        write_run(result, out, pictures=not no_pictures)
    _print_result(result, out, quiet or as_json, no_pictures)
    if as_json:
        click.echo(json.dumps(result.metrics))


def _train_with_progress(settings, console, dataset):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .run import train_run

    columns = (
        TextColumn("epoch {task.completed}/{task.total}"),
        BarColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("train", total=settings.config.epochs, status="")

        def on_epoch(record, net):
            status = f"loss {record['train_loss']:.4f} acc {record['train_accuracy']:.3f}"
            if record["val_loss"] is not None:
                status += f" | val loss {record['val_loss']:.4f} acc {record['val_accuracy']:.3f}"
            progress.update(task, completed=record["epoch"], status=status)

        return train_run(settings, callback=on_epoch, dataset=dataset)


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
    if not quiet:
        click.echo(f"test accuracy: {m['test_accuracy']:.4f}")


# ------------------------------------------------------------------------------------ evaluate
@cli.command(context_settings=CONTEXT)
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--data", required=True, help="As for 'npmlp train --data'.")
@click.option(
    "--label",
    default=None,
    help="CSV label column (name or 0-based index), or the labels file of .npy/IDX.",
)
@click.option(
    "--split",
    type=click.Choice(("all", "test")),
    default="all",
    show_default=True,
    help="'test': only the test rows that 'npmlp train' held out for this model.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON line.")
def evaluate(model, data, label, split, as_json):
    """Accuracy, loss, per-class precision/recall and confusion matrix of a saved model.

    The whole data set is evaluated (its test part if the file gives one); with
    --split test, only the rows 'npmlp train' held out as its test split.

    \b
    Examples:
      npmlp evaluate runs/demo/model.npz --data digits
      npmlp evaluate runs/demo/model.npz --data digits --split test
    """
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    from .data import load_dataset
    from .files import load

    net = load(model)
    ds = load_dataset(data, label=label)
    X, y = (ds.X_test, ds.y_test) if ds.X_test is not None else (ds.X, ds.y)
    if split == "test" and ds.X_test is None:
        X, y = _held_out_test_rows(net, ds, data)
    if X.shape[1] != net.D:
        raise NpmlpError(f"{data} has {X.shape[1]} features but the model expects D={net.D}")
    y_idx = net.encode_labels(y)
    ev = net.evaluate(X, y_idx)
    pred = net.encode_labels(net.predict(X))
    labels = np.arange(net.C)
    prec, rec, f1, support = precision_recall_fscore_support(
        y_idx, pred, labels=labels, zero_division=0
    )
    cm = confusion_matrix(y_idx, pred, labels=labels)
    names = [str(c) for c in net.classes]
    result = {
        "accuracy": ev["accuracy"],
        "loss": ev["loss"],
        "n": int(len(y_idx)),
        "per_class": {
            n: {"precision": float(p), "recall": float(r), "support": int(s)}
            for n, p, r, s in zip(names, prec, rec, support)
        },
        "confusion_matrix": cm.tolist(),
        "classes": names,
    }
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"accuracy: {ev['accuracy']:.4f}  loss: {ev['loss']:.4f}  rows: {len(y_idx)}")
    click.echo(f"{'class':<12} {'precision':>9} {'recall':>7} {'support':>7}")
    for n, p, r, s in zip(names, prec, rec, support):
        click.echo(f"{n:<12} {p:>9.3f} {r:>7.3f} {s:>7d}")
    click.echo("confusion matrix (rows: true, columns: predicted):")
    width = max(len(str(cm.max())), max(len(n) for n in names)) + 1
    click.echo(" " * 12 + "".join(f"{n:>{width}}" for n in names))
    for n, row in zip(names, cm):
        click.echo(f"{n:<12}" + "".join(f"{v:>{width}d}" for v in row))


def _held_out_test_rows(net, ds, data):
    """The rows ``train_run`` held out as the test split of ``net``'s run, from its metadata."""
    from .data.streaming import subset_rows
    from .run import split_dataset

    split = net.metadata.get("split")
    if not split:
        raise NpmlpError(
            "this model file does not record its training split (it was not written by "
            "'npmlp train'); use --split all"
        )
    if net.metadata.get("data") != data:
        raise NpmlpError(
            f"--split test needs the data the model was trained on "
            f"(--data {net.metadata.get('data')}), got --data {data}"
        )
    _, test_idx = split_dataset(ds, split["test_fraction"], split["seed"])
    return subset_rows(ds.X, test_idx), ds.y[test_idx]


# ------------------------------------------------------------------------------------- predict
@cli.command(context_settings=CONTEXT)
@click.argument("model", type=click.Path(path_type=Path))
@click.argument("input", type=click.Path(path_type=Path))
@click.option("--proba", is_flag=True, help="Print class probabilities instead of labels.")
def predict(model, input, proba):
    """Predict the labels of the rows of INPUT (.csv or .npy with D feature columns).

    A CSV may have a header; a column named label/target/class/y is ignored.

    \b
    Examples:
      npmlp predict runs/demo/model.npz rows.csv
      npmlp predict runs/demo/model.npz rows.npy --proba > proba.csv
    """
    from .files import load
    from .predict_input import read_features

    net = load(model)
    X = read_features(input, net.D)
    if proba:
        P = net.predict_proba(X)
        click.echo(",".join(str(c) for c in net.classes))
        for row in P:
            click.echo(",".join(f"{p:.6g}" for p in row))
    else:
        for label in net.predict(X):
            click.echo(str(label))


# ------------------------------------------------------------------------------------- summary
def _arch_options(f):
    for opt in reversed(
        (
            click.option(
                "-D", "D", type=click.IntRange(min=1), required=True, help="Input size D."
            ),
            click.option(
                "-H", "H", type=click.IntRange(min=1), required=True, help="Hidden width H."
            ),
            click.option(
                "-L",
                "L",
                type=int,
                required=True,
                callback=_check_layers,
                help="Layers L (odd, >= 3).",
            ),
            click.option("-C", "C", type=click.IntRange(min=2), required=True, help="Classes C."),
            click.option(
                "-N",
                "N",
                type=click.IntRange(min=1),
                default=1,
                show_default=True,
                help="Batch size N.",
            ),
        )
    ):
        f = opt(f)
    return f


@cli.command(context_settings=CONTEXT)
@_arch_options
def summary(D, H, L, C, N):
    """Shapes of every variable of the seed's forward and backward graph, and the parameters.

    \b
    Example:
      npmlp summary -D 784 -H 512 -L 5 -C 10 -N 256
    """
    from .graph import summarise

    click.echo(str(summarise(D, H, L, C, N)))


# ----------------------------------------------------------------------------------- gradcheck
@cli.command(context_settings=CONTEXT)
@click.option("-D", "D", type=click.IntRange(min=1), default=6, show_default=True)
@click.option("-H", "H", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("-L", "L", type=int, default=5, show_default=True, callback=_check_layers)
@click.option("-C", "C", type=click.IntRange(min=2), default=4, show_default=True)
@click.option("-N", "N", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--threshold", type=float, default=1e-6, show_default=True, callback=_positive)
@click.option(
    "--max-entries",
    type=click.IntRange(min=1),
    default=40,
    show_default=True,
    help="Entries checked per tensor (sampled beyond this).",
)
def gradcheck(D, H, L, C, N, seed, threshold, max_entries):
    """Check the backward pass against central finite differences (float64).

    Builds a random MLP and random data, prints the max relative error per tensor and exits
    1 if any exceeds the threshold.

    \b
    Example:
      npmlp gradcheck -D 20 -H 16 -L 7 -C 5 -N 32
    """
    from .gradcheck import gradcheck as run_check
    from .model import MLP

    net = MLP(D, H, L, C, dtype=np.float64, seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    report = run_check(net, X, y, threshold=threshold, max_entries=max_entries, seed=seed)
    click.echo(str(report))
    if not report.passed:
        raise click.exceptions.Exit(1)


from .cli_data import data  # noqa: E402  (npmlp data list / info)
from .cli_graph import graph  # noqa: E402  (the graph command lives in its own module)

cli.add_command(data)
cli.add_command(graph)
cli.add_command(__import__("npmlp.cli_playground", fromlist=["playground"]).playground)


# ----------------------------------------------------------------------------------------- main
def main(argv=None) -> int:
    """Entry point: run the CLI, turning user errors into one line and exit code 2."""
    try:
        # Overflow in a diverging run is reported by the trainer itself, in one line.
        with np.errstate(over="ignore", invalid="ignore"):
            rv = cli.main(args=argv, prog_name="npmlp", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("npmlp: interrupted", err=True)
        return 130
    except click.ClickException as e:
        hint = ""
        if isinstance(e, click.UsageError) and e.ctx is not None:
            hint = f" (see '{e.ctx.command_path} --help')"
        click.echo(f"npmlp: error: {e.format_message()}{hint}", err=True)
        return 2
    except NpmlpError as e:
        click.echo(f"npmlp: error: {e}", err=True)
        return 2
    except OSError as e:
        click.echo(f"npmlp: error: {e.filename or ''}: {e.strerror or e}", err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("npmlp: interrupted", err=True)
        return 130
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
