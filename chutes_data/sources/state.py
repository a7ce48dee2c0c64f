"""A load's outcome as data: the state vocabulary and the one staleness rule.

The loader records facts on each `SourceStatus` (origin, fetched_at, whether a refresh failed
after the snapshot was taken, whether the listing is complete, the error). `assess()` turns those
facts into an `Outcome` (source, state, reason, since); the banner, the Data sources page, the
API (`/api/cache/status`, SSE snapshot events) and `python -m chutes_data status` all show that,
so they can never disagree, and nobody parses a sentence to find out what happened.

The staleness rule: a source is stale when a refresh failed after its snapshot was taken, or
when its snapshot is older than its TTL plus one refresh interval (`stale_after`). The
background refresher refetches each source when its TTL runs out, so only a refresh that
failed, hung or never ran can let a snapshot get that old.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from ..config import Settings
from .types import Catalog, SourceStatus

MIN_INTERVAL = 2.0  # seconds: a floor under CACHE_DURATION_MINUTES=0, so upstream is not hammered


class State(StrEnum):
    """What a source's data is, once: every door shows one of these."""

    LIVE = "live"  # fetched from upstream, within its TTL
    CACHED = "cached"  # read from the disk cache, within its TTL (plus one refresh interval)
    STALE = "stale"  # a refresh failed after it was taken, or it is older than `stale_after`
    INCOMPLETE = "incomplete"  # a listing cut short: some rows are missing
    SAMPLE = "sample"  # the bundled synthetic sample
    FILE = "file"  # read from a saved file (the CLI's --file)
    FAILED = "failed"  # no data at all: the fetch failed and nothing was cached

    @property
    def failing(self) -> bool:
        """States the banner names (the data is old, partial or missing)."""
        return self in (State.STALE, State.INCOMPLETE, State.FAILED)


@dataclass(frozen=True)
class Outcome:
    """One source's load outcome: `since` is when the data shown was fetched (None: no fetch
    time, i.e. the sample or nothing); `reason` is the (redacted) error, if any."""

    source: str
    state: State
    reason: str | None
    since: datetime | None

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "state": self.state.value,
            "reason": self.reason,
            "since": None if self.since is None else self.since.isoformat().replace("+00:00", "Z"),
        }


def refresh_interval(settings: Settings) -> float:
    """How often the background refresher looks at its sources by default: the shortest TTL
    (a source is refetched when its own TTL runs out; the floor keeps upstream unhammered)."""
    return max(min(settings.ttl_seconds, settings.telemetry_ttl_seconds), MIN_INTERVAL)


def stale_after(status: SourceStatus, settings: Settings) -> float:
    """Seconds after its fetch a snapshot is stale: its TTL plus one refresh interval."""
    return status.ttl_seconds + refresh_interval(settings)


OFFLINE_REASON = "offline mode is on (CHUTES_OFFLINE or --offline)"
SAMPLE_TELEMETRY_REASON = "the catalog is the bundled sample, so its telemetry is too"


def assess(
    status: SourceStatus, settings: Settings, now: datetime | None = None, fallback: str | None = None
) -> Outcome:
    """The one rule: what a status means now (see the module docstring). A sample always says
    why it stands in: `fallback` (why no live or cached data could be had), else offline mode."""
    now = now or datetime.now(UTC)
    since = status.fetched_at
    if status.origin == "none":
        state = State.FAILED
    elif status.origin == "sample":
        state = State.SAMPLE
    elif status.origin == "file":
        state = State.FILE
    elif not status.complete:
        state = State.INCOMPLETE
    elif status.stale:
        state = State.STALE
    elif since is not None and (now - since).total_seconds() >= stale_after(status, settings):
        state = State.STALE
    else:
        state = State.LIVE if status.origin == "live" else State.CACHED
    reason = status.error
    if state is State.STALE and reason is None:
        reason = f"not refreshed for {_minutes((now - since).total_seconds())}"  # type: ignore[operator]
    if state is State.SAMPLE and reason is None:
        reason = fallback or (OFFLINE_REASON if settings.offline else None)
    return Outcome(status.source, state, reason, since)


def catalog_outcomes(catalog: Catalog, settings: Settings, now: datetime | None = None) -> dict[str, Outcome]:
    """`assess` of every source of a loaded catalog (catalog, then telemetry), the sample's
    reason included: the upstream errors that made it stand in (`Catalog.fallback`), and for the
    telemetry beside a sample catalog, that. What the API's cache status and SSE show."""
    now = now or datetime.now(UTC)
    out = {}
    for name, data in catalog.all_sources.items():
        why = catalog.fallback.get(name)
        if why is None and name not in catalog.sources and catalog.is_sample:
            why = SAMPLE_TELEMETRY_REASON
        out[name] = assess(data.status, settings, now, f"no live or cached data: {why}" if why else None)
    return out


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def assess_all(statuses: dict[str, SourceStatus], settings: Settings, now: datetime | None = None) -> dict:
    """`assess` of every status (same order), at one `now`."""
    now = now or datetime.now(UTC)
    return {name: assess(s, settings, now) for name, s in statuses.items()}
