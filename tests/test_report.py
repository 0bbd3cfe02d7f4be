"""report.html: one self-contained page with settings, metrics, shapes and every picture."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest

from npmlp.outputs.report import render_report
from plots_support import DIGITS_PICTURES, MOONS_PICTURES, digits_run, moons_run


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.links, self.scripts, self.cells = [], [], 0, []
        self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a)
        if tag in ("link", "iframe", "object", "embed") or (tag == "a" and "href" in a):
            self.links.append(a)
        if tag == "script":
            self.scripts += 1
        if tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


@pytest.mark.parametrize(
    "run,pictures", [(moons_run, MOONS_PICTURES), (digits_run, DIGITS_PICTURES)]
)
def test_report_embeds_every_picture_and_needs_no_network(run, pictures):
    result, out = run()
    text = (out / "report.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    assert [img["alt"] for img in page.images] == [
        p
        for p in [
            "curves.png",
            "confusion.png",
            "health.png",
            "boundary.png",
            "boundary.gif",
            "activations_x2.png",
            "activations_x4.png",
            "weights.png",
            "misclassified.png",
        ]
        if p in pictures
    ]
    for img in page.images:
        mime = "image/gif" if img["alt"].endswith(".gif") else "image/png"
        prefix = f"data:{mime};base64,"
        assert img["src"].startswith(prefix)
        assert base64.b64decode(img["src"][len(prefix) :]) == (out / img["alt"]).read_bytes()
    assert page.links == [] and page.scripts == 0
    outside_images = re.sub(r'src="data:[^"]*"', "", text)
    assert not re.search(r"(https?:|src=|href=|url\()", outside_images, re.I)


def test_report_holds_the_settings_the_metrics_and_the_shapes():
    result, out = digits_run()
    page = _Page()
    page.feed((out / "report.html").read_text(encoding="utf-8"))
    cells = page.cells
    m = result.metrics
    row = cells.index("test")
    assert cells[row + 1 : row + 3] == [f"{m['test_loss']:.4g}", f"{m['test_accuracy']:.4g}"]
    assert cells[cells.index("H (hidden width)") + 1] == "32"
    assert cells[cells.index("optimizer") + 1] == "adam"
    assert cells[cells.index("optimizer that ran") + 1] == "adam"
    assert cells[cells.index("L2 penalty that ran") + 1] == "0.001"
    assert cells[cells.index("parameters") + 1] == str(64 * 32 + 32 + 32 * 10 + 10)
    i = cells.index("W^(1)")
    assert cells[i + 1] == "64 x 32"
    assert cells[cells.index("dl/dx^(1)") + 1] == "32 x 32"  # batch N = 32
    assert cells[cells.index("total") + 1] == str(result.net.n_params)


def test_report_lists_health_warnings():
    result, _ = digits_run()
    records = [dict(r, FC1_dead=0.9) for r in result.history.records]
    result.history.records, saved = records, result.history.records
    try:
        text = render_report(result, [])
    finally:
        result.history.records = saved
    assert '<li class="warn">layer FC1: up to 90% of the ReLU units after it were dead' in text
