"""The background refresher: every source refetched when its own TTL runs out, each on its own
(concurrently, each with its own deadline), single-flight, each success recorded in the history;
every refresh published as a new revision.

`loading.load` keeps its rules (retries, timeout budget, last good snapshot on failure, history
recording); the refresher only decides *when*: a source is due when its TTL has run out since it
was fetched (or last tried), and the loop wakes when the next one is due, so no source waits an
extra interval. Due sources run side by side in daemon threads (a hung fetch never holds up
shutdown, nor the other sources: past its deadline the last good snapshot stays, marked stale).
The loaded sources are merged (`assemble_catalog`, with the sample fallback when neither catalog
source has any data) and the result handed to `on_publish`. The clock and the sleep are injected
(tests advance time without sleeping).

Pure: no streamlit. Runs on any asyncio loop (the Streamlit server's, `watch`'s, or the
process's own in a bare run: `runtime.ensure`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ..config import Settings
from ..errors import HistoryError
from ..history import history_path, shared_history
from ..history.engine import identity
from ..sources.loader import assemble_catalog
from ..sources.loading import load, source_data
from ..sources.registry import CATALOG_SOURCES, MARKET_SOURCES, TELEMETRY_SOURCES
from ..sources.registry import SOURCES as DECLARED
from ..sources.state import MIN_INTERVAL, refresh_interval
from ..sources.types import Catalog, SourceData

log = logging.getLogger(__name__)

SOURCES = CATALOG_SOURCES


@dataclass(frozen=True)
class Snapshot:
    """One published state: the merged catalog (with raw payloads), the change events the
    refresh that made it found, and when it was published. `revision` only grows. Frozen: what
    readers build from it is kept beside it, keyed by its revision (`runtime.Service.memo`)."""

    revision: int
    catalog: Catalog
    published_at: datetime
    events: tuple[dict, ...] = ()
    refreshed: tuple[str, ...] = ()  # the catalog sources fetched live (complete) by this refresh

    def age_seconds(self, now: datetime | None = None) -> float:
        return max(0.0, ((now or datetime.now(UTC)) - self.published_at).total_seconds())


async def in_thread(fn: Callable[..., Any], *args: Any, name: str = "chutes-worker") -> Any:
    """`fn(*args)` in a daemon thread, awaited. Unlike `asyncio.to_thread`, a call that hangs
    (a stalled upstream) does not keep the process alive at shutdown."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future = loop.create_future()

    def settle(ok: bool, value: Any) -> None:
        if not future.done():
            (future.set_result if ok else future.set_exception)(value)

    def work() -> None:
        try:
            result, ok = fn(*args), True
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            result, ok = exc, False
        try:
            loop.call_soon_threadsafe(settle, ok, result)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass

    threading.Thread(target=work, name=name, daemon=True).start()
    return await future


class Refresher:
    """Refreshes every source in the background, each on its TTL, and publishes each result.

    `refresh()` joins a refresh in flight instead of starting a second one (single-flight);
    `force=True` (the default: the refresh button, `watch`) refetches every source, otherwise
    only the due ones. `run()` loops: the first pass serves a fresh disk cache as is (a restart
    does not refetch); later ones refetch what is due, then sleep until the next source is due
    (between `min_interval` and `interval`, default: the shortest TTL; an explicit `interval`
    also refetches every source at least that often).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        on_publish: Callable[[Snapshot], Awaitable[None] | None] | None = None,
        interval: float | None = None,
        min_interval: float = MIN_INTERVAL,
        loader: Callable[[Settings, str, bool], SourceData] | None = None,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        deadline: float | None = None,
        replica: Any = None,
    ) -> None:
        self.settings = settings
        self.replica = replica  # service.replicas.Replica with CHUTES_DATABASE_URL: lead or follow
        self.interval = max(refresh_interval(settings) if interval is None else interval, min_interval)
        self._cap = (
            None if interval is None else self.interval
        )  # an explicit interval: refetch at least that often
        self.min_interval = min_interval
        self.on_publish = on_publish
        self._loader = loader or (lambda s, source, force: load(s, source, refresh=force)[0])
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sleep = sleep or asyncio.sleep
        self.deadline = settings.total_budget * 2 + 5 if deadline is None else deadline
        self.snapshot: Snapshot | None = None
        self.next_refresh_at: datetime | None = None
        self.refresh_count = 0  # refreshes actually started (joins do not count)
        self.loaded: dict[str, SourceData] = {}  # every source as last loaded
        self._tried: dict[str, datetime] = {}  # when each source was last loaded or tried
        self._inflight: asyncio.Task | None = None
        self._revision = 0
        self._ready = threading.Event()  # set once a first snapshot exists (for other threads)
        self._task: asyncio.Task | None = None

    # ------------------------------------------------------------------ state for readers
    @property
    def revision(self) -> int:
        return self.snapshot.revision if self.snapshot else 0

    @property
    def role(self) -> str:
        """ "leader" (the one refresher; a lone process always is) or "follower"."""
        return "leader" if self.replica is None else self.replica.role

    @property
    def refreshing(self) -> bool:
        return self._inflight is not None and not self._inflight.done()

    def wait_ready(self, timeout: float) -> Snapshot | None:
        """From any thread: the current snapshot, waiting up to `timeout` s for a first one."""
        self._ready.wait(timeout)
        return self.snapshot

    @property
    def names(self) -> tuple[str, ...]:
        """The sources this refresher loads (offline: the catalog's; the sample's telemetry
        comes with the sample)."""
        if self.settings.offline:
            return CATALOG_SOURCES
        return CATALOG_SOURCES + TELEMETRY_SOURCES + MARKET_SOURCES

    def due_at(self, source: str) -> datetime:
        """When `source` is next due: its TTL after its fetch (a snapshot in hand, not stale),
        else after the last try; at once when never tried."""
        tried = self._tried.get(source)
        if tried is None:
            return datetime.min.replace(tzinfo=UTC)
        seconds = DECLARED[source].ttl_seconds(self.settings)
        ttl = timedelta(seconds=seconds if self._cap is None else min(seconds, self._cap))
        data = self.loaded.get(source)
        s = data.status if data is not None else None
        if s is not None and s.fetched_at is not None and s.origin in ("live", "cache") and not s.stale:
            return min(s.fetched_at, tried) + ttl
        return tried + ttl

    def due(self, now: datetime | None = None) -> tuple[str, ...]:
        now = now or self._clock()
        return tuple(s for s in self.names if self.due_at(s) <= now)

    def delay(self, now: datetime | None = None) -> float:
        """Seconds until the next source is due (within [min_interval, interval])."""
        now = now or self._clock()
        soonest = min((self.due_at(s) for s in self.names), default=now)
        return min(self.interval, max(self.min_interval, (soonest - now).total_seconds()))

    # ------------------------------------------------------------------ refreshing
    async def refresh(self, *, force: bool = True) -> Snapshot:
        """Refresh now, or join the refresh in flight; the snapshot it published."""
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.create_task(self._refresh(force), name="chutes-refresh")
        return await asyncio.shield(self._inflight)

    async def _load(self, source: str, refetch: bool) -> SourceData:
        """One source within its deadline; past it, the last good snapshot marked stale (the
        fetch thread is left to finish on its own: it is a daemon)."""
        try:
            return await asyncio.wait_for(
                in_thread(self._loader, self.settings, source, refetch, name=f"chutes-refresh-{source}"),
                self.deadline,
            )
        except TimeoutError:
            reason = f"{DECLARED[source].label}: no answer within {self.deadline:g} s"
            log.warning("%s", reason)
            kept = self.loaded.get(source)
            if kept is not None and kept.status.origin in ("live", "cache"):
                return replace(kept, status=replace(kept.status, origin="cache", stale=True, error=reason))
            return source_data(self.settings, source, "none", None, fetched_at=None, error=reason)

    async def _refresh(self, force: bool) -> Snapshot:
        settings = self.settings
        if self.replica is not None and not await in_thread(self.replica.leads, name="chutes-leader"):
            return await self.replica.follow(self)  # a follower never fetches
        now = self._clock()
        names = self.names if force else self.due(now)
        if not names and self.snapshot is not None:  # nothing due: nothing new to publish
            return self.snapshot
        self.refresh_count += 1
        loaded = await asyncio.gather(
            *(self._load(s, force or s in self._tried) for s in names)  # the first pass may use the cache
        )
        for source, data in zip(names, loaded, strict=True):
            self.loaded[source] = data
            self._tried[source] = now
        telemetry = None if settings.offline else {s: self.loaded[s] for s in TELEMETRY_SOURCES}
        market = None if settings.offline else {s: self.loaded[s] for s in MARKET_SOURCES}
        sources = {s: self.loaded[s] for s in CATALOG_SOURCES}
        catalog = await in_thread(
            lambda: assemble_catalog(
                settings, sources, telemetry=telemetry, market=market, allow_sample=True
            ),
            name="chutes-merge",
        )
        refreshed = tuple(
            s
            for s in CATALOG_SOURCES
            if s in names
            and sources[s].status.origin == "live"
            and sources[s].status.complete
            and sources[s].status.fetched_at
        )
        revision, events = await in_thread(self._new_events, name="chutes-history")
        self._revision = max(self._revision + 1, revision)
        snapshot = Snapshot(
            revision=self._revision,
            catalog=catalog,
            published_at=self._clock(),
            events=tuple(events),
            refreshed=refreshed,
        )
        if self.replica is not None:  # what the followers build the same snapshot from
            await in_thread(self.replica.share_snapshot, snapshot, sources, telemetry, name="chutes-share")
        self.snapshot = snapshot
        self._ready.set()
        log.info(
            "refresh %d: %s; %d change(s)",
            snapshot.revision,
            ", ".join(f"{s}={self.loaded[s].status.origin}:{self.loaded[s].status.count}" for s in names),
            len(events),
        )
        await self._announce(snapshot)
        return snapshot

    async def adopt(self, snapshot: Snapshot) -> None:
        """Publish a snapshot built elsewhere (a follower's copy of the leader's), if newer."""
        if snapshot.revision <= self.revision:
            return
        self._revision, self.snapshot = snapshot.revision, snapshot
        self._ready.set()
        await self._announce(snapshot)

    async def _announce(self, snapshot: Snapshot) -> None:
        if self.on_publish is not None:
            try:
                result = self.on_publish(snapshot)
                if asyncio.iscoroutine(result):
                    await result
            except Exception:  # noqa: BLE001 - a subscriber never breaks the refresher
                log.exception("publishing revision %d failed", snapshot.revision)

    def _new_events(self) -> tuple[int, list[dict]]:
        """(the new durable revision, the events `record()` journaled since the last one, each
        with its `id`): one transaction on the process's shared handle, no diff. (0, []) without
        a history database, or when it cannot be written (history is best effort)."""
        try:
            if identity(history_path(self.settings)) is None:  # nothing recorded: do not create it
                return 0, []
            return shared_history(self.settings).publish()
        except HistoryError as exc:
            log.warning("could not read new history events: %s", exc)
            return 0, []

    # ------------------------------------------------------------------ the loop
    async def run(self) -> None:
        """Refresh forever (until cancelled): what is due, then sleep until the next is due.
        A failed refresh is logged and retried next time."""
        while True:
            try:
                await self.refresh(force=False)
            except asyncio.CancelledError:
                raise
            except HistoryError as exc:  # a follower while no leader has published yet
                log.warning("refresh: %s", exc)
            except Exception:  # noqa: BLE001 - keep refreshing whatever happened
                log.exception("background refresh failed")
            now = self._clock()
            delay = self.delay(now)
            self.next_refresh_at = now + timedelta(seconds=delay)
            await self._sleep(delay)

    def start(self) -> asyncio.Task:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name="chutes-refresher")
        return self._task

    async def stop(self) -> None:
        for task in (self._task, self._inflight):
            if task is not None and not task.done():
                task.cancel()
        for task in (self._task, self._inflight):
            if task is not None:
                try:
                    await task
                except (asyncio.CancelledError, Exception):  # noqa: BLE001
                    pass
        self._task = None
