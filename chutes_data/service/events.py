"""Server-Sent Events: a small in-process bus and the `/api/events` stream.

Each refresh publishes one `snapshot` event (revision, per-source origin/count/stale/fetched_at)
and one `change` event per history event it found. A subscriber is a bounded queue: a client too
slow to keep up loses its oldest events (it can resync from `/api/changes`), never slows the
publisher. The stream sends a `: ping` comment every `heartbeat` seconds and ends as soon as the
shutdown event is set: an open stream otherwise keeps uvicorn from exiting on SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

QUEUE_SIZE = 256
HEARTBEAT = 15.0
POLL = 0.25  # seconds between checks of the shutdown flag and the client


def format_event(name: str, data: Any, event_id: str | int | None = None) -> bytes:
    """One SSE message. `data` is JSON on one line (JSON never holds a raw newline)."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n".encode()


def event_key(message: bytes) -> bytes | None:
    """What identifies a formatted event: its `id:` and `event:` lines (None without an id)."""
    return message.split(b"\ndata: ", 1)[0] if message.startswith(b"id: ") else None


class EventBus:
    """Fan-out of (name, data, id) to every subscriber's queue. Loop-thread only."""

    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue] = set()

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def publish(self, name: str, data: Any, event_id: str | int | None = None) -> None:
        message = format_event(name, data, event_id)
        for queue in list(self._subscribers):
            if queue.full():
                try:
                    queue.get_nowait()
                except asyncio.QueueEmpty:
                    pass
            queue.put_nowait(message)

    def subscribe(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        self._subscribers.discard(queue)

    async def stream(
        self,
        first: list[bytes],
        shutdown: threading.Event,
        disconnected: Callable[[], Any] | None = None,
        *,
        heartbeat: float = HEARTBEAT,
        queue: asyncio.Queue | None = None,
    ) -> AsyncIterator[bytes]:
        """The bytes of one client's stream: `first` (e.g. the current snapshot or a replay),
        then every published event, until shutdown, the client leaves, or the task is cancelled.
        `queue`: a subscription taken before `first` was built (so nothing published meanwhile
        is missed); an event it holds that `first` already sent (same id and name) is skipped."""
        queue = queue if queue is not None else self.subscribe()
        sent = {key for m in first if (key := event_key(m)) is not None}
        try:
            yield b"retry: 3000\n\n"
            for message in first:
                yield message
            idle = 0.0
            while not shutdown.is_set():
                try:
                    message = await asyncio.wait_for(queue.get(), timeout=POLL)
                except TimeoutError:
                    idle += POLL
                    if disconnected is not None and await disconnected():
                        return
                    if idle >= heartbeat:
                        idle = 0.0
                        yield b": ping\n\n"
                    continue
                idle = 0.0
                if sent and event_key(message) in sent:
                    continue  # replayed already
                yield message
        finally:
            self.unsubscribe(queue)
