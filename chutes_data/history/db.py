"""The history database file: connection settings, transactions, schema and its migrations.

This module is the SQLite engine: what is specific to SQLite (the file, WAL, `PRAGMA
user_version`, `sqlite3.Error`) lives here and nowhere else in the package. Every other module
reaches the database through `connect` and `transaction`, and raises only `HistoryError`; a
second engine (PostgreSQL) would provide these two with the same contract.

Schema version lives in `PRAGMA user_version`; `MIGRATIONS[n]` brings a database from n-1 to n,
all pending ones run in one transaction. To change the schema: bump SCHEMA_VERSION, add
`_migrate_to_<n>` and register it, never edit an earlier migration.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import HistoryError
from .engine import SQLITE, Dialect, bind_url, database_url, identity

logger = logging.getLogger("chutes_data.history")
__all__ = ["bind_url", "connect", "database_url", "identity", "transaction"]  # engine.py's re-exported

SCHEMA_VERSION = 6
# What `transaction` yields: a DB-API connection speaking the shared SQL (sqlite3's, or
# pgconn.DialectConnection on PostgreSQL): `execute(sql, params)` / `executemany`.
Connection = Any


def connect(path: Path, timeout: float, moved: list[Path] | None = None) -> Any:
    """An open, migrated connection (autocommit; callers BEGIN themselves). A file that is not an
    SQLite database is moved aside to `<name>.corrupt-<UTC time>` (logged, and appended to
    `moved`) and replaced. When `path` is bound to a PostgreSQL URL: the process's pool on it
    (pgconn.PgDatabase, migrated on its first transaction)."""
    url = database_url(path)
    if url:
        from .pgconn import open_database

        return open_database(url, timeout, _migrate)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return _connect(path, timeout)
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) or not path.exists():
                raise
            aside = _move_aside(path, exc)
            if moved is not None:
                moved.append(aside)
            return _connect(path, timeout)
    except sqlite3.Error as exc:
        raise HistoryError(f"cannot open history database {path}: {exc}") from None
    except OSError as exc:
        raise HistoryError(f"cannot open history database {path}: {exc.strerror or exc}") from None


@contextmanager
def transaction(conn: Any, lock: threading.RLock, path: Path, *, write: bool = False) -> Iterator[Any]:
    """The one transaction block of the package: serialised on `lock` (one connection shared by
    threads), `BEGIN IMMEDIATE` for writers (the write lock up front: no upgrade deadlock),
    rolled back on any exception, and every database error raised as `HistoryError`. On
    PostgreSQL (a `connect` of a bound path) a pooled connection's transaction instead."""
    if not isinstance(conn, sqlite3.Connection):
        with conn.transaction(write=write) as db:
            yield db
        return
    with lock:
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise HistoryError(f"history database {path}: {exc}") from None


def moved_aside_files(path: Path) -> list[Path]:
    """The corrupt databases once moved aside from `path` (`<name>.corrupt-<UTC time>`), oldest
    first: what the app and the CLI say out loud until someone deletes them."""
    try:
        found = [
            p for p in path.parent.glob(f"{path.name}.corrupt-*") if not p.name.endswith(("-wal", "-shm"))
        ]
    except OSError:
        return []
    return sorted(found)


def moved_aside_text(path: Path, asides: list[Path]) -> str | None:
    """One sentence about the corrupt databases moved aside from `path`, or None."""
    if not asides:
        return None
    last = asides[-1]
    stamp = last.name.rsplit(".corrupt-", 1)[-1]
    try:
        when = datetime.strptime(stamp, "%Y%m%dT%H%M%S").strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        when = "earlier"
    more = f" ({len(asides)} such files in all)" if len(asides) > 1 else ""
    return (
        f"The history database {path} was corrupt and was moved aside on {when} to {last}"
        f"{more}; history restarted empty from then on. Delete the old file once you no "
        "longer need it to inspect."
    )


def _move_aside(path: Path, exc: Exception) -> Path:
    """A file that is not a (sane) SQLite database: keep it for inspection, start afresh."""
    aside = f"{path.name}.corrupt-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    logger.warning(
        "history database %s is unreadable (%s); moved aside to %s, starting fresh", path, exc, aside
    )
    for suffix in ("-wal", "-shm", ""):
        old = Path(f"{path}{suffix}")
        if old.exists():
            old.replace(path.with_name(aside + suffix))
    return path.with_name(aside)


def _connect(path: Path, timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        _use_wal(conn, timeout)
        conn.execute("PRAGMA synchronous=NORMAL")  # durable enough with WAL, far fewer fsyncs
        conn.execute("PRAGMA foreign_keys=ON")
        if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            _migrate(conn, str(path))
    except BaseException:
        conn.close()
        raise
    return conn


def _use_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """WAL is persistent; switching needs a moment with no other connection busy, and sqlite
    does not wait for that itself. Without WAL everything still works, only less concurrently."""
    deadline = time.monotonic() + timeout
    while conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            conn.execute("PRAGMA journal_mode=WAL")  # answers the mode it could set
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                logger.debug("history database stays out of WAL mode: busy")
                return
            time.sleep(0.02)


def _migrate(conn: Any, label: str, dialect: Dialect = SQLITE) -> None:
    """Bring the schema to SCHEMA_VERSION in one transaction (re-read under the migration lock,
    so two processes opening a new database at once do not both create it). `conn` speaks
    `dialect` (engine.py: how each engine locks and stores the version)."""
    for statement in dialect.begin_migrate():
        conn.execute(statement)
    try:
        *setup, read = dialect.read_version()
        for statement in setup:
            conn.execute(statement)
        version = conn.execute(read).fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"history database {label} has schema version {version}, newer "
                f"than this app's {SCHEMA_VERSION}; upgrade the app or move the file"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[target](conn)
            for statement in dialect.write_version(target):
                conn.execute(statement)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# ---------------------------------------------------------------------------- schema
def _run(conn: Connection, script: str) -> None:
    """Statements one by one (executescript would COMMIT the migration's transaction)."""
    for statement in filter(str.strip, script.split(";")):
        conn.execute(statement)


def _migrate_to_1(conn: Connection) -> None:
    _run(
        conn,
        """
        CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY, source TEXT NOT NULL, captured_at TEXT NOT NULL,
            payload_sha256 TEXT NOT NULL, payload BLOB, origin TEXT NOT NULL,
            state_sha256 TEXT NOT NULL, models INTEGER NOT NULL);
        CREATE INDEX snapshots_by_time ON snapshots (source, captured_at);
        CREATE TABLE observations (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
            observed_at TEXT NOT NULL, payload_sha256 TEXT NOT NULL,
            PRIMARY KEY (snapshot_id, observed_at));
        CREATE INDEX observations_by_time ON observations (observed_at);
        CREATE TABLE models (
            id INTEGER PRIMARY KEY, ident TEXT NOT NULL UNIQUE, source TEXT NOT NULL,
            key TEXT NOT NULL, name TEXT, chute_id TEXT, template TEXT);
        CREATE INDEX models_by_key ON models (key);
        CREATE INDEX models_by_name ON models (name);
        CREATE INDEX models_by_chute ON models (chute_id);
        CREATE TABLE model_state (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
            model_id INTEGER NOT NULL REFERENCES models (id),
            price_input_usd REAL, price_output_usd REAL, price_cache_read_usd REAL,
            price_step_usd REAL, price_request_usd REAL, price_hour_usd REAL,
            price_input_tao REAL, price_output_tao REAL, hot INTEGER,
            context_length INTEGER, max_output_length INTEGER,
            PRIMARY KEY (snapshot_id, model_id)) WITHOUT ROWID;
        CREATE INDEX model_state_by_model ON model_state (model_id);
    """,
    )


def _migrate_to_2(conn: Connection) -> None:
    """The TAO price beside every stored USD price (1 kept TAO for input and output only).
    Existing rows keep NULL there: their payloads may be gone, and TAO is not tracked state."""
    for column in ("price_cache_read_tao", "price_step_tao", "price_request_tao", "price_hour_tao"):
        conn.execute(f"ALTER TABLE model_state ADD COLUMN {column} REAL")


def _migrate_to_3(conn: Connection) -> None:
    """Webhook deliveries (chutes_data/service/webhooks.py): one row per (delivery, receiver),
    kept until delivered or given up, so a restart neither loses nor repeats a delivery."""
    _run(
        conn,
        """
        CREATE TABLE webhook_deliveries (
            delivery_id TEXT NOT NULL, url TEXT NOT NULL, body BLOB NOT NULL,
            created_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL, delivered_at TEXT, failed_at TEXT, last_error TEXT,
            PRIMARY KEY (delivery_id, url));
        CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (next_attempt_at)
            WHERE delivered_at IS NULL AND failed_at IS NULL;
    """,
    )


def _migrate_to_4(conn: Connection) -> None:
    """The platform's daily stats, once per source, chute and UTC day (complete days only, so a
    restart or a refetch never doubles a day), and the user's own probe results."""
    _run(
        conn,
        """
        CREATE TABLE daily_stats (
            source TEXT NOT NULL, chute_id TEXT NOT NULL, day TEXT NOT NULL,
            requests INTEGER, output_tokens INTEGER, tps REAL, ttft_s REAL, sps REAL,
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (source, chute_id, day)) WITHOUT ROWID;
        CREATE INDEX daily_stats_by_day ON daily_stats (day);
        CREATE TABLE probes (
            id INTEGER PRIMARY KEY, at TEXT NOT NULL, model TEXT NOT NULL, chute_id TEXT,
            outcome TEXT NOT NULL, ttft_s REAL, tps REAL, total_s REAL, output_tokens INTEGER,
            message TEXT);
        CREATE INDEX probes_by_model ON probes (model, at);
    """,
    )


def _migrate_to_5(conn: Connection) -> None:
    """How far each source's changes have been queued for the webhooks (a stored stamp), moved
    in the same transaction that queues them: a crash between recording a capture and queueing
    its changes leaves them to the next publish instead of losing them."""
    _run(conn, "CREATE TABLE webhook_cursor (source TEXT PRIMARY KEY, through TEXT NOT NULL)")


def _migrate_to_6(conn: Connection) -> None:
    """The event journal (history/journal.py): every event `record()` found, numbered from one
    durable sequence that also numbers the published revisions, so revisions and SSE ids only
    grow across restarts; and how far the webhooks have queued it (replaces `webhook_cursor`)."""
    _run(
        conn,
        """
        CREATE TABLE journal (
            seq INTEGER PRIMARY KEY, source TEXT NOT NULL, at TEXT NOT NULL, event TEXT NOT NULL);
        CREATE TABLE sequence (
            id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL,
            published INTEGER NOT NULL, webhooks_through INTEGER);
        INSERT INTO sequence (id, last, published) VALUES (1, 0, 0)
    """,
    )


# version -> function bringing the schema from version-1 to version. Add 7: _migrate_to_7 here.
MIGRATIONS = {
    1: _migrate_to_1,
    2: _migrate_to_2,
    3: _migrate_to_3,
    4: _migrate_to_4,
    5: _migrate_to_5,
    6: _migrate_to_6,
}
