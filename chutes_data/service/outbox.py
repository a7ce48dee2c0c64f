"""The webhook outbox: the `webhook_deliveries` and `webhook_cursor` tables of the history
database, and which recorded changes are not queued yet.

Every change the history records is queued once: a publish queues the changes after each source's
cursor (or, the first time, those of the capture just made) and moves the cursors in the same
transaction. So a process that dies, or an outbox that is locked, between recording a capture and
queueing its changes leaves them to the next publish: late, never lost.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..history.db import connect
from ..history.state import to_stamp
from ..history.store import HistoryStore
from ..values import to_utc


@dataclass(frozen=True)
class Pending:
    delivery_id: str
    url: str
    body: bytes
    attempts: int


class Outbox:
    """The `webhook_deliveries` table of the history database."""

    def __init__(self, path: Path | str, timeout: float = 5.0) -> None:
        self.path = Path(path)
        self._conn = connect(self.path, timeout)  # migrates an older history database
        self._lock = threading.RLock()  # one connection, used from worker threads in turn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _write(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                changed = self._conn.execute(sql, params).rowcount
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            return changed

    def _read(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def cursors(self) -> dict[str, str]:
        """source -> the stored stamp through which its changes are queued."""
        return dict(self._read("SELECT source, through FROM webhook_cursor"))

    def queue(
        self,
        delivery_id: str | None,
        urls: Iterable[str],
        body: bytes,
        now: datetime,
        *,
        through: dict[str, str] | None = None,
        expect: dict[str, str] | None = None,
    ) -> int | None:
        """Add a delivery for each receiver and move the cursors to `through`, in one transaction:
        a batch is queued exactly when its cursors move. `expect`: the cursors the batch was
        computed from; if another process moved them meanwhile, nothing is written (None).
        `delivery_id` None: only move the cursors. How many deliveries were new."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                if (
                    expect is not None
                    and dict(self._conn.execute("SELECT source, through FROM webhook_cursor").fetchall())
                    != expect
                ):
                    self._conn.execute("ROLLBACK")
                    return None
                added = 0
                for url in urls if delivery_id else ():
                    added += self._conn.execute(
                        "INSERT OR IGNORE INTO webhook_deliveries (delivery_id, url, body, "
                        "created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)",
                        (delivery_id, url, body, to_stamp(now), to_stamp(now)),
                    ).rowcount
                for source, stamp in (through or {}).items():
                    self._conn.execute(
                        "INSERT INTO webhook_cursor (source, through) VALUES (?, ?) "
                        "ON CONFLICT (source) DO UPDATE SET through = excluded.through "
                        "WHERE excluded.through > webhook_cursor.through",
                        (source, stamp),
                    )
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            return added

    def due(self, now: datetime, urls: Iterable[str], limit: int = 100) -> list[Pending]:
        """Pending deliveries to the configured receivers whose next attempt is due, oldest first."""
        urls = list(urls)
        if not urls:
            return []
        rows = self._read(
            "SELECT delivery_id, url, body, attempts FROM webhook_deliveries WHERE delivered_at IS "
            f"NULL AND failed_at IS NULL AND next_attempt_at <= ? AND url IN ({', '.join('?' * len(urls))}) "
            "ORDER BY created_at, delivery_id LIMIT ?",
            (to_stamp(now), *urls, limit),
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
            "SELECT COALESCE(SUM(delivered_at IS NULL AND failed_at IS NULL), 0), "
            "COALESCE(SUM(delivered_at IS NOT NULL), 0), COALESCE(SUM(failed_at IS NOT NULL), 0) "
            "FROM webhook_deliveries"
        )[0]
        return {"pending": row[0], "delivered": row[1], "failed": row[2]}


def unsent_changes(
    history: Path, cursors: Mapping[str, str], captures: Mapping[str, datetime]
) -> tuple[list[dict], dict[str, str]]:
    """(changes to queue, the cursors after them). A source with a cursor gets every change
    recorded after it; one without (webhooks just turned on) only those of its capture just made
    (`captures`: source -> that capture's time), so receivers are not sent the whole history."""
    events: list[dict] = []
    through: dict[str, str] = {}
    if not history.is_file():
        return events, through
    with HistoryStore(history, retention_days=None, max_snapshots=None, keep_payloads=None) as store:
        for source in sorted(set(cursors) | set(captures)):
            cursor = cursors.get(source)
            if cursor is None:
                found = store.changes(since=captures[source], source=source)
            else:
                found = [e for e in store.changes(since=cursor, source=source) if to_stamp(e["at"]) > cursor]
            marks = [to_stamp(e["at"]) for e in found]
            if source in captures:
                marks.append(to_stamp(captures[source]))
            if marks and max(marks) > (cursor or ""):
                through[source] = max(marks)
            events += found
    events.sort(key=lambda e: (to_stamp(e["at"]), e["kind"], e["name"] or "", e["field"] or "", e["source"]))
    return events, through
