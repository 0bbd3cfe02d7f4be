"""Frames per second and bytes per frame of ``npmlp playground``, through the real server.

Starts the playground's app under uvicorn on 127.0.0.1 in a child process (as ``npmlp
playground`` does), connects a WebSocket client, sets moons with 1,000 points, L=5 and two
hidden layers of 16, presses play and counts the frames that arrive in ``--seconds``,
acknowledging each one as the page does. Each frame holds the 64 x 64 decision regions, every
unit's heat map, the weights and the metrics for the curves. Prints one line per setting.

    .venv/bin/python benchmarks/playground_fps.py                 # the server's 30 frames/s cap
    .venv/bin/python benchmarks/playground_fps.py --max-fps 1000  # how fast it could go
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from websockets.sync.client import connect

SERVER = """
import socket, sys
from npmlp.playground.server import create_app, uvicorn_server
sock = socket.socket(); sock.bind(("127.0.0.1", 0)); sock.listen(64)
print(sock.getsockname()[1], flush=True)
uvicorn_server(create_app(max_fps=float(sys.argv[1]))).run(sockets=[sock])
"""

SETTINGS = {"data": "moons", "n": 1000, "layers": 5, "widths": [16, 16], "batch_size": 32}


def measure(port: int, steps: int, seconds: float, enlarged: bool = False) -> dict:
    with connect(f"ws://127.0.0.1:{port}/ws", max_size=2**24) as ws:
        ws.send(json.dumps({"type": "config", "config": SETTINGS}))
        ws.send(json.dumps({"type": "speed", "steps": steps}))
        if enlarged:  # x^(3) unit 2 enlarged: its 64 x 64 map in every frame
            ws.send(json.dumps({"type": "select", "unit": [3, 2]}))
        last_step = 0
        while True:  # the fresh run's first frame
            m = ws.recv()
            if isinstance(m, bytes):
                ws.send('{"type": "ack"}')
                break
        ws.send('{"type": "play"}')
        frames, size, t0 = 0, 0, None
        while True:
            m = ws.recv()
            if not isinstance(m, bytes):
                continue
            ws.send('{"type": "ack"}')
            n = int.from_bytes(m[:4], "little")
            header = json.loads(m[4 : 4 + n])
            if t0 is None:  # start the clock at the first frame of play
                t0, first_step = time.perf_counter(), header["step"]
                continue
            frames, size, last_step = frames + 1, size + len(m), header["step"]
            if time.perf_counter() - t0 >= seconds:
                break
        elapsed = time.perf_counter() - t0
        ws.send('{"type": "pause"}')
    return {
        "fps": frames / elapsed,
        "bytes_per_frame": size / frames,
        "steps_per_frame": (last_step - first_step) / frames,
        "test_acc": header["test_acc"],
        "epoch": header["epoch"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--steps", type=int, nargs="+", default=[5, 20], help="steps per frame")
    ap.add_argument("--max-fps", type=float, default=30.0, help="the server's frame cap")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(args.max_fps)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        port = int(server.stdout.readline())
        time.sleep(0.5)
        print(f"moons n=1000, L=5, widths 16,16, batch 32; server cap {args.max_fps:g} frames/s")
        for steps, enlarged in [(s, e) for e in (False, True) for s in args.steps]:
            r = measure(port, steps, args.seconds, enlarged)
            print(
                f"{'unit enlarged' if enlarged else 'no unit     '}  "
                f"steps/frame {r['steps_per_frame']:5.1f}  frames/s {r['fps']:6.1f}  "
                f"bytes/frame {r['bytes_per_frame']:8.0f}  "
                f"({r['epoch']:.1f} epochs, test accuracy {r['test_acc']:.3f})"
            )
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
