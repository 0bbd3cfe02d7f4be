"""``npmlp summary`` (the seed's graph as a table of shapes) and ``npmlp gradcheck``."""

from __future__ import annotations

import click

from .options import CONTEXT, LAYERS, WIDTHS, arch_options, layers_for, network_of, positive


@click.command(context_settings=CONTEXT)
@arch_options
def summary(model, D, H, L, C, N):
    """Shapes of every variable of the seed's forward and backward graph, and the parameters.

    The network is a saved model's (MODEL) or the one -D -H -L -C give.

    \b
    Examples:
      npmlp summary runs/demo/model.npz
      npmlp summary -D 784 -H 512 -L 5 -C 10 -N 256
      npmlp summary -D 784 -H 512,128 -C 10       # one width per hidden layer: L = 5
    """
    from ..core.architecture import summarise

    D, H, L, C, title = network_of(model, D, H, L, C)
    if title:
        click.echo(title)
    click.echo(str(summarise(D, H, L, C, N)))


# ----------------------------------------------------------------------------------- gradcheck
@click.command(context_settings=CONTEXT)
@click.option("-D", "D", type=click.IntRange(min=1), default=6, show_default=True)
@click.option("-H", "H", type=WIDTHS, default="5", show_default=True, help="One width, or 4,3 ...")
@click.option(
    "-L",
    "L",
    type=LAYERS,
    default=None,
    help="Layers [default: 5, or 2 x the widths of -H + 1].",
)
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
@click.option(
    "--allow-unchecked",
    is_flag=True,
    help="Exit 0 even if a tensor had every sampled entry next to a ReLU kink at every point "
    "tried (reported as 'not checked').",
)
def gradcheck(*, D, H, L, C, N, seed, threshold, max_entries, allow_unchecked):
    """Check the backward pass against central finite differences (float64).

    Builds a random MLP and random data and prints the max relative error per tensor. Entries
    whose finite difference straddles a ReLU kink are left out; a tensor left with none is
    checked again at other random points. Exits 1 if an error exceeds the threshold, or if a
    tensor could not be checked at all (unless --allow-unchecked).

    \b
    Example:
      npmlp gradcheck -D 20 -H 16 -L 7 -C 5 -N 32
    """
    import numpy as np

    from ..nn.model import MLP
    from ..train.gradcheck import gradcheck as run_check

    net = MLP(D, H, layers_for(L, H, 5), C, dtype=np.float64, seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    report = run_check(net, X, y, threshold=threshold, max_entries=max_entries, seed=seed)
    click.echo(str(report))
    if not report.errors_below_threshold or (report.unchecked and not allow_unchecked):
        raise click.exceptions.Exit(1)
