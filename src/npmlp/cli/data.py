"""``npmlp data list`` and ``npmlp data info NAME|PATH``: what data npmlp can train on."""

from __future__ import annotations

import json

import click

from .options import CONTEXT, table_options, table_settings


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
@table_options
@click.option("--json", "as_json", is_flag=True, help="Print the information as one JSON line.")
def info(spec, label, as_json, **given):
    """Shapes, class counts, value ranges and missing values of a data set or file.

    For a table (CSV), every column: its kind (number, category, text, label), missing
    values, distinct values and what 'npmlp train' would do with it, with the same options.
    """
    from ..data import describe, load_dataset

    table = table_settings(given)
    ds = load_dataset(spec, label=label, table=table, check_columns=False)
    if ds.table is not None:
        _table_info(ds, as_json)
        return
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


def _table_info(ds, as_json: bool) -> None:
    from ..data.base import describe_table

    d = describe_table(ds)
    if as_json:
        click.echo(json.dumps(d))
        return
    click.echo(f"{d['name']}: {d['source']}")
    for line in d["notes"]:
        click.echo(line)
    click.echo(
        f"{d['n_rows']} rows; features D={d['n_features']}, classes C={len(d['classes'])} "
        f"(label {d['label']!r}) after one-hot encoding"
    )
    width = min(max(8, *(len(c["name"]) + 2 for c in d["columns"])), 32)
    click.echo(f"{'column':<{width}}{'kind':<10}{'missing':>8}{'distinct':>9}  what train does")
    for c in d["columns"]:
        missing = "-" if c["missing"] is None else str(c["missing"])
        n = c["distinct"]
        distinct = "-" if c["kind"] == "-" else (">50" if n is None else str(n))
        name = c["name"] if len(c["name"]) < width - 1 else c["name"][: width - 4] + "..."
        click.echo(f"{name:<{width}}{c['kind']:<10}{missing:>8}{distinct:>9}  {c['train']}")
