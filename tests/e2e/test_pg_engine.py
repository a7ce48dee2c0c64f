"""The engine seam on a real PostgreSQL (tests/pgcluster.py) beside SQLite: the history's own
migrations (chutes_data/history/db.py, written in SQLite's DDL) translated by the dialect build
the same tables on PostgreSQL, and the shared statements give the same answers on both."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from chutes_data.history import db as history_db
from chutes_data.history.engine import POSTGRESQL, SQLITE
from chutes_data.history.pgconn import DialectConnection


@pytest.fixture
def pg(pg_url: str):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        yield DialectConnection(conn, POSTGRESQL)


@pytest.fixture
def lite(tmp_path):
    conn = sqlite3.connect(tmp_path / "h.sqlite", isolation_level=None)
    yield DialectConnection(conn, SQLITE)
    conn.close()


def _migrate(db: DialectConnection) -> int:
    """Every registered migration in one transaction, the version stored: db._migrate's steps."""
    d = db.dialect
    for statement in d.begin_migrate():
        db.execute(statement)
    *setup, read = d.read_version()
    for statement in setup:
        db.execute(statement)
    version = db.execute(read).fetchone()[0]
    for target in range(version + 1, history_db.SCHEMA_VERSION + 1):
        history_db.MIGRATIONS[target](db)
        for statement in d.write_version(target):
            db.execute(statement)
    db.execute("COMMIT")
    return db.execute(read).fetchone()[0]


def _columns_pg(db: DialectConnection) -> dict[str, dict[str, str]]:
    rows = db.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public'"
    ).fetchall()
    out: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        out.setdefault(table, {})[column] = kind
    return out


def _columns_sqlite(db: DialectConnection) -> dict[str, set[str]]:
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
    return {t: {r[1] for r in db.execute(f"PRAGMA table_info({t})").fetchall()} for t in tables}


def test_the_history_migrations_build_the_same_tables_on_both_engines(pg, lite):
    assert _migrate(lite) == history_db.SCHEMA_VERSION
    assert _migrate(pg) == history_db.SCHEMA_VERSION
    assert _migrate(pg) == history_db.SCHEMA_VERSION  # a second start migrates nothing
    on_pg = _columns_pg(pg)
    on_pg.pop("schema_version")
    assert {t: set(c) for t, c in on_pg.items()} == _columns_sqlite(lite)
    # the widened types: 64-bit integers and floats, bytes
    assert on_pg["snapshots"]["id"] == "bigint"
    assert on_pg["model_state"]["price_input_usd"] == "double precision"
    assert on_pg["model_state"]["price_hour_tao"] == "double precision"  # migration 2's ALTER
    assert on_pg["daily_stats"]["output_tokens"] == "bigint"
    assert on_pg["webhook_deliveries"]["body"] == "bytea"


def test_values_keep_their_precision_and_width(pg, lite):
    for db in (pg, lite):
        _migrate(db)
        db.execute(
            "INSERT INTO daily_stats (source, chute_id, day, requests, output_tokens, tps, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            ("llm_stats", "c1", "2026-01-01", 3, 9_000_000_000, 0.1234567890123, "2026-01-02T00:00:00Z"),
        )
        row = db.execute("SELECT output_tokens, tps FROM daily_stats WHERE chute_id = ?", ("c1",)).fetchone()
        assert tuple(row) == (9_000_000_000, 0.1234567890123), db.dialect.name


def test_one_upsert_statement_replaces_or_keeps_alike_on_both(pg, lite):
    cols = ("source", "chute_id", "day", "requests", "recorded_at")
    key = ("source", "chute_id", "day")
    for db in (pg, lite):
        _migrate(db)
        replace = db.dialect.upsert("daily_stats", cols, key)
        keep = db.dialect.upsert("daily_stats", cols, key, update=False)
        db.raw.execute(replace, ("s", "c", "d1", 1, "t1"))
        db.raw.execute(replace, ("s", "c", "d1", 2, "t2"))  # replaces the day's row
        db.raw.execute(keep, ("s", "c", "d1", 3, "t3"))  # leaves it
        db.raw.execute(keep, ("s", "c", "d2", 4, "t4"))  # a new row is inserted
        rows = db.execute("SELECT day, requests, recorded_at FROM daily_stats ORDER BY day").fetchall()
        assert [tuple(r) for r in rows] == [("d1", 2, "t2"), ("d2", 4, "t4")], db.dialect.name


def test_new_ids_come_back_from_returning_and_follow_copied_ones(pg, lite):
    cols = ("at", "model", "outcome")
    for db in (pg, lite):
        _migrate(db)
        # a copy brings its rows with their ids...
        db.execute("INSERT INTO probes (id, at, model, outcome) VALUES (?, ?, ?, ?)", (41, "t", "m", "ok"))
        after = db.dialect.after_copy("probes")
        if after:
            db.execute(after)
        # ...and the next row gets the next id, not a duplicate one
        new_id = db.raw.execute(db.dialect.insert_returning("probes", cols), ("t2", "m", "ok")).fetchone()[0]
        assert new_id == 42, db.dialect.name


def test_a_percent_sign_in_a_literal_survives_the_placeholders(pg, lite):
    for db in (pg, lite):
        _migrate(db)
        db.execute("INSERT INTO probes (at, model, outcome) VALUES (?, ?, ?)", ("t", "50%-off", "ok"))
        got = db.execute(
            "SELECT model FROM probes WHERE model LIKE '50%' AND outcome = ?", ("ok",)
        ).fetchall()
        assert [r[0] for r in got] == ["50%-off"], db.dialect.name


def test_one_process_migrates_while_the_others_wait(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as a, psycopg.connect(pg_url, autocommit=True) as b:
        for statement in POSTGRESQL.begin_migrate():
            a.execute(statement)
        b.execute("SET lock_timeout = '200ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            for statement in POSTGRESQL.begin_migrate():
                b.execute(statement)
        b.execute("ROLLBACK")
        a.execute("COMMIT")  # the transaction lock goes with the transaction
        for statement in POSTGRESQL.begin_migrate():
            b.execute(statement)
        b.execute("COMMIT")


def test_writers_are_serialised_but_readers_are_not(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as a, psycopg.connect(pg_url, autocommit=True) as b:
        for statement in POSTGRESQL.begin_write():
            a.execute(statement)
        b.execute("SET lock_timeout = '200ms'")
        assert b.execute("SELECT 1").fetchone() == (1,)  # a reader goes on
        with pytest.raises(psycopg.errors.LockNotAvailable):
            for statement in POSTGRESQL.begin_write():
                b.execute(statement)
        b.execute("ROLLBACK")
        a.execute("COMMIT")
