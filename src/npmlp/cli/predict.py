"""``npmlp predict``: labels or probabilities of the rows of a file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import click

from .options import CONTEXT, encoding_options


@click.command(context_settings=CONTEXT)
@click.argument("model", type=click.Path(path_type=Path))
@click.argument("input", type=click.Path(path_type=Path))
@click.option("--proba", is_flag=True, help="Print class probabilities instead of labels.")
@encoding_options
def predict(model, input, proba, missing, unknown):
    """Predict the labels of the rows of INPUT (.csv or .npy), one CSV cell per row.

    Labels are quoted where CSV needs it, their control characters escaped (\\n, \\x1b).

    A model trained on a table reads its columns by name from a CSV with a header, in any
    order; other columns (the label's too) are ignored. Text columns are one-hot encoded and
    missing values filled as in training. Other models read D feature columns; a column named
    label/target/class/y is ignored.

    \b
    Examples:
      npmlp predict runs/penguins/model.npz penguins.csv
      npmlp predict runs/demo/model.npz rows.npy --proba > proba.csv
    """
    from ..data.columns import TableOptions
    from ..data.features import read_features, read_table_rows
    from ..encoding import encoder_of, note_lines
    from ..model_file import load

    net = load(model)
    if encoder_of(net) is not None:
        options = TableOptions(missing=missing, unknown=unknown)
        X, notes = read_table_rows(input, encoder_of(net), options)
        for line in note_lines(notes):
            click.echo(f"npmlp: warning: {input}: {line}", err=True)
    else:
        X = read_features(input, net.D)
    if proba:
        P = net.predict_proba(X)
        click.echo(csv_row(net.classes))
        for row in P:
            click.echo(",".join(f"{p:.6g}" for p in row))
    else:
        for label in net.predict(X):
            click.echo(csv_row([label]))


def csv_row(values) -> str:
    """One CSV line of ``values``: control characters escaped (a newline or a terminal escape
    in a label cannot break a row or drive the terminal), quoted where CSV needs it."""
    from ..errors import printable

    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow([printable(v) for v in values])
    return buf.getvalue()
