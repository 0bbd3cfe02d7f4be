"""``npmlp predict``: labels or probabilities of the rows of a file."""

from __future__ import annotations

from pathlib import Path

import click

from .options import CONTEXT


@click.command(context_settings=CONTEXT)
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
    from ..data.features import read_features
    from ..model_file import load

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
