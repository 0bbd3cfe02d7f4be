"""report.html rendered by a real browser: headless Chromium loads it from disk.

Skipped when Chromium is missing; install it with ``apt-get install -y chromium`` (Debian) or
run ``.ci/run``, which does.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from plots_support import moons_run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium not found; install it with 'apt-get update && apt-get install "
    "-y chromium' (Debian/Ubuntu), as .ci/run does",
)

PROBE = """<script>
window.addEventListener("load", () => {
  const sizes = Array.from(document.images).map(i => i.naturalWidth + "x" + i.naturalHeight);
  const p = document.createElement("pre"); p.id = "npmlp-probe";
  p.textContent = "IMAGES " + sizes.join(" ") + " END"; document.body.appendChild(p);
});
</script>"""


def _chromium(tmp_path, *args):
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_chromium_renders_every_image_of_the_report(tmp_path):
    result, out = moons_run()
    page = (out / "report.html").read_text(encoding="utf-8")
    probed = tmp_path / "report.html"
    probed.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = _chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom", probed.as_uri())
    found = re.search(r'<pre id="npmlp-probe">IMAGES (.*?) END</pre>', dom.stdout)
    assert found, f"the page did not run its load handler: {dom.stderr[-500:]}"
    sizes = found.group(1).split()
    expected = []
    for img in re.findall(r'<img alt="([^"]+)"', page):
        with Image.open(out / img) as im:
            expected.append(f"{im.size[0]}x{im.size[1]}")
    assert sizes == expected and len(sizes) == 7  # every picture decoded at its own size


def test_chromium_screenshot_of_the_report_is_not_blank(tmp_path):
    _, out = moons_run()
    shot = tmp_path / "shot.png"
    run = _chromium(
        tmp_path,
        f"--screenshot={shot}",
        "--window-size=1200,2400",
        "--hide-scrollbars",
        (out / "report.html").as_uri(),
    )
    assert shot.is_file(), run.stderr[-500:]
    with Image.open(shot) as im:
        assert im.size == (1200, 2400)
        a = np.asarray(im.convert("RGB"), float)
    assert a.std() > 20  # text, tables and pictures, not an empty page
    # the curves picture's orange validation line is on screen: the images were painted
    orange = (np.abs(a - [255, 127, 14]).max(axis=2) < 40).sum()
    assert orange > 200
