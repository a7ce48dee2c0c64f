"""Loading the telemetry sources: the same rule as the catalog's two sources (`loading.load`).

Cache within `CHUTES_TELEMETRY_MINUTES` (default 10) -> upstream (anonymous, via
`ChutesClient.get_public_json`) -> on failure the last good snapshot, marked stale with the
reason -> nothing (origin "none", the error kept). The six sources are fetched in parallel, so a
hanging upstream costs one request budget, not six. A telemetry source that fails never breaks
the catalog: its columns are NA and the banner and `status` say why. Offline (or when the catalog
itself is the bundled sample) the sample's synthetic telemetry is served, never mixed with live.
Cache files are `cache/telemetry_<source>.json` (+ `.error.json`), written atomically.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pandas as pd

from ..config import Settings
from ..errors import ConfigError, NetworkError
from ..merge.telemetry import telemetry_columns
from .client import ChutesClient
from .loading import cached_status, load, load_sample
from .registry import TELEMETRY_SOURCES
from .types import SourceData, SourceStatus

log = logging.getLogger(__name__)

SAMPLE_TODAY = date(2026, 11, 20)  # the bundled sample's "today" (synth SAMPLE_NOW)


def load_telemetry_source(
    settings: Settings,
    source: str,
    *,
    refresh: bool = False,
    client: ChutesClient | None = None,
    now: datetime | None = None,
    unreachable: str | None = None,
) -> SourceData:
    """One telemetry source: cache within its TTL, else upstream, else the last good snapshot.
    `unreachable`: the host is known to be down this load (the reason); do not try it again."""
    return load(settings, source, refresh=refresh, client=client, now=now, unreachable=unreachable)[0]


def load_telemetry(
    settings: Settings,
    *,
    refresh: bool = False,
    client: ChutesClient | None = None,
    sample: bool = False,
    now: datetime | None = None,
) -> dict[str, SourceData]:
    """Every telemetry source (in parallel); `sample` serves the bundled sample's telemetry."""
    if sample or settings.offline:
        return {s: load_sample(settings, s) for s in TELEMETRY_SOURCES}
    own_client = client is None
    client = client or ChutesClient(settings)
    try:
        # The small utilization route first: when it cannot reach the host (or the base URL is
        # unusable) the others are not tried, so an outage costs one request budget, not six.
        first, error = load(settings, "utilization", refresh=refresh, client=client, now=now)
        unreachable = isinstance(error, ConfigError) or (
            isinstance(error, NetworkError) and error.unreachable
        )
        down = str(error) if unreachable else None
        rest = [s for s in TELEMETRY_SOURCES if s != "utilization"]
        with ThreadPoolExecutor(max_workers=len(rest), thread_name_prefix="telemetry") as pool:
            futures = {
                s: pool.submit(
                    load_telemetry_source,
                    settings,
                    s,
                    refresh=refresh,
                    client=client,
                    now=now,
                    unreachable=down,
                )
                for s in rest
            }
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
    return cached_status(settings, TELEMETRY_SOURCES)
