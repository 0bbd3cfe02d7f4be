"""How a model shows itself: a one-line ``repr`` and, in a notebook, an HTML card.

:func:`model_text` is :meth:`npmlp.MLP.__repr__`: the seed's sizes, the activation, the dtype,
the parameter count, and for a model trained on a table the columns it reads by name.
:func:`model_html` is :meth:`npmlp.MLP._repr_html_`: the same line, the graph drawn as a small
SVG (no matplotlib: boxes ``x^(i)`` with their shapes in N, D, H, C, the layer between each
pair), the seed's variables and their shapes for one batch of N rows, the parameters per
layer. Only :mod:`npmlp.core.architecture` is used, so showing a model costs no import.
"""

from __future__ import annotations

import html

from ..core.architecture import summarise

__all__ = ["model_text", "model_html", "graph_svg", "short_list"]

BOX_W, BOX_H, GAP = 92, 40, 34  # one variable's box in the SVG, and the arrow between two


def short_list(items, most: int = 8) -> str:
    """``a, b, c, ... (12 in all)``: at most ``most`` items."""
    items = [str(v) for v in items]
    if len(items) <= most:
        return ", ".join(items)
    return ", ".join(items[:most]) + f", ... ({len(items)} in all)"


def _sizes(net) -> str:
    H = net.H
    H = ",".join(map(str, H)) if isinstance(H, tuple) else H
    return f"D={net.D}, H={H}, L={net.L}, C={net.C}"


def model_text(net) -> str:
    """One line: ``MLP(D=10, H=64, L=3, C=3, relu, float32; 899 parameters; reads 7 columns:
    island, ...)``."""
    parts = [f"{_sizes(net)}, {net.activation}, {net.dtype.name}", f"{net.n_params:,} parameters"]
    if net.encoder is not None:
        names = net.encoder.names
        parts.append(f"reads {len(names)} columns by name: {short_list(names)}")
    parts.append(_output_text(net, short_list(net.classes.tolist())))
    return f"MLP({'; '.join(parts)})"


def _output_text(net, classes: str, label: str = "classes") -> str:
    """What the C outputs are: ``classes 0, 1, 2``, or a regression head's loss."""
    return f"{label} {classes}" if net.head.classes else f"{net.loss} outputs"


def graph_svg(net, N: str = "N") -> str:
    """The chain ``x^(0) -> FC1 -> x^(1) -> ReLU2 -> ... -> x^(L)`` as an inline SVG, each
    variable's box with its shape (``N x D``, ``N x H``, ``N x C``)."""
    sizes, L = net.arch.sizes, net.L
    width = (L + 1) * BOX_W + L * GAP + 10
    act = "ReLU" if net.activation == "relu" else net.activation
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{BOX_H + 34}" '
        'font-family="sans-serif" font-size="12">'
    ]
    for i in range(L + 1):
        x = 5 + i * (BOX_W + GAP)
        fill = "#dbe9f6" if i in (0, L) else "#eef3e2"
        name = "x^(L) = s" if i == L else f"x^({i})"
        letter = "D" if i == 0 else ("C" if i == L else "H")
        out.append(
            f'<rect x="{x}" y="20" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" '
            'stroke="#555"/>'
            f'<text x="{x + BOX_W / 2}" y="36" text-anchor="middle">{html.escape(name)}</text>'
            f'<text x="{x + BOX_W / 2}" y="52" text-anchor="middle" fill="#444">'
            f"{N} x {sizes[i]} ({letter})</text>"
        )
        if i < L:
            layer = f"FC{i + 1}" if i % 2 == 0 else f"{act}{i + 1}"
            x0 = x + BOX_W
            out.append(
                f'<line x1="{x0}" y1="40" x2="{x0 + GAP - 4}" y2="40" stroke="#333"/>'
                f'<polygon points="{x0 + GAP},40 {x0 + GAP - 6},36 {x0 + GAP - 6},44" '
                'fill="#333"/>'
                f'<text x="{x0 + GAP / 2}" y="14" text-anchor="middle" fill="#a33">{layer}</text>'
            )
    out.append("</svg>")
    return "".join(out)


LEFT = " style='text-align:left'"  # notebooks right-align table cells by default


def _rows(cells) -> str:
    return "".join(
        "<tr>" + "".join(f"<td{LEFT}>{html.escape(str(c))}</td>" for c in row) + "</tr>"
        for row in cells
    )


def model_html(net, N: int = 32) -> str:
    """The model's card for a notebook (see the module docstring); shapes for N rows."""
    s = summarise(net.D, net.H, net.L, net.C, N)
    forward = [(v.name, v.shape_text, v.layer) for v in s.rows("forward") + s.rows("param")]
    per_layer = [*s.layer_params, ("total", s.total_params)]
    parts = [
        f"<div class='npmlp-model'><p><b>MLP</b> {html.escape(_sizes(net))}, "
        f"{net.activation}, {net.dtype.name}: <b>{net.n_params:,} parameters</b></p>",
        graph_svg(net),
        f"<details open><summary>the seed's variables for a batch of N={N} rows</summary>"
        f"<table><tr><th{LEFT}>variable</th><th{LEFT}>shape</th><th{LEFT}>layer</th></tr>"
        f"{_rows(forward)}</table></details>",
        "<details><summary>parameters per layer</summary><table>"
        f"{_rows((k, f'{n:,}') for k, n in per_layer)}</table></details>",
    ]
    if net.encoder is not None:
        names = html.escape(short_list(net.encoder.names, 20))
        parts.append(f"<p>reads {len(net.encoder.names)} columns by name: {names}</p>")
    classes = short_list(net.classes.tolist(), 20)
    parts.append(f"<p>{html.escape(_output_text(net, classes, 'classes:'))}</p></div>")
    return "".join(parts)
