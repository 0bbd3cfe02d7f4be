"""What ``npmlp train`` shows while and after it trains: the progress bar, warnings, the
table of losses and accuracies, and the line that says how to resume an interrupted run."""

from __future__ import annotations

import json

import click

__all__ = ["run_and_report", "NOT_SAVED"]

NOT_SAVED = (
    "npmlp: note: the model was not saved; add --out DIR to keep it (model.npz for "
    "'npmlp predict', the pictures and report.html)"
)


def run_and_report(settings, options, state, *, out, quiet, as_json, signals):
    """Load the data, train (with checkpoints and the run folder when ``out``), report."""
    from rich.console import Console

    from ..core.rundir import RunFolder
    from ..data import load_dataset
    from ..encoding import read_warnings
    from ..jobs.runner import check_job
    from ..train.health import health_warnings, loss_warnings

    if out is not None:
        RunFolder(out).check()  # a bad --out fails before the data is loaded
    # before the progress bar
    dataset = load_dataset(settings.data, label=settings.label, table=settings.table)
    for line in read_warnings(dataset.table) if dataset.table is not None else ():
        click.echo(f"npmlp: warning: {line}", err=True)
    options = check_job(settings, dataset, None, options, state)  # (--out checked above)
    console = Console(stderr=True, quiet=quiet or as_json)

    def shown(result):  # before the run's files (and the pictures) are written
        lbfgs = result.metrics.get("optimizer") == "lbfgs"
        lines = health_warnings(result.history.records, lbfgs=lbfgs)
        lr = None if lbfgs else settings.config.lr  # advice on the learning rate where one ran
        lines += loss_warnings(result.history.records, result.net.C, lr)
        for line in lines:
            click.echo(f"npmlp: warning: {line}", err=True)
        if not (quiet or as_json):
            _print_table(result)

    done = _train_with_progress(
        settings,
        options,
        state,
        out=out,
        console=console,
        dataset=dataset,
        signals=signals,
        shown=shown,
    )
    result = done.result
    _print_last(result, out if done.files else None, quiet or as_json, not options.pictures)
    if as_json:
        click.echo(json.dumps(result.metrics))
    if out is None and not (quiet or as_json):
        click.echo(NOT_SAVED, err=True)
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


def _train_with_progress(settings, options, state, *, out, console, dataset, signals, shown):
    """The job under a progress bar (:class:`npmlp.callbacks.ProgressBar` on stderr): one
    update per epoch (train and validation cross-entropy and accuracy); within an epoch longer
    than a quarter second, batches done, rows per second and the time left (at most: early
    stopping may end sooner)."""
    from ..callbacks import ProgressBar
    from ..jobs.runner import run_job

    bar = ProgressBar(console=console)
    return run_job(
        settings,
        dataset,
        out,
        options=options,
        resume=state,
        callbacks=[bar],
        signals=signals,
        shown=shown,
    )


def _print_table(result):
    """The run in a few lines: steps and parameters, the table of losses and accuracies, what
    the table encoder filled, early stopping."""
    from rich.console import Console
    from rich.table import Table

    m = result.metrics
    lbfgs = m.get("optimizer") == "lbfgs"
    steps = "iterations of L-BFGS" if lbfgs else f"epochs of {m.get('optimizer')}"
    click.echo(f"npmlp on {m['data']}: {m['epochs']} {steps}, {m['n_parameters']} parameters")
    table = Table()
    for col in ("split", "loss", "accuracy"):
        table.add_column(col, justify="right" if col != "split" else "left")
    for name in ("train", "val", "test"):
        if f"{name}_loss" in m:
            table.add_row(name, f"{m[f'{name}_loss']:.4f}", f"{m[f'{name}_accuracy']:.4f}")
    Console().print(table)
    if "table_notes" in result.extras:
        from ..encoding import encoder_of, summary_lines

        for line in summary_lines(encoder_of(result.net), result.extras["table_notes"]):
            click.echo(line)
    if result.history.stopped_early:
        click.echo(f"early stopping: best epoch {result.history.best_epoch} restored")


def _print_last(result, out, quiet, no_pictures=False):
    """After the files: where they are, and the test accuracy as the last line."""
    m = result.metrics
    if not quiet:
        if out is not None:
            click.echo(
                f"wrote {out}/model.npz, history.csv, metrics.json"
                + ("" if no_pictures else ", the pictures and report.html")
            )
    if not quiet and "test_accuracy" in m:
        click.echo(f"test accuracy: {m['test_accuracy']:.4f}")
