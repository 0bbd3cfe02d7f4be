"""Options and checks shared by the ``npmlp`` commands."""

from __future__ import annotations

from pathlib import Path

import click

from ..core.errors import NpmlpError
from ..core.settings import SETTINGS, Choice, Flag
from ..encoding import MAX_CATEGORIES, MIN_FREQUENCY, MISSING, NA_VALUES, UNKNOWN
from . import CONTEXT  # noqa: F401  (the commands' settings, for the commands to import here)


class SettingType(click.ParamType):
    """A declared setting's value on the command line: the text read by its rule
    (:meth:`npmlp.core.settings.Rule.parse`), then checked by the same rule as in Python."""

    def __init__(self, setting):
        self.setting = setting
        rule = setting.rule
        if isinstance(rule, Choice):
            self.name = "|".join([*(["off"] if None in rule.also else []), *rule.choices()])
        else:
            self.name = rule.metavar

    def get_metavar(self, param, ctx=None):
        return f"[{self.name}]" if isinstance(self.setting.rule, Choice) else self.name

    def convert(self, value, param, ctx):
        if isinstance(value, str):
            value = self.setting.rule.parse(value)
        try:
            self.setting.check(value)
        except NpmlpError as e:
            self.fail(str(e), param, ctx)
        return value


def setting_options(names):
    """Click options for the declared settings ``names`` (:data:`npmlp.core.settings.SETTINGS`):
    each with its flag, help, default and rule."""

    def decorate(f):
        for name in reversed(list(names)):
            f = _setting_option(SETTINGS[name])(f)
        return f

    return decorate


def _setting_option(s):
    if isinstance(s.rule, Flag):
        return click.option(*s.flags, s.name, default=s.default, show_default=True, help=s.help)
    default = s.default
    if s.name == "layers":
        default = None  # from -H: 2 x its widths + 1, or 3
    elif default is None or isinstance(default, tuple):
        default = None if default is None else ",".join(map(str, default))
    shown = {None: "off"}.get(default, default) if isinstance(s.rule, Choice) else default
    return click.option(
        *s.flags,
        s.name,
        type=SettingType(s),
        default=shown,
        show_default=s.name != "layers",
        help=s.help,
    )


def positive(ctx, param, value):
    if value is not None and value <= 0:
        raise click.BadParameter(f"must be > 0, got {value}")
    return value


WIDTHS, LAYERS = SettingType(SETTINGS["hidden"]), SettingType(SETTINGS["layers"])


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
                "-H", "H", type=WIDTHS, help="Hidden width H, or one per hidden layer: 64,32."
            ),
            click.option(
                "-L",
                "L",
                type=LAYERS,
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
        from ..nn.model_file import load

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
