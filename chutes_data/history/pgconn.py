"""PostgreSQL connections for the history (issue 21): psycopg 3's connection pool, and a
transaction that runs the history's SQL (written with `?`, in SQLite's types) in PostgreSQL's
dialect, so the same code writes either engine.

The pool checks a connection before lending it, so a database that went away and came back costs
one failed transaction (a `HistoryError`, as SQLite's errors are) and not a pool of dead
connections. psycopg is imported when a pool is opened: without CHUTES_DATABASE_URL nothing
here runs.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from ..errors import HistoryError
from .engine import POSTGRESQL, Dialect, redact_url
from .leader import KEEPALIVE

_DDL = re.compile(r"\s*(CREATE|ALTER)\b", re.IGNORECASE)


class DialectConnection:
    """A connection (psycopg's or sqlite3's) that speaks the shared SQL: `execute(sql, params)`
    runs `dialect.sql(sql)`, and a CREATE/ALTER in `dialect.ddl()` too, so history/db.py's
    migrations run on it as written. Parameters are always passed (an empty tuple when there
    are none) so psycopg reads the doubled `%%` as `%`."""

    def __init__(self, conn: Any, dialect: Dialect = POSTGRESQL) -> None:
        self.raw, self.dialect = conn, dialect

    def execute(self, statement: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
        if _DDL.match(statement):
            statement = self.dialect.ddl(statement)
        return self.raw.execute(self.dialect.sql(statement), self.dialect.params(params))

    def executemany(self, statement: str, rows: Iterable[Sequence[Any]]) -> Any:
        cursor = self.raw.cursor()
        cursor.executemany(self.dialect.sql(statement), [self.dialect.params(r) for r in rows])
        return cursor


def open_pool(url: str, *, min_size: int = 1, max_size: int = 4, timeout: float = 5.0) -> Any:
    """A psycopg_pool.ConnectionPool on `url` (autocommit connections: `transaction` opens and
    closes each transaction itself). It opens in the background: a database that is not up yet
    does not stop the app from starting, its first transaction says so."""
    from psycopg_pool import ConnectionPool

    pool = ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        timeout=timeout,
        open=False,
        check=ConnectionPool.check_connection,
        name="chutes-history",
        kwargs={
            "autocommit": True,
            "connect_timeout": max(1, int(timeout)),
            "application_name": "chutes-history",
            **KEEPALIVE,
        },
    )
    pool.open(wait=False)
    return pool


@contextmanager
def transaction(pool: Any, url: str, *, write: bool = False) -> Iterator[DialectConnection]:
    """One transaction on a pooled connection: committed when the block ends, rolled back when it
    raises. A write transaction is serialised against every other writer of the database
    (`Dialect.begin_write`). Every psycopg or pool error surfaces as `HistoryError` naming the
    database without its password."""
    with _errors(url), pool.connection() as conn:
        for statement in POSTGRESQL.begin_write() if write else ["BEGIN"]:
            conn.execute(statement)
        try:
            yield DialectConnection(conn)
        except BaseException:
            if not conn.closed:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


class PgDatabase:
    """The process's handle on one PostgreSQL history: its pool, migrated (db._migrate, under
    the migration lock) on the first transaction, so a database that is down when the app starts
    only fails that transaction. Shared by every opener in the process (`open_database`):
    `close()` leaves the pool open for the others; `close_all()` ends them (tests, shutdown)."""

    def __init__(self, url: str, timeout: float, migrate: Callable[..., None]) -> None:
        self.url, self._migrate = url, migrate
        self.pool = open_pool(url, timeout=timeout)
        self._migrated = False
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[DialectConnection]:
        self._ensure_migrated()
        with transaction(self.pool, self.url, write=write) as db:
            yield db

    def _ensure_migrated(self) -> None:
        if self._migrated:
            return
        with self._lock, _errors(self.url):
            if not self._migrated:
                with self.pool.connection() as conn:
                    self._migrate(DialectConnection(conn), redact_url(self.url), POSTGRESQL)
                self._migrated = True

    def close(self) -> None:
        """Nothing: the pool is the process's (see `close_all`)."""


_open: dict[str, PgDatabase] = {}
_open_lock = threading.Lock()


def open_database(url: str, timeout: float, migrate: Callable[..., None]) -> PgDatabase:
    """The process's one handle on the database at `url`."""
    with _open_lock:
        if url not in _open:
            _open[url] = PgDatabase(url, timeout, migrate)
        return _open[url]


def close_all() -> None:
    """Close every pool this process opened."""
    with _open_lock:
        held = list(_open.values())
        _open.clear()
    for handle in held:
        handle.pool.close()


@contextmanager
def _errors(url: str) -> Iterator[None]:
    """psycopg's and the pool's errors as `HistoryError`, the URL's password masked."""
    import psycopg
    from psycopg_pool import PoolTimeout

    try:
        yield
    except PoolTimeout:
        raise HistoryError(f"history database {redact_url(url)} is not reachable") from None
    except psycopg.Error as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise HistoryError(f"history database {redact_url(url)}: {detail}") from None
