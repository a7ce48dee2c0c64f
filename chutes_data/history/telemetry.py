"""Telemetry in the history database: the platform's daily stats and the user's own probes.

The LLM and diffusion stats are a time series already (one row per chute per UTC day), so they
are kept once per (source, chute, day), not once per fetch: a refetch replaces the day's row, a
restart loses nothing, and the detail page's 30-day lines come from here when the live payload
is trimmed or unavailable. Only complete days are kept (before the fetch's UTC day; today's row
is partial). Rows older than `CHUTES_HISTORY_DAYS` are pruned on write. Probe results ("Test
now", `python -m chutes_data probe`) are the user's own measurements, kept apart in `probes`.
Tables: history/db.py migration 2.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import Settings
from ..errors import HistoryError
from ..values import iso
from .db import Connection, bind_url, connect, identity, transaction
from .engine import SQLITE
from .store import DB_FILENAME, shared_store


def history_path(settings: Settings) -> Path:
    """The history database of these settings (history.history_path; not imported from the
    package's __init__, which imports the store, to keep the import order one-way)."""
    path = settings.cache_dir / DB_FILENAME
    bind_url(path, settings.database_url)
    return path


DAILY_COLUMNS = ["day", "requests", "output_tokens", "tps", "ttft_s", "sps"]
DAILY_STATS = (
    "source",
    "chute_id",
    "day",
    "requests",
    "output_tokens",
    "tps",
    "ttft_s",
    "sps",
    "recorded_at",
)
PROBE_COLUMNS = ["at", "model", "chute_id", "outcome", "ttft_s", "tps", "total_s", "output_tokens", "message"]


@contextmanager
def _db(path: Path, write: bool = False, timeout: float = 5.0) -> Iterator[Connection]:
    if not write:  # readers (the Model detail page) share the process's handle
        store = shared_store(path, timeout=timeout)
        if store is None:
            raise HistoryError(f"history database {path} is gone")
        with store.reading() as db:
            yield db
        return
    conn = connect(path, timeout)
    try:
        with transaction(conn, threading.RLock(), path, write=write) as db:
            yield db
    finally:
        conn.close()


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _whole(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def record_daily_stats(
    settings: Settings, source: str, frame: pd.DataFrame, fetched_at: datetime | None
) -> int:
    """Keep the complete days of a stats frame (`llm_stats` / `diffusion_stats`); the number of
    rows written. Days on or after the fetch's UTC day are skipped (partial)."""
    if frame is None or frame.empty or fetched_at is None:
        return 0
    today = pd.Timestamp(fetched_at.astimezone(UTC).date())
    rows = frame.loc[frame["date"] < today]
    if rows.empty:
        return 0
    now = iso(fetched_at)
    diffusion = source == "diffusion_stats"
    values = [
        (
            source,
            str(r["chute_id"]),
            r["date"].strftime("%Y-%m-%d"),
            _whole(r.get("total_requests")),
            None if diffusion else _whole(r.get("total_output_tokens")),
            None if diffusion else _num(r.get("average_tps")),
            None if diffusion else _num(r.get("average_ttft")),
            _num(r.get("average_sps")) if diffusion else None,
            now,
        )
        for r in rows.to_dict("records")
    ]
    cutoff = (today - pd.Timedelta(days=settings.history_days)).strftime("%Y-%m-%d")
    with _db(history_path(settings), write=True) as db:
        db.executemany(SQLITE.upsert("daily_stats", DAILY_STATS, ("source", "chute_id", "day")), values)
        db.execute("DELETE FROM daily_stats WHERE day < ?", (cutoff,))
    return len(values)


def daily_stats(
    settings: Settings, chute_id: str, *, source: str = "llm_stats", days: int = 30, today: date | None = None
) -> pd.DataFrame:
    """One chute's kept days (the last `days` complete days before `today`), oldest first:
    DAILY_COLUMNS, `day` as a naive date Timestamp. Empty when there is no history."""
    path = history_path(settings)
    if identity(path) is None:
        return pd.DataFrame(columns=DAILY_COLUMNS)
    today = today or datetime.now(UTC).date()
    first = (today - timedelta(days=days)).isoformat()
    with _db(path) as db:
        rows = db.execute(
            "SELECT day, requests, output_tokens, tps, ttft_s, sps FROM daily_stats "
            "WHERE source = ? AND chute_id = ? AND day >= ? AND day < ? ORDER BY day",
            (source, chute_id, first, today.isoformat()),
        ).fetchall()
    out = pd.DataFrame(rows, columns=DAILY_COLUMNS)
    out["day"] = pd.to_datetime(out["day"])
    return out


def record_probe(settings: Settings, result: Any) -> None:
    """Keep one probe result (`probe.ProbeResult`) as the user's own measurement."""
    with _db(history_path(settings), write=True) as db:
        db.execute(
            "INSERT INTO probes (at, model, chute_id, outcome, ttft_s, tps, total_s, output_tokens, "
            "message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                iso(result.at),
                result.model,
                result.chute_id,
                result.outcome,
                result.ttft_s,
                result.tps,
                result.total_s,
                result.output_tokens,
                result.message,
            ),
        )


def probes(settings: Settings, model: str | None = None, limit: int = 20) -> pd.DataFrame:
    """The newest probe results (of `model`, when given), newest first: PROBE_COLUMNS."""
    path = history_path(settings)
    if identity(path) is None:
        return pd.DataFrame(columns=PROBE_COLUMNS)
    query = f"SELECT {', '.join(PROBE_COLUMNS)} FROM probes"
    args: tuple = ()
    if model:
        query += " WHERE model = ?"
        args = (model,)
    with _db(path) as db:
        rows = db.execute(query + " ORDER BY at DESC, id DESC LIMIT ?", (*args, int(limit))).fetchall()
    out = pd.DataFrame(rows, columns=PROBE_COLUMNS)
    out["at"] = pd.to_datetime(out["at"], utc=True, format="ISO8601")
    return out
