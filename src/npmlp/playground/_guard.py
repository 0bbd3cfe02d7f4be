"""The playground's guard: it answers only requests addressed to itself.

:class:`HostCheck` (ASGI middleware) refuses an HTTP request or a WebSocket handshake whose
``Host`` is not in the allowlist, or whose ``Origin``, when sent, names no host of it: a page
of another name that resolves to 127.0.0.1 (DNS rebinding) gets no page, no socket and no
model. :func:`default_hosts` is the allowlist of ``npmlp playground``; :func:`json_depth`
measures a message's nesting before it is parsed.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from starlette.responses import PlainTextResponse

__all__ = ["HostCheck", "default_hosts", "json_depth", "LOOPBACK"]

log = logging.getLogger("npmlp.playground")
LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


def json_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` in a JSON ``text``, strings skipped; counted
    without parsing (a linear scan), so a message nested 100,000 deep costs no recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    return deepest


def default_hosts(host: str, port: int) -> tuple:
    """The ``Host`` values a playground bound to ``host:port`` answers: that address and the
    loopback names, each with the port (and without it on port 80, as browsers send it)."""
    bound = f"[{host}]" if ":" in host else host
    names = dict.fromkeys([bound.lower(), *LOOPBACK])
    return tuple(f"{n}:{port}" for n in names) + (tuple(names) if port == 80 else ())


def _allowed(value: str | None, hosts: frozenset) -> bool:
    """Whether a ``Host`` value (``name[:port]``) is in ``hosts``; an entry without a port
    allows that name on any port."""
    if not value:
        return False
    value = value.strip().lower()
    if value in hosts:
        return True
    name = value.rsplit(":", 1)[0] if not value.endswith("]") else value
    return name in hosts


class HostCheck:
    """ASGI middleware: a request whose ``Host`` or ``Origin`` is not in ``hosts`` gets a 421
    (HTTP) or a close before the handshake (WebSocket), and nothing of the app."""

    def __init__(self, app, hosts):
        self.app, self.hosts = app, frozenset(h.lower() for h in hosts)

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and not self._ours(scope):
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            return await PlainTextResponse(
                "this playground answers only its own address (see npmlp playground --allow-host)",
                421,
            )(scope, receive, send)
        return await self.app(scope, receive, send)

    def _ours(self, scope) -> bool:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        ok = _allowed(headers.get("host"), self.hosts)
        origin = headers.get("origin")
        if ok and origin is not None:
            ok = _allowed(urlsplit(origin).netloc, self.hosts)
        if not ok:
            log.warning(
                "refused a request for host %r from origin %r",
                (headers.get("host") or "")[:80],
                (origin or "")[:80],
            )
        return ok
