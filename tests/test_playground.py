"""npmlp playground's server: the page, the sessions, bad messages, the command line.

Through Starlette's TestClient (no network); the last tests start the real command.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402

from npmlp.cli import main  # noqa: E402
from npmlp.playground.frames import decode  # noqa: E402
from npmlp.playground.server import LOOPBACK, TYPES, create_app  # noqa: E402

HOSTS = (*LOOPBACK, "testserver")


@pytest.fixture
def client():
    # "testserver": the Host of TestClient's requests and sockets
    with TestClient(create_app(max_fps=1000.0, hosts=HOSTS)) as c:
        yield c


def opening(ws) -> dict:
    """The messages every new session starts with: hello, data, state, then one frame."""
    out = {m["type"]: m for m in (ws.receive_json() for _ in range(3))}
    out["frame"] = decode(ws.receive_bytes())
    ws.send_json({"type": "ack"})
    return out


def next_frame(ws):
    """The next binary frame (acknowledged), skipping text messages."""
    while True:
        m = ws.receive()
        if m.get("bytes") is not None:
            ws.send_json({"type": "ack"})
            return decode(m["bytes"])


def next_json(ws, kind: str) -> dict:
    while True:
        m = ws.receive()
        if m.get("text") is not None and json.loads(m["text"])["type"] == kind:
            return json.loads(m["text"])


def test_page_and_static_files(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for needed in ('id="regions"', 'id="diagram"', 'id="test-acc"', 'id="seed-view"'):
        assert needed in page.text
    scripts = re.findall(r'src="(/static/[^"]+)"', page.text)
    assert scripts == ["/static/views.js", "/static/seed.js", "/static/app.js"]
    for path in scripts + ["/static/style.css"]:
        r = client.get(path)
        assert r.status_code == 200 and len(r.content) > 1000, path
    assert "javascript" in client.get("/static/app.js").headers["content-type"]
    assert client.get("/static/nothing.js").status_code == 404
    assert "http" not in re.sub(r"https?://(127\.0\.0\.1|localhost)", "", page.text)  # no CDN
    status = re.search(r'<div id="status"[^>]*>([^<]*)<', page.text)
    assert status.group(1).startswith("connecting")  # shown until the first frame comes


def test_a_live_change_over_the_socket_keeps_the_run(client):
    with client.websocket_connect("/ws") as ws:
        next_json(ws, "data")
        ws.send_text('{"type": "step"}')
        ws.send_text('{"type": "change", "setting": "l2", "value": 0.01}')
        changed = next_json(ws, "changes")
        assert changed["changes"] == [[1, "weight_decay", 0.01]] and changed["marks"]
        assert changed["config"]["l2"] == 0.01 and changed["text"] == "1:weight_decay=0.01"
        ws.send_text('{"type": "change", "setting": "layers", "value": 3}')
        assert next_json(ws, "error")["message"].startswith("setting must be one of lr, l2")


def test_session_trains_moons_to_95_percent_test_accuracy(client):
    with client.websocket_connect("/ws") as ws:
        start = opening(ws)
        assert start["hello"]["limits"]["width"] == [1, 64]
        assert start["data"]["config"]["data"] == "moons" and len(start["data"]["labels"]) == 500
        assert sum(start["data"]["test"]) == 100  # test share 0.2, marked apart
        ws.send_json({"type": "speed", "steps": 20})
        ws.send_json({"type": "play"})
        frames, h = 0, {"test_acc": 0.0}
        while h["test_acc"] < 0.95 and frames < 300:
            h, seg = next_frame(ws)
            frames += 1
        assert h["test_acc"] >= 0.95, f"test accuracy {h['test_acc']} after {frames} frames"
        assert h["playing"] and h["step"] >= 20 * frames - 20
        assert seg["cls"].shape == (64 * 64,) and set(np.unique(seg["cls"])) == {0, 1}
        assert seg["units"].shape == (16, 32, 32)  # two hidden layers of 8: one map per unit
        assert seg["out"].shape == (2, 32, 32)
        assert seg["W"].shape == (2 * 8 + 8 * 8 + 8 * 2,) and len(h["w_scale"]) == 3
        ws.send_json({"type": "pause"})
        assert next_json(ws, "state")["playing"] is False


def test_step_epoch_inspect_select_and_command(client):
    with client.websocket_connect("/ws") as ws:
        start = opening(ws)
        n_batches = start["data"]["n_batches"]
        assert n_batches == 13  # 400 training rows in batches of 32
        ws.send_json({"type": "step"})
        assert next_frame(ws)[0]["step"] == 1
        ws.send_json({"type": "epoch"})
        h, _ = next_frame(ws)
        assert (h["step"], h["epoch"]) == (n_batches, 1.0)
        ws.send_json({"type": "inspect"})
        view = next_json(ws, "seed_view")
        shapes = {r["name"]: (r["letters"], r["shape"]) for r in view["rows"]}
        assert shapes["x^(0)"] == ("N × D", "32 × 2") and shapes["dl/dW^(3)"] == ("H × H", "8 × 8")
        ws.send_json({"type": "select", "unit": [3, 7]})
        h, seg = next_frame(ws)
        assert h["big"]["layer"] == 3 and h["big"]["unit"] == 7 and seg["big"].shape == (64, 64)
        ws.send_json({"type": "command"})
        cmd = next_json(ws, "command")
        assert cmd["exact"] and "--epochs 1 " in cmd["command"]
        assert cmd["command"].startswith(
            "npmlp train --data moons:n=500,noise=0.2,seed=0 -L 5 -H 8"
        )


def test_model_file_download_loads_and_predicts(client, tmp_path):
    import npmlp

    with client.websocket_connect("/ws") as ws:
        sid = opening(ws)["hello"]["session"]
        ws.send_json({"type": "epoch"})
        h, _ = next_frame(ws)
        r = client.get(f"/session/{sid}/model.npz")
        assert r.status_code == 200 and r.content[:4] == b"PK\x03\x04"
        (tmp_path / "m.npz").write_bytes(r.content)
        net = npmlp.load(tmp_path / "m.npz")
        assert (net.D, net.H, net.L, net.C) == (2, 8, 5, 2)
        assert net.metadata["split"] == {"test_fraction": 0.2, "seed": 0}
        assert net.metadata["metrics"]["test_acc"] == h["test_acc"]
    assert client.get(f"/session/{sid}/model.npz").status_code == 404  # the session ended


MEGABYTE = '{"type": "config", "pad": "' + "x" * 2**20 + '"}'
BAD = [
    ('{"type": "warp"}', f"unknown message type 'warp'; use one of {', '.join(TYPES)}"),
    (
        '{"type": "config", "config": {"widths": [1000000, 8]}}',
        "each hidden width must be a whole number from 1 to 64, got 1000000",
    ),
    (
        '{"type": "config", "config": {"layers": 4}}',
        "layers must be odd (FC and activation alternate; the first and last are FC), got 4",
    ),
    ('{"type": "config", "config": {"lr": NaN}}', "lr must be a number in (0, 10], got nan"),
    ('{"type": "config", "config": {"lr": "fast"}}', "lr must be a number in (0, 10], got 'fast'"),
    (
        '{"type": "config", "config": {"n": "many"}}',
        "n must be a whole number from 20 to 2000, got 'many'",
    ),
    (
        '{"type": "config", "config": {"widths": [8, 8, 8]}}',
        "widths lists 3 hidden widths but layers=5 has 2 hidden layers",
    ),
    (
        '{"type": "config", "config": {"data": "iris"}}',
        "data must be one of moons, circles, blobs, spirals, xor, got 'iris'",
    ),
    ('{"type": "config", "config": 7}', "config must be a JSON object of settings, got 7"),
    ('{"type": "speed", "steps": 0}', "steps must be a whole number from 1 to 200, got 0"),
    (
        '{"type": "select", "unit": [2, 0]}',
        "unit must be [layer, index] of a hidden unit (layer 1, 3, ... 3), got [2, 0]",
    ),
    ('{"type": "tiny", "fresh": "yes"}', "fresh must be true or false, got 'yes'"),
    (
        "{oops",
        "message is not JSON: Expecting property name enclosed in double quotes at character 1",
    ),
    ("[1, 2]", 'a message must be a JSON object with a "type"'),
    (
        '{"type": "step", "x": ' + "[" * 30_000 + "]" * 30_000 + "}",
        "message nested 30001 deep (at most 16)",
    ),
    ('{"type": "pause", "x": "[[[[[[[[[[[[[[[[[[[[[[[[[", "y": ' + "[" * 15 + "]" * 15 + "}", None),
    (MEGABYTE, f"message too large: {len(MEGABYTE)} bytes (at most 65536)"),
]


@pytest.mark.parametrize("text,error", BAD, ids=[(e or "deep text")[:40] for _, e in BAD])
def test_a_bad_message_gets_an_error_and_the_session_goes_on(client, caplog, text, error):
    with client.websocket_connect("/ws") as ws:
        before = opening(ws)["data"]["config"]
        ws.send_text(text)
        if error is None:  # brackets inside a text do not count; 16 deep is allowed
            assert next_json(ws, "state")["playing"] is False
        else:
            assert next_json(ws, "error")["message"] == error
            assert error in caplog.text  # logged too
        ws.send_json({"type": "step"})  # still alive, settings unchanged
        h, seg = next_frame(ws)
        assert h["step"] == 1 and seg["units"].shape == (16, 32, 32)
        ws.send_json({"type": "command"})
        assert f"--seed {before['seed']} " in next_json(ws, "command")["command"]


def test_a_megabyte_message_through_the_real_server(caplog):
    """uvicorn itself lets a 1 MB message through to the session, which answers it."""
    from websockets.sync.client import connect

    from playground_support import real_server

    with real_server() as url, connect(url.replace("http", "ws") + "ws") as ws:
        while not isinstance(ws.recv(), bytes):  # hello, data, state, then the first frame
            pass
        ws.send(MEGABYTE)
        assert json.loads(ws.recv()) == {"type": "error", "message": BAD[-1][1]}
        ws.send('{"type": "step"}')
        while not isinstance(frame := ws.recv(), bytes):
            pass
        assert decode(frame)[0]["step"] == 1
    assert BAD[-1][1] in caplog.text  # and the server logged it


def test_a_failure_while_playing_stops_play_and_the_session_goes_on(client, monkeypatch):
    from npmlp.playground.session import Session

    def broken(self, steps):
        raise RuntimeError("a bug")

    with client.websocket_connect("/ws") as ws:
        opening(ws)
        monkeypatch.setattr(Session, "advance", broken)
        ws.send_json({"type": "play"})
        error = next_json(ws, "error")["message"]
        assert error == "internal error while training (see the server's log)"
        assert next_json(ws, "state")["playing"] is False
        monkeypatch.undo()
        ws.send_json({"type": "step"})
        while (h := next_frame(ws)[0])["step"] == 0:  # the frame sent after the failure
            pass
        assert h["step"] == 1


def test_binary_message_gets_an_error(client):
    with client.websocket_connect("/ws") as ws:
        opening(ws)
        ws.send_bytes(b"\x00\x01")
        assert next_json(ws, "error")["message"] == "send JSON text messages, not binary ones"


def test_two_sessions_are_independent(client):
    with client.websocket_connect("/ws") as a, client.websocket_connect("/ws") as b:
        sa, sb = opening(a), opening(b)
        assert sa["hello"]["session"] != sb["hello"]["session"]
        b.send_json({"type": "config", "config": {"data": "spirals", "classes": 3, "n": 300}})
        assert next_json(b, "data")["classes"] == 3
        a.send_json({"type": "epoch"})
        ha, sega = next_frame(a)
        assert ha["step"] == 13 and sega["out"].shape == (2, 32, 32)
        hb, segb = next_frame(b)  # b's fresh run: untouched by a's training
        assert hb["step"] == 0 and segb["out"].shape == (3, 32, 32)
        b.send_json({"type": "step"})
        assert next_frame(b)[0]["step"] == 1


def test_sessions_are_bounded_and_idle_ones_closed():
    with TestClient(create_app(max_sessions=1, idle_timeout=0.5, hosts=HOSTS)) as c:
        with c.websocket_connect("/ws") as first:
            opening(first)
            with c.websocket_connect("/ws") as second:
                message = second.receive_json()["message"]
                assert message == "too many playground sessions are open (1); close a tab"
            assert next_json(first, "error")["message"] == (
                "closed after 0.5 s without a message; reload the page"
            )
        with c.websocket_connect("/ws") as third:  # the idle one has left: room again
            assert opening(third)["hello"]["type"] == "hello"


def test_a_socket_from_another_site_is_refused(client):
    with pytest.raises(WebSocketDisconnect) as e:
        with client.websocket_connect("/ws", headers={"origin": "http://evil.example"}) as ws:
            ws.receive_json()
    assert e.value.code == 1008


FOREIGN = {"host": "rebound.example:8765"}  # a name of the attacker's resolving to 127.0.0.1


def test_a_foreign_host_gets_no_page_no_socket_and_no_model(client, caplog):
    with client.websocket_connect("/ws") as ws:
        sid = opening(ws)["hello"]["session"]
        assert client.get(f"/session/{sid}/model.npz").content[:2] == b"PK"
        refused = "this playground answers only its own address (see npmlp playground --allow-host)"
        for path in ("/", "/static/app.js", f"/session/{sid}/model.npz"):
            r = client.get(path, headers=FOREIGN)
            assert (r.status_code, r.text) == (421, refused), path
        with pytest.raises(WebSocketDisconnect) as e:
            with client.websocket_connect("/ws", headers=FOREIGN) as other:
                other.receive_json()
        assert e.value.code == 1008
        for origin in ("http://rebound.example:8765", "http://127.0.0.1.rebound.example", "null"):
            r = client.get("/", headers={"origin": origin})
            assert r.status_code == 421, origin
        assert client.get("/", headers={"origin": "http://testserver"}).status_code == 200
    assert "refused a request for host 'rebound.example:8765'" in caplog.text


def test_the_allowlist():
    from npmlp.playground._guard import _allowed, default_hosts, json_depth

    hosts = default_hosts("0.0.0.0", 8765)
    assert hosts == ("0.0.0.0:8765", "localhost:8765", "127.0.0.1:8765", "[::1]:8765")
    assert default_hosts("::1", 80) == (
        "[::1]:80",
        "localhost:80",
        "127.0.0.1:80",
        "[::1]",
        "localhost",
        "127.0.0.1",
    )
    allowed = frozenset(hosts)
    assert [
        _allowed(h, allowed)
        for h in ("LocalHost:8765", "[::1]:8765", "localhost", "localhost:80", "", None)
    ] == [True, True, False, False, False, False]
    assert _allowed("box:1", frozenset({"box"})) and _allowed("[::1]", frozenset({"[::1]"}))
    assert [json_depth(t) for t in ('{"a": [1, {"b": "]]]"}]}', '"[\\"[["', "[]" * 5, "")] == [
        3,
        0,
        1,
        0,
    ]


def test_help_does_not_import_the_web_server():
    code = (
        "import sys; from npmlp.cli import main; main(['--help']); "
        "print('STARLETTE', 'starlette' in sys.modules, 'uvicorn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "playground" in out.stdout and "STARLETTE False False" in out.stdout


def test_port_in_use_is_one_error_line(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        assert main(["playground", "--port", str(port), "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"npmlp: error: cannot listen on 127.0.0.1:{port} (Address already in use); pick "
        "another port with --port (--port 0 takes a free one)\n"
    )


def test_the_command_serves_the_page_and_ctrl_c_stops_it():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "npmlp", "playground", "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        first = proc.stdout.readline()
        url = re.match(r"npmlp playground: (http://127\.0\.0\.1:\d+/)$", first.strip()).group(1)
        assert proc.stdout.readline() == "press Ctrl-C to stop it\n"
        for _ in range(100):
            try:
                page = urllib.request.urlopen(url, timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert 'id="regions"' in page
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out == "npmlp playground: stopped\n" and "Traceback" not in err


def test_the_readme_shows_the_playground():
    from PIL import Image

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "## Playground" in readme and "(docs/figures/playground.png)" in readme
    with Image.open(root / "docs" / "figures" / "playground.png") as im:
        assert im.size == (1280, 800)


def test_allow_host_adds_names_to_the_commands_allowlist(monkeypatch, capsys):
    """``npmlp playground --allow-host NAME``: the app answers its own names and NAME."""
    import npmlp.playground.server as server
    from npmlp.cli import main

    seen = {}

    class Server:
        def run(self, sockets):
            seen["port"] = sockets[0].getsockname()[1]
            sockets[0].close()

    monkeypatch.setattr(server, "create_app", lambda hosts: seen.setdefault("hosts", hosts))
    monkeypatch.setattr(server, "uvicorn_server", lambda app: Server())
    args = ["playground", "--port", "0", "--no-browser", "--allow-host", "lab.example:8000"]
    assert main([*args, "--allow-host", "box.local"]) == 0
    port = seen["port"]
    assert seen["hosts"] == (
        f"127.0.0.1:{port}",
        f"localhost:{port}",
        f"[::1]:{port}",
        "lab.example:8000",
        "box.local",
    )
    assert capsys.readouterr().out.startswith(f"npmlp playground: http://127.0.0.1:{port}/")
