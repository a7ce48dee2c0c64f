"""The data behind the Data sources page: a `SourceStatus` becomes facts, `Settings` a table.

Pure (no streamlit). The settings table never contains the API key (only whether one is set);
every text shown beside settings has the key redacted and URL credentials masked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from ..config import Settings
from ..formatting import duration_text
from ..sources.cache import DiskCache, LastError
from ..sources.state import State, assess
from ..sources.types import SourceStatus
from ..urls import mask_credentials, redact

__all__ = ["recorded_error", "scrub", "settings_rows", "shown_url", "source_facts"]


def scrub(text: object, secret: str | None = None) -> str:
    """Text safe to show next to settings: the key (if any) redacted and URL credentials masked."""
    out = redact(str(text), secret) if text is not None else ""
    return mask_credentials(out)


def shown_url(url: str) -> str:
    """A base URL as we show it: no credentials, query or fragment (those are never needed and
    could hold a secret)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return scrub(url.split("?")[0].split("#")[0])
    netloc = ("***@" if parts.username or parts.password else "") + host + (f":{port}" if port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def recorded_error(settings: Settings, source: str) -> LastError | None:
    """The last failed refresh the disk cache recorded for `source` (cleared by the next
    success); None offline (nothing is fetched there) or when there is none."""
    if settings.offline:
        return None
    return DiskCache(settings.cache_dir, settings.api_key).read_error(source)


def source_facts(
    status: SourceStatus,
    now: datetime | None = None,
    secret: str | None = None,
    recorded: LastError | None = None,
    *,
    settings: Settings,
) -> dict[str, str]:
    """What the Data sources page says about one source, as label -> text. `recorded` (from
    `recorded_error`) is shown when this load itself carries no error, e.g. when both sources
    failed and the bundled sample stands in. Its state (and whether it is stale) is the one
    rule's (`sources.state.assess`), as in the banner, the API and `status`."""
    now = now or datetime.now(UTC)
    outcome = assess(status, settings, now)
    if status.error:
        error = scrub(status.error, secret)
    elif recorded is not None:
        at = recorded.at.astimezone(UTC)
        error = f"{scrub(recorded.message, secret)} (at {at:%Y-%m-%d %H:%M} UTC)"
    else:
        error = "none"
    age = status.age_seconds(now)
    fetched = (
        status.fetched_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if status.fetched_at
        else "— (bundled sample)"
        if status.origin == "sample"
        else "—"
    )
    expired = age is not None and age >= status.ttl_seconds
    return {
        "origin": status.origin,
        "fetched_at": fetched,
        "age": duration_text(age),
        "ttl": _duration(status.ttl_seconds),
        "fresh": "—" if age is None else ("expired: refetch on next load" if expired else "within TTL"),
        "count": f"{status.count:,}",
        "complete": "yes" if status.complete else "no (partial)",
        "state": outcome.state.value,
        "stale": f"yes: {scrub(outcome.reason, secret)}" if outcome.state is State.STALE else "no",
        "error": error,
    }


def settings_rows(settings: Settings) -> pd.DataFrame:
    """The settings in effect (setting, value, env var). The API key appears only as
    'configured' / 'not set', never any part of it."""
    rows = [
        ("API key", "configured" if settings.has_key else "not set", "CHUTES_API_KEY"),
        ("Chutes API base URL", shown_url(settings.base_url), "CHUTES_BASE_URL"),
        ("LLM API base URL", shown_url(settings.llm_base_url), "CHUTES_LLM_BASE_URL"),
        ("Offline (bundled sample only)", "yes" if settings.offline else "no", "CHUTES_OFFLINE"),
        ("Cache directory", scrub(settings.cache_dir, settings.api_key), "CHUTES_CACHE_DIR"),
        ("Cache TTL", _duration(settings.ttl_seconds), "CACHE_DURATION_MINUTES"),
        ("HTTP timeout", _duration(settings.http_timeout), "CHUTES_HTTP_TIMEOUT"),
        ("History retention", f"{settings.history_days} days", "CHUTES_HISTORY_DAYS"),
        ("models.dev URL (keyless)", shown_url(settings.models_dev_url), "CHUTES_MODELS_DEV_URL"),
        ("OpenRouter URL (keyless)", shown_url(settings.openrouter_url), "CHUTES_OPENROUTER_URL"),
        ("Market TTL", _duration(settings.market_ttl_seconds), "CHUTES_MARKET_MINUTES"),
    ]
    return pd.DataFrame(rows, columns=["setting", "value", "env"])
