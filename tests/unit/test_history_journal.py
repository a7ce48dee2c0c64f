"""The history's one door: `record()` returns (and journals) the events it found, one durable
sequence numbers events and revisions, readers share a read-only handle, and no sqlite3 error
escapes the package."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chutes_data.errors import HistoryError
from chutes_data.history import HistoryStore, shared_store

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def v1(*prices: tuple[str, float]) -> dict:
    return {
        "object": "list",
        "data": [
            {
                "id": mid,
                "object": "model",
                "created": 1781209365,
                "chute_id": f"cid-{mid}",
                "context_length": 32768,
                "price": {"input": {"usd": inp}, "output": {"usd": 0.4}},
            }
            for mid, inp in prices
        ],
    }


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "h.sqlite"


def brief(events) -> list[tuple]:
    return [(e["at"][:10], e["kind"], e["name"], e.get("old"), e.get("new")) for e in events]


def test_record_returns_the_events_it_found_and_changes_agree(path: Path):
    with HistoryStore(path) as store:
        first = store.record("v1", v1(("a", 0.1)), day(0))
        assert first.stored and first.events == ()  # nothing to compare with yet
        same = store.record("v1", v1(("a", 0.1)), day(1))
        assert not same.stored and same.events == ()
        moved = store.record("v1", v1(("a", 0.2), ("b", 0.3)), day(2))
        assert moved.stored
        assert brief(moved.events) == [
            ("2026-07-03", "added", "b", None, None),
            ("2026-07-03", "price_changed", "a", 0.1, 0.2),
        ]
        assert [e["id"] for e in moved.events] == [1, 2]  # live captures are journaled
        assert [{k: v for k, v in e.items() if k != "id"} for e in moved.events] == store.changes()


def test_a_capture_inside_a_run_returns_both_new_events_and_is_not_journaled_unless_live(path: Path):
    with HistoryStore(path) as store:
        store.record("v1", v1(("a", 0.1)), day(0), origin="file")
        store.record("v1", v1(("a", 0.1)), day(4), origin="file")
        inside = store.record("v1", v1(("a", 0.5)), day(2), origin="file")
        assert brief(inside.events) == [
            ("2026-07-03", "price_changed", "a", 0.1, 0.5),
            ("2026-07-05", "price_changed", "a", 0.5, 0.1),
        ]
        assert all("id" not in e for e in inside.events) and store.journal_after(0) == []


def test_revisions_and_event_ids_share_one_durable_sequence(path: Path):
    with HistoryStore(path) as store:
        store.record("v1", v1(("a", 0.1)), day(0))
        assert store.publish() == (1, [])
        store.record("v1", v1(("a", 0.2)), day(1))
        revision, events = store.publish()
        assert [e["id"] for e in events] == [2] and revision == 3
        assert store.publish() == (4, [])  # each event is published once
    with HistoryStore(path) as again:  # a restart
        assert again.current_revision() == 4 and again.publish()[0] == 5
        assert [e["id"] for e in again.journal_after(1)] == [2] and again.journal_after(2) == []


def test_a_shared_reader_is_one_handle_that_never_writes(path: Path):
    assert shared_store(path) is None and not path.exists()  # looking never creates the file
    with HistoryStore(path) as store:
        store.record("v1", v1(("a", 0.1)), day(0))
    reader = shared_store(path)
    assert reader is not None and shared_store(path) is reader
    with reader:
        pass  # `with` does not close a shared handle
    assert len(reader.snapshots_frame()) == 1
    with pytest.raises(HistoryError, match="read-only"):
        reader.record("v1", v1(("a", 0.2)), day(1))
    path.unlink()  # replaced underneath (moved aside, deleted): the next call reopens
    with HistoryStore(path) as store:
        store.record("v1", v1(("a", 0.3)), day(5))
    fresh = shared_store(path)
    assert fresh is not reader and fresh.snapshots_frame()["models"].tolist() == [1]


def test_no_sqlite_error_escapes(path: Path):
    store = HistoryStore(path)
    store.record("v1", v1(("a", 0.1)), day(0))
    store.close()
    for call in (store.changes, store.snapshots_frame, store.revision, store.publish):
        with pytest.raises(HistoryError):
            call()
    assert issubclass(HistoryError, Exception) and not issubclass(HistoryError, sqlite3.Error)
