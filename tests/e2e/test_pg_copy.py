"""`python -m chutes_data history copy --to postgresql://…` (a real CLI run against the throwaway
server): every table of an SQLite history arrives row for row, the history reads the same from
PostgreSQL afterwards and keeps growing there, the output says what was copied and never shows
the password, and a second copy refuses to merge."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from test_pg_history import Probe, day, v1

from chutes_data.config import Settings
from chutes_data.history import HistoryStore, history_path, telemetry
from chutes_data.history.db import connect
from chutes_data.history.pgconn import close_all
from chutes_data.service.outbox import Outbox

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CHUTES_CACHE_DIR": str(cache), "CHUTES_OFFLINE": "1"}
    env.pop("CHUTES_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "chutes_data", *args], capture_output=True, text=True, env=env, cwd=REPO
    )


def rows(execute, table: str, columns: list[str]) -> list[tuple]:
    out = execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
    return sorted((tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in out), key=repr)


@pytest.fixture
def filled(tmp_path: Path) -> Settings:
    """An SQLite history with something in every table."""
    settings = Settings(cache_dir=tmp_path / "cache")
    path = history_path(settings)
    with HistoryStore(path) as store:
        store.record("v1", v1(("a", 0.1)), day(0))
        store.record("v1", v1(("a", 0.2), ("b", 0.3)), day(1))
        store.record("v1", v1(("a", 0.2), ("b", 0.3)), day(2))
        store.publish()
    Outbox(path).queue_journal(["http://r.test/"], day(3), lambda ev: ("d1", b"{}"), first_after=0)
    telemetry.record_probe(settings, Probe(day(1), "a", "cid-a", "ok", 0.5, 12.5, 3.0, 7, None))
    return settings


def test_the_copy_loses_nothing_and_says_what_it_copied(filled: Settings, pg_url: str):
    path = history_path(filled)
    done = cli("history", "copy", "--to", pg_url, cache=filled.cache_dir)
    assert done.returncode == 0, done.stderr
    password = urlsplit(pg_url).password
    assert password and password not in done.stdout + done.stderr
    lite = connect(path, 5.0)
    tables = [r[0] for r in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert {"snapshots", "model_state", "journal", "webhook_deliveries", "probes", "sequence"} <= set(tables)
    with psycopg.connect(pg_url) as pg:
        for table in tables:
            columns = [r[1] for r in lite.execute(f"PRAGMA table_info({table})")]
            theirs = rows(pg.execute, table, columns)
            assert theirs == rows(lite.execute, table, columns), table
            assert f"  {table}: {len(theirs)} rows" in done.stdout
        assert pg.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] == 2
    # the same history, read from PostgreSQL, and it grows there (the identities moved past the ids)
    on_pg = Settings(cache_dir=filled.cache_dir.parent / "elsewhere", database_url=pg_url)
    with HistoryStore(history_path(filled)) as a, HistoryStore(history_path(on_pg)) as b:
        assert b.changes() == a.changes() and b.current_revision() == a.current_revision()
        assert b.record("v1", v1(("a", 0.9)), day(5)).stored
        revision, events = b.publish()  # numbered on from the copied sequence
        assert [e["id"] for e in events] == list(range(a.current_revision() + 1, revision))
    # a second copy would merge two histories: refused, password still masked
    again = cli("history", "copy", "--to", pg_url, cache=filled.cache_dir)
    assert again.returncode == 1 and "already holds a history" in again.stderr
    assert password not in again.stderr + again.stdout
    close_all()


def test_copy_says_clearly_what_is_wrong(tmp_path: Path):
    missing = cli("history", "copy", "--to", "postgresql://u:pw@127.0.0.1:1/db", cache=tmp_path)
    assert missing.returncode == 1 and "no history database" in missing.stderr
    wrong = cli("history", "copy", "--to", "mysql://u:pw@h/db", cache=tmp_path)
    assert wrong.returncode == 1 and "postgresql://" in wrong.stderr and "pw" not in wrong.stderr
