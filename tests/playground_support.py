"""The playground's real server (uvicorn) in a thread on a free port, for tests."""

from __future__ import annotations

import contextlib
import socket
import threading
import time


@contextlib.contextmanager
def real_server(app=None, *, as_command=False):
    """Yield the base URL ``http://127.0.0.1:PORT/`` of a running playground server;
    ``as_command``: the app ``npmlp playground`` serves (Host allowlist with the port)."""
    from npmlp.playground.server import create_app, default_hosts, uvicorn_server

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    if as_command:
        app = create_app(hosts=default_hosts("127.0.0.1", sock.getsockname()[1]))
    server = uvicorn_server(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    finally:
        server.should_exit = True
        thread.join(20)
        sock.close()
