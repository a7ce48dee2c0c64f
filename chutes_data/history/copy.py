"""Copying an SQLite history into PostgreSQL (`python -m chutes_data history copy --to …`): the
move from one process to a team's replicas (issue 21) loses nothing.

Every table of the file is copied, in the order it was created (so a referenced row is always
there before the rows that refer to it; a table a later migration adds is copied with no change
here), rows in key order with their ids as they are, then each identity column is moved past the
copied ids (`Dialect.after_copy`). The target is migrated first and must hold no history yet: a
copy never merges two histories. One transaction: the copy lands whole or not at all.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import HistoryError
from . import db
from .engine import POSTGRESQL, check_database_url, redact_url

BATCH = 1000  # rows per executemany
_SEEDED = {"sequence"}  # tables a migration fills with their one row: replaced by the copy


@dataclass(frozen=True)
class Copied:
    table: str
    source_rows: int
    target_rows: int


def copy_history(path: Path, url: str, timeout: float = 30.0) -> list[Copied]:
    """Copy the SQLite history at `path` into the empty PostgreSQL database at `url`; what each
    table held on both sides afterwards. HistoryError (the URL's password masked) on failure."""
    url = check_database_url(url) or ""
    if not url:
        raise HistoryError("history copy --to needs a postgresql:// URL")
    if not path.is_file():
        raise HistoryError(f"there is no history database at {path} to copy")
    source = db.connect(path, timeout)  # migrated to this app's schema first
    try:
        return _copy(source, path, url, timeout)
    finally:
        source.close()


def _copy(source: sqlite3.Connection, path: Path, url: str, timeout: float) -> list[Copied]:
    from .pgconn import open_database

    tables = [
        r[0]
        for r in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        )
    ]
    target = open_database(url, timeout, db._migrate)
    done: list[Copied] = []
    with db.transaction(source, threading.RLock(), path) as src, target.transaction(write=True) as dst:
        for table in tables:
            held = dst.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            if held and table not in _SEEDED:
                raise HistoryError(
                    f"{redact_url(url)} already holds a history ({table}: {held} rows); "
                    "copy into an empty database"
                )
        for table in tables:
            info = src.execute(f"PRAGMA table_info({table})").fetchall()
            columns = [r[1] for r in info]
            keys = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]] or ["rowid"]
            if table in _SEEDED:
                dst.execute(f"DELETE FROM {table}")
            insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            rows = src.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(keys)}")
            while batch := rows.fetchmany(BATCH):
                dst.executemany(insert, batch)
            identity = [r[1] for r in info if r[5] == 1 and r[2].upper() == "INTEGER" and len(keys) == 1]
            if identity:
                dst.execute(POSTGRESQL.after_copy(table, identity[0]) or "")
            done.append(
                Copied(
                    table,
                    src.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0],
                    dst.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0],
                )
            )
    lost = [c for c in done if c.source_rows != c.target_rows]
    if lost:  # cannot happen in one transaction; said loudly if it ever does
        raise HistoryError(f"history copy differs: {lost}")
    return done
