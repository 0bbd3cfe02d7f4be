"""``npmlp summary`` (the seed's graph as a table of shapes) and ``npmlp gradcheck``."""

from __future__ import annotations

import click
import numpy as np

from .options import CONTEXT, arch_options, check_layers, positive


@click.command(context_settings=CONTEXT)
@arch_options
def summary(D, H, L, C, N):
    """Shapes of every variable of the seed's forward and backward graph, and the parameters.

    \b
    Example:
      npmlp summary -D 784 -H 512 -L 5 -C 10 -N 256
    """
    from ..architecture import summarise

    click.echo(str(summarise(D, H, L, C, N)))


# ----------------------------------------------------------------------------------- gradcheck
@click.command(context_settings=CONTEXT)
@click.option("-D", "D", type=click.IntRange(min=1), default=6, show_default=True)
@click.option("-H", "H", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("-L", "L", type=int, default=5, show_default=True, callback=check_layers)
@click.option("-C", "C", type=click.IntRange(min=2), default=4, show_default=True)
@click.option("-N", "N", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--threshold", type=float, default=1e-6, show_default=True, callback=positive)
@click.option(
    "--max-entries",
    type=click.IntRange(min=1),
    default=40,
    show_default=True,
    help="Entries checked per tensor (sampled beyond this).",
)
def gradcheck(D, H, L, C, N, seed, threshold, max_entries):
    """Check the backward pass against central finite differences (float64).

    Builds a random MLP and random data, prints the max relative error per tensor and exits
    1 if any exceeds the threshold.

    \b
    Example:
      npmlp gradcheck -D 20 -H 16 -L 7 -C 5 -N 32
    """
    from ..gradcheck import gradcheck as run_check
    from ..model import MLP

    net = MLP(D, H, L, C, dtype=np.float64, seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    report = run_check(net, X, y, threshold=threshold, max_entries=max_entries, seed=seed)
    click.echo(str(report))
    if not report.passed:
        raise click.exceptions.Exit(1)
