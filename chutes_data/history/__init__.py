"""History: every successful fetch kept as a snapshot in SQLite, and the changes between them.

Modules, each importing only the ones before it: `state` (the tracked state of a capture and the
events between two states; pure), `db` (the file, schema and migrations), `store` (`HistoryStore`),
`backfill` (`import-snapshots`), `text` (the terminal format of events). Open the app's database
with `open_history(settings)` (a writer, which prunes), or share one handle per process with
`shared_store(history_path(settings))`. `db` is the only module that knows it is SQLite; `reader`,
`writer` and `journal` hold the queries, `store` the `HistoryStore` that runs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import Settings
from .backfill import capture_time, import_snapshots
from .db import bind_url
from .state import CONTEXT_FIELDS, EVENT_KINDS, PRICE_FIELDS, STATE_COLUMNS, TAO_FIELDS, diff_states
from .store import DB_FILENAME, KEEP_PAYLOADS, MAX_SNAPSHOTS, HistoryStore, Recorded, shared_store
from .text import format_changes_text


def history_path(settings: Settings) -> Path:
    """The history database of these settings (in the cache directory; kept in PostgreSQL
    instead when CHUTES_DATABASE_URL is set: db.bind_url)."""
    path = settings.cache_dir / DB_FILENAME
    bind_url(path, settings.database_url)
    return path


def shared_history(settings: Settings) -> HistoryStore:
    """The process's one writer on the app's history database (created when missing), with
    the settings' retention: what recording a live fetch should use instead of an open per
    capture. Never close it."""
    store = shared_store(
        history_path(settings),
        readonly=False,
        create=True,
        retention_days=settings.history_days,
        max_snapshots=MAX_SNAPSHOTS,
        keep_payloads=KEEP_PAYLOADS,
    )
    assert store is not None  # create=True
    return store


def open_history(settings: Settings, **options: Any) -> HistoryStore:
    """The app's history database, with the settings' retention (options override the store's)."""
    options.setdefault("retention_days", settings.history_days)
    return HistoryStore(history_path(settings), **options)


__all__ = [
    "CONTEXT_FIELDS",
    "DB_FILENAME",
    "EVENT_KINDS",
    "PRICE_FIELDS",
    "STATE_COLUMNS",
    "TAO_FIELDS",
    "HistoryStore",
    "Recorded",
    "capture_time",
    "diff_states",
    "format_changes_text",
    "history_path",
    "import_snapshots",
    "open_history",
    "shared_history",
    "shared_store",
]
