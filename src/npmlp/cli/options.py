"""Options and checks shared by the ``npmlp`` commands."""

from __future__ import annotations

import click

from ..data.columns import MISSING
from ..encoding import NA_VALUES

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


def check_layers(ctx, param, value):
    if value is not None and (value < 3 or value % 2 == 0):
        raise click.BadParameter(
            f"L must be odd and >= 3 (FC and ReLU alternate, first and last layers are FC), "
            f"got {value}; use 3 for one hidden layer, 5 for two, ..."
        )
    return value


def fraction(ctx, param, value):
    if value is not None and not 0.0 <= value < 1.0:
        raise click.BadParameter(f"must be in [0, 1), got {value}")
    return value


def positive(ctx, param, value):
    if value is not None and value <= 0:
        raise click.BadParameter(f"must be > 0, got {value}")
    return value


def arch_options(f):
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
                callback=check_layers,
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


def _names(ctx, param, value):
    """Column names given as ``--drop a,b --drop c`` -> ("a", "b", "c"); None if not given."""
    names = tuple(n.strip() for v in value for n in v.split(",") if n.strip())
    return names if names or param.name == "drop" else None


def _na_values(ctx, param, value):
    return None if value is None else tuple(v.strip() for v in value.split(",") if v.strip())


def table_options(f):
    """``--drop``, ``--features``, ``--na-values``, ``--missing``: how a table's columns are
    chosen and read (:class:`npmlp.data.columns.TableOptions`)."""
    for opt in reversed(
        (
            click.option(
                "--drop",
                multiple=True,
                callback=_names,
                metavar="COLS",
                help="Table columns to leave out (comma-separated names; repeatable).",
            ),
            click.option(
                "--features",
                multiple=True,
                callback=_names,
                metavar="COLS",
                help="The only table columns to read as features [default: all but the label].",
            ),
            click.option(
                "--na-values",
                default=",".join(NA_VALUES),
                show_default=True,
                callback=_na_values,
                metavar="TEXTS",
                help="Texts that mean a missing value (comma-separated); an empty cell always does.",
            ),
            click.option(
                "--missing",
                type=click.Choice(MISSING),
                default="impute",
                show_default=True,
                help="Missing values: filled with the training split's median / most frequent "
                "value (stored in the model), or refused.",
            ),
        )
    ):
        f = opt(f)
    return f
