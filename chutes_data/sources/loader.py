"""The catalog: its two sources (and saved files of them) loaded, merged, with the telemetry.

`load_catalog()` is the one call the CLI and the dashboard make. Each source is loaded by the
one rule of `loading.load` (cache first, then upstream, then the last good snapshot, then
nothing; declared in `registry.SOURCES`); a saved file replaces a fetch. The two frames are
merged and the telemetry columns joined. The bundled sample is used only when asked for
(`offline`), or by the dashboard when neither source has any data at all; it is never mixed
with live data.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import NoDataError, PayloadError
from ..merge import merge_catalogs
from ..merge.telemetry import join_telemetry
from ..values import parse_time
from . import registry
from .cache import unwrap
from .client import ChutesClient
from .loading import cached_status, load, load_sample, source_data
from .market_loader import join_market, load_market, market_of
from .telemetry_loader import columns_of, load_telemetry
from .types import Catalog, SourceData, SourceStatus

log = logging.getLogger(__name__)

SOURCES: tuple[str, ...] = registry.CATALOG_SOURCES


# ---------------------------------------------------------------------------- per source
def read_payload_file(path: Path | str, source: str) -> tuple[Any, datetime | None]:
    """A saved response body (or one of our cache files) -> (payload, fetched_at if stated)."""
    path = Path(path)
    try:
        doc = json.loads(path.read_bytes())
    except OSError as exc:
        raise PayloadError(f"{source}: cannot read {path} ({exc.strerror or exc})", source=source) from None
    except (ValueError, UnicodeDecodeError):
        raise PayloadError(f"{source}: {path} is not valid JSON", source=source) from None
    stamped = doc if isinstance(doc, dict) else {}  # the wrapper, or a capture with _captured_at
    fetched_at = parse_time(stamped.get("fetched_at") or stamped.get("_captured_at"))
    doc, _ = unwrap(doc)
    spec = registry.SOURCES[source]
    (spec.check or spec.frame)(doc)  # raises PayloadError when the envelope is unusable (the
    return doc, fetched_at  # frame is built once, by the caller: building it here too doubled the cost)


def load_file(settings: Settings, source: str, path: Path | str) -> SourceData:
    payload, fetched_at = read_payload_file(path, source)
    return source_data(settings, source, "file", payload, fetched_at=fetched_at)


def load_source(
    settings: Settings,
    source: str,
    *,
    refresh: bool = False,
    client: ChutesClient | None = None,
    now: datetime | None = None,
) -> SourceData:
    """Cache within the TTL, else upstream; on failure the last good snapshot, marked stale
    (`loading.load`, the rule every declared source is loaded by)."""
    return load(settings, source, refresh=refresh, client=client, now=now)[0]


def storage_warning(settings: Settings, problems: list[tuple[str, ...]]) -> str | None:
    """One sentence for the banner and the CLI when fetched data could not be kept
    (`problems`: each source's `SourceData.storage`)."""
    first: dict[bool, str] = {}  # the first cache problem and the first history problem say it all
    for problem in (p for source in problems for p in source):
        first.setdefault(problem.startswith("history"), problem)
    if not first:
        return None
    return (
        f"Cannot save to the cache directory {settings.cache_dir}: "
        f"{'; '.join(first.values())}. The data shown was fetched live but is not "
        "kept: the next start refetches, and no history builds up (Changes stays empty). "
        "Make the directory writable or set CHUTES_CACHE_DIR."
    )


# ---------------------------------------------------------------------------- the catalog
def build_catalog(
    chutes: SourceData,
    v1: SourceData,
    *,
    warnings: tuple[str, ...] = (),
    now: datetime | None = None,
    telemetry: dict[str, SourceData] | None = None,
    market: dict[str, SourceData] | None = None,
) -> Catalog:
    result = merge_catalogs(chutes.frame, v1.frame)
    models = result.models
    if telemetry:
        models = join_telemetry(models, columns_of(telemetry, now))
    found = market_of(v1.frame, market)  # always: without a market its columns are NA
    models = join_market(models, found)
    return Catalog(
        chutes=chutes,
        v1=v1,
        models=models,
        report=result.report,
        generated_at=now or datetime.now(UTC),
        warnings=warnings,
        telemetry=dict(telemetry or {}),
        market=dict(market or {}),
        market_view=found,
    )


def load_catalog(
    settings: Settings,
    *,
    refresh: bool = False,
    client: ChutesClient | None = None,
    files: dict[str, Path | str | None] | None = None,
    allow_sample: bool = False,
    require_data: bool = False,
    telemetry: bool = True,
) -> Catalog:
    """Both sources (files replace a fetch for their source), merged, with the telemetry.

    `allow_sample`: when neither source has any data, serve the bundled sample for both (the
    dashboard's fallback). `require_data`: raise NoDataError when nothing at all could be had.
    `telemetry`: also load the telemetry sources and join their columns (not with `files`: a
    saved catalog is not mixed with live telemetry; with the sample, the sample's telemetry).
    """
    files = {k: v for k, v in (files or {}).items() if v}
    with_telemetry = telemetry and not files
    # The telemetry (an extra, on its own TTL) loads alongside the two catalog sources.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="telemetry-load") as side:
        pending = (
            side.submit(load_telemetry, settings, refresh=refresh, client=client)
            if with_telemetry and not settings.offline
            else None
        )
        pending_market = (  # the market (issue 19): also an extra, on its own TTL
            side.submit(load_market, settings, refresh=refresh, client=client)
            if with_telemetry and not settings.offline
            else None
        )
        loaded = load_sources(settings, files=files, refresh=refresh, client=client)  # type: ignore[arg-type]
        tele = pending.result() if pending is not None else None
        market = pending_market.result() if pending_market is not None else None
    return assemble_catalog(
        settings,
        loaded,
        telemetry=tele,
        market=market,
        sample_telemetry=with_telemetry,
        allow_sample=allow_sample,
        require_data=require_data,
    )


def load_sources(
    settings: Settings,
    *,
    files: dict[str, Path | str] | None = None,
    refresh: bool = False,
    client: ChutesClient | None = None,
) -> dict[str, SourceData]:
    """Both catalog sources: the given files, the others fetched at the same time (a thread
    each: the wait is network I/O, so a cold load waits for the slower source, not the sum)."""
    files = files or {}
    loaded: dict[str, SourceData] = {}
    fetch = [source for source in SOURCES if source not in files]
    if len(fetch) > 1:
        with ThreadPoolExecutor(max_workers=len(fetch), thread_name_prefix="chutes-fetch") as pool:
            futures = {
                source: pool.submit(load_source, settings, source, refresh=refresh, client=client)
                for source in fetch
            }
            loaded.update({source: future.result() for source, future in futures.items()})
    else:
        loaded.update(
            {source: load_source(settings, source, refresh=refresh, client=client) for source in fetch}
        )
    loaded.update({source: load_file(settings, source, files[source]) for source in files})
    return {source: loaded[source] for source in SOURCES}


def assemble_catalog(
    settings: Settings,
    loaded: dict[str, SourceData],
    *,
    telemetry: dict[str, SourceData] | None = None,
    market: dict[str, SourceData] | None = None,
    sample_telemetry: bool = True,
    allow_sample: bool = False,
    require_data: bool = False,
) -> Catalog:
    """The loaded sources merged, with the sample fallback and the no-data rule (`load_catalog`
    and the background refresher both end here). Beside the sample (or offline) the telemetry is
    the sample's too, never live (`sample_telemetry`)."""
    warnings = settings.warnings
    stored = storage_warning(settings, [d.storage for d in loaded.values() if d.storage])
    if stored:
        warnings += (stored,)
    fallback: dict[str, str] = {}
    if all(d.status.origin == "none" for d in loaded.values()):
        if allow_sample:
            fallback = {s: d.status.error or "no data" for s, d in loaded.items()}
            warnings += (fallback_warning(fallback),)
            loaded = {s: load_sample(settings, s) for s in loaded}
        elif require_data:
            reasons = "; ".join(d.status.error or "no data" for d in loaded.values())
            raise NoDataError(f"no data: {reasons}")
    if sample_telemetry and (loaded["chutes"].status.origin == "sample" or settings.offline):
        telemetry = load_telemetry(settings, sample=True)
        market = load_market(settings, sample=True)
    catalog = build_catalog(
        loaded["chutes"], loaded["v1"], warnings=warnings, telemetry=telemetry, market=market
    )
    if settings.scores:  # issue 20: the leaderboard tables, matched to the /v1/models ids
        catalog = with_score_tables(catalog, settings)
    return replace(catalog, fallback=fallback) if fallback else catalog


def fallback_warning(fallback: dict[str, str]) -> str:
    """The sentence the CLI and exports carry when the sample stands in (`Catalog.fallback`
    holds the same reasons as data: the banner names them from there)."""
    return f"No live or cached data ({'; '.join(fallback.values())}). Showing the bundled sample."


def cache_status(settings: Settings) -> dict[str, SourceStatus]:
    """What is on disk, without fetching: for `status` and the Data sources page."""
    return cached_status(settings, SOURCES)


def with_score_tables(catalog: Catalog, settings: Settings, *, refresh: bool = False) -> Catalog:
    """`catalog` with the CHUTES_SCORES tables' columns (`score`, `score_source`, `score_match`)
    and their statuses; a table that fails leaves its scores NA, never the catalog broken."""
    from ..scores import with_scores
    from .scores_loader import load_scores

    result = load_scores(settings, catalog.v1.frame, refresh=refresh)
    return replace(catalog, models=with_scores(catalog.models, result.match), scores=result)
