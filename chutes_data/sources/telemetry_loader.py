"""Loading the telemetry sources: the same rules as the catalog's two sources, per source.

Cache within `CHUTES_TELEMETRY_MINUTES` (default 10) -> upstream (anonymous, via
`ChutesClient.get_public_json`) -> on failure the last good snapshot, marked stale with the
reason -> nothing (origin "none", the error kept). The six sources are fetched in parallel, so a
hanging upstream costs one request budget, not six. A telemetry source that fails never breaks
the catalog: its columns are NA and the banner and `status` say why. Offline (or when the catalog
itself is the bundled sample) the sample's synthetic telemetry is served, never mixed with live.
Cache files are `cache/telemetry_<source>.json` (+ `.error.json`), written atomically.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from ..config import Settings
from ..errors import ChutesDataError, ConfigError, NetworkError, PayloadError
from ..merge.telemetry import telemetry_columns
from ..urls import redact
from .cache import DiskCache
from .client import ChutesClient
from .loader import SAMPLE_DIR
from .telemetry import SOURCES, TELEMETRY_SOURCES, fetch, frame
from .types import SourceData, SourceStatus

log = logging.getLogger(__name__)

SAMPLE_TODAY = date(2026, 11, 20)  # the bundled sample's "today" (synth SAMPLE_NOW)


def cache_key(source: str) -> str:
    """The DiskCache name of a telemetry source (`telemetry_utilization`, ...)."""
    return f"telemetry_{source}"


def sample_file(source: str) -> str:
    return f"telemetry_{source}.json"


def sample_payload(source: str) -> list:
    """The bundled sample's synthetic rows for a telemetry source ([] when it has none)."""
    try:
        body = json.loads((SAMPLE_DIR / sample_file(source)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return body if isinstance(body, list) else []


def _data(settings: Settings, source: str, origin: str, payload: Any, *,
          fetched_at: datetime | None, stale: bool = False, error: str | None = None) -> SourceData:
    tidy = frame(source, payload)
    status = SourceStatus(source=source, origin=origin, fetched_at=fetched_at, count=len(tidy),
                          stale=stale, complete=True,
                          error=redact(error, settings.api_key) if error else None,
                          ttl_seconds=settings.telemetry_ttl_seconds)
    return SourceData(status=status, frame=tidy, payload=payload)


def load_sample(settings: Settings, source: str) -> SourceData:
    return _data(settings, source, "sample", sample_payload(source), fetched_at=None)


def load_telemetry_source(settings: Settings, source: str, *, refresh: bool = False,
                          client: ChutesClient | None = None, now: datetime | None = None,
                          unreachable: str | None = None) -> SourceData:
    """One telemetry source: cache within its TTL, else upstream, else the last good snapshot.
    `unreachable`: the host is known to be down this load (the reason); do not try it again."""
    return _load(settings, source, refresh=refresh, client=client, now=now,
                 unreachable=unreachable)[0]


def _load(settings: Settings, source: str, *, refresh: bool, client: ChutesClient | None,
          now: datetime | None, unreachable: str | None) -> tuple[SourceData, Exception | None]:
    """`load_telemetry_source`, plus the error of a failed fetch (None when none was tried or
    it worked), so the caller can tell a host that is down from a route that is broken."""
    if settings.offline:
        return load_sample(settings, source), None
    now = now or datetime.now(UTC)
    cache = DiskCache(settings.cache_dir)
    key = cache_key(source)
    cached = cache.read(key)
    if cached is not None and not refresh and \
            0 <= (now - cached.fetched_at).total_seconds() < settings.telemetry_ttl_seconds:
        try:
            return _data(settings, source, "cache", cached.payload,
                         fetched_at=cached.fetched_at), None
        except PayloadError:
            log.warning("cached %s payload is unusable; refetching", source)
            cached = None
    own_client = client is None
    client = client or ChutesClient(settings)
    try:
        if unreachable:
            raise NetworkError(f"{source}: not fetched: {unreachable}", source=source)
        payload = fetch(client.get_public_json, source, now.date())
        data = _data(settings, source, "live", payload, fetched_at=now)
    except ChutesDataError as exc:
        message = redact(str(exc), settings.api_key)
        cache.write_error(key, message, now)
        log.warning("%s", message)
        if cached is not None:
            try:
                return _data(settings, source, "cache", cached.payload, fetched_at=cached.fetched_at,
                             stale=True, error=message), exc
            except PayloadError:
                pass
        return _data(settings, source, "none", None, fetched_at=None, error=message), exc
    finally:
        if own_client:
            client.close()
    cache.write(key, payload, now)
    _record_daily(settings, source, data)
    return data, None


def _record_daily(settings: Settings, source: str, data: SourceData) -> None:
    """Keep the daily stats once per chute per day in the history (best effort)."""
    if source not in ("llm_stats", "diffusion_stats"):
        return
    try:
        from ..history.telemetry import record_daily_stats

        record_daily_stats(settings, source, data.frame, data.status.fetched_at)
    except Exception as exc:  # noqa: BLE001 - history is best effort by design
        log.warning("could not record %s daily stats: %s", source, exc)


def load_telemetry(settings: Settings, *, refresh: bool = False, client: ChutesClient | None = None,
                   sample: bool = False, now: datetime | None = None) -> dict[str, SourceData]:
    """Every telemetry source (in parallel); `sample` serves the bundled sample's telemetry."""
    if sample or settings.offline:
        return {s: load_sample(settings, s) for s in TELEMETRY_SOURCES}
    own_client = client is None
    client = client or ChutesClient(settings)
    try:
        # The small utilization route first: when it cannot reach the host (or the base URL is
        # unusable) the others are not tried, so an outage costs one request budget, not six.
        first, error = _load(settings, "utilization", refresh=refresh, client=client, now=now,
                             unreachable=None)
        unreachable = isinstance(error, ConfigError) or (
            isinstance(error, NetworkError) and error.unreachable)
        down = str(error) if unreachable else None
        rest = [s for s in TELEMETRY_SOURCES if s != "utilization"]
        with ThreadPoolExecutor(max_workers=len(rest), thread_name_prefix="telemetry") as pool:
            futures = {s: pool.submit(load_telemetry_source, settings, s, refresh=refresh,
                                      client=client, now=now, unreachable=down) for s in rest}
            found = {"utilization": first, **{s: f.result() for s, f in futures.items()}}
        return {s: found[s] for s in TELEMETRY_SOURCES}
    finally:
        if own_client:
            client.close()


def telemetry_today(telemetry: dict[str, SourceData], now: datetime | None = None) -> date:
    """The UTC day the stats were fetched on (its row was partial then); the sample's day."""
    stats = telemetry.get("llm_stats")
    if stats is not None and stats.status.origin == "sample":
        return SAMPLE_TODAY
    if stats is not None and stats.status.fetched_at is not None:
        return stats.status.fetched_at.astimezone(UTC).date()
    return (now or datetime.now(UTC)).date()


def columns_of(telemetry: dict[str, SourceData], now: datetime | None = None) -> pd.DataFrame:
    """The telemetry columns from whatever sources have data (a source with none stays NA)."""
    frames = {s: d.frame for s, d in telemetry.items() if d.status.origin != "none"}
    return telemetry_columns(frames, telemetry_today(telemetry, now))


def telemetry_cache_status(settings: Settings) -> dict[str, SourceStatus]:
    """What is on disk for each telemetry source, without fetching (for `status`)."""
    cache = DiskCache(settings.cache_dir)
    now = datetime.now(UTC)
    ttl = settings.telemetry_ttl_seconds
    out = {}
    for source in TELEMETRY_SOURCES:
        key = cache_key(source)
        cached, last_error = cache.read(key), cache.read_error(key)
        error = last_error.message if last_error else None
        count = 0
        if cached is not None:
            try:
                count = len(frame(source, cached.payload))
            except PayloadError:
                cached = None
        if cached is None:
            out[source] = SourceStatus(source, "none", None, 0, False, False, error, ttl)
            continue
        stale = (now - cached.fetched_at).total_seconds() >= ttl or (
            last_error is not None and last_error.at > cached.fetched_at)
        out[source] = SourceStatus(source, "cache", cached.fetched_at, count, stale, True, error, ttl)
    return out


LABELS = {s: spec.label for s, spec in SOURCES.items()}
