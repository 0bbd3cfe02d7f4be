"""``npmlp data list`` and ``npmlp data info NAME|PATH``: what data npmlp can train on."""

from __future__ import annotations

import json

import click

from .options import CONTEXT


@click.group(context_settings=CONTEXT)
def data():
    """The data sets npmlp knows and what is inside a data set or file.

    \b
    Examples:
      npmlp data list
      npmlp data info spirals:arms=4
      npmlp data info my.csv --label species
    """


@data.command("list", context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per set, one per line.")
def list_(as_json):
    """Named data sets (name, size, classes, features, source) and the file forms accepted."""
    from rich.console import Console
    from rich.table import Table

    from ..data.registry import FILE_FORMS, entries
    from ..data.synthetic import SPEC_HELP

    rows = entries()
    if as_json:
        for e in rows:
            click.echo(json.dumps(e.__dict__))
        return
    table = Table(title="npmlp data sets (--data NAME)")
    for col in ("name", "kind", "rows", "classes", "features", "source", "description"):
        table.add_column(
            col,
            justify="right" if col in ("rows", "classes", "features") else "left",
            overflow="fold",
        )
    for e in rows:
        table.add_row(
            e.name, e.kind, str(e.rows), str(e.classes), str(e.features), e.source, e.description
        )
    console = Console(width=max(Console().width, 120))
    console.print(table)
    click.echo(f"synthetic sets take settings: {SPEC_HELP} (rows shown are the default n)")
    click.echo("files (--data PATH):")
    for form, what in FILE_FORMS:
        click.echo(f"  {form:<30} {what}")


@data.command(context_settings=CONTEXT)
@click.argument("spec", metavar="NAME|PATH")
@click.option(
    "--label",
    default=None,
    help="CSV label column (name or 0-based index), or the labels file of .npy/IDX.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the information as one JSON line.")
def info(spec, label, as_json):
    """Shapes, class counts, value ranges and missing values of a data set or file."""
    from ..data import describe, load_dataset

    ds = load_dataset(spec, label=label)
    d = describe(ds)
    if as_json:
        click.echo(json.dumps(d))
        return
    click.echo(f"{d['name']}: {d['source']}")
    click.echo(
        f"features D={d['n_features']}, classes C={len(d['classes'])}"
        + (
            f", images {d['image_shape'][0]}x{d['image_shape'][1]}"
            if d["image_shape"] and len(d["image_shape"]) == 2
            else ""
        )
        + (" (streamed from disk)" if d["streamed"] else "")
    )
    for part, p in d["parts"].items():
        click.echo(
            f"{part}: X {tuple(p['X_shape'])} {p['X_dtype']}, y {tuple(p['y_shape'])}, "
            f"values in [{p['min']:.6g}, {p['max']:.6g}], rows with missing values: "
            f"{p['rows_with_missing']}"
        )
        counts = ", ".join(f"{k}: {v}" for k, v in p["class_counts"].items())
        click.echo(f"  class counts: {counts}")
