"""A misbehaving download mirror on 127.0.0.1, for the hostile corpus.

Each first path segment picks a behaviour; the rest of the path is ignored:

- ``/endless/...``: 200, no Content-Length, zeros forever;
- ``/liar/...``: 200 announcing 6 GB;
- ``/trickle/...``: 200, then one byte every 0.5 s;
- ``/silent/...``: reads the request and never answers;
- ``/redirect/...``: 302 to a plain-http address off this machine;
- ``/stall/...``: 4 MB at once, then nothing (a partial file on disk, for the SIGTERM test).
"""

from __future__ import annotations

import contextlib
import http.server
import threading
import time

_STOP = threading.Event()
_ZEROS = bytes(1 << 16)


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _wait(self, seconds: float) -> bool:
        """Sleep unless the server stops; False once it does."""
        return not _STOP.wait(seconds)

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        kind = self.path.strip("/").split("/")[0]
        try:
            getattr(self, f"_{kind}", self._missing)()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    def _missing(self):
        self.send_error(404)

    def _endless(self):
        self.send_response(200)
        self.end_headers()
        while not _STOP.is_set():
            self.wfile.write(_ZEROS)

    def _liar(self):
        self.send_response(200)
        self.send_header("Content-Length", str(6 << 30))
        self.end_headers()
        self.wfile.write(_ZEROS)

    def _trickle(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.flush()
        while self._wait(0.5):
            self.wfile.write(b"\0")
            self.wfile.flush()

    def _silent(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self._wait(0.1):
            pass

    def _redirect(self):
        self.send_response(302)
        self.send_header("Location", "http://192.0.2.1/mnist/train-images-idx3-ubyte.gz")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _stall(self):
        self.send_response(200)
        self.end_headers()
        for _ in range(64):
            self.wfile.write(_ZEROS)
        self.wfile.flush()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self._wait(0.1):
            pass


@contextlib.contextmanager
def hostile_server():
    """Serve the behaviours above on http://127.0.0.1:PORT; yields the base address."""
    _STOP.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        _STOP.set()
        server.shutdown()
        server.server_close()
        thread.join()
