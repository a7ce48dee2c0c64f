"""Loading any declared source (`registry.SOURCES`) with the one rule, catalog and telemetry alike.

Offline: the bundled sample. Otherwise the cache while it is fresh (the source's TTL; a fetch
time in the future is not fresh) -> upstream -> on failure the last good snapshot, marked stale
with the reason -> a partial listing, marked incomplete -> nothing (origin "none", the error
kept). Only a complete, successful fetch replaces the cache file; the failure is kept beside it
(`.error.json`) for `status`. A live fetch is then kept in the history as the source declares
(a history problem never breaks a fetch). Errors are redacted of the API key everywhere.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from ..config import Settings
from ..errors import ChutesDataError, FetchError, NetworkError, PayloadError
from ..history import shared_history
from ..history.telemetry import record_daily_stats
from ..urls import redact
from .cache import DiskCache
from .client import ChutesClient
from .registry import SAMPLE_DIR, SOURCES
from .types import SourceData, SourceStatus

log = logging.getLogger(__name__)

_HISTORY_LOCK = threading.Lock()  # the fetch threads record one at a time


def source_data(
    settings: Settings,
    source: str,
    origin: str,
    payload: Any,
    *,
    fetched_at: datetime | None,
    stale: bool = False,
    complete: bool = True,
    error: str | None = None,
) -> SourceData:
    """A payload with its frame and status (raises PayloadError when the payload is unusable)."""
    spec = SOURCES[source]
    tidy = spec.frame(spec.empty if payload is None else payload)
    status = SourceStatus(
        source=source,
        origin=origin,
        fetched_at=fetched_at,
        count=len(tidy),
        stale=stale,
        complete=complete,
        error=redact(error, settings.api_key) if error else None,
        ttl_seconds=spec.ttl_seconds(settings),
    )
    return SourceData(status=status, frame=tidy, payload=payload)


def sample_payload(source: str) -> Any:
    """The bundled, synthetic sample payload of a source (see chutes_data/sample/README.md);
    a telemetry source without a usable sample file has no rows."""
    spec = SOURCES[source]
    try:
        body = json.loads((SAMPLE_DIR / spec.sample_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        if not spec.sample_optional:
            raise
        return spec.empty
    return body if not spec.sample_optional or isinstance(body, type(spec.empty)) else spec.empty


def load_sample(settings: Settings, source: str) -> SourceData:
    return source_data(settings, source, "sample", sample_payload(source), fetched_at=None)


def load(
    settings: Settings,
    source: str,
    *,
    refresh: bool = False,
    client: ChutesClient | None = None,
    now: datetime | None = None,
    unreachable: str | None = None,
) -> tuple[SourceData, Exception | None]:
    """One source by the rule above, plus the error of a failed fetch (None when none was tried
    or it worked), so a caller can tell a host that is down from a route that is broken.
    `unreachable`: the host is known to be down this load (the reason); do not try it again."""
    if settings.offline:
        return load_sample(settings, source), None
    spec = SOURCES[source]
    now = now or datetime.now(UTC)
    cache = DiskCache(settings.cache_dir, settings.api_key)
    cached = cache.read(spec.cache_key)
    if (
        cached is not None
        and not refresh
        and 0 <= (now - cached.fetched_at).total_seconds() < spec.ttl_seconds(settings)
    ):
        try:
            return source_data(settings, source, "cache", cached.payload, fetched_at=cached.fetched_at), None
        except PayloadError:
            log.warning("cached %s payload is unusable; refetching", source)
            cached = None

    own_client = client is None
    client = client or ChutesClient(settings)
    try:
        if unreachable:
            raise NetworkError(f"{source}: not fetched: {unreachable}", source=source)
        payload = spec.fetch(client, spec, now.date())
        data = source_data(settings, source, "live", payload, fetched_at=now)
    except ChutesDataError as exc:
        return _failed(settings, source, cache, cached, exc, now), exc
    finally:
        if own_client:
            client.close()
    problems = [] if cache.write(spec.cache_key, payload, now) else [cache.write_problem or "cannot write"]
    kept = _keep(settings, source, data)
    if kept:
        problems.append(kept)
    return (replace(data, storage=tuple(problems)) if problems else data), None


def _failed(
    settings: Settings, source: str, cache: DiskCache, cached: Any, exc: ChutesDataError, now: datetime
) -> SourceData:
    """A failed fetch: the last good snapshot (stale), else what a listing held (incomplete),
    else nothing; the error is written beside the cache file and logged."""
    message = redact(str(exc), settings.api_key)
    cache.write_error(SOURCES[source].cache_key, message, now)
    log.warning("%s", message)
    if cached is not None:
        try:
            return source_data(
                settings,
                source,
                "cache",
                cached.payload,
                fetched_at=cached.fetched_at,
                stale=True,
                error=message,
            )
        except PayloadError:
            pass
    partial = exc.partial if isinstance(exc, FetchError) else None
    if partial is not None:
        return source_data(settings, source, "live", partial, fetched_at=now, complete=False, error=message)
    return source_data(settings, source, "none", None, fetched_at=None, error=message)


def _keep(settings: Settings, source: str, data: SourceData) -> str | None:
    """Keep a live fetch in the history as its source declares; a problem is returned."""
    kind = SOURCES[source].history
    if kind == "snapshot":
        return record_history(settings, source, data.payload, data.status.fetched_at)
    if kind == "daily":
        try:
            record_daily_stats(settings, source, data.frame, data.status.fetched_at)
        except Exception as exc:  # noqa: BLE001 - history is best effort by design
            log.warning("could not record %s daily stats: %s", source, exc)
    return None


def record_history(settings: Settings, source: str, payload: Any, at: datetime | None) -> str | None:
    """Keep the snapshot in history; a history problem never breaks a fetch (it is returned,
    and logged). An empty fetch is not recorded and is no problem.

    A fetch that lists no models is not recorded (`allow_empty=False`): taken as a snapshot it
    would log every model as removed, then as added again on the next good fetch."""
    try:
        with _HISTORY_LOCK:  # the process's one writer (history.shared_history), never reopened
            shared_history(settings).record(source, payload, at, origin="live", allow_empty=False)
    except PayloadError as exc:
        log.warning("could not record %s history: %s", source, exc)
    except Exception as exc:  # noqa: BLE001 - history is best effort by design
        log.warning("could not record %s history: %s", source, exc)
        return f"history not recorded: {exc}"
    return None


def cached_status(settings: Settings, sources: tuple[str, ...]) -> dict[str, SourceStatus]:
    """What is on disk for each source, without fetching: for `status` and the Data sources
    page. `stale` records a refresh that failed after the snapshot was taken; whether its age
    makes it stale is `state.assess`'s one rule."""
    cache = DiskCache(settings.cache_dir, settings.api_key)
    out = {}
    for source in sources:
        spec = SOURCES[source]
        ttl = spec.ttl_seconds(settings)
        cached, last_error = cache.read(spec.cache_key), cache.read_error(spec.cache_key)
        error = last_error.message if last_error else None
        count = 0
        if cached is not None:
            try:
                count = len(spec.frame(cached.payload))
            except PayloadError:
                cached = None
        if cached is None:
            out[source] = SourceStatus(source, "none", None, 0, False, False, error, ttl)
            continue
        stale = last_error is not None and last_error.at > cached.fetched_at
        out[source] = SourceStatus(source, "cache", cached.fetched_at, count, stale, True, error, ttl)
    return out
