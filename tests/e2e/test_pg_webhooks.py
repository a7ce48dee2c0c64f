"""Webhook deliveries claimed once across replicas (service/outbox.py on PostgreSQL): a claim
skips rows another sender holds instead of waiting, a claimed row is no one else's until its
claim runs out (a sender that died: sent again, never lost), and senders racing for the same
outbox never take the same row."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from chutes_data.config import Settings
from chutes_data.history import history_path
from chutes_data.history.pgconn import close_all
from chutes_data.service.outbox import Outbox

T = datetime(2026, 7, 1, 12, tzinfo=UTC)
R1, R2 = "http://r1.test/", "http://r2.test/"


@pytest.fixture
def two(tmp_path: Path, pg_url: str) -> Iterator[tuple[Outbox, Outbox, str]]:
    boxes = [Outbox(history_path(Settings(cache_dir=tmp_path / n, database_url=pg_url))) for n in "ab"]
    yield boxes[0], boxes[1], pg_url
    close_all()


def ids(items) -> list[tuple[str, str]]:
    return sorted((p.delivery_id, p.url) for p in items)


def test_a_claimed_delivery_is_sent_by_one_replica_and_a_dead_senders_claim_runs_out(two):
    a, b, url = two
    a.queue("d1", [R1, R2], b"{}", T)
    b.queue("d2", [R1], b"{}", T)
    with psycopg.connect(url) as other:  # another sender, mid-claim on d1 (a transaction open)
        other.execute("SELECT 1 FROM webhook_deliveries WHERE delivery_id = 'd1' FOR UPDATE")
        got: list = []
        worker = threading.Thread(target=lambda: got.append(b.due(T, [R1, R2], claim_for=60)))
        worker.start()
        worker.join(20)
        assert not worker.is_alive(), "a claim waited for rows another sender holds"
        assert ids(got[0]) == [("d2", R1)]
    b.delivered(got[0][0], T)
    claimed = a.due(T, [R1, R2], claim_for=60)
    assert ids(claimed) == [("d1", R1), ("d1", R2)]
    assert b.due(T + timedelta(seconds=59), [R1, R2], claim_for=60) == []  # a's, for now
    a.delivered(next(p for p in claimed if p.url == R1), T)  # then `a` dies before sending to R2
    again = b.due(T + timedelta(seconds=61), [R1, R2], claim_for=60)
    assert ids(again) == [("d1", R2)]  # the unsent one only: sent again, not lost, not doubled
    b.delivered(again[0], T)
    assert a.counts() == {"pending": 0, "delivered": 3, "failed": 0}


def test_senders_racing_never_claim_the_same_delivery(two):
    a, b, _ = two
    for i in range(60):
        a.queue(f"d{i:02d}", [R1], b"{}", T)
    taken: dict[str, list] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def claim(name: str, box: Outbox) -> None:
        start.wait()
        while batch := box.due(T, [R1], limit=7, claim_for=60):
            taken[name] += ids(batch)

    threads = [threading.Thread(target=claim, args=kv) for kv in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    everything = taken["a"] + taken["b"]
    assert len(everything) == 60 and len(set(everything)) == 60
