"""What ``npmlp train`` shows while and after it trains: the progress bar, warnings, the
table of losses and accuracies, and the line that says how to resume an interrupted run."""

from __future__ import annotations

import json

import click

__all__ = ["run_and_report"]


def run_and_report(settings, options, state, out, quiet, as_json, signals):
    """Load the data, train (with checkpoints and the run folder when ``out``), report."""
    from rich.console import Console

    from ..data import load_dataset
    from ..health import health_warnings, loss_warnings
    from ..rundir import RunFolder
    from ..runner import check_job

    if out is not None:
        RunFolder(out).check()  # a bad --out fails before the data is loaded
    # before the progress bar
    dataset = load_dataset(settings.data, label=settings.label, table=settings.table)
    options = check_job(settings, dataset, None, options, state)  # (--out checked above)
    console = Console(stderr=True, quiet=quiet or as_json)
    done = _train_with_progress(settings, options, state, out, console, dataset, signals)
    result = done.result
    lbfgs = result.metrics.get("optimizer") == "lbfgs"
    lines = health_warnings(result.history.records, lbfgs=lbfgs)
    lr = None if lbfgs else settings.config.lr  # advice on the learning rate where one ran
    lines += loss_warnings(result.history.records, result.net.C, lr)
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
    """The job under a progress bar, shown from the first report on (an error before it is
    one line): one update per epoch (train and validation cross-entropy and accuracy); within
    an epoch longer than a quarter second, batches done, rows per second and the time left (at
    most: early stopping may end sooner)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Column

    from ..runner import run_job

    total = settings.config.epochs
    columns = (
        TextColumn(f"epoch {{task.fields[epoch]}}/{total}", table_column=Column(no_wrap=True)),
        BarColumn(bar_width=12),
        TextColumn(  # a narrow terminal cuts the status, not the epoch or the time left
            "{task.fields[status]}",
            table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1),
        ),
        TextColumn("ETA", table_column=Column(no_wrap=True)),
        TimeRemainingColumn(table_column=Column(no_wrap=True)),
    )
    progress = Progress(*columns, console=console, transient=False, refresh_per_second=4)
    tasks, last = [], {"status": ""}

    def task():
        if not tasks:
            progress.start()
            start = 0 if state is None else state.epoch
            tasks.append(
                progress.add_task("train", total=total, completed=start, status="", epoch=start)
            )
        return tasks[0]

    def on_batch(epoch, done, n_batches, rows, seconds):
        status = f"batch {done}/{n_batches} {rows / seconds:,.0f} rows/s" + last["status"]
        progress.update(task(), completed=epoch - 1 + done / n_batches, status=status, epoch=epoch)

    def on_epoch(record, net):
        status = f"loss {record['train_loss']:.4f} acc {record['train_accuracy']:.3f}"
        if record["val_loss"] is not None:
            status += f" | val loss {record['val_loss']:.4f} acc {record['val_accuracy']:.3f}"
        val = record["val_accuracy"]  # the last epoch's, shown beside the next one's batches
        last["status"] = f" | acc {record['train_accuracy']:.3f}" + (
            "" if val is None else f" val {val:.3f}"
        )
        progress.update(task(), completed=record["epoch"], status=status, epoch=record["epoch"])

    try:
        return run_job(
            settings,
            dataset,
            out,
            options=options,
            resume=state,
            callback=on_epoch,
            signals=signals,
            on_batch=on_batch,
        )
    finally:
        if tasks:
            progress.stop()


def _print_result(result, out, quiet, no_pictures=False):
    from rich.console import Console
    from rich.table import Table

    m = result.metrics
    if not quiet:
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
        if out is not None:
            click.echo(
                f"wrote {out}/model.npz, history.csv, metrics.json"
                + ("" if no_pictures else ", the pictures and report.html")
            )
    if not quiet and "test_accuracy" in m:
        click.echo(f"test accuracy: {m['test_accuracy']:.4f}")
