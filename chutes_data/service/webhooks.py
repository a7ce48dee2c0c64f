"""Change webhooks: after a refresh that found changes, POST them to every CHUTES_WEBHOOK_URLS.

Body: `{"id", "generated_at", "events": [...]}` (the history's event objects), as compact JSON.
Headers: Standard Webhooks' three (`signing.headers`): `webhook-id: <delivery id>` (the same on
every retry: receivers drop duplicates by it), `webhook-timestamp` (this attempt's time, from the
injected clock) and, when CHUTES_WEBHOOK_SECRET is set, `webhook-signature: v1,<base64 HMAC>` of
`id.timestamp.body`, signed afresh on every attempt so a retry is not refused as a replay;
`User-Agent: chutes-model-explorer-webhooks`.

Every (delivery, receiver) pair is a row of `webhook_deliveries` in the history database (schema
version 3) before anything is sent, and is marked delivered after a 2xx, so a restart resumes the
pending ones and never resends a delivered one. A failure (non-2xx, timeout, refused, a redirect:
redirects are not followed) is retried with exponential backoff up to `max_attempts`, then marked
failed and kept for inspection. Each receiver is worked on by its own task with a short timeout, so
a slow or dead one delays neither the others nor refreshes, pages or the API. URLs are logged only
through `display_url` (credentials and query masked). Which recorded changes are queued is
tracked in the outbox (`outbox.py`) as a mark in the history's event journal, so changes recorded
just before a crash are sent by the next publish rather than lost. Each event carries its journal
number `id`. Time comes from an injected `clock` (tests move it instead of sleeping): a retry is
due when the clock says so, and `poke()` makes the dispatcher look again.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from ..config import Settings
from ..errors import HistoryError
from ..urls import display_url, mask_credentials
from ..values import iso
from . import signing
from .outbox import Outbox, Pending
from .refresher import Snapshot, in_thread

log = logging.getLogger(__name__)

USER_AGENT = "chutes-model-explorer-webhooks"
MAX_ATTEMPTS = 8
BACKOFF_BASE = 2.0  # seconds; attempt n waits base * 2**(n-1), capped
BACKOFF_CAP = 600.0
TIMEOUT = 10.0
IDLE_WAIT = 60.0  # seconds between looks at the outbox when nothing is due
UNAVAILABLE_WAIT = 5.0  # seconds before trying a locked or unwritable outbox again
CLAIM_BATCH = 20  # deliveries claimed per receiver at once (service/outbox.py `due(claim_for=)`)


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_delivery(events: list[dict], generated_at: datetime) -> tuple[str, bytes]:
    """(delivery id, body). The id is derived from the events, so the same batch enqueued twice
    (a retried publish) is one delivery."""
    canonical = json.dumps(events, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    delivery_id = "dlv_" + hashlib.sha256(canonical.encode()).hexdigest()[:32]
    body = json.dumps(
        {"id": delivery_id, "generated_at": iso(generated_at), "events": events},
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    return delivery_id, body


class Dispatcher:
    """Delivers the outbox to the receivers, in the background of an asyncio loop."""

    def __init__(
        self,
        settings: Settings,
        db_path: Path | str,
        *,
        max_attempts: int | None = None,
        backoff_base: float | None = None,
        backoff_cap: float | None = None,
        timeout: float | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.urls = tuple(settings.webhook_urls)
        self.secret = settings.webhook_secret
        self.db_path = Path(db_path)
        # None: the module's constants at construction time (tests shorten them)
        self.max_attempts = MAX_ATTEMPTS if max_attempts is None else max_attempts
        self.backoff_base = BACKOFF_BASE if backoff_base is None else backoff_base
        self.backoff_cap = BACKOFF_CAP if backoff_cap is None else backoff_cap
        self.timeout = TIMEOUT if timeout is None else timeout
        self._transport = transport
        self.clock = clock
        self._outbox: Outbox | None = None
        self._wake = asyncio.Event()
        self._busy: dict[str, asyncio.Task] = {}
        self._task: asyncio.Task | None = None
        self._client: httpx.AsyncClient | None = None
        self._stopping = False  # set by stop(): the loop ends even if a cancel were lost
        self.attempts = 0  # POSTs made (for tests and the health route)
        self.waiting = False  # the loop waits for a poke or the next due retry (nothing to do now)

    @property
    def enabled(self) -> bool:
        return bool(self.urls)

    async def _box(self) -> Outbox:
        if self._outbox is None:
            self._outbox = await in_thread(Outbox, self.db_path, name="chutes-webhook-db")
        return self._outbox

    async def publish(self, events: list[dict], generated_at: datetime) -> str | None:
        """Persist a delivery of `events` to every receiver and wake the sender; its id."""
        if not self.enabled or not events:
            return None
        delivery_id, body = build_delivery(events, generated_at)
        box = await self._box()
        await in_thread(
            lambda: box.queue(delivery_id, self.urls, body, self.clock()), name="chutes-webhook-db"
        )
        self.poke()
        return delivery_id

    async def publish_unsent(self, snapshot: Snapshot) -> str | None:
        """Queue, as one delivery, every journaled event no delivery holds yet (the first time:
        those of `snapshot`, so receivers are not sent the whole history); its id, or None."""
        if not self.enabled:
            return None
        box = await self._box()
        ids = [e["id"] for e in snapshot.events if "id" in e]
        first_after = min(ids) - 1 if ids else snapshot.revision
        delivery_id = await in_thread(
            lambda: box.queue_journal(
                self.urls,
                self.clock(),
                lambda events: build_delivery(events, snapshot.published_at),
                first_after=first_after,
            ),
            name="chutes-webhook-db",
        )
        if delivery_id:
            self.poke()
        return delivery_id

    def poke(self) -> None:
        """Look at the outbox now (a new delivery, or a test that moved the clock)."""
        self._wake.set()

    async def counts(self) -> dict[str, int]:
        box = await self._box()
        return await in_thread(box.counts, name="chutes-webhook-db")

    # ------------------------------------------------------------------ sending
    @property
    def _claim_seconds(self) -> float:
        """How long a claimed batch is ours: time to send all of it, then some."""
        return float(self.timeout) * (CLAIM_BATCH + 1) + 30.0

    def _backoff(self, attempts: int) -> float:
        return min(self.backoff_cap, self.backoff_base * 2 ** max(0, attempts - 1))

    def _safe_error(self, url: str, text: str) -> str:
        return mask_credentials(text.replace(url, display_url(url)))[:300]

    async def _send(self, item: Pending) -> None:
        stamp = int(self.clock().timestamp())  # this attempt's time: each retry is signed anew
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **signing.headers(item.delivery_id, item.body, self.secret, stamp),
        }
        assert self._client is not None
        self.attempts += 1
        try:
            response = await self._client.post(item.url, content=item.body, headers=headers)
            error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        box = await self._box()
        now = self.clock()
        if error is None:
            await in_thread(box.delivered, item, now, name="chutes-webhook-db")
            log.info("webhook %s delivered to %s", item.delivery_id, display_url(item.url))
            return
        error = self._safe_error(item.url, error)
        attempts = item.attempts + 1
        again = None if attempts >= self.max_attempts else now + timedelta(seconds=self._backoff(attempts))
        await in_thread(box.retry, item, error, again, now, name="chutes-webhook-db")
        log.warning(
            "webhook %s to %s failed (attempt %d of %d): %s%s",
            item.delivery_id,
            display_url(item.url),
            attempts,
            self.max_attempts,
            error,
            "" if again else "; giving up",
        )

    async def _work_url(self, url: str, items: list[Pending]) -> None:
        for item in items:
            try:
                await self._send(item)
            except (HistoryError, OSError) as exc:
                log.warning("webhook outbox: %s", exc)
                return

    async def run(self) -> None:
        """Send what is due, then sleep until the next retry is due or a new delivery arrives."""
        if not self.enabled:
            return
        async with httpx.AsyncClient(
            timeout=self.timeout, follow_redirects=False, transport=self._transport
        ) as client:
            self._client = client
            try:
                while not self._stopping:
                    self._wake.clear()
                    try:
                        box = await self._box()
                        free = [u for u in self.urls if u not in self._busy]  # claimed: sent now
                        due = await in_thread(
                            functools.partial(box.due, limit=CLAIM_BATCH, claim_for=self._claim_seconds),
                            self.clock(),
                            free,
                            name="chutes-webhook-db",
                        )
                    except (HistoryError, OSError) as exc:  # locked, unwritable...
                        log.warning("webhook outbox unavailable, retrying in %g s: %s", UNAVAILABLE_WAIT, exc)
                        await self._wait(UNAVAILABLE_WAIT)
                        continue
                    by_url: dict[str, list[Pending]] = {}
                    for item in due:
                        by_url.setdefault(item.url, []).append(item)
                    for url, items in by_url.items():
                        if url not in self._busy:  # one task per receiver: a dead one waits alone
                            task = asyncio.create_task(self._work_url(url, items))
                            self._busy[url] = task
                            task.add_done_callback(functools.partial(self._done, url))
                    try:
                        nxt = await in_thread(box.next_due, self.urls, name="chutes-webhook-db")
                    except (HistoryError, OSError):
                        nxt = None
                    left = IDLE_WAIT if nxt is None else (nxt - self.clock()).total_seconds()
                    if left > 0:
                        await self._wait(min(IDLE_WAIT, left))
            finally:
                for task in list(self._busy.values()):
                    task.cancel()
                self._client = None

    async def _wait(self, seconds: float) -> None:
        """Until poked, or `seconds` pass (a bound only: what is due is decided by the clock)."""
        self.waiting = True
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancel that lands
        # as the wait completes (a delivery just woke us), and stop() would then wait forever.
        try:
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            pass
        finally:
            self.waiting = False

    @property
    def idle(self) -> bool:
        """Nothing in flight and the loop waiting: what a test checks before asserting counts."""
        return self.waiting and not self._busy and not self._wake.is_set()

    def _done(self, url: str, _task: object = None) -> None:
        self._busy.pop(url, None)
        self._wake.set()  # a receiver became free: look at the outbox again

    def start(self) -> asyncio.Task | None:
        if self.enabled and (self._task is None or self._task.done()):
            self._stopping = False
            self._task = asyncio.create_task(self.run(), name="chutes-webhooks")
        return self._task

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
        self._task = None
        if self._outbox is not None:
            self._outbox.close()
            self._outbox = None
