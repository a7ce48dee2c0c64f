"""The history routes: /api/changes, its Atom feed, and the /api/events stream."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from . import hosts, runtime
from .events import format_event
from .feeds import atom_feed
from .params import CHANGES_PARAMS, ApiError, parse
from .refresher import in_thread
from .responses import _service, dumps, endpoint, respond


def _history_key(service: runtime.Service) -> tuple | None:
    """What identifies the history database's current content, without a query: size and mtime
    of the file and its WAL (every write, ours or a CLI backfill's, moves one of them)."""
    from ..history import history_path
    from ..history.engine import database_url

    path = history_path(service.settings)
    if database_url(path):  # PostgreSQL: its content moves with each published revision
        snapshot = service.snapshot
        return ("postgresql", snapshot.revision if snapshot is not None else 0)
    stats: list[tuple[int, int] | None] = []
    for suffix in ("", "-wal"):
        try:
            st = Path(f"{path}{suffix}").stat()
        except OSError:
            if not suffix:
                return None
            stats.append(None)
            continue
        stats.append((st.st_size, st.st_mtime_ns))
    return tuple(stats)


async def _events(service: runtime.Service, p: dict[str, Any]) -> list[dict]:
    """The history's events for these parameters, memoized on the database's state."""
    key = _history_key(service)
    if key is None:
        return []

    def query() -> list[dict]:
        store = service.history()
        if store is None:
            return []
        found = store.changes(
            since=p.get("since"), source=p.get("source"), kinds=p.get("kind") or None, model=p.get("model")
        )
        return found[-p["limit"] :] if p.get("limit") else found

    return await service.cached(("changes", key, repr(sorted(p.items(), key=lambda kv: kv[0]))), query)


@endpoint
async def changes(request: Request) -> Response:
    """{"changes": [events]} from the history; since=, kind=, source=, model=, limit=."""
    service = _service()
    p = parse(request, CHANGES_PARAMS)
    events = await _events(service, p)
    return respond(request, dumps({"count": len(events), "changes": events}), snapshot=service.snapshot)


@endpoint
async def changes_atom(request: Request) -> Response:
    """The same events as an Atom feed."""
    service = _service()
    p = parse(request, CHANGES_PARAMS)
    events = await _events(service, p)
    base = hosts.base_url(hosts.bind(), service.settings.allowed_hosts)  # never the request's Host
    query = f"?{request.url.query}" if request.url.query else ""
    body = atom_feed(
        events,
        self_url=f"{base}{request.url.path}{query}",
        alternate_url=f"{base}/changes",
        limit=p.get("limit") or 200,
    )
    return respond(request, body, media_type="application/atom+xml; charset=utf-8", snapshot=service.snapshot)


REPLAY_LIMIT = 1000  # events a reconnecting client is sent at most (then: resync from /api/changes)


def _last_event_id(request: Request) -> int | None:
    """The `Last-Event-ID` a reconnecting EventSource sends (our ids are whole numbers)."""
    raw = request.headers.get("last-event-id")
    if raw is None or not raw.strip():
        return None
    if not raw.strip().isdigit():
        raise ApiError(
            400,
            "bad_header",
            "Last-Event-ID: expected the id of an event this stream sent (a whole number)",
            "Last-Event-ID",
        )
    return int(raw.strip())


async def _replay(service: runtime.Service, after: int) -> list[bytes]:
    """What a client that saw up to id `after` missed: the journaled changes since (from the
    history, oldest first), then the current snapshot if it is newer."""
    snapshot = service.snapshot
    store = service.history()
    missed = await in_thread(store.journal_after, after, REPLAY_LIMIT) if store is not None else []
    out = [format_event("change", e, e["id"]) for e in missed]
    if snapshot is not None and snapshot.revision > after:
        out.append(format_event("snapshot", service.snapshot_event(snapshot), snapshot.revision))
    return out


@endpoint
async def events(request: Request) -> Response:
    """Server-Sent Events: `change` per history event (id: its journal number), then `snapshot`
    per refresh (id: the revision); ids only grow, across restarts too, so a reconnect with
    `Last-Event-ID` is first sent what it missed."""
    service = _service()
    parse(request, ())
    after = _last_event_id(request)
    # Subscribe first, then replay: an event published while the history is read is queued,
    # not missed; the stream skips the queued ones the replay already holds (by id).
    queue = service.bus.subscribe()
    try:
        snapshot = service.snapshot
        if after is not None:
            first = await _replay(service, after)
        else:
            first = (
                [format_event("snapshot", service.snapshot_event(snapshot), snapshot.revision)]
                if snapshot
                else []
            )
    except BaseException:
        service.bus.unsubscribe(queue)
        raise
    return StreamingResponse(
        service.bus.stream(first, service.shutdown, queue=queue),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
