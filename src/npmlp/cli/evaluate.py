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
    from ..data import load_dataset
    from ..evaluation import evaluation_report, evaluation_rows, format_report
    from ..model_file import load

    net = load(model)
    ds = load_dataset(data, label=label)
    X, y = evaluation_rows(net, ds, data, split)
    result = evaluation_report(net, X, y)
    click.echo(json.dumps(result) if as_json else format_report(result))
