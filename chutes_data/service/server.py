"""How the Streamlit server (`st.App` in dashboard.py) runs the service: the routes and the
lifespan. No streamlit import: Starlette and asyncio only.

The lifespan reads the settings when the server starts (after Streamlit has exported
`.streamlit/secrets.toml`), starts the `Service` (background refresher, webhooks) and stops it.
It also chains a handler onto SIGTERM/SIGINT that sets the service's shutdown event before
uvicorn's own handler runs: uvicorn waits for open responses to finish before it shuts the
lifespan down, so an open `/api/events` stream would otherwise keep the server up indefinitely.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.routing import BaseRoute

log = logging.getLogger(__name__)


def routes() -> list[BaseRoute]:
    from .api import build_routes

    return build_routes()


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
