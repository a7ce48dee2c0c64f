"""Where the dashboard gets its data: the running service's snapshots, and the history.

Pages call the pure `chutes_data` functions (calc, charts, timeline...) on what these return.

One run path: the catalog always comes from a running `chutes_data.service` (its background
refresher refetches each source on its own TTL). Under the server that is the one its lifespan
started; in AppTest and a bare script run `service.runtime.ensure` starts the same service once
per process and reuses it while the settings stay the same. Pages take the current snapshot at
once and never fetch themselves (only a process with no snapshot yet waits for its first).

One Catalog per snapshot is shared by every session and rerun, without raw payloads (they are
large and only downloaded). Each `catalog()` call hands out shallow copies of the frames: with
pandas' copy-on-write a page that assigns into its frame copies what it touches and never
changes the shared one. What is built from a snapshot is kept beside it (`Service.memo`), never
on the frozen snapshot.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pandas as pd
import streamlit as st

from chutes_data import Catalog, Settings, service
from chutes_data.history import HistoryStore, history_path
from chutes_data.history.db import moved_aside_files, moved_aside_text
from chutes_data.query import apply_filters
from chutes_data.service.runtime import ensure
from chutes_data.sources.cache import DiskCache
from chutes_data.sources.registry import SAMPLE_DIR, SAMPLE_FILES

from . import sidebar

log = logging.getLogger(__name__)
SHOWN_REVISION = "_shown_revision"  # session state: the revision this run shows (ui/live.py)


def settings() -> Settings:
    """Settings from the environment, `.env` and Streamlit secrets (exported as env vars)."""
    return Settings.from_env()


def provider() -> service.Service:
    """The running service pages read from (the server's, or the one started for this process)."""
    return ensure(settings())


def snapshot() -> service.runtime.Snapshot:
    """The current snapshot (waiting for the first one when there is none yet), recorded as the
    one this run shows."""
    svc = provider()
    shown = svc.snapshot
    if shown is None:
        with st.spinner("Loading the Chutes catalog…"):
            shown = svc.wait_ready()
    if shown is None:
        st.error("No data yet: the first refresh has not finished. Reload in a moment.")
        st.stop()
    st.session_state[SHOWN_REVISION] = shown.revision
    return shown


def memo() -> dict | None:
    """What this run's snapshot keeps beside it for readers (None when a newer one is out)."""
    svc = provider()
    current = svc.snapshot
    if current is None or current.revision != st.session_state.get(SHOWN_REVISION):
        return None
    return svc.memo(current)


def catalog() -> Catalog:
    """The current catalog (the refresher's newest snapshot) as a view of the shared one: its
    frames are shallow, copy-on-write copies (no data is copied)."""
    return _view(shared_catalog(provider(), snapshot()))


def shared_catalog(svc: service.Service, shown: service.runtime.Snapshot) -> Catalog:
    """The snapshot's catalog without raw payloads, made once per snapshot and kept beside it
    (`Service.memo`); never modify it."""
    kept = svc.memo(shown)
    shared = kept.get("ui_catalog") if kept is not None else None
    if shared is None:
        shared = _without_payloads(shown.catalog)
        if kept is not None:
            kept["ui_catalog"] = shared
    return shared


def _view(shared: Catalog) -> Catalog:
    return dataclasses.replace(
        shared,
        models=shared.models.copy(deep=False),
        chutes=dataclasses.replace(shared.chutes, frame=shared.chutes.frame.copy(deep=False)),
        v1=dataclasses.replace(shared.v1, frame=shared.v1.frame.copy(deep=False)),
        telemetry={
            k: dataclasses.replace(v, frame=v.frame.copy(deep=False)) for k, v in shared.telemetry.items()
        },
        market={k: dataclasses.replace(v, frame=v.frame.copy(deep=False)) for k, v in shared.market.items()},
    )


def _without_payloads(catalog: Catalog) -> Catalog:
    return dataclasses.replace(
        catalog,
        chutes=dataclasses.replace(catalog.chutes, payload=None),
        v1=dataclasses.replace(catalog.v1, payload=None),
        telemetry={k: dataclasses.replace(v, payload=None) for k, v in catalog.telemetry.items()},
        market={k: dataclasses.replace(v, payload=None) for k, v in catalog.market.items()},
    )


def filtered_models(models: pd.DataFrame | None = None) -> pd.DataFrame:
    """The merged catalog under the sidebar's filters (filtering is outside the cache).

    Pass `catalog().models` when the page already holds it (saves a cache lookup).
    """
    return apply_filters(catalog().models if models is None else models, sidebar.filters())


def request_refresh() -> None:
    """Refetch every source now, bypassing the disk cache's TTL too (through the refresher: a
    refresh in flight is joined, never doubled)."""
    provider().refresh_blocking()


def raw_payload_bytes(source: str, origin: str) -> bytes | None:
    """The raw payload behind a source, as served: the cache file or the bundled sample."""
    if origin == "sample":
        path = SAMPLE_DIR / SAMPLE_FILES[source]
    elif origin in ("live", "cache"):
        path = DiskCache(settings().cache_dir).path(source)
    else:
        return None
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


# ---------------------------------------------------------------------------- history
# The history database changes under the app (every live fetch records a snapshot, a backfill
# can run from the CLI), so its reads are cached on the store's `revision()` and the file path,
# not on a TTL: a new snapshot shows on the next rerun, and an unchanged database is not re-read.
# A missing, locked, corrupt or too-new database gives empty frames (and a logged warning): the
# history is an extra, it never breaks a page.
HISTORY_EVENT_COLUMNS = ["at", "kind", "source", "name", "chute_id", "field", "old", "new"]
HISTORY_SNAPSHOT_COLUMNS = [
    "id",
    "source",
    "captured_at",
    "last_seen_at",
    "models",
    "observations",
    "origin",
    "has_payload",
]
_HISTORY_TIMEOUT = 2.0  # seconds to wait for a write lock before giving up on this rerun


def _history_store(path: Path) -> HistoryStore:
    """The process's shared read-only handle (history.shared_store): a rerun opens nothing, and
    the UI never writes or prunes. HistoryError when the file is gone meanwhile."""
    from chutes_data.errors import HistoryError
    from chutes_data.history import shared_store

    store = shared_store(path, timeout=_HISTORY_TIMEOUT)
    if store is None:
        raise HistoryError(f"history database {path} is gone")
    return store


def _history_revision() -> tuple[str, str] | None:
    """(database path, revision), or None when there is no readable history database."""
    path = history_path(settings())
    if not path.is_file():  # do not create an empty database just by looking
        return None
    try:
        return str(path), _history_store(path).revision()
    except Exception as exc:  # noqa: BLE001 - HistoryError, OSError, anything: show no history
        _history_warning(path, exc)
        return None


def history_notices() -> list[str]:
    """What to say about the history database beside "No history yet": a corrupt file moved aside
    (where it went, and that history restarted), or why the database cannot be read now."""
    path = history_path(settings())
    notes = []
    if path.is_file():
        try:
            _history_store(path)
        except Exception as exc:  # noqa: BLE001 - said on the page instead
            notes.append(f"The history database cannot be read: {exc}")
    moved = moved_aside_text(path, moved_aside_files(path))  # after opening: it may move it now
    return ([moved] if moved else []) + notes


def _history_warning(path: object, exc: BaseException) -> None:
    log.warning("history database %s is not readable: %s", path, exc)


@st.cache_data(show_spinner=False, max_entries=8)
def _history_events(path: str, revision: str) -> pd.DataFrame:
    events = _history_store(Path(path)).changes()
    frame = pd.DataFrame(events, columns=HISTORY_EVENT_COLUMNS)
    frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
    return frame.sort_values("at", ascending=False, kind="stable").reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=128)
def _price_history(path: str, revision: str, key: str, source: str | None) -> pd.DataFrame:
    return _history_store(Path(path)).price_history(key, source=source)


@st.cache_data(show_spinner=False, max_entries=8)
def _history_snapshots(path: str, revision: str) -> pd.DataFrame:
    return _history_store(Path(path)).snapshots_frame()


def _empty_events() -> pd.DataFrame:
    frame = pd.DataFrame(columns=HISTORY_EVENT_COLUMNS)
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


def history_events() -> pd.DataFrame:
    """Every change event in the history database (`HistoryStore.changes()`), newest first:
    HISTORY_EVENT_COLUMNS, `at` as UTC timestamps. Empty (same columns) when there is no history
    or it cannot be read."""
    found = _history_revision()
    if found is None:
        return _empty_events()
    try:
        return _history_events(*found)
    except Exception as exc:  # noqa: BLE001 - not cached: the next rerun tries again
        _history_warning(found[0], exc)
        return _empty_events()


def price_history(key: str, source: str | None = None) -> pd.DataFrame:
    """One model's stored snapshots, oldest first (`HistoryStore.price_history`: at, source, name,
    chute_id, USD prices, hot, context_length, ..., last_seen_at), for step charts. `key` is a
    history key, name or chute_id; `source` ("chutes" | "v1") narrows to one source. Empty when
    there is no history for it or the database cannot be read."""
    found = _history_revision()
    if found is None or not isinstance(key, str) or not key:
        return pd.DataFrame()
    try:
        return _price_history(*found, key, source)
    except Exception as exc:  # noqa: BLE001
        _history_warning(found[0], exc)
        return pd.DataFrame()


def history_snapshots() -> pd.DataFrame:
    """The stored snapshots (`HistoryStore.snapshots_frame()`: id, source, captured_at,
    last_seen_at, models, observations, origin, has_payload), oldest first; empty when none."""
    found = _history_revision()
    if found is None:
        return pd.DataFrame(columns=HISTORY_SNAPSHOT_COLUMNS)
    try:
        return _history_snapshots(*found)
    except Exception as exc:  # noqa: BLE001
        _history_warning(found[0], exc)
        return pd.DataFrame(columns=HISTORY_SNAPSHOT_COLUMNS)


# ---------------------------------------------------------------------------- telemetry history
def daily_stats(chute_id: str, today: object) -> pd.DataFrame | None:
    """The history's kept daily stats of one chute (issue 11), or None when unreadable."""
    from chutes_data.history.telemetry import daily_stats as kept

    try:
        return kept(settings(), chute_id, today=today)
    except Exception as exc:  # noqa: BLE001 - history is an extra: never break a page
        _history_warning(history_path(settings()), exc)
        return None


def probe_history(model: str) -> pd.DataFrame | None:
    """The user's own probe results for `model`, newest first, or None when unreadable."""
    from chutes_data.history.telemetry import probes

    try:
        return probes(settings(), model=model, limit=10)
    except Exception as exc:  # noqa: BLE001
        _history_warning(history_path(settings()), exc)
        return None
