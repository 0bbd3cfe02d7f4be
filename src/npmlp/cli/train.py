"""``npmlp train``: the training job of :mod:`npmlp.jobs.job` with a progress bar and a summary.

Every default comes from :data:`npmlp.core.defaults.TRAIN`, the table the Python job reads too.
"""

from __future__ import annotations

from pathlib import Path

import click
from click.core import ParameterSource

from ..core.defaults import TRAIN
from ..core.errors import NpmlpError
from ..core.settings import CONFIG, RUN, SETTINGS
from ..data import DATA_HELP
from .options import CONTEXT, layers_for, setting_options, table_options, table_settings
from .train_report import run_and_report


@click.command(context_settings=CONTEXT)
@click.option("--data", default=TRAIN["data"], show_default=True, help=DATA_HELP)
@click.option(
    "--label",
    default=None,
    help="CSV label column (name or 0-based index), or the labels file of .npy/IDX.",
)
@table_options
@setting_options(name for name, s in SETTINGS.items() if s.flags)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for model.npz, history.csv, metrics.json, pictures, report.html.",
)
@click.option(
    "--no-pictures", is_flag=True, help="With --out: write no pictures and no report.html (faster)."
)
@click.option(
    "--resume",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Continue the run of this --out folder, stopped or finished, from its checkpoint, with "
    "its settings (the same options may be given again; --epochs N extends it to N epochs).",
)
@click.option(
    "--checkpoint-every",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    help="With --out: seconds between checkpoints (at an epoch's end, inside longer epochs, "
    "and on Ctrl-C or SIGTERM).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the final metrics as one JSON line (the last line of stdout).",
)
@click.option("--quiet", is_flag=True, help="No progress bar or table.")
def train(**given):
    """Train an MLP and report train/validation/test loss and accuracy.

    \b
    Examples:
      npmlp train                                    # digits with the defaults
      npmlp train --data wine -L 5 -H 64 --epochs 100 --out runs/wine
      npmlp train --data penguins.csv --label species --out runs/penguins
      npmlp train --data my.csv --label species --drop name,id --json
      npmlp train --data spirals:arms=3,n=600,noise=0.2 -H 64
      npmlp train --data mnist -H 128 --epochs 10    # downloaded once, then cached
      npmlp train --batch-size full --optimizer sgd --lr 0.5   # the seed's gradient descent
      npmlp train --resume runs/wine                 # after Ctrl-C, SIGTERM or a crash
      npmlp train --resume runs/wine --epochs 200    # a finished run, extended
    """
    from ..core.interrupt import Signals

    resume, out = given["resume"], given["out"]
    with Signals() as signals:  # from here on, Ctrl-C and SIGTERM remove what they cut short
        if resume is not None:
            from ..jobs.runner import read_checkpoint

            settings, options, state = read_checkpoint(resume)
            _refuse_changes_with_resume(click.get_current_context(), given, settings, options)
            settings.config.epochs = _epochs_to_extend(click.get_current_context(), given, state)
            out = resume if out is None else out
        else:
            (settings, options), state = _settings(**given), None
        quiet, as_json = given["quiet"], given["as_json"]
        return run_and_report(
            settings, options, state, out=out, quiet=quiet, as_json=as_json, signals=signals
        )


def _settings(**given):
    """The run's settings and the job's options from the command line's values: every
    declared setting (:mod:`npmlp.core.settings`) under its own name."""
    from ..jobs.job import RunSettings
    from ..jobs.runner import JobOptions
    from ..train.train_config import TrainConfig

    config = TrainConfig(**{s.name: given[s.name] for s in CONFIG if s.flags})
    run = {s.name: given[s.name] for s in RUN if s.flags}
    run["layers"] = layers_for(given["layers"], given["hidden"], TRAIN["layers"])
    table = table_settings(given)
    settings = RunSettings(
        data=given["data"], label=given["label"], table=table, config=config, **run
    )
    options = JobOptions(
        pictures=not given["no_pictures"], checkpoint_every=given["checkpoint_every"]
    )
    return settings, options


_FREE_WITH_RESUME = ("resume", "out", "quiet", "as_json", "epochs")


def _refuse_changes_with_resume(ctx, given, settings, options):
    """``--resume`` takes the checkpoint's settings: an option given again with the value it
    had is accepted, a change is refused, naming it (``--epochs`` extends the run)."""
    named = [
        p
        for p in ctx.command.params
        if p.name not in _FREE_WITH_RESUME
        and ctx.get_parameter_source(p.name) not in (ParameterSource.DEFAULT, None)
    ]
    if not named:
        return
    fresh, fresh_options = _settings(**given)
    now, then = _flat(fresh, fresh_options), _flat(settings, options)
    changed = [
        max(p.opts, key=len)
        for p in named
        if now.get(_KEY.get(p.name, p.name)) != then.get(_KEY.get(p.name, p.name))
    ]
    if changed:
        raise NpmlpError(
            f"--resume continues the run with its own settings; {', '.join(changed)} "
            "differ from the checkpoint's (drop them, or start a new run without --resume; "
            "--epochs N extends the run)"
        )


_KEY = {"no_pictures": "pictures"}  # the click option -> its field in the run's settings


def _flat(settings, options) -> dict:
    """Every setting of a run by its field name (the config's and table's fields too)."""
    d = settings.to_dict()
    flat = {k: v for k, v in d.items() if not isinstance(v, dict)}
    flat.update(d["config"])
    flat.update(d["table"])
    flat.update(pictures=not options.pictures, checkpoint_every=options.checkpoint_every)
    flat["early_stopping"] = flat["early_stopping"] or "off"
    return {k: list(v) if isinstance(v, tuple) else v for k, v in flat.items()}


def _epochs_to_extend(ctx, given, state) -> int:
    """The epochs of the resumed run: the checkpoint's, or ``--epochs N`` (not fewer than
    those done), the run then extended to N epochs in all."""
    if ctx.get_parameter_source("epochs") in (ParameterSource.DEFAULT, None):
        return state.epochs
    if given["epochs"] < state.epoch:
        raise NpmlpError(
            f"--epochs {given['epochs']}: the run has done {state.epoch} epochs already; "
            f"give --epochs {state.epoch} or more"
        )
    return given["epochs"]
