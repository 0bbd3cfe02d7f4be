"""Options and checks shared by the ``npmlp`` commands."""

from __future__ import annotations

import math
from pathlib import Path

import click

from ..encoding import MAX_CATEGORIES, MIN_FREQUENCY, MISSING, NA_VALUES, UNKNOWN
from . import CONTEXT  # noqa: F401  (the commands' settings, for the commands to import here)


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


class WeightDecay(click.ParamType):
    """``auto`` or a number >= 0."""

    name = "auto|FLOAT"

    def convert(self, value, param, ctx):
        if value == "auto":
            return value
        try:
            wd = float(value)
        except (TypeError, ValueError):
            wd = math.nan
        if not (math.isfinite(wd) and wd >= 0):
            self.fail(f"{value!r} is not a weight decay; give 'auto' or a number >= 0", param, ctx)
        return wd


class Widths(click.ParamType):
    """Hidden widths: one for every hidden layer (``256``) or one per hidden layer (``64,32``).

    Gives an int or a tuple of ints, as :class:`npmlp.MLP`'s ``H`` takes them.
    """

    name = "H[,H...]"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, tuple)):
            return value
        try:
            widths = tuple(int(part) for part in str(value).split(","))
        except ValueError:
            self.fail(
                f"{value!r} is not a width; give an integer >= 1, or one per hidden layer "
                "separated by commas (64,32)",
                param,
                ctx,
            )
        if min(widths) < 1:
            self.fail(f"hidden widths must be >= 1, got {value}", param, ctx)
        return widths[0] if len(widths) == 1 else widths


def layers_for(L: int | None, H, default: int) -> int:
    """The layer count of ``-L L -H H``: L when given (it must fit H's widths), else
    ``2 * len(H) + 1`` for several widths, else ``default``."""
    if isinstance(H, tuple):
        if L is not None and L != 2 * len(H) + 1:
            raise click.UsageError(
                f"-H gives {len(H)} hidden widths but -L {L} has {(L - 1) // 2} hidden layers; "
                f"drop -L or give -L {2 * len(H) + 1}"
            )
        return 2 * len(H) + 1
    return default if L is None else L


def arch_options(f):
    """``[MODEL]`` or ``-D -H -L -C``, and ``-N``: the network of ``summary`` and ``graph``."""
    for opt in reversed(
        (
            click.argument(
                "model", required=False, type=click.Path(dir_okay=False, path_type=Path)
            ),
            click.option("-D", "D", type=click.IntRange(min=1), help="Input size D."),
            click.option(
                "-H", "H", type=Widths(), help="Hidden width H, or one per hidden layer: 64,32."
            ),
            click.option(
                "-L",
                "L",
                type=int,
                callback=check_layers,
                help="Layers L (odd, >= 3) [default: 3, or 2 x the widths of -H + 1].",
            ),
            click.option("-C", "C", type=click.IntRange(min=2), help="Classes C."),
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


def network_of(model, D, H, L, C) -> tuple[int, object, int, int, str]:
    """``(D, H, L, C, title)`` from a saved model or from ``-D -H -L -C``; one of the two."""
    given = [f"-{k}" for k, v in (("D", D), ("H", H), ("L", L), ("C", C)) if v is not None]
    if model is not None:
        if given:
            raise click.UsageError(f"give a saved model or {', '.join(given)}, not both")
        from ..model_file import load

        net = load(model)
        a = net.arch
        return a.D, a.H, a.L, a.C, f"{model}: {a}, {net.activation}, {net.dtype.name}"
    missing = [f"-{k}" for k, v in (("D", D), ("H", H), ("C", C)) if v is None]
    if missing:
        raise click.UsageError(
            f"give a saved model (MODEL.npz) or the network with -D, -H and -C "
            f"(missing: {', '.join(missing)})"
        )
    return D, H, layers_for(L, H, 3), C, ""


def _names(ctx, param, value):
    """Column names given as ``--drop a,b --drop c`` -> ("a", "b", "c"); None if not given."""
    names = tuple(n.strip() for v in value for n in v.split(",") if n.strip())
    return names if names or param.name in ("drop", "keep") else None


def _na_values(ctx, param, value):
    return None if value is None else tuple(v.strip() for v in value.split(",") if v.strip())


def table_options(f):
    """``--header``, ``--drop``, ``--features``, ``--na-values``, ``--missing``, ``--keep``,
    ``--min-frequency``, ``--max-categories``: how a table's columns are chosen, read and
    encoded (:class:`npmlp.data.columns.TableOptions`)."""
    for opt in reversed(
        (
            click.option(
                "--header/--no-header",
                default=None,
                help="Whether a CSV's first line holds the column names [default: detected "
                "on the first 200 rows; 'npmlp data info' shows the choice].",
            ),
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
                "value, with a '(missing)' column beside (stored in the model), or refused.",
            ),
            click.option(
                "--keep",
                multiple=True,
                callback=_names,
                metavar="COLS",
                help="Columns to keep even if they identify rows (every value unique, row "
                "numbers), which are left out by default.",
            ),
            click.option(
                "--min-frequency",
                type=click.IntRange(min=1),
                default=MIN_FREQUENCY,
                show_default=True,
                help="Rows a category needs in the training split for a column of its own; "
                "rarer ones share one '(other)' column.",
            ),
            click.option(
                "--max-categories",
                type=click.IntRange(2, MAX_CATEGORIES),
                default=MAX_CATEGORIES,
                show_default=True,
                help="One-hot columns of a category at most, '(other)' included.",
            ),
        )
    ):
        f = opt(f)
    return f


def encoding_options(f):
    """``--missing`` and ``--unknown``: how ``predict`` and ``evaluate`` treat a table model's
    missing values and unseen categories."""
    f = click.option(
        "--unknown",
        type=click.Choice(UNKNOWN),
        default="ignore",
        show_default=True,
        help="A category unseen in training: all zeros (with a warning), or refused.",
    )(f)
    return click.option(
        "--missing",
        type=click.Choice(MISSING),
        default="impute",
        show_default=True,
        help="A missing value: filled as in training, or refused (models trained on a table).",
    )(f)


def table_settings(given: dict):
    """The :class:`npmlp.data.columns.TableOptions` of the options of :func:`table_options`
    in ``given`` (a command's keyword arguments)."""
    from ..data import TableOptions

    names = ("header", "drop", "features", "na_values", "missing", "keep", "min_frequency")
    return TableOptions(**{n: given[n] for n in names}, max_categories=given["max_categories"])
