"""``npmlp evaluate``: the report of :mod:`npmlp.evaluation` for a saved model."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .options import CONTEXT


@click.command(context_settings=CONTEXT)
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--data", required=True, help="As for 'npmlp train --data'.")
@click.option(
    "--label",
    default=None,
    help="CSV label column (name or 0-based index), or the labels file of .npy/IDX.",
)
@click.option(
    "--split",
    type=click.Choice(("auto", "test", "all")),
    default="auto",
    show_default=True,
    help="Rows to score. test: those the model did not train on (the test rows 'npmlp "
    "train' held out, or the data's own test part); all: every row; auto: test when the "
    "model records its split of this data (or the data has a test part), else all.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON line.")
def evaluate(model, data, label, split, as_json):
    """Accuracy, loss, per-class precision/recall and confusion matrix of a saved model.

    By default only rows the model did not train on are scored; the first line (or the
    "scored" entry of --json) says which rows were.

    \b
    Examples:
      npmlp evaluate runs/demo/model.npz --data digits              # its test rows
      npmlp evaluate runs/demo/model.npz --data digits --split all  # every row
    """
    from ..data import load_dataset
    from ..evaluation import evaluation_report, evaluation_rows, format_report
    from ..model_file import load

    net = load(model)
    ds = load_dataset(data, label=label)
    rows = evaluation_rows(net, ds, data, split)
    result = {"scored": rows.what, **evaluation_report(net, rows.X, rows.y)}
    click.echo(json.dumps(result) if as_json else format_report(result))
