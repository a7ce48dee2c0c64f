"""`python -m chutes_data watch`: the server's refresher and webhooks without the UI, for a box
that only collects history (and tells receivers about changes). One line per refresh on stdout.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable
from typing import TextIO

from ..config import Settings
from ..sources.state import assess_all
from ..urls import display_url
from ..values import iso
from .refresher import Snapshot
from .runtime import Service

DRAIN_SECONDS = 30.0  # `--once`: how long to let pending webhook deliveries go out


def summary(snapshot: Snapshot, settings: Settings) -> str:
    """One line per refresh: each catalog source's state by the one rule (`assess`)."""
    parts = []
    outcomes = assess_all({n: d.status for n, d in snapshot.catalog.sources.items()}, settings)
    for name, data in snapshot.catalog.sources.items():
        o = outcomes[name]
        parts.append(f"{name} {o.state.value} {data.status.count}" + (f" ({o.reason})" if o.reason else ""))
    return (
        f"{iso(snapshot.published_at)} revision {snapshot.revision}: {', '.join(parts)}; "
        f"{len(snapshot.events)} change(s)"
    )


async def watch(
    settings: Settings,
    *,
    once: bool = False,
    out: TextIO | None = None,
    interval: float | None = None,
    ready: Callable[[Service], None] | None = None,
) -> int:
    """Refresh every CACHE_DURATION_MINUTES until SIGINT/SIGTERM (or once). Exit status: 0, or
    1 when `once` could not refresh both sources."""
    out = out or sys.stdout
    service = Service(settings, interval=interval)
    service.listeners.append(lambda snap: print(summary(snap, settings), file=out, flush=True))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    receivers = ", ".join(display_url(u) for u in settings.webhook_urls) or "none"
    every = "once" if once else f"watching: every {service.refresher.interval:g} s"
    print(
        f"{every}; history in {settings.cache_dir}; webhooks: {receivers}",
        file=out,
        flush=True,
    )
    try:
        if once:
            service.webhooks.start()
            service.loop = loop
            snapshot = await service.refresher.refresh(force=True)
            await _drain(service)
            return 0 if len(snapshot.refreshed) == 2 else 1
        await service.start()
        if ready is not None:
            ready(service)
        await stop.wait()
        return 0
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
        await service.stop()


async def _drain(service: Service) -> None:
    """Give queued webhook deliveries a bounded moment to go out (retries stay queued)."""
    if not service.webhooks.enabled:
        return
    deadline = asyncio.get_running_loop().time() + DRAIN_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        if (await service.webhooks.counts())["pending"] == 0:
            return
        await asyncio.sleep(0.2)
