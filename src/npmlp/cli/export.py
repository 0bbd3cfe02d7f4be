"""``npmlp export``: a trained model as an ONNX file, for serving without npmlp or NumPy."""

from __future__ import annotations

from pathlib import Path

import click

from .options import CONTEXT


@click.command(context_settings=CONTEXT)
@click.argument("model", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="ONNX file to write ('-': standard output).  [default: MODEL with the suffix .onnx]",
)
def export(model, out):
    """Export MODEL (.npz) to ONNX: input X (N, D), outputs label (N,) and probabilities (N, C).

    The graph holds the whole prediction (input scaling, every layer, softmax) in the model's
    dtype, with operator set 17; the npmlp version, architecture, activation, classes, training
    data and test accuracy travel in its metadata. Needs: pip install "npmlp[onnx]".

    \b
    Examples:
      npmlp export runs/digits/model.npz -o digits.onnx
    """
    from ..core.errors import listing
    from ..encoding import encoder_of
    from ..export import OPSET, export_onnx, onnx_bytes
    from ..nn.model_file import load

    net = load(model)
    out = out if out is not None else model.with_suffix(".onnx")
    if str(out) == "-":  # plainly standard output: the one special file npmlp writes to
        click.get_binary_stream("stdout").write(onnx_bytes(net))
    else:
        export_onnx(net, out)
    if encoder_of(net) is not None:  # the graph does not hold the table encoder
        click.echo(
            f"npmlp: warning: {model} reads a table; the ONNX graph takes its {net.D} encoded "
            f"columns ({listing(encoder_of(net).output_names)}): one-hot encode and fill rows "
            "as npmlp does first",
            err=True,
        )
    click.echo(
        f"wrote {'standard output' if str(out) == '-' else out} (ONNX opset {OPSET}, "
        f"{net.dtype.name}; input X (N, {net.D}), outputs label (N,) and probabilities "
        f"(N, {net.C}))",
        err=str(out) == "-",
    )
