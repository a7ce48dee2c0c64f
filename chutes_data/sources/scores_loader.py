"""Loading the `CHUTES_SCORES` tables (issue 20) by the sources' rule: a cached copy within the
TTL (`CACHE_DURATION_MINUTES`), else the file or URL, else the last good copy marked stale with the
reason, else nothing (the error kept). A table that fails never breaks the catalog: its scores
are NA and its status says why. The cache is `cache/scores/<hash of the entry>.bin` (+ `.json`
with when it was fetched), the raw bytes as read, so a table that later turns bad loses nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ..config import Settings
from ..errors import ChutesDataError
from ..scores import MAX_BYTES, ScoreMatch, ScoreTable, match_scores, read_table, split_entry
from ..urls import redact


@dataclass(frozen=True)
class TableStatus:
    """One table's state as data: `origin` live | cache | stale | none."""

    entry: str
    label: str
    origin: str
    fetched_at: datetime | None = None
    rows: int = 0
    matched: int = 0
    method: str | None = None
    error: str | None = None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScoresResult:
    match: ScoreMatch
    statuses: list[TableStatus] = field(default_factory=list)


def _label(location: str) -> str:
    """A file's name, or a URL without its query string (which may carry a token)."""
    if "://" in location:
        return location.split("?", 1)[0].split("#", 1)[0]
    return Path(location).name


def read_location(location: str, timeout: float) -> bytes:
    """The bytes of a path or an http(s) URL, at most MAX_BYTES + 1 (so size is judged, not trusted)."""
    if "://" not in location:
        with Path(location).expanduser().open("rb") as f:
            return f.read(MAX_BYTES + 1)
    import httpx

    with httpx.stream("GET", location, timeout=timeout, follow_redirects=True) as r:
        r.raise_for_status()
        data = bytearray()
        for chunk in r.iter_bytes():
            data += chunk
            if len(data) > MAX_BYTES:
                break
        return bytes(data)


def _cache_paths(settings: Settings, entry: str) -> tuple[Path, Path]:
    key = hashlib.sha256(entry.encode()).hexdigest()[:24]
    folder = settings.cache_dir / "scores"
    return folder / f"{key}.bin", folder / f"{key}.json"


def _cached(settings: Settings, entry: str) -> tuple[bytes, datetime] | None:
    data_path, meta_path = _cache_paths(settings, entry)
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
        return data_path.read_bytes(), datetime.fromisoformat(meta["fetched_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(settings: Settings, entry: str, data: bytes, at: datetime) -> None:
    data_path, meta_path = _cache_paths(settings, entry)
    try:
        data_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = data_path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(data_path)
        meta_path.write_text(json.dumps({"entry_label": _label(entry), "fetched_at": at.isoformat()}))
    except OSError:
        pass  # not kept: the next load reads the table again


def load_scores(
    settings: Settings,
    v1: pd.DataFrame,
    *,
    refresh: bool = False,
    now: datetime | None = None,
    reader: Callable[[str, float], bytes] = read_location,
) -> ScoresResult:
    """Every CHUTES_SCORES table read (or its cached copy), matched to the `/v1/models` ids."""
    now = now or datetime.now(UTC)
    tables: list[ScoreTable] = []
    statuses: list[TableStatus] = []
    for entry in settings.scores:
        location, column = split_entry(entry)
        label = _label(location) + (f"#{column}" if column else "")
        cached = _cached(settings, entry)
        origin, error, data = "live", None, None
        at: datetime | None = now
        if cached and not refresh and (now - cached[1]).total_seconds() < settings.ttl_seconds:
            data, at, origin = cached[0], cached[1], "cache"
        else:
            try:
                data = reader(location, settings.http_timeout)
                read_table(data, label, column)  # a table that turned bad keeps the last good copy
                _store(settings, entry, data, now)
            except (OSError, ChutesDataError, ValueError) as e:
                error = redact(_message(e, label), settings.api_key)
                data, at, origin = (cached[0], cached[1], "stale") if cached else (None, None, "none")
        if data is None:
            statuses.append(TableStatus(entry, label, origin, error=error))
            continue
        try:
            table = read_table(data, label, column)
        except ChutesDataError as e:
            statuses.append(TableStatus(entry, label, "none", error=str(e)))
            continue
        tables.append(table)
        statuses.append(
            TableStatus(
                entry, label, origin, at, len(table.rows), 0, table.method, error, tuple(table.problems)
            )
        )
    match = match_scores(v1, tables)
    counts = match.scores["score_source"].value_counts().to_dict()
    statuses = [
        s if s.method is None else _with_matched(s, counts.get(f"{s.label}: {s.method}", 0)) for s in statuses
    ]
    return ScoresResult(match, statuses)


def _with_matched(s: TableStatus, matched: int) -> TableStatus:
    from dataclasses import replace

    return replace(s, matched=int(matched))


def _message(e: Exception, label: str) -> str:
    if isinstance(e, ChutesDataError):
        return str(e)
    if isinstance(e, OSError):
        return f"{label}: cannot read it ({e.strerror or type(e).__name__})"
    return f"{label}: {str(e)[:200]}"
