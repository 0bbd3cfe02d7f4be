"""npmlp playground in a real browser: headless Chromium (through Playwright) drives the page.

The real server (uvicorn) runs in a thread on a free port. Skipped when Chromium is missing:
install it with ``apt-get install -y chromium`` (Debian). Playwright's own browser download is
not needed. With ``NPMLP_UPDATE_FIGURES=1`` the screenshot is copied to
``docs/figures/playground.png`` (the README's picture).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium not found; install it with 'apt-get update && apt-get install "
    "-y chromium' (Debian/Ubuntu)",
)
playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
uvicorn = pytest.importorskip("uvicorn")
from PIL import Image  # noqa: E402

from playground_support import real_server  # noqa: E402

FIGURE = Path(__file__).resolve().parents[1] / "docs" / "figures" / "playground.png"
SCREENSHOTS = FIGURE.parents[1] / "screenshots"  # each mode at 1280 x 800 and 1920 x 1080


@pytest.fixture(scope="module")
def server_url():
    with real_server() as url:
        yield url


@pytest.fixture
def page(server_url):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        tab = browser.new_page(viewport={"width": 1280, "height": 800})
        tab.set_default_timeout(120_000)  # a busy 2-core CI machine: waits, not failures
        errors = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto(server_url)
        yield tab
        browser.close()
        assert errors == []


def _number(page, selector: str) -> float:
    text = page.inner_text(selector)
    return float(text) if text != "-" else float("nan")


def test_moons_to_95_percent_then_spirals_with_a_map_per_unit(page, tmp_path):
    page.wait_for_function("document.getElementById('test-acc').textContent !== '-'")
    page.click("#play")
    reached = page.wait_for_function(  # the frame that shows it, read in the same instant
        "(() => { const a = parseFloat(document.getElementById('test-acc').textContent);"
        " const s = parseFloat(document.getElementById('step-n').textContent);"
        " return a >= 0.95 ? [a, s] : false; })()",
        timeout=180_000,
    ).json_value()
    assert reached[0] >= 0.95 and reached[1] > 0
    assert page.inner_text("#play").strip().endswith("pause")

    page.select_option("#data", '"spirals"')
    page.wait_for_function("document.querySelectorAll('#legend span').length === 3")  # classes
    page.select_option("#classes", "3")
    page.select_option("#layers", "5")
    page.wait_for_function(  # a frame of the spirals run, after some training
        "app.data.spec.startsWith('spirals:') && curves.points.length > 20 && "
        "parseFloat(document.getElementById('test-acc').textContent) >= 0.9",
        timeout=180_000,
    )
    assert page.evaluate("app.data.spec") == "spirals:n=500,noise=0.2,seed=0,arms=3"
    assert page.input_value("#data") == '"spirals"' and page.input_value("#layers") == "5"
    hidden = page.locator("canvas.unit[data-layer]")
    assert hidden.count() == 16  # L=5: two hidden layers of 8, one heat map per unit
    assert page.locator("canvas.unit[data-layer='1']").count() == 8
    assert page.locator("canvas.unit[data-layer='3']").count() == 8
    spread = page.evaluate(
        """() => [...document.querySelectorAll('canvas.unit[data-layer]')].map(c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let lo = 255, hi = 0;
            for (let i = 0; i < d.length; i += 4) { lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); }
            return hi - lo; })"""
    )
    assert len(spread) == 16 and sum(s > 20 for s in spread) >= 12  # maps drawn, not blank
    shot = tmp_path / "playground.png"
    page.screenshot(path=str(shot))
    with Image.open(shot) as im:
        pixels = np.asarray(im.convert("RGB"), dtype=float)
    assert pixels.shape == (800, 1280, 3)
    assert pixels.std() > 20  # not blank
    regions = pixels[120:440, 910:1240]  # the decision regions: three class colours
    assert len(np.unique(regions.reshape(-1, 3)[::7], axis=0)) > 50
    if os.environ.get("NPMLP_UPDATE_FIGURES"):
        shutil.copyfile(shot, FIGURE)

    page.click("canvas.unit[data-layer='3'][data-unit='2']")
    page.wait_for_function("document.getElementById('enlarged-title').textContent !== ''")
    assert page.inner_text("#enlarged-title") == "x^(3), unit 2"
    assert page.locator("canvas.unit[data-layer='3'][data-unit='2']").get_attribute("class") == (
        "unit selected"
    )


def test_seed_view_and_tiny_network_in_the_page(page):
    page.wait_for_function("document.getElementById('test-acc').textContent !== '-'")
    page.click("#step")
    page.click("#tab-seed")
    page.wait_for_selector("table.seed tr[data-name='dl/dW^(1)']")
    row = page.locator("table.seed tr[data-name='dl/dW^(1)'] td")
    assert [row.nth(k).inner_text() for k in (2, 3, 4)] == ["eq. 24", "D × H", "2 × 8"]
    page.click("#tiny-new")
    page.wait_for_selector("#tiny table.mat")
    assert page.locator("#tiny tr[data-name='W^(1)'] table.mat tr").count() == 2  # D=2 rows
    assert page.locator("#tiny tr[data-name='W^(1)'] table.mat tr:first-child td").count() == 3
    before = page.inner_text("#seed-caption")
    page.click("#tiny-step")
    page.wait_for_function(f"document.getElementById('seed-caption').textContent !== {before!r}")
    assert "loss" in page.inner_text("#seed-caption")


def test_take_it_away_download_and_command(page, tmp_path):
    import npmlp

    page.wait_for_function("document.getElementById('test-acc').textContent !== '-'")
    page.click("#epoch")
    page.wait_for_function("document.getElementById('epoch-n').textContent === '1.00'")
    with page.expect_download() as info:
        page.click("#download")
    info.value.save_as(tmp_path / "model.npz")
    net = npmlp.load(tmp_path / "model.npz")
    assert (net.D, net.L, net.C) == (2, 5, 2) and net.metadata["data"].startswith("moons:")
    page.click("#copy-command")
    page.wait_for_selector("#command:not([hidden])")
    assert page.inner_text("#command").startswith(
        "npmlp train --data moons:n=500,noise=0.2,seed=0 -L 5 -H 8 --epochs 1 --batch-size 32"
    )


def test_the_page_works_on_its_own_names_and_a_foreign_name_gets_nothing():
    """The allowlist of ``npmlp playground``: the page trains on ``localhost`` and
    ``127.0.0.1``; ``rebound.example``, mapped to 127.0.0.1 as DNS rebinding would, gets no
    page, no model and no socket (opened from the real page, whose Origin is allowed)."""
    with real_server(as_command=True) as url, playwright.sync_playwright() as p:
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        rules = "--host-resolver-rules=MAP rebound.example 127.0.0.1"
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[rules])
        tab = browser.new_page()
        tab.set_default_timeout(120_000)
        for name in ("localhost", "127.0.0.1"):
            assert tab.goto(f"http://{name}:{port}/").status == 200
            tab.click("#epoch")
            tab.wait_for_function("document.getElementById('epoch-n').textContent === '1.00'")
        sid = tab.evaluate("app.session")
        foreign = f"http://rebound.example:{port}"
        for path in ("/", f"/session/{sid}/model.npz"):
            r = browser.new_page().goto(foreign + path)
            assert (r.status, r.body()[:2]) == (421, b"th"), path
        code = tab.evaluate(
            "url => new Promise(done => { const ws = new WebSocket(url);"
            " ws.onopen = () => done('open'); ws.onclose = e => done(e.code); })",
            f"ws://rebound.example:{port}/ws",
        )
        browser.close()
    assert code == 1006  # the handshake was refused: no session


def _first_frame(page):
    page.wait_for_function("document.getElementById('test-acc').textContent !== '-'")


def test_a_change_while_it_runs_is_marked_and_the_command_replays_it(page, tmp_path):
    import shlex

    import npmlp
    from npmlp.cli import main

    _first_frame(page)
    assert page.locator("#status").is_hidden()  # the connecting note goes with the first frame
    for k in (1, 2, 3):
        page.click("#step")
        page.wait_for_function(f"document.getElementById('step-n').textContent === '{k}'")
    page.select_option("#lr", "0.1")
    page.wait_for_function("curves.marks.length === 1")
    assert page.inner_text("#step-n") == "3"  # no reset
    assert page.evaluate("curves.marks") == [[round(3 / 13, 4), "lr 0.1"]]  # 3 of 13 batches
    assert page.evaluate("location.hash").endswith("&changes=3:lr=0.1")
    page.click("#epoch")
    page.wait_for_function("document.getElementById('epoch-n').textContent === '1.00'")
    with page.expect_download() as info:
        page.click("#download")
    info.value.save_as(tmp_path / "model.npz")
    page.click("#copy-command")
    page.wait_for_selector("#command:not([hidden])")
    command = page.evaluate("app.command")
    assert command.endswith("--out runs/playground --changes 3:lr=0.1")
    out = tmp_path / "replay"
    assert main(shlex.split(command.replace("runs/playground", str(out)))[1:] + ["--quiet"]) == 0
    page_net, replay = npmlp.load(tmp_path / "model.npz"), npmlp.load(out / "model.npz")
    for k, v in replay.params.items():
        np.testing.assert_array_equal(v, page_net.params[k], err_msg=k)


def test_the_url_opens_the_same_run(page, server_url):
    _first_frame(page)
    page.select_option("#data", '"spirals"')
    page.wait_for_function("app.data.spec.startsWith('spirals:')")
    page.fill("#seed", "7")
    page.dispatch_event("#seed", "change")
    page.wait_for_function("app.data.spec.includes('seed=7')")
    page.click("#step")
    page.wait_for_function("document.getElementById('step-n').textContent === '1'")
    page.select_option("#optimizer", '"sgd"')
    page.wait_for_function("location.hash.includes('changes=')")
    url, config = page.url, page.evaluate("app.data.start")
    assert "#data=spirals&" in url and url.endswith("&changes=1:optimizer=sgd")
    other = page.context.browser.new_page(viewport={"width": 1280, "height": 800})
    other.goto(url)
    other.wait_for_function("app.data && app.data.spec.includes('seed=7')")
    assert other.evaluate("app.data.start") == config
    assert other.evaluate("app.changesText") == "1:optimizer=sgd"
    other.click("#epoch")
    page.click("#epoch")
    for tab in (page, other):
        tab.wait_for_function("document.getElementById('epoch-n').textContent === '1.00'")
        tab.click("#copy-command")
        tab.wait_for_selector("#command:not([hidden])")
    assert other.evaluate("app.command") == page.evaluate("app.command")
    assert other.inner_text("#train-loss") == page.inner_text("#train-loss")
    other.close()


SHOTS = os.environ.get("NPMLP_SHOTS")  # a folder: the screenshots of each mode are kept there


def _shot(page, name: str, size) -> None:
    """A screenshot at ``size``, kept in $NPMLP_SHOTS (and docs/screenshots with
    NPMLP_UPDATE_FIGURES); checked not blank."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.wait_for_timeout(400)  # the page's relayout after a resize
    path = Path(SHOTS or "/tmp") / f"{name}-{size[0]}.png"
    page.screenshot(path=str(path))
    with Image.open(path) as im:
        assert im.size == size and np.asarray(im.convert("L"), float).std() > 20
    if os.environ.get("NPMLP_UPDATE_FIGURES"):
        shutil.copyfile(path, SCREENSHOTS / path.name)


def test_an_exercise_answered_wrong_then_right_with_the_working(page):
    _first_frame(page)
    page.click("#tab-seed")
    page.click("#tiny-exercise")
    page.wait_for_selector("#ex-var")
    assert page.locator("#tiny tr[data-name='dl/dW^(1)'] .hidden-value").count() == 1
    assert page.locator("#tiny tr[data-name='W^(1)'] table.mat").count() == 1  # forward shown
    page.select_option("#ex-var", "dl/dW^(1)")
    page.select_option("#ex-entry", "1,2")
    page.fill("#ex-answer", "0.5")
    page.click("#ex-check")
    page.wait_for_selector(".verdict.wrong")
    working = page.inner_text("pre.working")
    assert working.startswith("dl/dW(1)[1,2] = Σ_n x(0)[n,1] · dl/dx(1)[n,2]   (eq. 24)\n= (")
    value = float(working.rsplit("=", 1)[1].replace("−", "-"))
    page.fill("#ex-answer", f"{value:.4f}")
    page.click("#ex-check")
    page.wait_for_selector(".verdict.right")
    assert page.inner_text(".verdict").startswith("✓ right")
    page.select_option("#ex-var", "dl/ds")
    page.select_option("#ex-entry", "all")
    page.fill("#ex-answer", "0.1 0.1; 0.1 0.1; 0.1 0.1; 0.1 0.1")
    page.click("#ex-check")
    page.wait_for_function("document.querySelector('.verdict').textContent.includes('dl/ds')")
    assert "wrong entries: [0, 0] [0, 1]" in page.inner_text("#ex-result")
    for size in ((1280, 800), (1920, 1080)):
        _shot(page, "playground-exercise", size)


def test_rough_edges_headers_command_and_frames_keep_coming_with_a_unit_enlarged(page):
    _first_frame(page)
    page.select_option("#data", '"spirals"')
    page.wait_for_function("app.data.spec.startsWith('spirals:')")
    page.select_option("#layers", "7")
    page.wait_for_function("app.data.layers === 7")
    page.click("canvas.unit[data-layer='3'][data-unit='2']")
    page.wait_for_function("document.getElementById('enlarged-title').textContent !== ''")
    boxes = page.evaluate(
        "[...document.querySelectorAll('.col-label')].map(e => e.getBoundingClientRect())"
        ".map(r => [r.left, r.right])"
    )
    assert len(boxes) == 5 and all(a[1] <= b[0] for a, b in zip(boxes, boxes[1:]))  # apart
    page.click("#play")
    page.wait_for_timeout(2000)
    seen = []
    for _ in range(6):
        page.wait_for_timeout(500)
        seen.append(float(page.inner_text("#fps")))
    page.click("#play")
    # frames keep coming with a unit enlarged (the rate itself is benchmarks/playground_fps.py's)
    assert min(seen) > 0, seen
    page.click("#copy-command")
    page.wait_for_selector("#command:not([hidden])")
    box = page.evaluate("document.getElementById('command').getBoundingClientRect().right")
    opts = page.evaluate(
        "[...document.querySelectorAll('#command .opt')].map(e => e.getBoundingClientRect())"
        ".map(r => [r.right, r.height])"
    )
    assert all(right <= box + 0.5 for right, _ in opts)  # nothing runs off the page
    assert sum(h < 20 for _, h in opts) >= len(opts) - 1  # each option on one line
    assert page.evaluate("app.command").startswith("npmlp train --data spirals:")
