"""Loading the two market sources (models.dev, OpenRouter) and joining them to the catalog.

The same rule as every source (`loading.load`): cache within `CHUTES_MARKET_MINUTES` (default
360) -> upstream (keyless, `ChutesClient.get_url_json`) -> the last good snapshot, marked stale
-> nothing. Both are fetched at the same time. Either failing leaves the catalog whole: the
columns it would fill are unknown (NA), and `status`, the banner and Data sources name it.
Offline (or beside the bundled sample) the sample's synthetic market is served, never live.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pandas as pd

from ..config import Settings
from ..market import Market, build
from ..schema import MARKET_COLUMN_NAMES
from .client import ChutesClient
from .loading import cached_status, load, load_sample
from .registry import MARKET_SOURCES, SOURCES
from .types import SourceData, SourceStatus


def load_market(
    settings: Settings,
    *,
    refresh: bool = False,
    client: ChutesClient | None = None,
    sample: bool = False,
    now: datetime | None = None,
) -> dict[str, SourceData]:
    """Both market sources (in parallel); `sample` serves the bundled sample's market."""
    if sample or settings.offline:
        return {s: load_sample(settings, s) for s in MARKET_SOURCES}
    with ThreadPoolExecutor(max_workers=len(MARKET_SOURCES), thread_name_prefix="market") as pool:
        futures = {
            s: pool.submit(load, settings, s, refresh=refresh, client=client, now=now) for s in MARKET_SOURCES
        }
        return {s: f.result()[0] for s, f in futures.items()}


def as_of(market: dict[str, SourceData]) -> dict[str, str | None]:
    """The snapshot day per source as the offers name it ("models.dev", "openrouter")."""
    out: dict[str, str | None] = {}
    for name, data in market.items():
        key = "models.dev" if name == "models_dev" else name
        s = data.status
        out[key] = (
            "sample" if s.origin == "sample" else s.fetched_at.date().isoformat() if s.fetched_at else None
        )
    return out


def market_of(v1: pd.DataFrame, market: dict[str, SourceData] | None) -> Market:
    """The market and facts of every `/v1/models` entry; a source with no data adds nothing."""
    market = market or {}
    frames = {s: (d.frame if d.status.origin != "none" else None) for s, d in market.items()}
    return build(v1, frames.get("models_dev"), frames.get("openrouter"), as_of(market))


def join_market(models: pd.DataFrame, found: Market) -> pd.DataFrame:
    """`models` with `MARKET_COLUMN_NAMES` (replaced when present) by `v1_id`; rows without a
    `/v1/models` entry or without a match get NA. Row order and index are kept."""
    base = models.drop(columns=[c for c in MARKET_COLUMN_NAMES if c in models.columns])
    columns = found.columns.loc[~found.columns.index.duplicated()]
    keys = [k if isinstance(k, str) else None for k in base["v1_id"].tolist()]
    keyed = columns.reindex(keys)[MARKET_COLUMN_NAMES]
    for col in MARKET_COLUMN_NAMES:  # reindexing makes NaN of None: keep the declared dtypes
        dtype = columns[col].dtype
        keyed[col] = (
            keyed[col].astype(object).where(keyed[col].notna(), None)
            if str(dtype) == "object"
            else keyed[col].astype(dtype)
        )
    keyed.index = base.index
    return pd.concat([base, keyed], axis=1)


def market_cache_status(settings: Settings) -> dict[str, SourceStatus]:
    """What is on disk for each market source, without fetching (for `status`)."""
    return cached_status(settings, MARKET_SOURCES)


LABELS = {s: SOURCES[s].label for s in MARKET_SOURCES}
