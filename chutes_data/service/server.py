"""How the Streamlit server (`st.App` in dashboard.py) runs the service: the routes and the
lifespan. No streamlit import: Starlette and asyncio only.

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
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

log = logging.getLogger(__name__)


def routes() -> list[BaseRoute]:
    from .api import build_routes

    return build_routes()


def middleware() -> list[Middleware]:
    return [Middleware(JsonErrors)]


class JsonErrors:
    """Under /api/, an error answered by a layer outside our handlers (Streamlit's path-security
    middleware rejecting `..`, say) still gets a JSON body, never text or an HTML page."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope.get("type") != "http" or not (path == "/api" or path.startswith("/api/")):
            await self.app(scope, receive, send)
            return
        held: dict[str, Any] = {}

        async def guarded(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = dict((k.lower(), v) for k, v in message.get("headers", []))
                kind = headers.get(b"content-type", b"")
                if message["status"] >= 400 and not kind.startswith(b"application/json"):
                    held["status"] = message["status"]
                    return
            elif held and message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                status = held["status"]
                body = json.dumps(
                    {
                        "error": "bad_request" if status == 400 else "error",
                        "message": HTTPStatus(status).phrase
                        if status in HTTPStatus._value2member_map_
                        else "error",
                    }
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [
                            (b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, guarded)


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
    from ..config import Settings  # lazily: secrets are exported just before the lifespan
    from .runtime import Service

    settings = Settings.from_env()
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
