"""The history on PostgreSQL (CHUTES_DATABASE_URL) beside SQLite: the same captures recorded,
journaled, published, read back, pruned, queued for webhooks and kept as daily stats and probes
give the same answers on both engines (tests/pgcluster.py's throwaway server)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from chutes_data.config import Settings
from chutes_data.errors import HistoryError
from chutes_data.history import HistoryStore, history_path, shared_store, telemetry
from chutes_data.history.pgconn import close_all
from chutes_data.service.outbox import Outbox

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def v1(*prices: tuple[str, float], hot: bool = True) -> dict:
    return {
        "object": "list",
        "data": [
            {
                "id": mid,
                "object": "model",
                "created": 1781209365,
                "chute_id": f"cid-{mid}",
                "context_length": 32768,
                "hot": hot,
                "price": {"input": {"usd": inp}, "output": {"usd": 0.4}},
            }
            for mid, inp in prices
        ],
    }


@pytest.fixture
def both(tmp_path: Path, pg_url: str) -> Iterator[tuple[Settings, Settings]]:
    """The same settings on SQLite (the default) and on PostgreSQL."""
    yield Settings(cache_dir=tmp_path / "lite"), Settings(cache_dir=tmp_path / "pg", database_url=pg_url)
    close_all()


def round_trip(settings: Settings) -> dict:
    """Everything the history answers after one scripted series of captures."""
    path = history_path(settings)
    with HistoryStore(path, retention_days=None, max_snapshots=3, keep_payloads=2) as store:
        out: dict = {"first": store.record("v1", v1(("a", 0.1)), day(0))}
        out["same"] = store.record("v1", v1(("a", 0.1)), day(1))
        out["moved"] = store.record("v1", v1(("a", 0.2), ("b", 0.3), hot=False), day(2))
        out["inside"] = store.record("v1", v1(("a", 0.5)), day(1.5), origin="file")
        out["publish"] = store.publish()
        out["later"] = store.record("v1", v1(("a", 0.25)), day(3))
        out["publish2"] = store.publish()
        out["revision"] = store.current_revision()
        out["changes"] = store.changes()
        out["since"] = store.changes(since=day(2.5).isoformat(), source="v1")
        out["journal"] = store.journal_after(0)
        out["payload"] = store.latest_payload("v1")
    reader = shared_store(path)
    assert reader is not None
    out["reader"] = reader.changes(kinds=["price_changed"])
    with pytest.raises(HistoryError), reader._tx(write=True):
        pass
    box = Outbox(path)
    out["queued"] = box.queue_journal(
        ["http://r.test/"], day(4), lambda ev: ("d1", repr(ev).encode()), first_after=0
    )
    due = box.due(day(5), ["http://r.test/"])
    out["due"] = [(p.delivery_id, p.body, p.attempts) for p in due]
    box.delivered(due[0], day(5))
    out["counts"] = box.counts()
    telemetry.record_probe(settings, Probe(day(1), "a", "cid-a", "ok", 0.5, 12.5, 3.0, 2**40, None))
    out["probes"] = telemetry.probes(settings).to_dict("records")
    return out


@dataclass
class Probe:
    at: datetime
    model: str
    chute_id: str | None
    outcome: str
    ttft_s: float | None
    tps: float | None
    total_s: float | None
    output_tokens: int | None
    message: str | None


def test_the_history_gives_the_same_answers_on_both_engines(both: tuple[Settings, Settings]):
    lite, pg = (round_trip(s) for s in both)
    assert lite["first"].stored and not lite["same"].stored and lite["moved"].stored
    assert lite["publish"][0] >= 1 and lite["publish2"][0] > lite["publish"][0]
    assert lite["journal"] and lite["changes"] and lite["payload"] == v1(("a", 0.25))
    assert lite["counts"] == {"pending": 0, "delivered": 1, "failed": 0}
    assert lite["probes"][0]["output_tokens"] == 2**40  # 64-bit on both
    assert pg == lite
    # and the PostgreSQL side really lives in the database, not in a file beside it
    assert not history_path(both[1]).exists() and history_path(both[0]).is_file()
    with psycopg.connect(both[1].database_url) as conn:
        stored = conn.execute("SELECT COUNT(*), MAX(published) FROM snapshots, sequence").fetchone()
    assert stored == (3, lite["revision"])


def test_without_a_url_nothing_imports_psycopg(tmp_path: Path):
    """The embedded default neither needs nor loads PostgreSQL's driver."""
    code = (
        "import sys; from chutes_data.config import Settings; from chutes_data.history import "
        "HistoryStore, history_path; s = Settings(cache_dir=__import__('pathlib').Path(sys.argv[1])); "
        "HistoryStore(history_path(s)).record('v1', {'object': 'list', 'data': []}, '2026-07-01T00:00:00Z'); "
        "assert 'psycopg' not in sys.modules, 'psycopg imported'"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, cwd=Path(__file__).parents[2])
