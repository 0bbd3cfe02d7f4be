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
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write the predictions to this CSV file (a header line, texts quoted as CSV needs).",
)
@click.option("--id", "id_column", help="With -o: copy this column of INPUT (a CSV) first.")
@encoding_options
def predict(*, model, input, proba, output, id_column, missing, unknown):
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
      npmlp predict runs/penguins/model.npz new.csv --id name -o predictions.csv
    """
    from ..data.columns import TableOptions
    from ..data.features import read_features, read_table_rows
    from ..encoding import encoder_of, note_lines
    from ..nn.model_file import load

    net = load(model)
    if encoder_of(net) is not None:
        options = TableOptions(missing=missing, unknown=unknown)
        X, notes = read_table_rows(input, encoder_of(net), options)
        for line in note_lines(notes):
            click.echo(f"npmlp: warning: {input}: {line}", err=True)
    else:
        X = read_features(input, net.D)
    if output is not None or id_column is not None:
        return write_predictions(output, net, X, proba, input, id_column)
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
    from ..core.errors import printable

    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow([printable(v) for v in values])
    return buf.getvalue()


def write_predictions(output, net, X, proba: bool, input, id_column) -> int:
    """``npmlp predict -o FILE``: one CSV row per row of X (N, D) under a header: the
    ``id_column`` of INPUT when asked, then ``label`` or one probability per class."""
    import csv

    from ..core.atomic import atomic_write
    from ..core.errors import DataError
    from ..data.files import read_table

    if output is None:
        raise click.UsageError("--id goes with -o FILE")
    ids = []
    if id_column is not None:
        names, rows = (None, []) if input.suffix.lower() == ".npy" else read_table(input, True)
        if id_column not in (names or ()) or len(rows) != X.shape[0]:
            raise DataError(f"{input}: no column {id_column!r} to copy with --id")
        ids = [[r[names.index(id_column)]] for r in rows]
    if proba:
        P = net.predict_proba(X)
        header, cells = [str(c) for c in net.classes], [[f"{p:.6g}" for p in r] for r in P]
    else:
        header, cells = ["label"], [[str(v)] for v in net.predict(X)]
    with atomic_write(output, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(([id_column] if ids else []) + header)
        for k, row in enumerate(cells):
            writer.writerow((ids[k] if ids else []) + row)
    click.echo(f"wrote {len(cells)} predictions to {output}", err=True)
    return 0
