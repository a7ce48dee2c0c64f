"""The event journal: the one place the SSE stream and the webhook outbox read changes from.

`HistoryStore.record()` diffs a capture against its neighbours once and appends the events it
found here, inside its own transaction. One durable sequence (the single `sequence` row) numbers
both the journal's events and the published revisions, so:

* a revision is greater than every event recorded before it, and never goes backwards, across
  restarts too (it lives in the database, not in the process);
* an SSE client's `Last-Event-ID` (an event's or a revision's number) says exactly what it has
  seen: `after(db, n)` is what it missed;
* `publish(db)` hands a refresh the events recorded since the last published revision and the
  new revision, in one transaction: each event is published exactly once;
* the webhooks queue what is past their own mark (`webhooks_through`), moved in the transaction
  that queues the delivery (service/outbox.py), so a crash leaves events late, never lost.

Functions take a connection inside the caller's transaction (db.transaction). Portable SQL only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from .db import Connection

KEEP = 10_000  # journal rows kept: far more than any client or receiver lags behind


def _take(db: Connection, n: int) -> int:
    """Reserve `n` numbers of the sequence; the last one reserved."""
    db.execute("UPDATE sequence SET last = last + ? WHERE id = 1", (n,))
    return db.execute("SELECT last FROM sequence WHERE id = 1").fetchone()[0]


def append(db: Connection, source: str, at: str, events: Iterable[dict]) -> list[dict]:
    """Journal `events` (captured at stamp `at`); the same events, each with its number in `id`."""
    events = list(events)
    if not events:
        return []
    last = _take(db, len(events))
    numbered = [{**e, "id": last - len(events) + 1 + i} for i, e in enumerate(events)]
    db.executemany(
        "INSERT INTO journal (seq, source, at, event) VALUES (?, ?, ?, ?)",
        [(e["id"], source, at, _dumps(e)) for e in numbered],
    )
    db.execute("DELETE FROM journal WHERE seq <= ?", (last - KEEP,))
    return numbered


def after(db: Connection, seq: int, *, through: int | None = None, limit: int = KEEP) -> list[dict]:
    """Journaled events numbered above `seq` (and at most `through`), oldest first, each with `id`."""
    rows = db.execute(
        "SELECT event FROM journal WHERE seq > ? AND seq <= COALESCE(?, seq) ORDER BY seq LIMIT ?",
        (seq, through, limit),
    ).fetchall()
    return [json.loads(r[0]) for r in rows]


def revision(db: Connection) -> int:
    """The last published revision (0 before the first)."""
    row = db.execute("SELECT published FROM sequence WHERE id = 1").fetchone()
    return row[0] if row else 0


def publish(db: Connection) -> tuple[int, list[dict]]:
    """(a new revision, the events journaled since the previous one): one per refresh."""
    before = revision(db)
    new = _take(db, 1)
    db.execute("UPDATE sequence SET published = ? WHERE id = 1", (new,))
    return new, after(db, before, through=new)


def webhook_mark(db: Connection) -> int | None:
    """How far the webhooks have queued the journal (None: never, webhooks just turned on)."""
    return db.execute("SELECT webhooks_through FROM sequence WHERE id = 1").fetchone()[0]


def move_webhook_mark(db: Connection, seq: int) -> None:
    db.execute(
        "UPDATE sequence SET webhooks_through = ? WHERE id = 1 AND "
        "(webhooks_through IS NULL OR webhooks_through < ?)",
        (seq, seq),
    )


def _dumps(event: dict) -> str:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
