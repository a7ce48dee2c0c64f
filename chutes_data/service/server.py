"""How the Streamlit server (`st.App` in dashboard.py) runs the service: the routes, the
middleware (Host checks, JSON errors, CORS, 404/405 under /api/) and the lifespan. No streamlit
import: Starlette and asyncio only (dashboard.py passes Streamlit's bind address in).

The lifespan reads the settings when the server starts (after Streamlit has exported
`.streamlit/secrets.toml`), starts the `Service` (background refresher, webhooks) and stops it.
It also chains a handler onto SIGTERM/SIGINT that sets the service's shutdown event before
uvicorn's own handler runs: uvicorn waits for open responses to finish before it shuts the
lifespan down, so an open `/api/events` stream would otherwise keep the server up indefinitely.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute, Match, Route

from ..config import Settings
from ..urls import shorten
from . import hosts

log = logging.getLogger(__name__)
MAX_ERROR_TEXT = 200  # a longer text body from another layer is not passed on as a message


def routes() -> list[BaseRoute]:
    from .api import build_routes

    return build_routes()


def middleware(
    bind: tuple[str | None, int | None] | None = None, settings: Callable[[], Settings] | None = None
) -> list[Middleware]:
    """The server's middleware, outermost first. `bind` is Streamlit's (server.address,
    server.port), recorded for `hosts.base_url()`; `settings` (for tests) defaults to the running
    service's settings, read from the environment until it starts."""
    if bind is not None:
        hosts.configure(*bind)
    read = settings or _settings
    return [
        Middleware(HostCheck, settings=read),
        Middleware(JsonErrors),
        Middleware(Cors, settings=read),
        Middleware(Methods),
    ]


def _settings() -> Settings:
    from . import runtime

    service = runtime.current()
    return service.settings if service is not None else Settings.from_env()


def _is_api(scope: dict) -> bool:
    path = scope.get("path", "")
    return path == "/api" or path.startswith("/api/")


async def _send_json(send: Any, status: int, doc: dict, headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps(doc).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class JsonErrors:
    """Under /api/, an error answered by a layer outside our handlers (Streamlit's path-security
    middleware rejecting `..`, say) still gets a JSON body, never text or an HTML page. Its other
    headers (`Allow` on a 405, CORS) are kept."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or not _is_api(scope):
            await self.app(scope, receive, send)
            return
        held: dict[str, Any] = {}

        async def guarded(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = dict((k.lower(), v) for k, v in message.get("headers", []))
                kind = headers.get(b"content-type", b"")
                if message["status"] >= 400 and not kind.startswith(b"application/json"):
                    held["status"] = message["status"]
                    held["headers"] = [  # Allow, Vary, CORS ... kept; the body's own replaced
                        (k, v)
                        for k, v in message.get("headers", [])
                        if k.lower() not in (b"content-type", b"content-length", b"content-encoding")
                    ]
                    plain = kind.startswith(b"text/plain") and b"content-encoding" not in headers
                    held["text"] = bytearray() if plain else None
                    return
            elif held and message["type"] == "http.response.body":
                if held["text"] is not None and len(held["text"]) <= MAX_ERROR_TEXT:
                    held["text"] += message.get("body", b"")
                if message.get("more_body"):
                    return
                await _send_json(
                    send, held["status"], _error_doc(held["status"], held["text"]), held["headers"]
                )
                return
            await send(message)

        await self.app(scope, receive, guarded)


def _error_doc(status: int, text: bytes | None) -> dict:
    """The JSON of an error another layer answered in text: its short plain-text reason when it
    gave one (Starlette's "Disallowed CORS origin"), else the status phrase."""
    reason = (text or b"").decode("utf-8", "replace").strip()
    if not reason or len(reason) > MAX_ERROR_TEXT or not reason.isprintable():
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "error"
    return {"error": "bad_request" if status == 400 else "error", "message": reason}


class HostCheck:
    """Refuse a request whose `Host` this server does not answer (`hosts.host_allowed`): a JSON
    400 under /api/, a plain 400 elsewhere, a refused handshake for a websocket (the page's
    own stream would otherwise carry private rows to a rebinding page too)."""

    def __init__(self, app: Any, settings: Callable[[], Settings]) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), None)
        allowed = self.settings().allowed_hosts
        if hosts.host_allowed(header, hosts.bind(), allowed):
            await self.app(scope, receive, send)
            return
        message = (
            f"this server does not answer for Host {shorten(header or '(none)')!r}; "
            "open it by a loopback name (localhost, 127.0.0.1) or add the name to CHUTES_ALLOWED_HOSTS"
        )
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        elif _is_api(scope):
            await _send_json(send, 400, {"error": "bad_host", "message": message})
        else:
            body = message.encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                }
            )
            await send({"type": "http.response.body", "body": body})


class Methods:
    """Under /api/: a JSON 404 for a path no route has, whatever the method (TRACE and PROPFIND
    included), and a JSON 405 with `Allow` for a known path and a method it does not take. The
    routes' own table decides (`api.TABLE`), so the two cannot disagree."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._routes: list[Route] | None = None

    def _table(self) -> list[Route]:
        if self._routes is None:
            from .api import TABLE

            self._routes = [Route(path, fn, methods=methods) for path, fn, methods in TABLE]
        return self._routes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or not _is_api(scope):
            await self.app(scope, receive, send)
            return
        allowed: set[str] = set()
        for route in self._table():
            match, _ = route.matches(scope)
            if match == Match.FULL:
                await self.app(scope, receive, send)
                return
            if match == Match.PARTIAL:
                allowed |= route.methods or set()
        if not allowed:
            doc = {"error": "not_found", "message": "no such API route; see /api/openapi.json"}
            await _send_json(send, 404, doc)
            return
        allow = ", ".join(sorted(allowed))
        method = shorten(scope.get("method", ""), 20)
        doc = {"error": "method_not_allowed", "message": f"{method} is not allowed here; use {allow}"}
        await _send_json(send, 405, doc, [(b"allow", allow.encode())])


class Cors:
    """CORS for /api/, off unless CHUTES_CORS_ORIGINS names origins: those may `GET` (and `HEAD`,
    and send the preflight `OPTIONS`), read the cache headers, and send `If-None-Match`. No
    credentials. Starlette's CORSMiddleware does the work, built once the settings are known."""

    EXPOSED = ("ETag", "X-Cache", "X-Cache-Age", "X-Chutes-Revision", "Retry-After")

    def __init__(self, app: Any, settings: Callable[[], Settings]) -> None:
        self.app, self.settings = app, settings
        self._cors: tuple[tuple[str, ...], Any] | None = None

    def _for(self, origins: tuple[str, ...]) -> Any:
        if self._cors is None or self._cors[0] != origins:
            inner = (
                CORSMiddleware(
                    self.app,
                    allow_origins=list(origins),
                    allow_methods=["GET", "HEAD"],
                    allow_headers=["If-None-Match"],
                    expose_headers=list(self.EXPOSED),
                    max_age=600,
                )
                if origins
                else self.app
            )
            self._cors = (origins, inner)
        return self._cors[1]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or not _is_api(scope):
            await self.app(scope, receive, send)
            return
        await self._for(self.settings().cors_origins)(scope, receive, send)


def chain_signals(event: threading.Event) -> Callable[[], None]:
    """Set `event` on SIGTERM/SIGINT, then call the handler that was there (uvicorn's).
    Only possible in the main thread (a TestClient runs the lifespan elsewhere: a no-op).
    Returns a function restoring the previous handlers."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: Any) -> None:
        event.set()
        before = previous.get(signum)
        if callable(before):
            before(signum, frame)
        elif before == signal.SIG_DFL:
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            previous[sig] = signal.getsignal(sig)
            signal.signal(sig, handler)
        except (ValueError, OSError):  # not the main thread of the main interpreter
            previous.pop(sig, None)

    def restore() -> None:
        for sig, before in previous.items():
            try:
                if signal.getsignal(sig) is handler:
                    signal.signal(sig, before)
            except (ValueError, OSError, TypeError):
                pass

    return restore


@asynccontextmanager
async def lifespan(app: Any = None, **service_options: Any) -> AsyncIterator[None]:
    """Start the service with the server, stop it with the server."""
    from .runtime import Service

    settings = Settings.from_env()  # here, not at import: secrets are exported just before
    for warning in settings.warnings:
        log.warning("%s", warning)
    service = Service(settings, **service_options)
    restore = chain_signals(service.shutdown)
    await service.start()
    try:
        yield
    finally:
        service.shutdown.set()
        restore()
        await service.stop()
