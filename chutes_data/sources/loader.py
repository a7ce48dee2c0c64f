"""Where data comes from: cache first, then upstream, then the last good snapshot, then nothing.

`load_catalog()` is the one call the CLI and the dashboard make. For each source it decides the
origin (live / cache / sample / file / none), keeps the last good snapshot when a refresh fails
(marked stale, with the reason), records successful fetches in the history database, and merges
the two frames. The bundled sample is used only when asked for (`offline`), or by the dashboard
when neither source has any data at all; it is never mixed with live data.
"""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..config import Settings
from ..errors import ChutesDataError, FetchError, NoDataError, PayloadError
from ..history import open_history
from ..merge import merge_catalogs
from ..merge.telemetry import join_telemetry
from ..urls import redact
from ..values import parse_time
from . import normalize
from .cache import DiskCache, unwrap
from .client import ChutesClient
from .types import Catalog, SourceData, SourceStatus

log = logging.getLogger(__name__)

Source = Literal["chutes", "v1"]
Origin = Literal["live", "cache", "sample", "file", "none"]
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample"
SAMPLE_FILES = {"chutes": "chutes.json", "v1": "v1_models.json"}
SOURCES: tuple[Source, ...] = ("chutes", "v1")
_HISTORY_LOCK = threading.Lock()  # the two fetch threads record one at a time
_FRAMES = {"chutes": normalize.chutes_frame, "v1": normalize.v1_frame}
_ITEMS = {"chutes": normalize.chutes_items, "v1": normalize.v1_items}


# ---------------------------------------------------------------------------- per source
def _status(settings: Settings, source: str, origin: str, frame: pd.DataFrame, *,
            fetched_at: datetime | None, stale: bool = False, complete: bool = True,
            error: str | None = None) -> SourceStatus:
    return SourceStatus(source=source, origin=origin, fetched_at=fetched_at, count=len(frame),
                        stale=stale, complete=complete,
                        error=redact(error, settings.api_key) if error else None,
                        ttl_seconds=settings.ttl_seconds)


def _data(settings: Settings, source: str, origin: str, payload: Any, **kw: Any) -> SourceData:
    frame = _FRAMES[source](payload) if payload is not None else _FRAMES[source]({"items": [], "data": []})
    return SourceData(status=_status(settings, source, origin, frame, **kw), frame=frame,
                      payload=payload)


def sample_payload(source: str) -> Any:
    """The bundled, synthetic sample payload of a source (see chutes_data/sample/README.md)."""
    return json.loads((SAMPLE_DIR / SAMPLE_FILES[source]).read_text(encoding="utf-8"))


def load_sample(settings: Settings, source: str) -> SourceData:
    return _data(settings, source, "sample", sample_payload(source), fetched_at=None)


def read_payload_file(path: Path | str, source: str) -> tuple[Any, datetime | None]:
    """A saved response body (or one of our cache files) -> (payload, fetched_at if stated)."""
    path = Path(path)
    try:
        doc = json.loads(path.read_bytes())
    except OSError as exc:
        raise PayloadError(f"{source}: cannot read {path} ({exc.strerror or exc})",
                           source=source) from None
    except (ValueError, UnicodeDecodeError):
        raise PayloadError(f"{source}: {path} is not valid JSON", source=source) from None
    stamped = doc if isinstance(doc, dict) else {}  # the wrapper, or a capture with _captured_at
    fetched_at = parse_time(stamped.get("fetched_at") or stamped.get("_captured_at"))
    doc, _ = unwrap(doc)
    _ITEMS[source](doc)  # raises PayloadError when the envelope is unusable (the frame is built
    return doc, fetched_at  # once, by the caller: building it here too doubled the cost)


def load_file(settings: Settings, source: str, path: Path | str) -> SourceData:
    payload, fetched_at = read_payload_file(path, source)
    return _data(settings, source, "file", payload, fetched_at=fetched_at)


def _fetch(client: ChutesClient, source: str) -> Any:
    return client.list_chutes() if source == "chutes" else client.list_v1_models()


def load_source(settings: Settings, source: str, *, refresh: bool = False,
                client: ChutesClient | None = None, now: datetime | None = None) -> SourceData:
    """Cache within the TTL, else upstream; on failure the last good snapshot, marked stale."""
    if settings.offline:
        return load_sample(settings, source)
    now = now or datetime.now(UTC)
    cache = DiskCache(settings.cache_dir)
    cached = cache.read(source)
    # A fetch time in the future (clock skew, a hand-edited file) is not "fresh": refetch.
    if cached is not None and not refresh and \
            0 <= (now - cached.fetched_at).total_seconds() < settings.ttl_seconds:
        try:
            return _data(settings, source, "cache", cached.payload, fetched_at=cached.fetched_at)
        except PayloadError:
            log.warning("cached %s payload is unusable; refetching", source)
            cached = None

    own_client = client is None
    client = client or ChutesClient(settings)
    try:
        payload = _fetch(client, source)
        data = _data(settings, source, "live", payload, fetched_at=now)
    except ChutesDataError as exc:
        message = redact(str(exc), settings.api_key)
        cache.write_error(source, message, now)
        log.warning("%s", message)
        partial = exc.partial if isinstance(exc, FetchError) else None
        if cached is not None:
            try:
                return _data(settings, source, "cache", cached.payload, fetched_at=cached.fetched_at,
                             stale=True, error=message)
            except PayloadError:
                pass
        if partial is not None:
            return _data(settings, source, "live", partial, fetched_at=now, complete=False,
                         error=message)
        return _data(settings, source, "none", None, fetched_at=None, error=message)
    finally:
        if own_client:
            client.close()
    problems = [] if cache.write(source, payload, now) else [cache.write_problem or "cannot write"]
    history_problem = _record_history(settings, source, payload, now)
    if history_problem:
        problems.append(history_problem)
    return replace(data, storage="; ".join(problems)) if problems else data


def _record_history(settings: Settings, source: str, payload: Any, at: datetime) -> str | None:
    """Keep the snapshot in history; a history problem never breaks a fetch (it is returned,
    and logged). An empty fetch is not recorded and is no problem.

    A fetch that lists no models is not recorded (`allow_empty=False`): taken as a snapshot it
    would log every model as removed, then as added again on the next good fetch."""
    try:
        with _HISTORY_LOCK, open_history(settings) as store:
            store.record(source, payload, at, origin="live", allow_empty=False)
    except PayloadError as exc:
        log.warning("could not record %s history: %s", source, exc)
    except Exception as exc:  # noqa: BLE001 - history is best effort by design
        log.warning("could not record %s history: %s", source, exc)
        return f"history not recorded: {exc}"
    return None


def storage_warning(settings: Settings, problems: list[str]) -> str | None:
    """One sentence for the banner and the CLI when fetched data could not be kept."""
    parts = [p for problem in problems for p in problem.split("; ")]
    first = {}  # the first cache problem and the first history problem say it all
    for part in parts:
        first.setdefault(part.startswith("history"), part)
    if not first:
        return None
    return (f"Cannot save to the cache directory {settings.cache_dir}: "
            f"{'; '.join(first.values())}. The data shown was fetched live but is not "
            "kept: the next start refetches, and no history builds up (Changes stays empty). "
            "Make the directory writable or set CHUTES_CACHE_DIR.")


# ---------------------------------------------------------------------------- the catalog
def build_catalog(chutes: SourceData, v1: SourceData, *, warnings: tuple[str, ...] = (),
                  now: datetime | None = None,
                  telemetry: dict[str, SourceData] | None = None) -> Catalog:
    result = merge_catalogs(chutes.frame, v1.frame)
    models = result.models
    if telemetry:
        from .telemetry_loader import columns_of

        models = join_telemetry(models, columns_of(telemetry, now))
    return Catalog(chutes=chutes, v1=v1, models=models, report=result.report,
                   generated_at=now or datetime.now(UTC), warnings=warnings,
                   telemetry=dict(telemetry or {}))


def load_catalog(settings: Settings, *, refresh: bool = False, client: ChutesClient | None = None,
                 files: dict[str, Path | str | None] | None = None, allow_sample: bool = False,
                 require_data: bool = False, telemetry: bool = True) -> Catalog:
    """Both sources (files replace a fetch for their source), merged, with the telemetry.

    `allow_sample`: when neither source has any data, serve the bundled sample for both (the
    dashboard's fallback). `require_data`: raise NoDataError when nothing at all could be had.
    `telemetry`: also load the telemetry sources and join their columns (not with `files`: a
    saved catalog is not mixed with live telemetry; with the sample, the sample's telemetry).
    """
    files = {k: v for k, v in (files or {}).items() if v}
    with_telemetry = telemetry and not files
    # The telemetry (an extra, on its own TTL) loads alongside the two catalog sources.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="telemetry-load") as side:
        pending = side.submit(load_telemetry_sources, settings, refresh=refresh, client=client) \
            if with_telemetry and not settings.offline else None
        loaded = load_sources(settings, files=files, refresh=refresh, client=client)
        tele = pending.result() if pending is not None else None
    return assemble_catalog(settings, loaded, telemetry=tele, sample_telemetry=with_telemetry,
                            allow_sample=allow_sample, require_data=require_data)


def load_telemetry_sources(settings: Settings, *, refresh: bool = False,
                           client: ChutesClient | None = None,
                           sample: bool = False) -> dict[str, SourceData]:
    """Every telemetry source (`telemetry_loader`), live or the bundled sample's."""
    from .telemetry_loader import load_telemetry  # it builds on this module's SourceData

    return load_telemetry(settings, refresh=refresh, client=client, sample=sample)


def load_sources(settings: Settings, *, files: dict[str, Path | str] | None = None,
                 refresh: bool = False, client: ChutesClient | None = None) -> dict[str, SourceData]:
    """Both catalog sources: the given files, the others fetched at the same time (a thread
    each: the wait is network I/O, so a cold load waits for the slower source, not the sum)."""
    files = files or {}
    loaded: dict[str, SourceData] = {}
    fetch = [source for source in SOURCES if source not in files]
    if len(fetch) > 1:
        with ThreadPoolExecutor(max_workers=len(fetch), thread_name_prefix="chutes-fetch") as pool:
            futures = {source: pool.submit(load_source, settings, source, refresh=refresh,
                                           client=client) for source in fetch}
            loaded.update({source: future.result() for source, future in futures.items()})
    else:
        loaded.update({source: load_source(settings, source, refresh=refresh, client=client)
                       for source in fetch})
    loaded.update({source: load_file(settings, source, files[source]) for source in files})
    return {source: loaded[source] for source in SOURCES}


def assemble_catalog(settings: Settings, loaded: dict[str, SourceData], *,
                     telemetry: dict[str, SourceData] | None = None, sample_telemetry: bool = True,
                     allow_sample: bool = False, require_data: bool = False) -> Catalog:
    """The loaded sources merged, with the sample fallback and the no-data rule (`load_catalog`
    and the background refresher both end here). Beside the sample (or offline) the telemetry is
    the sample's too, never live (`sample_telemetry`)."""
    warnings = settings.warnings
    stored = storage_warning(settings, [d.storage for d in loaded.values() if d.storage])
    if stored:
        warnings += (stored,)
    if all(d.status.origin == "none" for d in loaded.values()):
        if allow_sample:
            reasons = "; ".join(d.status.error or "" for d in loaded.values() if d.status.error)
            warnings += (f"No live or cached data ({reasons}). Showing the bundled sample.",)
            loaded = {s: load_sample(settings, s) for s in loaded}
        elif require_data:
            reasons = "; ".join(d.status.error or "no data" for d in loaded.values())
            raise NoDataError(f"no data: {reasons}")
    if sample_telemetry and (loaded["chutes"].status.origin == "sample" or settings.offline):
        telemetry = load_telemetry_sources(settings, sample=True)
    return build_catalog(loaded["chutes"], loaded["v1"], warnings=warnings, telemetry=telemetry)


def cache_status(settings: Settings) -> dict[str, SourceStatus]:
    """What is on disk, without fetching: for `status` and the Data sources page."""
    cache = DiskCache(settings.cache_dir)
    now = datetime.now(UTC)
    out = {}
    for source in ("chutes", "v1"):
        cached = cache.read(source)
        last_error = cache.read_error(source)
        count = 0
        if cached is not None:
            try:
                count = len(_FRAMES[source](cached.payload))
            except PayloadError:
                cached = None
        error = last_error.message if last_error else None
        if cached is None:
            out[source] = SourceStatus(source, "none", None, 0, False, False, error,
                                       settings.ttl_seconds)
            continue
        stale = (now - cached.fetched_at).total_seconds() >= settings.ttl_seconds or (
            last_error is not None and last_error.at > cached.fetched_at)
        out[source] = SourceStatus(source, "cache", cached.fetched_at, count, stale, True, error,
                                   settings.ttl_seconds)
    return out
