"""The webhook outbox: the `webhook_deliveries` table of the history database, and how far the
webhooks have queued the event journal (history/journal.py).

Every event `HistoryStore.record()` journals is queued once: `queue_journal` takes the events
past the webhooks' mark (or, the first time, those of the refresh just published), builds one
delivery of them and moves the mark, all in one transaction. So a process that dies, or an
outbox that is locked, between recording a capture and queueing its events leaves them to the
next publish: late, never lost. Nothing here diffs snapshots: the events come from the journal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..history import journal
from ..history.db import Connection, connect, transaction
from ..history.engine import database_url, dialect_for
from ..history.state import to_stamp
from ..values import to_utc


@dataclass(frozen=True)
class Pending:
    delivery_id: str
    url: str
    body: bytes
    attempts: int


class Outbox:
    """The `webhook_deliveries` table of the history database (every error a HistoryError)."""

    def __init__(self, path: Path | str, timeout: float = 5.0) -> None:
        self.path = Path(path)
        self._conn = connect(self.path, timeout)  # migrates an older history database
        self._lock = threading.RLock()  # one connection, used from worker threads in turn
        self.dialect = dialect_for(database_url(self.path))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _tx(self, write: bool = False) -> AbstractContextManager[Connection]:
        return transaction(self._conn, self._lock, self.path, write=write)

    def _write(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        with self._tx(write=True) as db:
            return db.execute(sql, params).rowcount

    def _read(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple]:
        with self._tx() as db:
            return db.execute(sql, params).fetchall()

    def mark(self) -> int | None:
        """How far the journal is queued (None: webhooks never queued anything here)."""
        with self._tx() as db:
            return journal.webhook_mark(db)

    def queue(self, delivery_id: str, urls: Iterable[str], body: bytes, now: datetime) -> int:
        """Add a delivery for each receiver (a known (delivery, receiver) pair is kept as is);
        how many were new."""
        with self._tx(write=True) as db:
            return _insert(db, delivery_id, urls, body, now)

    def queue_journal(
        self,
        urls: Iterable[str],
        now: datetime,
        build: Callable[[list[dict]], tuple[str, bytes]],
        *,
        first_after: int,
    ) -> str | None:
        """Queue the journaled events past the webhooks' mark (`first_after` when there is no mark
        yet) as one delivery built by `build(events) -> (delivery id, body)`, and move the mark,
        in one transaction; the delivery's id, None when there was nothing to send."""
        with self._tx(write=True) as db:
            mark = journal.webhook_mark(db)
            events = journal.after(db, first_after if mark is None else mark)
            through = max([e["id"] for e in events], default=first_after if mark is None else mark)
            journal.move_webhook_mark(db, through)
            if not events:
                return None
            delivery_id, body = build(events)
            _insert(db, delivery_id, urls, body, now)
            return delivery_id

    def due(
        self, now: datetime, urls: Iterable[str], limit: int = 100, *, claim_for: float | None = None
    ) -> list[Pending]:
        """Pending deliveries to the configured receivers whose next attempt is due, oldest first.
        `claim_for` (seconds): claim them, so no other sender (another replica) takes them
        meanwhile: their next attempt moves that far ahead in the same transaction (rows being
        claimed elsewhere are skipped, not waited for: `Dialect.skip_locked`). The sender then
        marks each delivered or retried; a sender that dies leaves them due again afterwards."""
        urls = list(urls)
        if not urls:
            return []
        with self._tx(write=claim_for is not None) as db:
            rows = db.execute(
                "SELECT delivery_id, url, body, attempts FROM webhook_deliveries WHERE delivered_at "
                "IS NULL AND failed_at IS NULL AND next_attempt_at <= ? "
                f"AND url IN ({', '.join('?' * len(urls))}) ORDER BY created_at, delivery_id "
                f"LIMIT ?{self.dialect.skip_locked}",
                (to_stamp(now), *urls, limit),
            ).fetchall()
            if claim_for is not None:
                until = to_stamp(now + timedelta(seconds=claim_for))
                db.executemany(
                    "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE delivery_id = ? AND url = ?",
                    [(until, r[0], r[1]) for r in rows],
                )
        return [Pending(r[0], r[1], bytes(r[2]), r[3]) for r in rows]

    def next_due(self, urls: Iterable[str]) -> datetime | None:
        urls = list(urls)
        if not urls:
            return None
        row = self._read(
            "SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE delivered_at IS NULL AND "
            f"failed_at IS NULL AND url IN ({', '.join('?' * len(urls))})",
            urls,
        )[0]
        return to_utc(row[0]) if row[0] else None

    def delivered(self, item: Pending, now: datetime) -> None:
        self._write(
            "UPDATE webhook_deliveries SET delivered_at = ?, attempts = attempts + 1, "
            "last_error = NULL WHERE delivery_id = ? AND url = ?",
            (to_stamp(now), item.delivery_id, item.url),
        )

    def retry(self, item: Pending, error: str, at: datetime | None, now: datetime) -> None:
        """Record a failed attempt; `at` is when to try again, None to give up."""
        if at is None:
            self._write(
                "UPDATE webhook_deliveries SET failed_at = ?, attempts = attempts + 1, "
                "last_error = ? WHERE delivery_id = ? AND url = ?",
                (to_stamp(now), error, item.delivery_id, item.url),
            )
        else:
            self._write(
                "UPDATE webhook_deliveries SET next_attempt_at = ?, attempts = attempts + 1, "
                "last_error = ? WHERE delivery_id = ? AND url = ?",
                (to_stamp(at), error, item.delivery_id, item.url),
            )

    def counts(self) -> dict[str, int]:
        """pending / delivered / failed rows."""
        row = self._read(
            "SELECT COUNT(*) - COUNT(delivered_at) - COUNT(failed_at), COUNT(delivered_at), "
            "COUNT(failed_at) FROM webhook_deliveries"
        )[0]
        return {"pending": int(row[0]), "delivered": int(row[1]), "failed": int(row[2])}


def _insert(db: Connection, delivery_id: str, urls: Iterable[str], body: bytes, now: datetime) -> int:
    added = 0
    for url in urls:
        added += db.execute(
            "INSERT INTO webhook_deliveries (delivery_id, url, body, created_at, next_attempt_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (delivery_id, url) DO NOTHING",
            (delivery_id, url, body, to_stamp(now), to_stamp(now)),
        ).rowcount
    return added
