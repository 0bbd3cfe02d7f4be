"""``report.html``: one self-contained page per run (no network access, pictures embedded).

The page holds the run's settings, the final metrics, the seed's table of shapes and parameters
(:func:`npmlp.graph.summarise`), any health warnings, and every picture of the run folder as a
``data:`` URI, so it can be mailed or opened offline as a single file.
"""

from __future__ import annotations

import base64
import html
from dataclasses import asdict
from pathlib import Path

from ..core.architecture import summarise
from ..core.atomic import atomic_write
from ..train.health import health_warnings

__all__ = ["write_report", "render_report", "settings_that_ran", "CAPTIONS"]

MIME = {".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml"}
CAPTIONS = {
    "curves": "Loss and accuracy per epoch; the star marks the best epoch (the weights kept).",
    "confusion": "Confusion matrix on the test split: counts, then each row as a share.",
    "health": "Per-layer health on a fixed probe batch: dead units, activation and gradient "
    "sizes, update-to-weight ratio.",
    "boundary": "Decision regions over the plane of the two features, with the training rows.",
    "weights": "First-layer weights, one image per hidden unit.",
    "misclassified": "Test images the model got wrong with the most confidence.",
}

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1100px;padding:0 1em;color:#1f2937}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #e5e7eb}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}
td,th{border:1px solid #d1d5db;padding:.25em .7em;text-align:left}
th{background:#f3f4f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1em 0}img{max-width:100%;height:auto;border:1px solid #e5e7eb}
figcaption{color:#4b5563;font-size:.9em}.warn{color:#b91c1c}.cols{display:flex;gap:2em;
flex-wrap:wrap}code{background:#f3f4f6;padding:0 .2em}
"""


def _table(rows, header=None, numeric=()) -> str:
    e = html.escape
    out = ["<table>"]
    if header:
        out.append("<tr>" + "".join(f"<th>{e(str(h))}</th>" for h in header) + "</tr>")
    for row in rows:
        cells = [
            f'<td class="n">{e(str(v))}</td>' if k in numeric else f"<td>{e(str(v))}</td>"
            for k, v in enumerate(row)
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "" if v is None else str(v)


def _accuracy(v) -> str:
    """An accuracy with four decimals (1.0000, not 1), or nothing."""
    return "" if v is None else f"{v:.4f}"


# The settings only some optimisers read, and the schedule settings only their schedule reads.
ONLY_FOR = {
    "momentum": ("momentum", "nesterov"),
    "nesterov": ("momentum", "nesterov"),
    "beta1": ("adam",),
    "beta2": ("adam",),
    "epsilon": ("adam",),
    "max_fun": ("lbfgs",),
}
SCHEDULE_ONLY = {"step_size": "step", "gamma": "step", "power_t": "invscaling"}
NOT_FOR_LBFGS = (
    "batch_size",
    "lr",
    "dropout",
    "schedule",
    "min_lr",
    "shuffle",
    "patience",
    "early_stopping",
    "restore_best",
    "samples_seen",
    "step_size",
    "gamma",
    "power_t",
)


def settings_that_ran(config: dict, optimizer: str | None, weight_decay) -> dict:
    """The settings of ``config`` (a :class:`~npmlp.train.train_config.TrainConfig` as a dict) that
    the optimiser that ran read: an L-BFGS run has no batch size, learning rate or Adam's
    betas; ``optimizer`` and ``weight_decay`` are the ones that ran (``auto`` resolved)."""
    out = {}
    for k, v in config.items():
        if k == "seed" or (k in ONLY_FOR and optimizer not in ONLY_FOR[k]):
            continue
        if optimizer == "lbfgs" and k in NOT_FOR_LBFGS:
            continue
        if k in SCHEDULE_ONLY and config.get("schedule") != SCHEDULE_ONLY[k]:
            continue
        out[k] = v
    if optimizer == "lbfgs":
        out["iterations (at most)"] = out.pop("epochs")
    if optimizer is not None:
        out["optimizer"], out["weight_decay"] = optimizer, weight_decay
    return out


def _data_uri(path: Path) -> str:
    mime = MIME[path.suffix.lower()]
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _caption(path: Path) -> str:
    stem = path.stem
    if stem.startswith("activations_x"):
        k = stem.removeprefix("activations_x")
        return f"Activation of each unit of the hidden layer x^({k}) over the plane."
    if path.suffix == ".gif":
        return "Decision regions during training (a frame every few epochs)."
    return CAPTIONS.get(stem, "")


def render_report(result, images: list[Path]) -> str:
    """The report page as one HTML string; images are read and embedded."""
    e = html.escape
    s, m, net = result.settings, result.metrics, result.net
    settings = {
        "data": s.data,
        "label": s.label,
        "L (layers)": s.layers,
        "H (hidden width)": s.hidden,
        "test fraction": s.test_fraction,
        "scaling": s.scaling,
        "dtype": s.dtype,
        "seed": s.seed,
    }
    settings.update(settings_that_ran(asdict(s.config), m.get("optimizer"), m.get("weight_decay")))
    metrics = [
        (name, _fmt(m[f"{name}_loss"]), _accuracy(m[f"{name}_accuracy"]))
        for name in ("train", "val", "test")
        if f"{name}_loss" in m
    ]
    facts = [
        ("optimizer that ran", m.get("optimizer")),
        ("L2 penalty that ran", m.get("weight_decay")),
        (
            "L-BFGS iterations run" if m.get("optimizer") == "lbfgs" else "epochs run",
            m.get("epochs"),
        ),
        ("best epoch", m.get("best_epoch")),
        ("stopped early", m.get("stopped_early")),
        ("parameters", m.get("n_parameters")),
        ("training rows", m.get("n_train")),
        ("test rows", m.get("n_test")),
        ("training time (s)", _fmt(m.get("train_seconds"))),
    ]
    N = s.config.batch_size or m.get("n_train") or 1
    summ = summarise(
        net.D, list(net.H) if isinstance(net.H, tuple) else net.H, net.L, net.C, int(N)
    )
    shapes = [(v.name, v.shape_text, v.role, v.layer) for v in summ.variables]
    warnings = health_warnings(result.history.records, lbfgs=m.get("optimizer") == "lbfgs")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>npmlp run: {e(str(m.get('data', s.data)))}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>npmlp run on <code>{e(str(m.get('data', s.data)))}</code></h1>",
        f"<p>MLP D={net.D}, H={e(str(net.H))}, L={net.L}, C={net.C}: {net.n_params} "
        f"parameters. Test accuracy <b>{_accuracy(m.get('test_accuracy'))}</b>.</p>",
        '<div class="cols"><div><h2>Final metrics</h2>',
        _table(metrics, ("split", "loss", "accuracy"), numeric=(1, 2)),
        _table(facts, numeric=(1,)),
        "</div><div><h2>Settings</h2>",
        _table([(k, _fmt(v)) for k, v in settings.items()], ("setting", "value")),
        "</div></div>",
    ]
    if warnings:
        parts.append(
            "<h2>Warnings</h2><ul>"
            + "".join(f'<li class="warn">{e(w)}</li>' for w in warnings)
            + "</ul>"
        )
    parts.append("<h2>Pictures</h2>")
    for path in images:
        parts.append(
            f'<figure id="{e(path.stem)}-{e(path.suffix[1:])}"><img alt="{e(path.name)}"'
            f' src="{_data_uri(path)}"><figcaption><b>{e(path.name)}</b>: '
            f"{e(_caption(path))}</figcaption></figure>"
        )
    parts += [
        f"<h2>Shapes and parameters (batch N={int(N)})</h2>",
        _table(shapes, ("variable", "shape", "role", "layer")),
        _table(
            summ.layer_params + [("total", summ.total_params)],
            ("layer", "parameters"),
            numeric=(1,),
        ),
        "</body></html>",
        "",
    ]
    return "\n".join(parts)


def write_report(result, path, images: list[Path]) -> Path:
    """Write :func:`render_report` to ``path`` atomically; returns the path."""
    path = Path(path)
    text = render_report(result, [Path(p) for p in images])
    with atomic_write(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path
