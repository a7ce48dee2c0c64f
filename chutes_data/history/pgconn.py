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
from collections.abc import Iterable, Iterator, Sequence
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

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        if _DDL.match(statement):
            statement = self.dialect.ddl(statement)
        return self.raw.execute(self.dialect.sql(statement), tuple(params))

    def executemany(self, statement: str, rows: Iterable[Sequence[Any]]) -> Any:
        cursor = self.raw.cursor()
        cursor.executemany(self.dialect.sql(statement), [tuple(r) for r in rows])
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
    import psycopg
    from psycopg_pool import PoolTimeout

    try:
        with pool.connection() as conn:
            for statement in POSTGRESQL.begin_write() if write else ["BEGIN"]:
                conn.execute(statement)
            try:
                yield DialectConnection(conn)
            except BaseException:
                if not conn.closed:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
    except PoolTimeout:
        raise HistoryError(f"history database {redact_url(url)} is not reachable") from None
    except psycopg.Error as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise HistoryError(f"history database {redact_url(url)}: {detail}") from None
