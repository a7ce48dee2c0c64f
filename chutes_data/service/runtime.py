"""The running service: refresher + event bus + webhooks, and the registry that lets the API
routes and the dashboard's pages (script threads of the same process) find it.

    service = Service(Settings.from_env())
    await service.start()      # registers it: current() returns it
    ...
    await service.stop()

Readers never wait on upstream: they take `service.snapshot` (swapped atomically on publish).
Only a process with no snapshot yet waits, up to the fetch budget, for the first one.

There is one run path: the dashboard's pages always read a running service's snapshots. Under
the server its lifespan starts the service on the server's loop; in AppTest and a bare script
run `ensure(settings)` starts the same service once per process, on a loop thread of its own,
and reuses it while the settings stay the same (other settings: a fresh one).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..config import Settings
from ..history import HistoryStore, history_path, shared_store
from ..sources.state import State, catalog_outcomes
from ..values import iso
from .events import EventBus
from .refresher import Refresher, Snapshot, in_thread
from .webhooks import Dispatcher

log = logging.getLogger(__name__)

_current: Service | None = None
_current_lock = threading.Lock()


_ensure_lock = threading.Lock()


def current() -> Service | None:
    """The service running in this process, or None (the plain CLI; a script run before
    `ensure`)."""
    return _current


def served() -> bool:
    """Whether the running service belongs to a server (its lifespan started it), i.e. pages go
    to a browser; not in AppTest or a bare run (`ensure` started it)."""
    svc = _current
    return svc is not None and not svc.own_loop


def ensure(settings: Settings) -> Service:
    """The process's running service: the server's, else the one `ensure` started for these
    settings (started now, on its own loop thread, when there is none or the settings differ;
    the previous one is stopped)."""
    with _ensure_lock:
        svc = _current
        if svc is not None and (not svc.own_loop or svc.settings == settings):
            return svc
        if svc is not None:
            svc.stop_in_thread()
        fresh = Service(settings)
        fresh.start_in_thread()
        return fresh


class Service:
    def __init__(
        self,
        settings: Settings,
        *,
        interval: float | None = None,
        min_interval: float | None = None,
        webhook_options: dict | None = None,
        register: bool = True,
    ) -> None:
        self.settings = settings
        kw: dict[str, Any] = {} if min_interval is None else {"min_interval": min_interval}
        if settings.database_url:  # one of several replicas on one database: lead or follow
            from .replicas import Replica

            kw["replica"] = Replica(settings, history_path(settings))
        self.refresher = Refresher(settings, on_publish=self._published, interval=interval, **kw)
        self.bus = EventBus()
        self.webhooks = Dispatcher(settings, history_path(settings), **(webhook_options or {}))
        self.shutdown = threading.Event()  # set on SIGTERM/SIGINT or stop(): streams end
        self.listeners: list[Callable[[Snapshot], Any]] = []  # called (loop thread) per publish
        self.started_at: datetime | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._register = register
        self._history: HistoryStore | None = None
        self._history_lock = threading.Lock()
        self.own_loop = False  # True when `start_in_thread` runs it (AppTest, a bare run)
        self._views: tuple[int, dict] = (0, {})  # (revision, what readers built from it)
        self._views_lock = threading.Lock()
        self._memo: OrderedDict[Any, Any] = OrderedDict()
        self._building: dict[Any, asyncio.Future] = {}
        self._generation = 0

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        global _current
        self.loop = asyncio.get_running_loop()
        self.started_at = datetime.now(UTC)
        self.shutdown.clear()
        if self._register:
            with _current_lock:
                _current = self
        self.refresher.start()
        self.webhooks.start()
        if self.refresher.replica is not None:  # a revision announced: a follower adopts it at once
            loop = self.loop
            self.refresher.replica.listen(lambda _n: loop.call_soon_threadsafe(self._heard))

    def _heard(self) -> None:
        async def follow() -> None:
            try:
                await self.refresher.replica.follow(self.refresher)
            except Exception as exc:  # noqa: BLE001 - the next tick tries again
                log.debug("following the announced revision: %s", exc)

        if self.refresher.role == "follower":
            asyncio.ensure_future(follow())

    async def stop(self) -> None:
        global _current
        self.shutdown.set()
        await self.refresher.stop()
        await self.webhooks.stop()
        if self.refresher.replica is not None:
            await in_thread(self.refresher.replica.close, name="chutes-replica-close")
        if self._register:
            with _current_lock:
                if _current is self:
                    _current = None
        with self._history_lock:
            if self._history is not None:
                self._history.close()
                self._history = None

    def start_in_thread(self) -> None:
        """Start on an event loop of its own, in a daemon thread (no server to run on)."""
        loop = asyncio.new_event_loop()
        started = threading.Event()
        self.own_loop = True

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            started.set()
            loop.run_forever()

        threading.Thread(target=run, name="chutes-service", daemon=True).start()
        started.wait()

    def stop_in_thread(self, timeout: float = 10.0) -> None:
        """Stop a service `start_in_thread` started, and its loop."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        try:
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout)
        except Exception as exc:  # noqa: BLE001 - it is being dropped anyway
            log.warning("stopping the service: %s", exc)
        loop.call_soon_threadsafe(loop.stop)

    # ------------------------------------------------------------------ reading
    def memo(self, snapshot: Snapshot) -> dict | None:
        """What readers build from `snapshot` (views, frames), kept beside it while it is the
        current one (the snapshot stays frozen); None for an older snapshot."""
        with self._views_lock:
            current = self.snapshot
            if current is None or snapshot.revision != current.revision:
                return None
            if self._views[0] != snapshot.revision:
                self._views = (snapshot.revision, {})
            return self._views[1]

    @property
    def snapshot(self) -> Snapshot | None:
        return self.refresher.snapshot

    @property
    def revision(self) -> int:
        return self.refresher.revision

    async def ready(self, timeout: float | None = None) -> Snapshot | None:
        """The current snapshot; without one yet, wait for the first (up to the fetch budget)."""
        if self.snapshot is not None:
            return self.snapshot
        limit = self.settings.total_budget * 2 + 5 if timeout is None else timeout
        return await in_thread(self.refresher.wait_ready, limit, name="chutes-wait")

    def wait_ready(self, timeout: float | None = None) -> Snapshot | None:
        """From a script thread: the current snapshot, waiting for a first one if need be."""
        limit = self.settings.total_budget * 2 + 5 if timeout is None else timeout
        return self.refresher.wait_ready(limit)

    def refresh_blocking(self, timeout: float | None = None) -> Snapshot | None:
        """From a script thread: refresh now (joining one in flight) and wait for it."""
        if self.loop is None or self.loop.is_closed():
            return self.snapshot
        future = asyncio.run_coroutine_threadsafe(self.refresher.refresh(), self.loop)
        try:
            return future.result(self.settings.total_budget * 2 + 5 if timeout is None else timeout)
        except Exception as exc:  # noqa: BLE001 - the page keeps what it has
            log.warning("refresh from the dashboard failed: %s", exc)
            return self.snapshot

    def history(self) -> HistoryStore | None:
        """The process's shared read-only store on the history database (None while there is none)."""
        return shared_store(history_path(self.settings), timeout=2.0)

    async def cached(self, key: Any, build: Callable[[], Any], maxsize: int = 256) -> Any:
        """`build()` once per key, in a worker thread; concurrent callers of a key being built
        wait for that one build. Keys carry the revision; the memo is emptied on publish.
        Loop thread only."""
        if key in self._memo:
            self._memo.move_to_end(key)
            return self._memo[key]
        task = self._building.get(key)
        if task is None:
            task = asyncio.ensure_future(in_thread(build, name="chutes-render"))
            self._building[key] = task
            generation = self._generation

            def done(t: asyncio.Future) -> None:
                self._building.pop(key, None)
                if not t.cancelled() and t.exception() is None and generation == self._generation:
                    self._memo[key] = t.result()
                    while len(self._memo) > maxsize:
                        self._memo.popitem(last=False)

            task.add_done_callback(done)
        return await asyncio.shield(task)

    # ------------------------------------------------------------------ publishing
    def snapshot_event(self, snapshot: Snapshot) -> dict:
        outcomes = catalog_outcomes(
            snapshot.catalog, self.settings, snapshot.published_at
        )  # the sample says why
        return {
            "revision": snapshot.revision,
            "generated_at": iso(snapshot.published_at),
            "models": len(snapshot.catalog.models),
            "changes": len(snapshot.events),
            "refreshed": list(snapshot.refreshed),
            "sources": {  # catalog and telemetry sources: each one's outcome by the one rule
                name: {
                    "origin": d.status.origin,
                    "count": d.status.count,
                    "stale": outcome.state is State.STALE,
                    "complete": d.status.complete,
                    "fetched_at": iso(d.status.fetched_at),
                    **outcome.to_dict(),
                }
                for name, d in snapshot.catalog.all_sources.items()
                for outcome in (outcomes[name],)
            },
        }

    async def _published(self, snapshot: Snapshot) -> None:
        self._memo.clear()
        self._generation += 1
        for event in snapshot.events:  # each with its journal number: ids only grow
            self.bus.publish("change", event, event.get("id", snapshot.revision))
        self.bus.publish("snapshot", self.snapshot_event(snapshot), snapshot.revision)
        if self.webhooks.enabled and self.refresher.role == "leader":  # queued once, by the leader
            try:
                await self.webhooks.publish_unsent(snapshot)
            except Exception as exc:  # noqa: BLE001 - webhooks never break a refresh
                log.warning("could not queue webhook delivery (it is kept for the next refresh): %s", exc)
        for listener in list(self.listeners):
            try:
                listener(snapshot)
            except Exception:  # noqa: BLE001
                log.exception("snapshot listener failed")
