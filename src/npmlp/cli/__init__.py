"""The ``npmlp`` command line: one module per command, options shared in :mod:`.options`.

Every user error (missing file, bad flag value, data that cannot be used) is printed as one line
``npmlp: error: ...`` on stderr with exit code 2 and no traceback.
"""

from __future__ import annotations

import sys

import click
import numpy as np

from .._startup import release_interrupts
from .._version import __version__
from ..errors import NpmlpError
from ..interrupt import Interrupted, Signals
from .data import data
from .evaluate import evaluate
from .export import export
from .graph import graph
from .options import CONTEXT
from .playground import playground
from .predict import predict
from .summary import gradcheck, summary
from .train import train

__all__ = ["cli", "main"]


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="npmlp")
def cli():
    """npmlp: a multilayer perceptron in NumPy with hand-derived backpropagation.

    \b
    Examples:
      npmlp train                          # digits, defaults, prints test accuracy
      npmlp train --data iris -H 32 --out runs/iris
      npmlp evaluate runs/iris/model.npz --data iris
      npmlp summary -D 64 -H 256 -L 3 -C 10 -N 32
    """


for command in (train, evaluate, predict, summary, gradcheck, data, graph, export, playground):
    cli.add_command(command)


# ----------------------------------------------------------------------------------------- main
def main(argv=None) -> int:
    """Entry point: run the CLI, turning user errors into one line and exit code 2."""
    signum = release_interrupts()
    if signum is not None:  # Ctrl-C or SIGTERM while the command was starting
        click.echo("npmlp: interrupted", err=True)
        return 128 + signum
    try:
        # Overflow in a diverging run is reported by the trainer itself, in one line.
        # SIGTERM (and Ctrl-C) raise Interrupted: temporary files are removed on the way out.
        with Signals(), np.errstate(over="ignore", invalid="ignore"):
            rv = cli.main(args=argv, prog_name="npmlp", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("npmlp: interrupted", err=True)
        return 130
    except click.ClickException as e:
        hint = ""
        if isinstance(e, click.UsageError) and e.ctx is not None:
            hint = f" (see '{e.ctx.command_path} --help')"
        click.echo(f"npmlp: error: {e.format_message()}{hint}", err=True)
        return 2
    except NpmlpError as e:
        click.echo(f"npmlp: error: {e}", err=True)
        return 2
    except OSError as e:
        click.echo(f"npmlp: error: {e.filename or ''}: {e.strerror or e}", err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("npmlp: interrupted", err=True)
        return 130
    except Interrupted as e:  # npmlp train's handlers: SIGINT or SIGTERM outside training
        click.echo(f"npmlp: interrupted by {e}{e.hint}", err=True)
        return e.exit_code
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
