"""``npmlp graph``: the seed's computation graph with every shape, as a picture and a table."""

from __future__ import annotations

from pathlib import Path

import click

from ..core.errors import NpmlpError
from .options import CONTEXT, arch_options, network_of

MAX_L = 41  # 20 hidden layers: 7 rows of the picture, drawn in a few seconds


@click.command(context_settings=CONTEXT)
@arch_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("graph.png"),
    show_default=True,
    help="Picture to write: a .png or .svg file.",
)
def graph(*, model, D, H, L, C, N, out):
    """Draw the seed's forward and backward graph with the shape of every variable.

    The network is a saved model's (MODEL) or the one -D -H -L -C give. The forward chain
    x^(0) -FC-> x^(1) -ReLU-> ... -FC-> s -> l(y, s) with W^(i), b^(i) above it, the
    backward chain dl/dx^(i), dl/dW^(i), dl/db^(i) below it. The same shapes are printed as
    a table. Long networks fold onto several rows; at most L=41 is drawn.

    \b
    Examples:
      npmlp graph runs/demo/model.npz
      npmlp graph -D 64 -H 32 -L 5 -C 10 -N 16
      npmlp graph -D 784 -H 512,256,128 -C 10 --out graph.svg
    """
    from ..core.architecture import summarise

    if out.suffix.lower() not in (".png", ".svg"):
        raise NpmlpError(f"--out {out}: give a file name ending in .png or .svg")
    D, H, L, C, title = network_of(model, D, H, L, C)
    if L > MAX_L:
        raise NpmlpError(
            f"L={L}: npmlp graph draws networks of at most L={MAX_L} (its picture grows with "
            "L); 'npmlp summary' lists every shape of a deeper one"
        )
    s = summarise(D, H, L, C, N)
    if title:
        click.echo(title)
    click.echo(str(s))
    from ..outputs.plots import plot_graph, save_figure  # matplotlib: only once there is a picture

    save_figure(plot_graph(s), out, dpi=110)
    click.echo(f"wrote {out}")
