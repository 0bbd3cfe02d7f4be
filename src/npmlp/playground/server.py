"""The playground's web server: the page, and one WebSocket session per browser tab.

Routes: ``/`` the page, ``/static/...`` its script and style, ``/ws`` the session socket,
``/session/{id}/model.npz`` the session's network as a model file.

The page sends JSON text messages (``{"type": "play"}``, ``{"type": "config", "config":
{...}}``...; see :data:`TYPES`); the server answers with JSON text (``data``, ``state``,
``seed_view``, ``tiny``, ``command``, ``changes``, ``exercise``, ``error``) and binary frames (:mod:`.frames`). A bad
message gets ``{"type": "error", "message": ...}`` back and a line in the log; the session
goes on (a message nested deeper than :data:`MAX_DEPTH` is refused before it is parsed). Every
training step and picture runs in a worker thread, one call at a time per
session, so the event loop only moves bytes. A session sends a frame only while the page has
acknowledged all but :data:`MAX_UNACKED` of the previous ones: a slow page slows the frames
down instead of piling them up.

The server answers only requests addressed to itself: every HTTP request and WebSocket
handshake must carry a ``Host`` of the allowlist (:func:`default_hosts`: the address it bound,
``localhost``, ``127.0.0.1`` and ``[::1]`` with its port; ``npmlp playground --allow-host``
adds more), and an ``Origin``, when sent, must name one of them too. A page of another name
that resolves to 127.0.0.1 (DNS rebinding) gets no page, no socket and no model.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..core.errors import NpmlpError
from ..core.threads import blas_threads
from . import config as cfgmod
from ._guard import LOOPBACK, HostCheck, default_hosts, json_depth
from .session import Session

__all__ = [
    "LOOPBACK",
    "create_app",
    "uvicorn_server",
    "default_hosts",
    "TYPES",
    "MAX_MESSAGE",
    "MAX_DEPTH",
    "WS_MAX_SIZE",
]

log = logging.getLogger("npmlp.playground")
STATIC = Path(__file__).parent / "static"
MAX_MESSAGE = 65536  # bytes of one message from the page
WS_MAX_SIZE = 4 * 2**20  # uvicorn drops a socket that sends more; up to it, an error message
MAX_UNACKED = 2  # frames sent and not yet acknowledged by the page
MAX_DEPTH = 16  # nesting of a message's arrays and objects (the page's are 3 deep)
TYPES = (
    "config",
    "play",
    "pause",
    "step",
    "epoch",
    "reset",
    "speed",
    "ack",
    "select",
    "inspect",
    "tiny",
    "command",
    "change",
    "exercise",
)


class Gone(Exception):
    """The page closed its socket while the server was sending to it."""


class Runner:
    """One socket's session: its messages, its play loop, its frames."""

    def __init__(self, ws: WebSocket, pool: ThreadPoolExecutor, max_fps: float):
        self.ws, self.pool, self.max_fps = ws, pool, max_fps
        self.id = secrets.token_urlsafe(12)
        self.session: Session | None = None
        self.lock = asyncio.Lock()  # one session call at a time
        self.send_lock = asyncio.Lock()
        self.playing, self.steps_per_frame, self.unacked = False, 5, 0
        self.wake = asyncio.Event()

    async def call(self, fn, *args):
        """``fn(*args)`` in a worker thread, after any other call of this session."""
        async with self.lock:
            return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    async def send(self, message) -> None:
        async with self.send_lock:
            try:
                if isinstance(message, bytes):
                    await self.ws.send_bytes(message)
                else:
                    await self.ws.send_text(json.dumps(message, separators=(",", ":")))
            except (WebSocketDisconnect, RuntimeError) as e:  # starlette's "already closed"
                raise Gone() from e

    async def error(self, text: str) -> None:
        log.warning("session %s: %s", self.id, text)
        await self.send({"type": "error", "message": text})

    async def state(self) -> None:
        await self.send({"type": "state", "playing": self.playing, "steps": self.steps_per_frame})

    async def frame(self) -> None:
        data = await self.call(self.session.frame, self.playing)
        self.unacked += 1
        await self.send(data)

    async def start(self) -> None:
        self.session = await self.call(Session)
        hello = {
            "type": "hello",
            "session": self.id,
            "limits": cfgmod.LIMITS,
            "defaults": cfgmod.DEFAULTS,
            "choices": cfgmod.choices(),
        }
        await self.send(hello)
        await self.new_run()

    async def new_run(self) -> None:
        await self.send(await self.call(self.session.data_message))
        await self.state()
        await self.frame()

    # ------------------------------------------------------------------ the play loop
    def _advance(self, steps: int) -> bytes:
        self.session.advance(steps)
        return self.session.frame(True)

    async def play_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self.wake.wait()
            if not self.playing or self.unacked >= MAX_UNACKED:
                self.wake.clear()
                continue
            t0 = loop.time()
            try:
                data = await self.call(self._advance, self.steps_per_frame)
            except Exception as e:  # diverged (or a bug): stop, say why, show the weights
                message = str(e)
                if not isinstance(e, NpmlpError):
                    log.exception("session %s: training failed", self.id)
                    message = "internal error while training (see the server's log)"
                self.playing = False
                await self.error(message)
                await self.state()
                await self.frame()
                continue
            self.unacked += 1
            await self.send(data)
            await asyncio.sleep(max(0.0, 1.0 / self.max_fps - (loop.time() - t0)))

    # ------------------------------------------------------------------ messages
    async def handle(self, raw: dict) -> None:
        """One message from the page; every problem becomes an error message, never a crash."""
        text = raw.get("text")
        if text is None:
            return await self.error("send JSON text messages, not binary ones")
        if len(text) > MAX_MESSAGE // 4 and len(text.encode()) > MAX_MESSAGE:
            size = len(text.encode())
            return await self.error(f"message too large: {size} bytes (at most {MAX_MESSAGE})")
        depth = json_depth(text)
        if depth > MAX_DEPTH:
            return await self.error(f"message nested {depth} deep (at most {MAX_DEPTH})")
        try:
            msg = json.loads(text)
        except json.JSONDecodeError as e:
            return await self.error(f"message is not JSON: {e.msg} at character {e.pos}")
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            return await self.error('a message must be a JSON object with a "type"')
        kind = msg["type"]
        if kind not in TYPES:
            shown = cfgmod.shown(kind)
            return await self.error(f"unknown message type {shown}; use one of {', '.join(TYPES)}")
        try:
            await getattr(self, f"on_{kind}")(msg)
        except Gone:
            raise
        except NpmlpError as e:
            await self.error(str(e))
        except Exception:  # a bug: log it in full, tell the page, keep the session
            log.exception("session %s: message %s failed", self.id, kind)
            await self.error(f"internal error while handling {kind!r} (see the server's log)")

    async def on_config(self, msg) -> None:
        await self.call(self.session.configure, msg.get("config"))
        await self.new_run()

    async def on_reset(self, msg) -> None:
        await self.call(self.session.reset)
        await self.new_run()

    async def on_play(self, msg) -> None:
        self.playing = True
        self.wake.set()
        await self.state()

    async def on_pause(self, msg) -> None:
        self.playing = False
        await self.state()

    async def _pause_then(self, fn) -> None:
        if self.playing:
            self.playing = False
            await self.state()
        await self.call(fn)
        await self.frame()

    async def on_step(self, msg) -> None:
        await self._pause_then(self.session.step)

    async def on_epoch(self, msg) -> None:
        await self._pause_then(self.session.finish_epoch)

    async def on_speed(self, msg) -> None:
        self.steps_per_frame = cfgmod.whole("steps", msg.get("steps"), *cfgmod.LIMITS["steps"])
        await self.state()

    async def on_ack(self, msg) -> None:
        self.unacked = max(0, self.unacked - 1)
        self.wake.set()

    async def on_select(self, msg) -> None:
        await self.call(self.session.select, msg.get("unit"))
        if not self.playing:
            await self.frame()

    async def on_inspect(self, msg) -> None:
        await self.send(await self.call(self.session.seed_view))

    async def on_tiny(self, msg) -> None:
        fresh = msg.get("fresh", True)
        if not isinstance(fresh, bool):
            raise NpmlpError(f"fresh must be true or false, got {cfgmod.shown(fresh)}")
        await self.send(await self.call(self.session.tiny, fresh))

    async def on_command(self, msg) -> None:
        await self.send(await self.call(self.session.command))

    async def on_exercise(self, msg) -> None:
        """The learner's value of a gradient of the tiny network: right or wrong, the working."""
        args = (msg.get("variable"), msg.get("entry"), msg.get("answer"))
        await self.send(await self.call(self.session.exercise, *args))

    async def on_change(self, msg) -> None:
        """A live change of lr, l2, batch size or optimiser: made by the loop, no reset."""
        changed = await self.call(self.session.change, msg.get("setting"), msg.get("value"))
        await self.send(changed)
        if not self.playing:
            await self.frame()


async def _serve(ws: WebSocket, runner: Runner, idle_timeout: float) -> None:
    """One page's session: frames played and messages handled until the page goes away or
    sends nothing for ``idle_timeout`` seconds."""
    loop_task = None
    try:
        await runner.start()
        loop_task = asyncio.create_task(runner.play_loop())
        while True:
            raw = await asyncio.wait_for(ws.receive(), idle_timeout)
            if raw["type"] == "websocket.disconnect":
                break
            await runner.handle(raw)
    except asyncio.TimeoutError:
        with contextlib.suppress(Gone, WebSocketDisconnect, RuntimeError):
            await runner.error(
                f"closed after {idle_timeout:g} s without a message; reload the page"
            )
            await ws.close(code=1000)
    except (Gone, WebSocketDisconnect):
        pass  # the page went away
    finally:
        if loop_task is not None:
            loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await loop_task


def create_app(
    *,
    max_sessions: int = 8,
    idle_timeout: float = 900.0,
    max_fps: float = 30.0,
    workers: int = 2,
    hosts=LOOPBACK,
):
    """The playground's ASGI application (Starlette behind :class:`HostCheck`).

    hosts : the ``Host`` values it answers (``name:port``, or a name on any port); the
        command passes :func:`default_hosts` and its ``--allow-host`` values.
    max_sessions : sockets open at once; one more gets an error message and is closed.
    idle_timeout : seconds without a message from the page before its session is closed.
    max_fps : frames per second of a playing session at most.
    workers : threads that run the sessions' training and pictures.
    """
    runners: dict[str, Runner] = {}
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="npmlp-playground")

    async def page(request):
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def model_file(request):
        runner = runners.get(request.path_params["sid"])
        if runner is None or runner.session is None:
            return PlainTextResponse("no such session (it has ended); reload the page", 404)
        data = await runner.call(runner.session.model_bytes)
        headers = {"Content-Disposition": 'attachment; filename="playground-model.npz"'}
        return Response(data, media_type="application/octet-stream", headers=headers)

    async def socket(ws: WebSocket):
        await ws.accept()
        if len(runners) >= max_sessions:
            message = f"too many playground sessions are open ({max_sessions}); close a tab"
            log.warning(message)
            await ws.send_text(json.dumps({"type": "error", "message": message}))
            return await ws.close(code=1013)
        runner = Runner(ws, pool, max_fps)
        runners[runner.id] = runner
        try:
            await _serve(ws, runner, idle_timeout)
        finally:
            runners.pop(runner.id, None)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        with blas_threads(1):  # small products: one BLAS thread each, as npmlp train picks
            yield
        pool.shutdown(wait=False, cancel_futures=True)

    app = Starlette(
        routes=[
            Route("/", page),
            Route("/session/{sid}/model.npz", model_file),
            WebSocketRoute("/ws", socket),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        lifespan=lifespan,
    )
    app.state.runners = runners
    checked = HostCheck(app, hosts)
    checked.state = app.state
    return checked


def uvicorn_server(app=None):
    """The uvicorn server ``npmlp playground`` runs: ``server.run(sockets=[sock])`` serves."""
    import uvicorn

    config = uvicorn.Config(
        app or create_app(), log_level="warning", ws_max_size=WS_MAX_SIZE, lifespan="on"
    )
    return uvicorn.Server(config)
