"""The background refresher: both sources refetched every CACHE_DURATION_MINUTES, concurrently,
single-flight, each success recorded in the history; every refresh published as a new revision.

`load_source` keeps its rules (retries, timeout budget, last good snapshot on failure, history
recording); the refresher only decides *when*, runs the two sources side by side in daemon
threads (a hung fetch never holds up shutdown), merges them (`assemble_catalog`, with the sample
fallback when neither source has any data) and hands the result to `on_publish`.

Pure: no streamlit. Runs on any asyncio loop (the Streamlit server's, or `watch`'s own).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..config import Settings
from ..errors import HistoryError
from ..history import history_path, shared_history
from ..sources.loader import assemble_catalog, load_source
from ..sources.telemetry_loader import load_telemetry
from ..sources.types import Catalog, SourceData

log = logging.getLogger(__name__)

SOURCES = ("chutes", "v1")
MIN_INTERVAL = 2.0  # seconds: a floor under CACHE_DURATION_MINUTES=0, so upstream is not hammered


@dataclass(frozen=True)
class Snapshot:
    """One published state: the merged catalog (with raw payloads), the change events the
    refresh that made it found, and when it was published. `revision` only grows."""

    revision: int
    catalog: Catalog
    published_at: datetime
    events: tuple[dict, ...] = ()
    refreshed: tuple[str, ...] = ()  # the sources fetched live (complete) by this refresh
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # per-revision caches

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
    """Refreshes both sources in the background and publishes each result.

    `refresh()` joins a refresh in flight instead of starting a second one (single-flight).
    `run()` loops: the first refresh serves a fresh disk cache as is (a restart does not refetch),
    later ones always refetch; between them it sleeps `interval` seconds (default: the TTL).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        on_publish: Callable[[Snapshot], Awaitable[None] | None] | None = None,
        interval: float | None = None,
        min_interval: float = MIN_INTERVAL,
        loader: Callable[[Settings, str, bool], SourceData] | None = None,
    ) -> None:
        self.settings = settings
        self.interval = max(settings.ttl_seconds if interval is None else interval, min_interval)
        self.on_publish = on_publish
        self._loader = loader or (lambda s, source, force: load_source(s, source, refresh=force))
        self.snapshot: Snapshot | None = None
        self.next_refresh_at: datetime | None = None
        self.refresh_count = 0  # refreshes actually started (joins do not count)
        self.last_error: str | None = None
        self._inflight: asyncio.Task | None = None
        self._revision = 0
        self._ready = threading.Event()  # set once a first snapshot exists (for other threads)
        self._task: asyncio.Task | None = None

    # ------------------------------------------------------------------ state for readers
    @property
    def revision(self) -> int:
        return self.snapshot.revision if self.snapshot else 0

    @property
    def refreshing(self) -> bool:
        return self._inflight is not None and not self._inflight.done()

    def wait_ready(self, timeout: float) -> Snapshot | None:
        """From any thread: the current snapshot, waiting up to `timeout` s for a first one."""
        self._ready.wait(timeout)
        return self.snapshot

    # ------------------------------------------------------------------ refreshing
    async def refresh(self, *, force: bool = True) -> Snapshot:
        """Refresh now, or join the refresh in flight; the snapshot it published."""
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.create_task(self._refresh(force), name="chutes-refresh")
        return await asyncio.shield(self._inflight)

    async def _refresh(self, force: bool) -> Snapshot:
        self.refresh_count += 1
        settings = self.settings
        loaded = await asyncio.gather(
            *(in_thread(self._loader, settings, s, force, name=f"chutes-refresh-{s}") for s in SOURCES),
            in_thread(
                lambda: None if settings.offline else load_telemetry(settings),
                name="chutes-refresh-telemetry",
            ),
        )
        sources = dict(zip(SOURCES, loaded[:-1], strict=True))
        catalog = await in_thread(
            lambda: assemble_catalog(settings, sources, telemetry=loaded[-1], allow_sample=True),
            name="chutes-merge",
        )
        refreshed = tuple(
            s
            for s, d in sources.items()
            if d.status.origin == "live" and d.status.complete and d.status.fetched_at
        )
        revision, events = await in_thread(self._new_events, name="chutes-history")
        errors = [d.status.error for d in sources.values() if d.status.error]
        self.last_error = "; ".join(errors) or None
        self._revision = max(self._revision + 1, revision)
        snapshot = Snapshot(
            revision=self._revision,
            catalog=catalog,
            published_at=datetime.now(UTC),
            events=tuple(events),
            refreshed=refreshed,
        )
        self.snapshot = snapshot
        self._ready.set()
        log.info(
            "refresh %d: %s; %d change(s)",
            snapshot.revision,
            ", ".join(f"{s}={d.status.origin}:{d.status.count}" for s, d in sources.items()),
            len(events),
        )
        if self.on_publish is not None:
            try:
                result = self.on_publish(snapshot)
                if asyncio.iscoroutine(result):
                    await result
            except Exception:  # noqa: BLE001 - a subscriber never breaks the refresher
                log.exception("publishing revision %d failed", snapshot.revision)
        return snapshot

    def _new_events(self) -> tuple[int, list[dict]]:
        """(the new durable revision, the events `record()` journaled since the last one, each
        with its `id`): one transaction on the process's shared handle, no diff. (0, []) without
        a history database, or when it cannot be written (history is best effort)."""
        try:
            if not history_path(self.settings).is_file():  # nothing recorded: do not create it
                return 0, []
            return shared_history(self.settings).publish()
        except HistoryError as exc:
            log.warning("could not read new history events: %s", exc)
            return 0, []

    # ------------------------------------------------------------------ the loop
    async def run(self) -> None:
        """Refresh forever (until cancelled). A failed refresh is logged and retried next time."""
        force = False
        while True:
            try:
                snapshot = await self.refresh(force=force)
                delay = self.interval if force else self._first_delay(snapshot)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep refreshing whatever happened
                log.exception("background refresh failed")
                self.last_error = str(exc)
                delay = self.interval
            force = True
            self.next_refresh_at = datetime.now(UTC) + timedelta(seconds=delay)
            await asyncio.sleep(delay)

    def _first_delay(self, snapshot: Snapshot) -> float:
        """After a start served from a fresh disk cache: refetch when the oldest cached source
        expires, not a whole interval later (but never sooner than the floor)."""
        statuses = [d.status for d in snapshot.catalog.sources.values()]
        if not all(s.origin in ("cache", "live") and not s.stale for s in statuses):
            return self.interval  # a fetch was just tried (the cache had expired or was missing)
        oldest = max(s.age_seconds() or 0.0 for s in statuses)
        return min(self.interval, max(MIN_INTERVAL, self.settings.ttl_seconds - oldest))

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
