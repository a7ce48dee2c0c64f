"""Retention: how much history a source keeps (relative to its own newest observation, not the
wall clock, so a backfill of old captures is not pruned away). Portable SQL: no LIMIT -1, no
total_changes (what went is counted from the statements' rowcounts)."""

from __future__ import annotations

from datetime import timedelta

from ..values import to_utc
from .db import Connection
from .state import to_stamp


def prune(
    db: Connection,
    source: str,
    *,
    retention_days: int | None,
    max_snapshots: int | None,
    keep_payloads: int | None,
) -> None:
    """Drop what the retention rules no longer keep for one source (inside the caller's write
    transaction): snapshots last seen more than `retention_days` before the source's newest
    observation, then all but the newest `max_snapshots`; models no snapshot mentions; the raw
    payloads of all but the newest `keep_payloads`. The newest snapshot is never pruned."""
    gone = 0  # snapshots deleted
    latest = "(SELECT id FROM snapshots WHERE source = :s ORDER BY captured_at DESC, id DESC LIMIT 1)"
    if retention_days is not None:
        newest = db.execute(
            "SELECT MAX(o.observed_at) FROM observations o JOIN snapshots s "
            "ON s.id = o.snapshot_id WHERE s.source = ?",
            (source,),
        ).fetchone()[0]
        cutoff = to_stamp(to_utc(newest) - timedelta(days=retention_days))
        gone += db.execute(
            f"DELETE FROM snapshots WHERE source = :s AND id != {latest} AND id IN "
            "(SELECT snapshot_id FROM observations GROUP BY snapshot_id "
            "HAVING MAX(observed_at) < :c)",
            {"s": source, "c": cutoff},
        ).rowcount
        # thin old observations of surviving snapshots: keep each one's first and last
        db.execute(
            "DELETE FROM observations WHERE observed_at < :c AND snapshot_id IN "
            "(SELECT id FROM snapshots WHERE source = :s) AND observed_at NOT IN "
            "(SELECT MIN(observed_at) FROM observations o2 WHERE o2.snapshot_id = "
            "observations.snapshot_id UNION SELECT MAX(observed_at) FROM observations o3 "
            "WHERE o3.snapshot_id = observations.snapshot_id)",
            {"s": source, "c": cutoff},
        )
    if max_snapshots is not None:
        gone += db.execute(
            "DELETE FROM snapshots WHERE source = ? AND id NOT IN (SELECT id FROM snapshots "
            "WHERE source = ? ORDER BY captured_at DESC, id DESC LIMIT ?)",
            (source, source, max(1, max_snapshots)),
        ).rowcount
    if gone:  # snapshots went: forget models no snapshot mentions
        db.execute(
            "DELETE FROM models WHERE source = ? AND NOT EXISTS "
            "(SELECT 1 FROM model_state WHERE model_id = models.id)",
            (source,),
        )
    if keep_payloads is not None:  # older snapshots keep their state, not their raw payload
        db.execute(
            "UPDATE snapshots SET payload = NULL WHERE source = ? AND payload IS NOT NULL AND id "
            "NOT IN (SELECT id FROM snapshots WHERE source = ? AND payload IS NOT NULL "
            "ORDER BY captured_at DESC, id DESC LIMIT ?)",
            (source, source, max(1, keep_payloads)),
        )
