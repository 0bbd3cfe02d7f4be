"""``npmlp playground``: a local web page that trains the seed's network live."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import webbrowser

import click

from ..core.errors import NpmlpError
from ..core.interrupt import Interrupted
from .options import CONTEXT

LOOPBACK_NAMES = ("localhost",)


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free one), or one clear NpmlpError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise NpmlpError(
            f"cannot listen on {host}:{port} ({e.strerror or e}); pick another port with "
            "--port (--port 0 takes a free one)"
        ) from None
    sock.listen(64)
    return sock


def _open_when_started(server, url: str) -> None:
    def wait_then_open():
        for _ in range(200):
            if server.started:
                webbrowser.open(url)
                return
            time.sleep(0.05)

    threading.Thread(target=wait_then_open, daemon=True).start()


@click.command(context_settings=CONTEXT)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port to listen on; 0 takes a free one.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; keep a loopback one (the page has no login).",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME[:PORT]",
    help="Also answer requests for this host name (the page is served only to its own "
    "address, localhost, 127.0.0.1 and [::1] otherwise); repeat for several.",
)
@click.option("--no-browser", is_flag=True, help="Do not open the page in the default browser.")
def playground(port, host, allow_hosts, no_browser):
    """Watch the seed's network learn, live, in the browser.

    Starts a local web server and opens its page: pick a 2-D data set (moons, circles, blobs,
    xor, spirals), the layers and widths, the optimiser, then press play. Training runs in
    npmlp itself (its MLP and optimisers); the page shows the decision regions, the loss and
    accuracy curves, every hidden unit's heat map, and the seed's view of the graph: every
    x^(i), W^(i), dl/dx^(i), dl/dW^(i) with its shape and the equation that made it.
    Ctrl-C stops the server.

    \b
    Examples:
      npmlp playground
      npmlp playground --port 9000 --no-browser
    """
    try:  # starlette and uvicorn load only for this command
        import uvicorn  # noqa: F401

        from ..playground.server import create_app, default_hosts, uvicorn_server
    except ImportError as e:
        raise NpmlpError(
            f"npmlp playground needs {e.name or 'starlette and uvicorn'}; install it with "
            "'pip install starlette uvicorn websockets'"
        ) from None

    if not _is_loopback(host):
        click.echo(
            f"npmlp: warning: listening on {host}: anyone who reaches it can use the playground",
            err=True,
        )
    sock = _listen(host, port)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{sock.getsockname()[1]}/"
    hosts = default_hosts(host, sock.getsockname()[1]) + tuple(allow_hosts)
    server = uvicorn_server(create_app(hosts=hosts))
    click.echo(f"npmlp playground: {url}")
    click.echo("press Ctrl-C to stop it")
    if not no_browser:
        _open_when_started(server, url)
    try:
        server.run(sockets=[sock])
    except (KeyboardInterrupt, Interrupted):  # uvicorn shuts down, then raises the signal again
        pass
    finally:
        sock.close()
    click.echo("npmlp playground: stopped")
