"""The ``npmlp`` command line: one module per command, options shared in :mod:`.options`.

Every user error (missing file, bad flag value, data that cannot be used) is printed as one line
``npmlp: error: ...`` on stderr with exit code 2 and no traceback.
"""

from __future__ import annotations

import sys
from importlib import import_module

import click

from .._startup import release_interrupts
from .._version import __version__
from ..core.errors import NpmlpError
from ..core.interrupt import Interrupted, Signals

__all__ = ["cli", "main", "COMMANDS", "CONTEXT"]

CONTEXT = {"help_option_names": ["--help"], "max_content_width": 100}  # every command's
NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click >= 8.2; before, help, exit 0

# Each command: the module that defines it and its line in `npmlp --help`. A command's module
# is imported only when that command runs (or its --help is asked), so `npmlp --help` and
# `--version` import neither NumPy nor any command's dependencies.
COMMANDS = {
    "data": ("data", "The data sets npmlp knows, and what is inside one set or file."),
    "evaluate": ("evaluate", "Accuracy, loss, per-class scores and confusion matrix."),
    "export": ("export", "Export a saved model to ONNX."),
    "gradcheck": ("summary", "Check the backward pass against finite differences."),
    "graph": ("graph", "Draw the forward and backward graph with the shapes."),
    "playground": ("playground", "Watch the seed's network learn, live, in the browser."),
    "predict": ("predict", "Predict the labels of the rows of a .csv or .npy file."),
    "summary": ("summary", "Shapes of every variable of the forward and backward pass."),
    "train": ("train", "Train an MLP; report its losses and accuracies."),
}


class LazyGroup(click.Group):
    """A click group whose commands are imported on first use (see :data:`COMMANDS`)."""

    def list_commands(self, ctx) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        command = getattr(import_module(f".{COMMANDS[name][0]}", __name__), name)
        command.short_help = COMMANDS[name][1]
        return command

    def resolve_command(self, ctx, args):
        """The command named ``args[0]``; an unknown name gets the closest ones suggested."""
        name = args[0] if args else ""
        if name in COMMANDS or name.startswith("-"):
            return super().resolve_command(ctx, args)
        from difflib import get_close_matches

        close = get_close_matches(name, list(COMMANDS), n=2, cutoff=0.6)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        ctx.fail(f"No such command {name!r}.{hint}")

    def format_commands(self, ctx, formatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in self.list_commands(ctx)])

    def invoke(self, ctx):
        import numpy as np

        # Overflow in a diverging run is reported by the trainer itself, in one line.
        with np.errstate(over="ignore", invalid="ignore"):
            return super().invoke(ctx)


@click.group(cls=LazyGroup, context_settings=CONTEXT)
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


# ----------------------------------------------------------------------------------------- main
def main(argv=None) -> int:
    """Entry point: run the CLI, turning user errors into one line and exit code 2."""
    signum = release_interrupts()
    if signum is not None:  # Ctrl-C or SIGTERM while the command was starting
        click.echo("npmlp: interrupted", err=True)
        return 128 + signum
    try:
        # SIGTERM (and Ctrl-C) raise Interrupted: temporary files are removed on the way out.
        with Signals():
            rv = cli.main(args=argv, prog_name="npmlp", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("npmlp: interrupted", err=True)
        return 130
    except NO_ARGS as e:  # bare `npmlp`: its help, as `npmlp --help` prints it
        click.echo(e.ctx.get_help())
        return 0
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
